// Listener rules through the query wire, as the aws CLI and Terraform's
// aws_lb_listener_rule send them: what is answered, what is kept across a
// restart, what the data plane is given, and AWS's errors.
#include <algorithm>

#include "services/elbv2/elbv2_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class Elbv2Rules : public WireFixture<Elbv2Service> {
 protected:
  void SetUp() override {
    WireFixture::SetUp();
    lb_ = Tag(Call("CreateLoadBalancer", "Name=alb&Scheme=internal&Subnets.member.1=subnet-0a&Subnets.member.2=subnet-0b").body,
              "LoadBalancerArn");
    api_ = Tag(Call("CreateTargetGroup", "Name=api&Protocol=HTTP&Port=80&VpcId=vpc-1&TargetType=ip").body, "TargetGroupArn");
    web_ = Tag(Call("CreateTargetGroup", "Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&TargetType=ip").body, "TargetGroupArn");
    auto l = Call("CreateListener", "LoadBalancerArn=" + lb_ +
                                        "&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward"
                                        "&DefaultActions.member.1.TargetGroupArn=" + web_);
    ASSERT_EQ(l.status, 200) << l.body;
    listener_ = Tag(l.body, "ListenerArn");
  }

  // CreateRule with `priority`, a path-pattern condition and a forward to api.
  protocol::HttpResponse PathRule(int priority, const std::string& path) {
    return Call("CreateRule", "ListenerArn=" + listener_ + "&Priority=" + std::to_string(priority) +
                                  "&Conditions.member.1.Field=path-pattern"
                                  "&Conditions.member.1.PathPatternConfig.Values.member.1=" + path +
                                  "&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + api_);
  }

  // The <Priority> values of a DescribeRules answer, in order.
  static std::vector<std::string> Priorities(const std::string& body) {
    std::vector<std::string> out;
    for (size_t at = body.find("<Priority>"); at != std::string::npos; at = body.find("<Priority>", at + 1))
      out.push_back(body.substr(at + 10, body.find("</Priority>", at) - at - 10));
    return out;
  }

  std::string lb_, api_, web_, listener_;
};

TEST_F(Elbv2Rules, CreatedRulesAreListedByPriorityThenTheDefaultRule) {
  auto second = PathRule(20, "/b/*");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Tag(second.body, "Priority"), "20");
  EXPECT_EQ(Tag(second.body, "IsDefault"), "false");
  EXPECT_NE(Tag(second.body, "RuleArn").find(":listener-rule/app/alb/"), std::string::npos);
  ASSERT_EQ(PathRule(10, "/a/*").status, 200);
  auto listed = Call("DescribeRules", "ListenerArn=" + listener_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Priorities(listed.body), (std::vector<std::string>{"10", "20", "default"}));
  // Conditions are answered with both Values and their Config, as AWS does.
  EXPECT_NE(listed.body.find("<Field>path-pattern</Field><Values><member>/a/*</member></Values>"
                             "<PathPatternConfig><Values><member>/a/*</member></Values></PathPatternConfig>"),
            std::string::npos)
      << listed.body;
  // By ARN: a created rule, and the default one.
  auto by_arn = Call("DescribeRules", "RuleArns.member.1=" + Tag(second.body, "RuleArn"));
  EXPECT_EQ(Priorities(by_arn.body), (std::vector<std::string>{"20"}));
}

TEST_F(Elbv2Rules, RulesSurviveARestartAndGoToTheDataPlaneInOrder) {
  ASSERT_EQ(PathRule(5, "/api/*").status, 200);
  auto fixed = Call("CreateRule", "ListenerArn=" + listener_ +
                                      "&Priority=3&Conditions.member.1.Field=host-header"
                                      "&Conditions.member.1.HostHeaderConfig.Values.member.1=*.example.com"
                                      "&Actions.member.1.Type=fixed-response"
                                      "&Actions.member.1.FixedResponseConfig.StatusCode=418"
                                      "&Actions.member.1.FixedResponseConfig.ContentType=text/plain"
                                      "&Actions.member.1.FixedResponseConfig.MessageBody=teapot");
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  Restart();
  EXPECT_EQ(Priorities(Call("DescribeRules", "ListenerArn=" + listener_).body),
            (std::vector<std::string>{"3", "5", "default"}));
  auto plan = service_->Plan();
  ASSERT_EQ(plan.load_balancers.size(), 1u);
  ASSERT_EQ(plan.load_balancers[0].type, "application");
  EXPECT_EQ(plan.load_balancers[0].idle_timeout_s, 60);
  ASSERT_EQ(plan.load_balancers[0].listeners.size(), 1u);
  const auto& rules = plan.load_balancers[0].listeners[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].priority, 3);
  EXPECT_EQ(rules[0].conditions[0].field, "host-header");
  EXPECT_EQ(rules[0].conditions[0].values, (std::vector<std::string>{"*.example.com"}));
  EXPECT_EQ(rules[0].action.type, "fixed-response");
  EXPECT_EQ(rules[0].action.status_code, "418");
  EXPECT_EQ(rules[0].action.body, "teapot");
  EXPECT_EQ(rules[1].action.type, "forward");
  EXPECT_EQ(rules[1].action.target_groups[0].arn, api_);
  EXPECT_EQ(rules[2].priority, 0);  // the default rule, last
  EXPECT_EQ(rules[2].action.target_groups[0].arn, web_);
  // Both groups are served: a rule's forward counts as a use.
  EXPECT_EQ(plan.target_groups.size(), 2u);
  auto tg = Call("DescribeTargetGroups", "TargetGroupArns.member.1=" + api_);
  EXPECT_EQ(Tag(tg.body, "LoadBalancerArns"), "<member>" + lb_ + "</member>");
}

TEST_F(Elbv2Rules, ModifyRuleReplacesConditionsAndActions) {
  std::string arn = Tag(PathRule(7, "/old/*").body, "RuleArn");
  auto modified = Call("ModifyRule", "RuleArn=" + arn +
                                         "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/new/*"
                                         "&Actions.member.1.Type=redirect&Actions.member.1.RedirectConfig.Path=/v2/#{path}"
                                         "&Actions.member.1.RedirectConfig.StatusCode=HTTP_301");
  ASSERT_EQ(modified.status, 200) << modified.body;
  EXPECT_EQ(Tag(modified.body, "Priority"), "7");
  // AWS fills the components a redirect leaves as they were.
  EXPECT_NE(modified.body.find("<RedirectConfig><Protocol>#{protocol}</Protocol><Port>#{port}</Port><Host>#{host}</Host>"
                               "<Path>/v2/#{path}</Path><Query>#{query}</Query><StatusCode>HTTP_301</StatusCode>"),
            std::string::npos)
      << modified.body;
  EXPECT_NE(modified.body.find("/new/*"), std::string::npos);
}

TEST_F(Elbv2Rules, SetRulePrioritiesSwapsAtomically) {
  std::string a = Tag(PathRule(1, "/first").body, "RuleArn");
  std::string b = Tag(PathRule(2, "/second").body, "RuleArn");
  auto swapped = Call("SetRulePriorities", "RulePriorities.member.1.RuleArn=" + a + "&RulePriorities.member.1.Priority=2"
                                           "&RulePriorities.member.2.RuleArn=" + b + "&RulePriorities.member.2.Priority=1");
  ASSERT_EQ(swapped.status, 200) << swapped.body;
  auto listed = Call("DescribeRules", "ListenerArn=" + listener_).body;
  EXPECT_LT(listed.find("/second"), listed.find("/first"));
  // Onto a priority another rule keeps: nothing changes.
  std::string c = Tag(PathRule(3, "/c").body, "RuleArn");
  ExpectError(Call("SetRulePriorities", "RulePriorities.member.1.RuleArn=" + c + "&RulePriorities.member.1.Priority=1"),
              400, "PriorityInUse", "Priority '1' is currently in use");
  EXPECT_EQ(Priorities(Call("DescribeRules", "RuleArns.member.1=" + c).body), (std::vector<std::string>{"3"}));
}

TEST_F(Elbv2Rules, DeleteRuleAndTheDefaultRuleStays) {
  std::string arn = Tag(PathRule(4, "/x").body, "RuleArn");
  ASSERT_EQ(Call("DeleteRule", "RuleArn=" + arn).status, 200);
  ExpectError(Call("DeleteRule", "RuleArn=" + arn), 400, "RuleNotFound");
  ExpectError(Call("DescribeRules", "RuleArns.member.1=" + arn), 400, "RuleNotFound");
  std::string default_arn = Tag(Call("DescribeRules", "ListenerArn=" + listener_).body, "RuleArn");
  ExpectError(Call("DeleteRule", "RuleArn=" + default_arn), 400, "OperationNotPermitted");
  ExpectError(Call("SetRulePriorities", "RulePriorities.member.1.RuleArn=" + default_arn +
                                            "&RulePriorities.member.1.Priority=9"),
              400, "OperationNotPermitted");
}

TEST_F(Elbv2Rules, DeletingTheListenerDeletesItsRules) {
  std::string arn = Tag(PathRule(4, "/x").body, "RuleArn");
  ASSERT_EQ(Call("DeleteListener", "ListenerArn=" + listener_).status, 200);
  ExpectError(Call("DescribeRules", "RuleArns.member.1=" + arn), 400, "RuleNotFound");
  // The api group is no longer in use: it can go.
  EXPECT_EQ(Call("DeleteTargetGroup", "TargetGroupArn=" + api_).status, 200);
}

TEST_F(Elbv2Rules, RuleTagsAreKeptLikeOtherResources) {
  auto created = Call("CreateRule", "ListenerArn=" + listener_ +
                                        "&Priority=8&Conditions.member.1.Field=path-pattern"
                                        "&Conditions.member.1.Values.member.1=/t&Actions.member.1.Type=forward"
                                        "&Actions.member.1.TargetGroupArn=" + api_ +
                                        "&Tags.member.1.Key=team&Tags.member.1.Value=a");
  std::string arn = Tag(created.body, "RuleArn");
  ASSERT_EQ(Call("AddTags", "ResourceArns.member.1=" + arn + "&Tags.member.1.Key=env&Tags.member.1.Value=dev").status, 200);
  ASSERT_EQ(Call("RemoveTags", "ResourceArns.member.1=" + arn + "&TagKeys.member.1=team").status, 200);
  auto tags = Call("DescribeTags", "ResourceArns.member.1=" + arn);
  ASSERT_EQ(tags.status, 200) << tags.body;
  EXPECT_EQ(Tag(tags.body, "Key"), "env");
  EXPECT_EQ(tags.body.find("team"), std::string::npos);
}

// What AWS refuses, one case a line: the request and the error code.
TEST_F(Elbv2Rules, ErrorsAsAwsAnswersThem) {
  ASSERT_EQ(PathRule(10, "/taken").status, 200);
  const std::string forward = "&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=";
  const std::string path = "&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/p";
  struct Case {
    const char* what;
    std::string op, wire, code;
  } cases[] = {
      {"priority taken", "CreateRule", "ListenerArn=" + listener_ + "&Priority=10" + path + forward + web_, "PriorityInUse"},
      {"unknown listener", "CreateRule", "ListenerArn=" + listener_ + "x&Priority=11" + path + forward + api_,
       "ListenerNotFound"},
      {"unknown target group", "CreateRule", "ListenerArn=" + listener_ + "&Priority=11" + path + forward + api_ + "x",
       "TargetGroupNotFound"},
      {"no action", "CreateRule", "ListenerArn=" + listener_ + "&Priority=11" + path + "&Actions=", "ValidationError"},
      {"six path patterns", "CreateRule",
       "ListenerArn=" + listener_ + "&Priority=11&Conditions.member.1.Field=path-pattern" +
           "&Conditions.member.1.PathPatternConfig.Values.member.1=/1&Conditions.member.1.PathPatternConfig.Values.member.2=/2"
           "&Conditions.member.1.PathPatternConfig.Values.member.3=/3&Conditions.member.1.PathPatternConfig.Values.member.4=/4"
           "&Conditions.member.1.PathPatternConfig.Values.member.5=/5&Conditions.member.1.PathPatternConfig.Values.member.6=/6" +
           forward + api_,
       "ValidationError"},
      {"unknown field", "CreateRule",
       "ListenerArn=" + listener_ + "&Priority=11&Conditions.member.1.Field=cookie&Conditions.member.1.Values.member.1=a" +
           forward + api_,
       "ValidationError"},
      {"bad source CIDR", "CreateRule",
       "ListenerArn=" + listener_ + "&Priority=11&Conditions.member.1.Field=source-ip" +
           "&Conditions.member.1.SourceIpConfig.Values.member.1=10.0.0.300/8" + forward + api_,
       "ValidationError"},
      {"redirect to itself", "CreateRule",
       "ListenerArn=" + listener_ + "&Priority=11" + path +
           "&Actions.member.1.Type=redirect&Actions.member.1.RedirectConfig.StatusCode=HTTP_301",
       "ValidationError"},
      {"fixed response without its config", "CreateRule",
       "ListenerArn=" + listener_ + "&Priority=11" + path + "&Actions.member.1.Type=fixed-response", "ValidationError"},
      {"modify an unknown rule", "ModifyRule", "RuleArn=" + listener_ + "-nope" + path, "RuleNotFound"},
      {"describe neither", "DescribeRules", "", "ValidationError"},
      {"describe an unknown listener", "DescribeRules", "ListenerArn=" + listener_ + "x", "ListenerNotFound"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    ExpectError(Call(c.op, c.wire), 400, c.code);
  }
  EXPECT_EQ(Priorities(Call("DescribeRules", "ListenerArn=" + listener_).body),
            (std::vector<std::string>{"10", "default"}));
}

}  // namespace
}  // namespace fargo::services
