// What a VPC's resolver answers by itself, and what it leaves to forwarding.
#include "dataplane/dns/dns_resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace fargo::dataplane::dns {
namespace {

std::string Query(const std::string& name, uint16_t type, bool edns = false, uint16_t id = 7) {
  DnsMessage q;
  q.id = id;
  q.rd = true;
  q.questions.push_back({name, type, kClassIN});
  if (edns) q.additional.push_back(DnsRecord::Opt(4096));
  return *EncodeDnsMessage(q);
}

std::string Ip(const DnsRecord& r) {
  char buf[64];
  inet_ntop(r.type == kA ? AF_INET : AF_INET6, r.rdata.data(), buf, sizeof buf);
  return buf;
}

class DnsResolverTest : public ::testing::Test {
 protected:
  DnsResolverTest()
      : resolver_({{"s3", "sts", "logs", "ecs", "ec2", "elasticloadbalancing", "iam", "ssm"}, 60, 1232},
                  [](const std::string& vpc, const std::string& name) {
                    DnsNameLookup l;
                    if (vpc == "vpc-1" && name == "web-123.us-west-2.elb.amazonaws.com") {
                      l.kind = DnsNameLookup::Kind::kFound;
                      l.entry.addresses = {"10.0.1.9", "fd00::9"};
                    }
                    return l;
                  }),
        vpc_(*DnsVpcView::Make("vpc-1", "us-west-2", "10.0.0.0/16", "169.254.170.2")),
        east_(*DnsVpcView::Make("vpc-2", "us-east-1", "172.31.0.0/16", "169.254.170.2")) {}

  DnsMessage Ask(const DnsVpcView& vpc, const std::string& name, uint16_t type = kA, bool edns = false) {
    auto a = resolver_.Resolve(vpc, Query(name, type, edns));
    EXPECT_EQ(a.outcome, DnsResolver::Outcome::kAnswer) << name;
    auto m = ParseDnsMessage(a.wire);
    EXPECT_TRUE(m.ok()) << name;
    return m.ok() ? *m : DnsMessage{};
  }

  DnsResolver resolver_;
  DnsVpcView vpc_, east_;
};

TEST_F(DnsResolverTest, AnswersTheServedAwsNamesWithFargosAddress) {
  for (std::string name : {"s3.amazonaws.com", "my-bucket.s3.amazonaws.com", "s3.us-west-2.amazonaws.com",
                           "my.dotted.bucket.s3.eu-central-1.amazonaws.com", "s3.dualstack.us-west-2.amazonaws.com",
                           "b.s3.dualstack.us-west-2.amazonaws.com", "s3-us-west-2.amazonaws.com",
                           "s3-external-1.amazonaws.com", "sts.amazonaws.com", "sts.us-west-2.amazonaws.com",
                           "logs.us-west-2.amazonaws.com", "ecs.ap-southeast-4.amazonaws.com",
                           "ec2.us-gov-west-1.amazonaws.com", "elasticloadbalancing.us-west-2.amazonaws.com",
                           "iam.amazonaws.com", "ssm.us-west-2.amazonaws.com", "S3.AmazonAWS.com"}) {
    DnsMessage r = Ask(vpc_, name);
    EXPECT_EQ(r.rcode, kNoError) << name;
    ASSERT_EQ(r.answers.size(), 1u) << name;
    EXPECT_EQ(r.answers[0].name, name);  // the asker's case
    EXPECT_EQ(Ip(r.answers[0]), "169.254.170.2") << name;
    EXPECT_EQ(r.answers[0].ttl, 60u);
    EXPECT_TRUE(r.ra);
    EXPECT_TRUE(r.rd);
  }
}

TEST_F(DnsResolverTest, LeavesOtherAmazonawsNamesToForwarding) {
  for (std::string name : {"amazonaws.com", "ssmmessages.us-west-2.amazonaws.com", "s3.notaregion.amazonaws.com",
                           "sts.us-west-2.extra.amazonaws.com", "s3.amazonaws.com.evil.com", "example.com"}) {
    auto a = resolver_.Resolve(vpc_, Query(name, kA));
    EXPECT_EQ(a.outcome, DnsResolver::Outcome::kForward) << name;
    EXPECT_EQ(a.query.questions[0].name, name);
  }
}

TEST_F(DnsResolverTest, ServiceNamesHaveNoIpv6) {
  DnsMessage r = Ask(vpc_, "s3.amazonaws.com", kAAAA);
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_TRUE(r.answers.empty());
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].type, kSOA);
}

TEST_F(DnsResolverTest, AnswersEc2PrivateNamesOfTheVpc) {
  DnsMessage r = Ask(vpc_, "ip-10-0-1-5.us-west-2.compute.internal");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "10.0.1.5");
  EXPECT_TRUE(r.aa);
  r = Ask(east_, "ip-172-31-7-200.ec2.internal");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "172.31.7.200");
  // Outside the VPC, another region's zone form, or not an address: NXDOMAIN.
  for (std::string name : {"ip-10-1-1-5.us-west-2.compute.internal", "ip-10-0-1-256.us-west-2.compute.internal",
                           "ip-10-0-1.us-west-2.compute.internal", "db.us-west-2.compute.internal",
                           "a.ip-10-0-1-5.us-west-2.compute.internal"}) {
    r = Ask(vpc_, name);
    EXPECT_EQ(r.rcode, kNXDomain) << name;
    EXPECT_TRUE(r.answers.empty()) << name;
    ASSERT_EQ(r.authority.size(), 1u);
    EXPECT_EQ(r.authority[0].name, "us-west-2.compute.internal");
  }
}

TEST_F(DnsResolverTest, AnswersPtrOfTheVpcsAddresses) {
  DnsMessage r = Ask(vpc_, "5.1.0.10.in-addr.arpa", kPTR);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].target, "ip-10-0-1-5.us-west-2.compute.internal");
  r = Ask(east_, "9.0.31.172.in-addr.arpa", kPTR);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].target, "ip-172-31-0-9.ec2.internal");
  // Not the VPC's: forwarded.
  EXPECT_EQ(resolver_.Resolve(vpc_, Query("5.1.0.192.in-addr.arpa", kPTR)).outcome, DnsResolver::Outcome::kForward);
}

TEST_F(DnsResolverTest, AnswersNamesOfTheSource) {
  DnsMessage r = Ask(vpc_, "web-123.us-west-2.elb.amazonaws.com");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "10.0.1.9");
  r = Ask(vpc_, "web-123.us-west-2.elb.amazonaws.com", kAAAA);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "fd00::9");
  // Another VPC does not see it.
  EXPECT_EQ(resolver_.Resolve(east_, Query("web-123.us-west-2.elb.amazonaws.com", kA)).outcome,
            DnsResolver::Outcome::kForward);
}

TEST_F(DnsResolverTest, EchoesEdns) {
  DnsMessage r = Ask(vpc_, "s3.amazonaws.com", kA, true);
  ASSERT_NE(r.Opt(), nullptr);
  EXPECT_EQ(r.Opt()->klass, 1232);
  EXPECT_EQ(Ask(vpc_, "s3.amazonaws.com").Opt(), nullptr);
}

TEST_F(DnsResolverTest, MalformedQueriesGetFormerr) {
  std::string q = Query("s3.amazonaws.com", kA, false, 0x4242);
  q.resize(q.size() - 3);  // cut inside the question
  auto a = resolver_.Resolve(vpc_, q);
  ASSERT_EQ(a.outcome, DnsResolver::Outcome::kAnswer);
  auto r = ParseDnsMessage(a.wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 0x4242);
  EXPECT_EQ(r->rcode, kFormErr);
  EXPECT_TRUE(r->qr);
  // Two questions: FORMERR too.
  DnsMessage two;
  two.questions = {{"a.com", kA, kClassIN}, {"b.com", kA, kClassIN}};
  r = ParseDnsMessage(resolver_.Resolve(vpc_, *EncodeDnsMessage(two)).wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kFormErr);
  // Under a header: nothing to answer to.
  EXPECT_EQ(resolver_.Resolve(vpc_, "\x12\x34").outcome, DnsResolver::Outcome::kDrop);
}

TEST_F(DnsResolverTest, OtherOpcodesGetNotimpAndResponsesAreDropped) {
  DnsMessage notify;
  notify.opcode = 4;
  notify.questions.push_back({"example.com", kSOA, kClassIN});
  auto r = ParseDnsMessage(resolver_.Resolve(vpc_, *EncodeDnsMessage(notify)).wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kNotImp);
  DnsMessage response;
  response.qr = true;
  response.questions.push_back({"s3.amazonaws.com", kA, kClassIN});
  EXPECT_EQ(resolver_.Resolve(vpc_, *EncodeDnsMessage(response)).outcome, DnsResolver::Outcome::kDrop);
}

TEST_F(DnsResolverTest, ServfailAndTruncation) {
  auto q = ParseDnsMessage(Query("example.com", kA, true));
  auto r = ParseDnsMessage(resolver_.ServFail(*q));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcode, kServFail);
  EXPECT_EQ(r->questions[0].name, "example.com");
  EXPECT_EQ(DnsResolver::UdpLimit(*q), 4096u);

  DnsMessage big = ResponseTo(*q, kNoError);
  for (uint32_t i = 0; i < 100; ++i) big.answers.push_back(DnsRecord::A("example.com", 60, i));
  std::string wire = *EncodeDnsMessage(big);
  ASSERT_GT(wire.size(), 512u);
  auto cut = ParseDnsMessage(DnsResolver::TruncateForUdp(wire, 512));
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->tc);
  EXPECT_TRUE(cut->answers.empty());
  EXPECT_EQ(DnsResolver::TruncateForUdp(wire, 4096), wire);
}

}  // namespace
}  // namespace fargo::dataplane::dns
