// Session Manager's StartSession and DescribeSessions through the JSON 1.1
// wire: documents and their parameters checked and substituted, targets
// resolved (managed instances, tasks' containers), AWS's errors, and the
// sessions' Active and History lists.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/ssm/ssm_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class SsmSessions : public WireFixture<SsmService> {
 protected:
  void SetUp() override {
    WireFixture::SetUp();
    service_->SetInstanceSource([this](const std::string&) { return instances_; });
    service_->SetTaskTargetSource([](const std::string& region, const std::string& target)
                                      -> std::optional<SsmService::TaskTarget> {
      if (region == "us-east-1" && target == "ecs:web_0123abcd_f00d")
        return SsmService::TaskTarget{"arn:aws:ecs:us-east-1:000000000000:task/web/0123abcd", "f00d", "nginx",
                                      {"A=1"}};
      return std::nullopt;
    });
    SsmService::SessionHooks hooks;
    hooks.start = [this](const SsmService::SessionStart& s) -> Result<std::string> {
      started_.push_back(s);
      return "ws://127.0.0.1:4566/v1/data-channel/" + s.session_id + "?role=publish_subscribe";
    };
    service_->SetSessionHooks(hooks);
    instances_.push_back(Instance("i-0aaaaaaaaaaaaaaa1", "running", true));
    instances_.push_back(Instance("i-0aaaaaaaaaaaaaaa2", "running", false));  // no SSM policy
    instances_.push_back(Instance("i-0aaaaaaaaaaaaaaa3", "stopped", true));
  }
  static SsmService::InstanceFacts Instance(const std::string& id, const std::string& state, bool ssm) {
    SsmService::InstanceFacts f;
    f.instance_id = id;
    f.state = state;
    if (ssm) f.policy_arns = {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"};
    return f;
  }
  json::object Ok(const std::string& op, const std::string& wire) {
    auto r = Call(op, wire);
    EXPECT_EQ(r.status, 200) << op << " " << r.body;
    auto v = json::parse(r.body.empty() ? "{}" : r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  void Err(const std::string& op, const std::string& wire, const std::string& code, const std::string& message) {
    auto r = Call(op, wire);
    EXPECT_EQ(r.status, 400) << r.body;
    auto v = json::parse(r.body).as_object();
    EXPECT_EQ(GetString(v, "__type"), code) << r.body;
    EXPECT_EQ(GetString(v, "message"), message) << r.body;
  }
  std::vector<SsmService::InstanceFacts> instances_;
  std::vector<SsmService::SessionStart> started_;
};

TEST_F(SsmSessions, PortForwardingToARemoteHostSubstitutesTheDocumentsProperties) {
  auto out = Ok("StartSession",
                R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSessionToRemoteHost",)"
                R"("Parameters":{"host":["lb-1.elb.eu-west-1.amazonaws.com"],"portNumber":["80"],"localPortNumber":["8080"]}})");
  ASSERT_EQ(started_.size(), 1u);
  const auto& s = started_[0];
  EXPECT_EQ(s.session_type, "Port");
  EXPECT_EQ(s.properties, (std::map<std::string, std::string>{{"host", "lb-1.elb.eu-west-1.amazonaws.com"},
                                                              {"portNumber", "80"},
                                                              {"localPortNumber", "8080"},
                                                              {"type", "LocalPortForwarding"}}));
  EXPECT_EQ(s.container, "fargo-i-0aaaaaaaaaaaaaaa1-instance");
  EXPECT_EQ(s.owner, "arn:aws:ec2:us-east-1:000000000000:instance/i-0aaaaaaaaaaaaaaa1");
  // AWS's shapes: the caller's name and 17 hex digits; a token; the stream.
  EXPECT_EQ(GetString(out, "SessionId"), s.session_id);
  EXPECT_TRUE(s.session_id.rfind("root-0", 0) == 0 && s.session_id.size() == 5 + 17) << s.session_id;
  EXPECT_EQ(GetString(out, "TokenValue"), s.token);
  EXPECT_EQ(GetString(out, "StreamUrl"), "ws://127.0.0.1:4566/v1/data-channel/" + s.session_id + "?role=publish_subscribe");
}

TEST_F(SsmSessions, DefaultsFillMissingParametersAndTheShellIsTheDefaultDocument) {
  Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSession"})");
  ASSERT_EQ(started_.size(), 1u);
  EXPECT_EQ(started_[0].properties.at("portNumber"), "80");
  EXPECT_EQ(started_[0].properties.at("localPortNumber"), "0");
  EXPECT_EQ(started_[0].properties.count("host"), 0u);
  Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1"})");
  EXPECT_EQ(started_[1].document, "SSM-SessionManagerRunShell");
  EXPECT_EQ(started_[1].session_type, "Standard_Stream");
  Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartInteractiveCommand",)"
                     R"("Parameters":{"command":["top -b -n 1"]}})");
  EXPECT_EQ(started_[2].session_type, "InteractiveCommands");
  EXPECT_EQ(started_[2].command, "top -b -n 1");
}

TEST_F(SsmSessions, ATaskContainerIsATargetWhileEcsExecReachesIt) {
  Ok("StartSession", R"({"Target":"ecs:web_0123abcd_f00d","DocumentName":"AWS-StartPortForwardingSession",)"
                     R"("Parameters":{"portNumber":["8080"]}})");
  ASSERT_EQ(started_.size(), 1u);
  EXPECT_EQ(started_[0].container, "f00d");
  EXPECT_EQ(started_[0].user, "nginx");
  EXPECT_EQ(started_[0].owner, "arn:aws:ecs:us-east-1:000000000000:task/web/0123abcd");
  Err("StartSession", R"({"Target":"ecs:web_0123abcd_beef"})", "TargetNotConnected",
      "ecs:web_0123abcd_beef is not connected.");
}

TEST_F(SsmSessions, TargetsThatAreNotManagedOrNotRunningAreNotConnected) {
  for (const char* id : {"i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa3", "i-0123456789abcdef0"})
    Err("StartSession", std::string(R"({"Target":")") + id + R"("})", "TargetNotConnected",
        std::string(id) + " is not connected.");
  EXPECT_TRUE(started_.empty());
}

TEST_F(SsmSessions, UnknownDocumentsAndBadParametersGetAwsErrors) {
  Err("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-NoSuchDocument"})", "InvalidDocument",
      "Document with name provided does not exist.");
  auto r = Call("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSession",)"
                                R"("Parameters":{"portNumber":["http"]}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("InvalidParameters"), std::string::npos) << r.body;
  Err("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSessionToRemoteHost"})",
      "InvalidParameters", "Parameter \"host\" is required.");
  Err("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSession",)"
                      R"("Parameters":{"color":["blue"]}})",
      "InvalidParameters", "Parameter \"color\" is not defined in the document AWS-StartPortForwardingSession.");
  Err("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSession",)"
                      R"("Parameters":{"portNumber":["80","81"]}})",
      "InvalidParameters", "Parameter \"portNumber\" takes exactly one value.");
  EXPECT_TRUE(started_.empty());
}

TEST_F(SsmSessions, SessionsAreActiveUntilTheyEndThenHistory) {
  auto a = Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","Reason":"debug"})");
  clock_.Advance(1000);
  auto b = Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1","DocumentName":"AWS-StartPortForwardingSession"})");
  auto active = Ok("DescribeSessions", R"({"State":"Active"})").at("Sessions").as_array();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(GetString(active[0].as_object(), "SessionId"), GetString(b, "SessionId"));  // newest first
  const auto& first = active[1].as_object();
  EXPECT_EQ(GetString(first, "Status"), "Connected");
  EXPECT_EQ(GetString(first, "Target"), "i-0aaaaaaaaaaaaaaa1");
  EXPECT_EQ(GetString(first, "DocumentName"), "SSM-SessionManagerRunShell");
  EXPECT_EQ(GetString(first, "Owner"), "arn:aws:iam::000000000000:root");
  EXPECT_EQ(GetString(first, "Reason"), "debug");
  EXPECT_TRUE(Ok("DescribeSessions", R"({"State":"History"})").at("Sessions").as_array().empty());

  service_->SessionEnded(GetString(a, "SessionId"));
  auto history = Ok("DescribeSessions", R"({"State":"History"})").at("Sessions").as_array();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(GetString(history[0].as_object(), "Status"), "Terminated");
  EXPECT_TRUE(history[0].as_object().contains("EndDate"));
  EXPECT_EQ(Ok("DescribeSessions", R"({"State":"Active"})").at("Sessions").as_array().size(), 1u);

  // Filters and pages.
  auto by_id = Ok("DescribeSessions", R"({"State":"Active","Filters":[{"key":"SessionId","value":")" +
                                          GetString(b, "SessionId") + R"("}]})");
  EXPECT_EQ(by_id.at("Sessions").as_array().size(), 1u);
  EXPECT_TRUE(Ok("DescribeSessions", R"({"State":"Active","Filters":[{"key":"Target","value":"i-0other"}]})")
                  .at("Sessions").as_array().empty());
  Ok("StartSession", R"({"Target":"i-0aaaaaaaaaaaaaaa1"})");
  auto page = Ok("DescribeSessions", R"({"State":"Active","MaxResults":1})");
  EXPECT_EQ(page.at("Sessions").as_array().size(), 1u);
  EXPECT_EQ(GetString(page, "NextToken"), "1");
  auto rest = Ok("DescribeSessions", R"({"State":"Active","MaxResults":1,"NextToken":"1"})");
  EXPECT_EQ(rest.at("Sessions").as_array().size(), 1u);
  EXPECT_FALSE(rest.contains("NextToken"));
  Err("DescribeSessions", R"({"State":"Active","NextToken":"9"})", "InvalidNextToken", "The specified token is not valid.");
}

}  // namespace
}  // namespace fargo::services
