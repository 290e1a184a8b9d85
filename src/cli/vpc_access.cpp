#include "cli/vpc_access.h"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "cli/json_response.h"
#include "common/strings.h"
#include "runtime/task_runner.h"
#include "server/gateway.h"
#include "services/ec2/ec2_service.h"
#include "services/ecs/ecs_service.h"

namespace fargo::cli {

namespace json = boost::json;
using protocol::HttpRequest;
using protocol::HttpResponse;
using Reply = std::function<void(HttpResponse)>;

namespace {

constexpr const char* kForwardPath = "/_fargo/port-forward";
constexpr const char* kRoutesPath = "/_fargo/routes";
constexpr int kLeaseSeconds = 30;


HttpResponse Error(const AwsError& e) { return JsonError(e.status, e.code, e.message); }

std::string Str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t Int(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_string()) {
    try {
      return std::stoll(std::string(v->as_string()));
    } catch (...) {
    }
  }
  return -1;
}

Result<json::object> Body(const HttpRequest& req) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body.empty() ? "{}" : req.body, ec);
  if (ec || !v.is_object()) return AwsError::Make("SerializationException", "the body is not a JSON object", 400);
  return v.as_object();
}

// The VPC's IPv4 blocks (primary and associated).
std::vector<std::string> VpcCidrs(const json::object& vpc) {
  std::vector<std::string> out{Str(vpc, "CidrBlock")};
  if (auto* set = vpc.if_contains("CidrBlockAssociationSet"); set && set->is_array())
    for (const auto& a : set->as_array()) {
      if (!a.is_object()) continue;
      std::string c = Str(a.as_object(), "CidrBlock");
      auto* st = a.as_object().if_contains("CidrBlockState");
      std::string state = st && st->is_object() ? Str(st->as_object(), "State") : "associated";
      if (!c.empty() && state == "associated" && std::find(out.begin(), out.end(), c) == out.end())
        out.push_back(c);
    }
  return out;
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  boost::system::error_code e1, e2;
  auto a = boost::asio::ip::make_address_v4(ip, e1);
  auto b = boost::asio::ip::make_address_v4(cidr.substr(0, slash), e2);
  if (e1 || e2) return false;
  int prefix = std::atoi(cidr.c_str() + slash + 1);
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (a.to_uint() & mask) == (b.to_uint() & mask);
}

bool Loopback(const std::string& host) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

}  // namespace

VpcAccess::VpcAccess(server::Gateway& gateway, services::Ec2Service& ec2, services::EcsService& ecs,
                     runtime::TaskRunner& runner, std::string default_region)
    : gateway_(gateway),
      ec2_(ec2),
      ecs_(ecs),
      runner_(runner),
      default_region_(std::move(default_region)),
      forwarder_(std::chrono::seconds(kLeaseSeconds)) {}

VpcAccess::~VpcAccess() { pool_.join(); }

bool VpcAccess::Handle(const HttpRequest& req, Reply reply) {
  const std::string& p = req.path;
  if (p == "/_fargo/stats" && req.method == "GET") {
    auto s = runner_.fabric().attach_stats();
    reply(JsonResponse(200, json::object{{"EniAttach", json::object{{"Count", s.count},
                                                            {"TotalMs", s.total_ms},
                                                            {"LastMs", s.last_ms},
                                                            {"MaxMs", s.max_ms}}}}));
    return true;
  }
  if (p == kForwardPath && req.method == "POST") {
    OpenForward(req, std::move(reply));
    return true;
  }
  if (p.rfind(std::string(kForwardPath) + "/", 0) == 0) {
    std::string rest = p.substr(std::string(kForwardPath).size() + 1);
    if (req.method == "POST" && rest.size() > 6 && rest.compare(rest.size() - 6, 6, "/renew") == 0) {
      Status st = forwarder_.Renew(rest.substr(0, rest.size() - 6));
      reply(st.ok() ? JsonResponse(200, json::object{{"LeaseSeconds", kLeaseSeconds}}) : Error(st.error()));
      return true;
    }
    if (req.method == "DELETE") {
      boost::asio::post(pool_, [this, id = rest, reply] {
        Status st = forwarder_.Close(id);
        reply(st.ok() ? JsonResponse(200, json::object{}) : Error(st.error()));
      });
      return true;
    }
  }
  if (p == kRoutesPath && req.method == "POST") {
    AddRoute(req, std::move(reply));
    return true;
  }
  if (p == kRoutesPath && req.method == "GET") {
    boost::asio::post(pool_, [this, reply] {
      json::array out;
      for (const auto& vpc : runner_.fabric().Vpcs()) {
        auto cidrs = runner_.fabric().RoutedCidrs(vpc);
        if (cidrs.empty()) continue;
        json::array c;
        for (auto& x : cidrs) c.emplace_back(x);
        out.emplace_back(json::object{{"VpcId", vpc}, {"Cidrs", c}, {"Via", runner_.fabric().UplinkName(vpc)}});
      }
      reply(JsonResponse(200, json::object{{"Routes", out}}));
    });
    return true;
  }
  if (p.rfind(std::string(kRoutesPath) + "/", 0) == 0 && req.method == "DELETE") {
    std::string vpc = p.substr(std::string(kRoutesPath).size() + 1);
    boost::asio::post(pool_, [this, vpc, reply] {
      Status st = runner_.UnrouteVpc(vpc);
      reply(st.ok() ? JsonResponse(200, json::object{{"VpcId", vpc}}) : Error(st.error()));
    });
    return true;
  }
  return false;
}

void VpcAccess::OpenForward(const HttpRequest& req, Reply reply) {
  auto body = Body(req);
  if (!body.ok()) return reply(Error(body.error()));
  std::string region = Str(*body, "Region");
  if (region.empty()) region = default_region_;
  std::string host = Str(*body, "LocalHost");
  if (host.empty()) host = "127.0.0.1";
  int64_t port = Int(*body, "Port"), local = Int(*body, "LocalPort");
  if (!Loopback(host))
    return reply(Error(AwsError::Make("InvalidParameter", "a port forward listens on a loopback address only, not " + host)));
  if (port <= 0 || port > 65535) return reply(Error(AwsError::Make("InvalidParameter", "Port must be 1-65535")));
  if (local < 0 || local > 65535) return reply(Error(AwsError::Make("InvalidParameter", "LocalPort must be 0-65535")));
  std::string task = Str(*body, "Task"), vpc = Str(*body, "VpcId"), address = Str(*body, "Address");
  if (task.empty() && (vpc.empty() || address.empty()))
    return reply(Error(AwsError::Make("InvalidParameter", "give a Task, or a VpcId and an Address")));
  gateway_.Post([=, this] {
    std::string vpc_id = vpc, ip = address, task_arn;
    if (!task.empty()) {
      auto a = ecs_.TaskAddress(region, task);
      if (!a) return reply(Error(AwsError::Make("InvalidParameterException", "no task " + task + " in " + region, 404)));
      if (a->last_status == "STOPPED" || a->ip.empty() || a->vpc_id.empty())
        return reply(Error(AwsError::Make("InvalidParameterException",
                                          "task " + a->task_arn + " is " + a->last_status + ": it has no address to reach", 409)));
      vpc_id = a->vpc_id;
      ip = a->ip;
      task_arn = a->task_arn;
    } else {
      const json::object* doc = ec2_.Vpc(region, vpc);
      if (!doc)
        return reply(Error(AwsError::Make("InvalidVpcID.NotFound", "The vpc ID '" + vpc + "' does not exist in " + region, 404)));
      bool inside = false;
      for (const auto& c : VpcCidrs(*doc)) inside |= InCidr(ip, c);
      if (!inside)
        return reply(Error(AwsError::Make("InvalidParameter", ip + " is not an address of " + vpc)));
    }
    boost::asio::post(pool_, [=, this] {
      dataplane::PortForwarder::Target target{runner_.fabric().NamespaceOf(vpc_id), ip, static_cast<uint16_t>(port)};
      auto f = forwarder_.Open(target, host, static_cast<uint16_t>(local));
      if (!f.ok()) {
        AwsError e = f.error();
        if (e.code == "NotFound")
          e = AwsError::Make("InvalidParameter", vpc_id + " has no network on this host: no task runs in it", 409);
        return reply(Error(e));
      }
      reply(JsonResponse(200, json::object{{"Id", f->id},
                                   {"Listen", f->listen_host + ":" + std::to_string(f->listen_port)},
                                   {"LocalHost", f->listen_host},
                                   {"LocalPort", f->listen_port},
                                   {"Region", region},
                                   {"VpcId", vpc_id},
                                   {"Address", ip},
                                   {"Port", port},
                                   {"TaskArn", task_arn},
                                   {"Namespace", target.netns},
                                   {"LeaseSeconds", kLeaseSeconds}}));
    });
  });
}

void VpcAccess::AddRoute(const HttpRequest& req, Reply reply) {
  auto body = Body(req);
  if (!body.ok()) return reply(Error(body.error()));
  std::string region = Str(*body, "Region");
  if (region.empty()) region = default_region_;
  std::string vpc = Str(*body, "VpcId");
  if (vpc.empty()) return reply(Error(AwsError::Make("InvalidParameter", "VpcId is required")));
  gateway_.Post([=, this] {
    const json::object* doc = ec2_.Vpc(region, vpc);
    if (!doc)
      return reply(Error(AwsError::Make("InvalidVpcID.NotFound", "The vpc ID '" + vpc + "' does not exist in " + region, 404)));
    std::vector<std::string> cidrs = VpcCidrs(*doc);
    boost::asio::post(pool_, [=, this] {
      Status st = runner_.RouteVpc(vpc, cidrs);
      if (!st.ok()) return reply(Error(st.error()));
      json::array c;
      for (auto& x : cidrs) c.emplace_back(x);
      reply(JsonResponse(200, json::object{{"VpcId", vpc}, {"Region", region}, {"Cidrs", c},
                                   {"Via", runner_.fabric().UplinkName(vpc)}}));
    });
  });
}

void VpcAccess::VpcDeleted(const std::string& vpc_id) {
  boost::asio::post(pool_, [this, vpc_id] {
    std::string ns = runner_.fabric().NamespaceOf(vpc_id);
    for (const auto& f : forwarder_.List())
      if (f.target.netns == ns) (void)forwarder_.Close(f.id);
    (void)runner_.UnrouteVpc(vpc_id);
  });
}

}  // namespace fargo::cli
