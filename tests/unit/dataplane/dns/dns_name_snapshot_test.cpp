// The names other parts of fargo publish to the VPC resolvers (Cloud Map,
// load balancers), read through the snapshot, and what the resolver answers.
#include "dataplane/dns/dns_name_snapshot.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace fargo::dataplane::dns {
namespace {

std::string Query(const std::string& name, uint16_t type) {
  DnsMessage q;
  q.id = 9;
  q.rd = true;
  q.questions.push_back({name, type, kClassIN});
  return *EncodeDnsMessage(q);
}

std::string Ip(const DnsRecord& r) {
  char buf[64];
  inet_ntop(r.type == kA ? AF_INET : AF_INET6, r.rdata.data(), buf, sizeof buf);
  return buf;
}

std::shared_ptr<const DnsNameTable> CloudMapTable() {
  auto t = std::make_shared<DnsNameTable>();
  t->AddZone("vpc-1", "corp.local");
  DnsNameEntry api;
  api.addresses = {"10.0.1.4", "10.0.2.4"};
  api.srv = {{1, 1, 8080, "t1.api.corp.local"},
             {1, 1, 8080, "t2.api.corp.local"},
             {1, 1, 8080, std::string(64, 'x') + ".api.corp.local"}};  // not a name: left out
  api.ttl_a = 10;
  api.ttl_srv = 20;
  api.max_answers = 8;
  t->AddName("vpc-1", "api.corp.local", api);
  DnsNameEntry host;
  host.addresses = {"10.0.1.4"};
  t->AddName("vpc-1", "t1.api.corp.local", host);
  DnsNameEntry weighted;
  weighted.addresses = {"10.0.1.5", "10.0.1.6", "10.0.1.7"};
  weighted.max_answers = 1;
  t->AddName("vpc-1", "one.corp.local", weighted);
  DnsNameEntry many;
  for (int i = 1; i <= 12; ++i) many.addresses.push_back("10.0.3." + std::to_string(i));
  many.max_answers = 8;
  t->AddName("vpc-1", "many.corp.local", many);
  t->AddName("vpc-1", "web-1.us-east-1.elb.amazonaws.com", DnsNameEntry{});  // a load balancer, no addresses yet
  // Cloud Map services with a CNAME record (AWS_INSTANCE_CNAME).
  DnsNameEntry alias;
  alias.cnames = {"api.corp.local"};
  alias.ttl_cname = 30;
  t->AddName("vpc-1", "alias.corp.local", alias);
  DnsNameEntry to_s3;
  to_s3.cnames = {"my-bucket.s3.us-east-1.amazonaws.com"};
  t->AddName("vpc-1", "files.corp.local", to_s3);
  DnsNameEntry to_host;
  to_host.cnames = {"ip-10-0-1-77.ec2.internal"};
  t->AddName("vpc-1", "db.corp.local", to_host);
  DnsNameEntry outside;
  outside.cnames = {"www.example.com"};
  t->AddName("vpc-1", "ext.corp.local", outside);
  DnsNameEntry loop;
  loop.cnames = {"loop.corp.local"};
  t->AddName("vpc-1", "loop.corp.local", loop);
  return t;
}

class DnsNameSnapshotTest : public ::testing::Test {
 protected:
  DnsNameSnapshotTest()
      : resolver_({{"s3"}, 60, 1232}, snapshot_.Source()),
        vpc1_(*DnsVpcView::Make("vpc-1", "us-east-1", "10.0.0.0/16", "169.254.170.2")),
        vpc2_(*DnsVpcView::Make("vpc-2", "us-east-1", "10.0.0.0/16", "169.254.170.2")) {
    snapshot_.Publish(CloudMapTable());
  }
  DnsMessage Ask(const DnsVpcView& vpc, const std::string& name, uint16_t type = kA) {
    auto a = resolver_.Resolve(vpc, Query(name, type));
    EXPECT_EQ(a.outcome, DnsResolver::Outcome::kAnswer) << name;
    auto m = ParseDnsMessage(a.wire);
    EXPECT_TRUE(m.ok()) << name;
    return m.ok() ? *m : DnsMessage{};
  }

  DnsNameSnapshot snapshot_;
  DnsResolver resolver_;
  DnsVpcView vpc1_, vpc2_;
};

TEST(DnsNameTableTest, FindsNamesZonesAndNothingElse) {
  auto t = CloudMapTable();
  EXPECT_EQ(t->Find("vpc-1", "api.corp.local").kind, DnsNameLookup::Kind::kFound);
  EXPECT_EQ(t->Find("vpc-1", "api.corp.local").zone, "corp.local");
  EXPECT_EQ(t->Find("vpc-1", "nope.corp.local").kind, DnsNameLookup::Kind::kNxDomain);
  EXPECT_EQ(t->Find("vpc-1", "corp.local").kind, DnsNameLookup::Kind::kFound);  // the apex: no records
  EXPECT_TRUE(t->Find("vpc-1", "corp.local").entry.addresses.empty());
  EXPECT_EQ(t->Find("vpc-1", "xcorp.local").kind, DnsNameLookup::Kind::kUnknown);
  EXPECT_EQ(t->Find("vpc-2", "api.corp.local").kind, DnsNameLookup::Kind::kUnknown);
  EXPECT_EQ(t->Find("vpc-1", "example.com").kind, DnsNameLookup::Kind::kUnknown);
}

TEST_F(DnsNameSnapshotTest, AnswersARecordsOfTheRegisteredInstances) {
  DnsMessage r = Ask(vpc1_, "API.corp.local");
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_TRUE(r.aa);
  ASSERT_EQ(r.answers.size(), 2u);
  std::set<std::string> ips{Ip(r.answers[0]), Ip(r.answers[1])};
  EXPECT_EQ(ips, (std::set<std::string>{"10.0.1.4", "10.0.2.4"}));
  EXPECT_EQ(r.answers[0].ttl, 10u);
  EXPECT_EQ(r.answers[0].name, "API.corp.local");
  // No AAAA records: NODATA with the zone's SOA.
  r = Ask(vpc1_, "api.corp.local", kAAAA);
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_TRUE(r.answers.empty());
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].type, kSOA);
}

TEST_F(DnsNameSnapshotTest, AnswersSrvWithPortAndTarget) {
  DnsMessage r = Ask(vpc1_, "api.corp.local", kSRV);
  ASSERT_EQ(r.answers.size(), 2u);
  std::set<std::string> targets;
  for (const auto& a : r.answers) {
    EXPECT_EQ(a.type, kSRV);
    EXPECT_EQ(a.ttl, 20u);
    const std::string& d = a.rdata;
    ASSERT_GT(d.size(), 7u);
    EXPECT_EQ((static_cast<uint8_t>(d[0]) << 8) | static_cast<uint8_t>(d[1]), 1);     // priority
    EXPECT_EQ((static_cast<uint8_t>(d[4]) << 8) | static_cast<uint8_t>(d[5]), 8080);  // port
    std::string name;
    for (size_t i = 6; i < d.size() && d[i] != 0; i += 1 + static_cast<uint8_t>(d[i]))
      name += (name.empty() ? "" : ".") + d.substr(i + 1, static_cast<uint8_t>(d[i]));
    targets.insert(name);
  }
  EXPECT_EQ(targets, (std::set<std::string>{"t1.api.corp.local", "t2.api.corp.local"}));
  r = Ask(vpc1_, "t1.api.corp.local");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "10.0.1.4");
}

TEST_F(DnsNameSnapshotTest, AnswersCnameAndChasesTargetsItKnows) {
  // A CNAME to another name of the namespace: the alias, then its records.
  DnsMessage r = Ask(vpc1_, "alias.corp.local");
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_TRUE(r.aa);
  ASSERT_EQ(r.answers.size(), 3u);
  EXPECT_EQ(r.answers[0].type, kCNAME);
  EXPECT_EQ(r.answers[0].name, "alias.corp.local");
  EXPECT_EQ(r.answers[0].target, "api.corp.local");
  EXPECT_EQ(r.answers[0].ttl, 30u);
  EXPECT_EQ(r.answers[1].name, "api.corp.local");
  std::set<std::string> ips{Ip(r.answers[1]), Ip(r.answers[2])};
  EXPECT_EQ(ips, (std::set<std::string>{"10.0.1.4", "10.0.2.4"}));
  // Asked for the CNAME itself: the alias alone.
  r = Ask(vpc1_, "alias.corp.local", kCNAME);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].target, "api.corp.local");
  // To an AWS name and to an EC2 private name: fargo's address, the host's.
  r = Ask(vpc1_, "files.corp.local");
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_EQ(r.answers[1].name, "my-bucket.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(Ip(r.answers[1]), "169.254.170.2");
  r = Ask(vpc1_, "db.corp.local");
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_EQ(Ip(r.answers[1]), "10.0.1.77");
  // AAAA of a target without IPv6: the CNAME alone.
  r = Ask(vpc1_, "db.corp.local", kAAAA);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].type, kCNAME);
  // A target outside: the CNAME alone; a loop ends.
  r = Ask(vpc1_, "ext.corp.local");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].target, "www.example.com");
  r = Ask(vpc1_, "loop.corp.local");
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_GE(r.answers.size(), 1u);
  EXPECT_LE(r.answers.size(), 10u);
}

TEST_F(DnsNameSnapshotTest, OtherNamesOfTheNamespaceAreNxdomain) {
  DnsMessage r = Ask(vpc1_, "web.corp.local");
  EXPECT_EQ(r.rcode, kNXDomain);
  EXPECT_TRUE(r.aa);
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].name, "corp.local");
}

TEST_F(DnsNameSnapshotTest, AnotherVpcGetsNothing) {
  EXPECT_EQ(resolver_.Resolve(vpc2_, Query("api.corp.local", kA)).outcome, DnsResolver::Outcome::kForward);
  EXPECT_EQ(resolver_.Resolve(vpc2_, Query("web-1.us-east-1.elb.amazonaws.com", kA)).outcome,
            DnsResolver::Outcome::kForward);
}

TEST_F(DnsNameSnapshotTest, WeightedAnswersOneMultivalueAtMostEight) {
  std::set<std::string> seen;
  for (int i = 0; i < 60; ++i) {
    DnsMessage r = Ask(vpc1_, "one.corp.local");
    ASSERT_EQ(r.answers.size(), 1u);
    seen.insert(Ip(r.answers[0]));
  }
  EXPECT_GT(seen.size(), 1u);  // picked at random
  DnsMessage r = Ask(vpc1_, "many.corp.local");
  EXPECT_EQ(r.answers.size(), 8u);
}

TEST_F(DnsNameSnapshotTest, LoadBalancerWithoutAddressesIsNodataNotNxdomain) {
  DnsMessage r = Ask(vpc1_, "web-1.us-east-1.elb.amazonaws.com");
  EXPECT_EQ(r.rcode, kNoError);
  EXPECT_TRUE(r.answers.empty());
  // Given addresses, it answers them.
  auto t = std::make_shared<DnsNameTable>();
  DnsNameEntry lb;
  lb.addresses = {"10.0.1.20"};
  t->AddName("vpc-1", "web-1.us-east-1.elb.amazonaws.com", lb);
  snapshot_.Publish(t);
  r = Ask(vpc1_, "web-1.us-east-1.elb.amazonaws.com");
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(Ip(r.answers[0]), "10.0.1.20");
}

TEST_F(DnsNameSnapshotTest, APublishedTableReplacesTheOldOneWhileReadersRead) {
  // Readers on other threads while the table is swapped (TSan-clean: no
  // shared mutable state but the atomic pointer).
  std::atomic<bool> stop{false};
  std::atomic<int> answers{0};
  std::thread reader([&] {
    while (!stop) {
      auto a = resolver_.Resolve(vpc1_, Query("api.corp.local", kA));
      if (a.outcome == DnsResolver::Outcome::kAnswer) ++answers;
    }
  });
  for (int i = 0; i < 200 || (answers.load() == 0 && i < 2000000); ++i)
    snapshot_.Publish(i % 2 ? CloudMapTable() : std::make_shared<DnsNameTable>());
  snapshot_.Publish(std::make_shared<DnsNameTable>());
  stop = true;
  reader.join();
  EXPECT_GT(answers.load(), 0);
  // Deregistered (the name is gone from the table): no longer answered.
  EXPECT_EQ(resolver_.Resolve(vpc1_, Query("api.corp.local", kA)).outcome, DnsResolver::Outcome::kForward);
}

}  // namespace
}  // namespace fargo::dataplane::dns
