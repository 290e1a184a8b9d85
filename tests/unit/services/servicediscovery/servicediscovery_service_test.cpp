// Cloud Map: what the golden scenario does not show — the typed view a VPC
// resolver reads, the operation clock, the VPC check and the wire errors'
// extra members.
#include <gtest/gtest.h>

#include <map>

#include "services/servicediscovery/servicediscovery_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class CloudMapTest : public WireFixture<ServiceDiscoveryService> {
 protected:
  json::object Ok(const std::string& op, const std::string& wire) {
    protocol::HttpResponse r = Call(op, wire);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body;
    return r.body.empty() ? json::object{} : json::parse(r.body).as_object();
  }
  // The namespace an operation made (after it succeeded).
  std::string NamespaceOf(const json::object& created) {
    clock_.Advance(1000);
    json::object op = Ok("GetOperation", R"({"OperationId":")" + GetString(created, "OperationId") + R"("})");
    EXPECT_EQ(GetString(op.at("Operation").as_object(), "Status"), "SUCCESS");
    return GetString(op.at("Operation").as_object().at("Targets").as_object(), "NAMESPACE");
  }
  std::string MakeDnsService(const std::string& ns, const std::string& name) {
    json::object s = Ok("CreateService", R"({"Name":")" + name + R"(","NamespaceId":")" + ns +
                                             R"(","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":10}]},)"
                                             R"("HealthCheckCustomConfig":{}})");
    return GetString(s.at("Service").as_object(), "Id");
  }
  void Register(const std::string& svc, const std::string& id, const std::string& ip) {
    Ok("RegisterInstance", R"({"ServiceId":")" + svc + R"(","InstanceId":")" + id +
                               R"(","Attributes":{"AWS_INSTANCE_IPV4":")" + ip + R"("}})");
  }
};

TEST_F(CloudMapTest, OperationsGoSubmittedPendingSuccess) {
  json::object created = Ok("CreateHttpNamespace", R"({"Name":"apps"})");
  std::string body = R"({"OperationId":")" + GetString(created, "OperationId") + R"("})";
  auto status = [&] { return GetString(Ok("GetOperation", body).at("Operation").as_object(), "Status"); };
  EXPECT_EQ(status(), "SUBMITTED");
  clock_.Advance(150);
  EXPECT_EQ(status(), "PENDING");
  clock_.Advance(200);
  EXPECT_EQ(status(), "SUCCESS");
}

TEST_F(CloudMapTest, PrivateDnsAnswersServiceDotNamespaceInItsVpcOnly) {
  std::string ns = NamespaceOf(Ok("CreatePrivateDnsNamespace", R"({"Name":"corp.local","Vpc":"vpc-1"})"));
  std::string svc = MakeDnsService(ns, "api");
  Register(svc, "t1", "10.0.1.4");
  Register(svc, "t2", "10.0.2.4");

  auto a = service_->ResolvePrivateDns("us-east-1", "vpc-1", "API.corp.local.");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->service_id, svc);
  EXPECT_EQ(a->routing_policy, "MULTIVALUE");
  ASSERT_EQ(a->records.size(), 1u);
  EXPECT_EQ(a->records[0].type, "A");
  EXPECT_EQ(a->records[0].ttl, 10);
  ASSERT_EQ(a->instances.size(), 2u);
  EXPECT_EQ(a->instances[0].attributes.at("AWS_INSTANCE_IPV4"), "10.0.1.4");

  EXPECT_FALSE(service_->ResolvePrivateDns("us-east-1", "vpc-2", "api.corp.local"));
  EXPECT_FALSE(service_->ResolvePrivateDns("us-west-2", "vpc-1", "api.corp.local"));
  EXPECT_FALSE(service_->ResolvePrivateDns("us-east-1", "vpc-1", "web.corp.local"));

  // An unhealthy instance drops out while another is healthy.
  Ok("UpdateInstanceCustomHealthStatus", R"({"ServiceId":")" + svc + R"(","InstanceId":"t1","Status":"UNHEALTHY"})");
  a = service_->ResolvePrivateDns("us-east-1", "vpc-1", "api.corp.local");
  ASSERT_EQ(a->instances.size(), 1u);
  EXPECT_EQ(a->instances[0].id, "t2");

  // It survives a restart (the state is stored).
  Restart();
  a = service_->ResolvePrivateDns("us-east-1", "vpc-1", "api.corp.local");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->instances.size(), 1u);
}

TEST_F(CloudMapTest, PrivateDnsZonesHoldWhatTheVpcResolverAnswers) {
  int changes = 0;
  service_->SetChangeHook([&changes] { ++changes; });
  std::string ns = NamespaceOf(Ok("CreatePrivateDnsNamespace", R"({"Name":"Corp.local","Vpc":"vpc-1"})"));
  EXPECT_GE(changes, 1);
  Ok("CreateHttpNamespace", R"({"Name":"http-only"})");  // no DNS
  std::string api = MakeDnsService(ns, "api");
  Register(api, "t1", "10.0.1.4");
  json::object s = Ok("CreateService", R"({"Name":"db","NamespaceId":")" + ns +
                                           R"(","DnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"A","TTL":5},{"Type":"SRV","TTL":7}]}})");
  std::string db = GetString(s.at("Service").as_object(), "Id");
  Ok("RegisterInstance", R"({"ServiceId":")" + db +
                             R"(","InstanceId":"i1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.2.9","AWS_INSTANCE_PORT":"5432"}})");
  // A CNAME service: its instance's AWS_INSTANCE_CNAME (lower case, no trailing dot).
  s = Ok("CreateService", R"({"Name":"www","NamespaceId":")" + ns +
                              R"(","DnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"CNAME","TTL":30}]}})");
  std::string www = GetString(s.at("Service").as_object(), "Id");
  Ok("RegisterInstance", R"({"ServiceId":")" + www +
                             R"(","InstanceId":"w1","Attributes":{"AWS_INSTANCE_CNAME":"Api.Corp.local."}})");
  int before = changes;
  Ok("ListNamespaces", "{}");
  EXPECT_EQ(changes, before);  // reads change nothing

  auto zones = service_->PrivateDnsZones();
  ASSERT_EQ(zones.size(), 1u);
  EXPECT_EQ(zones[0].vpc_id, "vpc-1");
  EXPECT_EQ(zones[0].zone, "corp.local");
  std::map<std::string, ServiceDiscoveryService::PrivateDnsName> by_name;
  for (const auto& n : zones[0].names) by_name[n.name] = n;
  ASSERT_EQ(by_name.count("api.corp.local"), 1u);
  EXPECT_EQ(by_name["api.corp.local"].ipv4, std::vector<std::string>{"10.0.1.4"});
  EXPECT_EQ(by_name["api.corp.local"].ttl_a, 10);
  EXPECT_FALSE(by_name["api.corp.local"].one_answer);
  EXPECT_TRUE(by_name["api.corp.local"].srv.empty());
  auto& d = by_name["db.corp.local"];
  EXPECT_TRUE(d.one_answer);
  EXPECT_EQ(d.ttl_a, 5);
  EXPECT_EQ(d.ttl_srv, 7);
  ASSERT_EQ(d.srv.size(), 1u);
  EXPECT_EQ(d.srv[0].first, 5432);
  EXPECT_EQ(d.srv[0].second, "i1.db.corp.local");
  ASSERT_EQ(by_name.count("i1.db.corp.local"), 1u);
  EXPECT_EQ(by_name["i1.db.corp.local"].ipv4, std::vector<std::string>{"10.0.2.9"});
  auto& w = by_name["www.corp.local"];
  EXPECT_EQ(w.cnames, std::vector<std::string>{"api.corp.local"});
  EXPECT_EQ(w.ttl_cname, 30);
  EXPECT_TRUE(w.one_answer);
  EXPECT_TRUE(w.ipv4.empty());

  // Deregistering takes the address out and tells the hook.
  before = changes;
  Ok("DeregisterInstance", R"({"ServiceId":")" + api + R"(","InstanceId":"t1"})");
  EXPECT_GT(changes, before);
  zones = service_->PrivateDnsZones();
  for (const auto& n : zones[0].names)
    if (n.name == "api.corp.local") EXPECT_TRUE(n.ipv4.empty());
}

TEST_F(CloudMapTest, PrivateNamespaceNeedsAnExistingVpc) {
  service_->SetVpcResolver([](const std::string&, const std::string& vpc) { return vpc == "vpc-real"; });
  protocol::HttpResponse r = Call("CreatePrivateDnsNamespace", R"({"Name":"a.local","Vpc":"vpc-nope"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(GetString(json::parse(r.body).as_object(), "__type"), "InvalidInput");
  Ok("CreatePrivateDnsNamespace", R"({"Name":"a.local","Vpc":"vpc-real"})");
}

TEST_F(CloudMapTest, ConflictsNameWhatTheyConflictWith) {
  std::string ns = NamespaceOf(Ok("CreateHttpNamespace", R"({"Name":"apps","CreatorRequestId":"c1"})"));
  protocol::HttpResponse r = Call("CreateHttpNamespace", R"({"Name":"apps"})");
  json::object e = json::parse(r.body).as_object();
  EXPECT_EQ(GetString(e, "__type"), "NamespaceAlreadyExists");
  EXPECT_EQ(GetString(e, "NamespaceId"), ns);
  EXPECT_EQ(GetString(e, "CreatorRequestId"), "c1");
  r = Call("CreateHttpNamespace", R"({"Name":"other","CreatorRequestId":"c1"})");
  e = json::parse(r.body).as_object();
  EXPECT_EQ(GetString(e, "__type"), "DuplicateRequest");
  EXPECT_FALSE(GetString(e, "DuplicateOperationId").empty());
}

}  // namespace
}  // namespace fargo::services
