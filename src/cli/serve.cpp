#include "cli/serve.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <future>
#include <memory>
#include <thread>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <climits>
#include <fstream>
#include <map>
#include <mutex>
#include <cstdlib>

#include "cli/store_change_count.h"
#include "cli/dns_name_publisher.h"
#include "cli/security_group_publisher.h"
#include "cli/pulls_endpoint.h"
#include "cli/status_endpoint.h"
#include "console/console_server.h"
#include "dataplane/lb/load_balancer_data_plane.h"
#include "cli/vpc_access.h"
#include "common/clock.h"
#include "common/strings.h"
#include "dataplane/dns/dns_server.h"
#include "dataplane/endpoints/task_endpoints.h"
#include "dataplane/imds/imds_server.h"
#include "dataplane/endpoints/task_metadata.h"
#include "protocol/codec.h"
#include "protocol/model.h"
#include "runtime/ipv4.h"
#include "dataplane/logs/log_pipeline.h"
#include "runtime/engine_check.h"
#include "runtime/engine_client.h"
#include "runtime/task_runner.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/tls/tls_authority.h"
#include "services/application_autoscaling/application_autoscaling_service.h"
#include "services/ec2/ec2_service.h"
#include "services/ecs/ecs_service.h"
#include "services/elbv2/elbv2_service.h"
#include "services/iam/iam_service.h"
#include "services/logs/logs_service.h"
#include "services/s3/s3_service.h"
#include "services/servicediscovery/servicediscovery_service.h"
#include "services/ssm/ssm_service.h"
#include "cli/exec_sessions.h"
#include "services/sts/sts_service.h"
#include "services/acm/acm_service.h"
#include "store/store.h"

#ifndef FARGO_VERSION
#define FARGO_VERSION "0.0.0"
#endif

namespace fargo::cli {

std::string ServeOptions::DefaultDataDir() {
  if (const char* x = std::getenv("FARGO_DATA_DIR")) return x;
  if (const char* x = std::getenv("XDG_DATA_HOME")) return std::string(x) + "/fargo";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.local/share/fargo";
  return ".fargo";
}

namespace {

// A name for this fargo that stays the same across restarts on one data
// directory: the runtime labels its tasks with it.
std::string InstanceId(const std::string& data_dir) { return InstanceIdOf(data_dir); }

}  // namespace

std::string InstanceIdOf(const std::string& data_dir) {
  char buf[PATH_MAX];
  std::string path = ::realpath(data_dir.c_str(), buf) ? std::string(buf) : data_dir;
  uint64_t h = Fnv1a(path);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

namespace {

// Every service fargo serves, built concretely and wired to each other here:
// adding a service is a model in models/models.txt, a folder in
// src/services/, and its lines in this struct and MakeServices.
struct Services {
  std::unique_ptr<services::StsService> sts;
  std::unique_ptr<services::IamService> iam;
  std::unique_ptr<services::LogsService> logs;
  std::unique_ptr<services::Ec2Service> ec2;
  std::unique_ptr<services::EcsService> ecs;
  std::unique_ptr<services::Elbv2Service> elbv2;
  std::unique_ptr<services::S3Service> s3;
  std::unique_ptr<services::ServiceDiscoveryService> servicediscovery;
  std::unique_ptr<services::ApplicationAutoScalingService> autoscaling;
  std::unique_ptr<services::SsmService> ssm;
  std::unique_ptr<services::AcmService> acm;

  // Hands them all to the gateway, which owns them from then on.
  void MoveTo(server::Gateway& gateway) {
    gateway.AddService(std::move(sts));
    gateway.AddService(std::move(iam));
    gateway.AddService(std::move(logs));
    gateway.AddService(std::move(ec2));
    gateway.AddService(std::move(ecs));
    gateway.AddService(std::move(elbv2));
    gateway.AddService(std::move(s3));
    gateway.AddService(std::move(servicediscovery));
    gateway.AddService(std::move(autoscaling));
    gateway.AddService(std::move(ssm));
    gateway.AddService(std::move(acm));
  }
};

Services MakeServices(const services::Env& env) {
  Services out;
  out.sts = std::make_unique<services::StsService>(env);
  out.iam = std::make_unique<services::IamService>(env);
  out.logs = std::make_unique<services::LogsService>(env);
  out.ec2 = std::make_unique<services::Ec2Service>(env);
  out.elbv2 = std::make_unique<services::Elbv2Service>(env);
  // Load balancers take their VPC and zones from EC2's subnets. Both live as
  // long as the gateway that owns them and are called on its state thread.
  out.elbv2->SetSubnetResolver([ec2 = out.ec2.get()](const std::string& region, const std::string& subnet_id)
                               -> std::optional<services::Elbv2Service::SubnetInfo> {
    const boost::json::object* s = ec2->Subnet(region, subnet_id);
    if (!s) return std::nullopt;
    return services::Elbv2Service::SubnetInfo{GetString(*s, "AvailabilityZone"), GetString(*s, "VpcId")};
  });
  out.elbv2->SetVpcCidrResolver([ec2 = out.ec2.get()](const std::string& region, const std::string& vpc_id) {
    std::vector<std::string> out;
    if (const boost::json::object* v = ec2->Vpc(region, vpc_id)) {
      if (const boost::json::array* set = GetArray(*v, "CidrBlockAssociationSet"))
        for (const auto& a : *set)
          if (a.is_object()) out.push_back(GetString(a.as_object(), "CidrBlock"));
      if (out.empty()) out.push_back(GetString(*v, "CidrBlock"));
    }
    return out;
  });
  // Load balancers' addresses are EC2 interfaces, from the same allocator
  // as tasks' ENIs, managed by ELB as on AWS.
  out.elbv2->SetInterfaceHooks(
      [ec2 = out.ec2.get()](const services::Elbv2Service::InterfaceRequest& r)
          -> Result<services::Elbv2Service::Interface> {
        services::Ec2Service::InterfaceSpec spec;
        spec.subnet_id = r.subnet_id;
        spec.group_ids = r.security_groups;
        spec.no_groups = r.security_groups.empty();  // ELBv2 names the default group itself
        spec.description = r.description;
        spec.private_ip = r.private_ip;
        spec.interface_type = r.interface_type;
        spec.requester_managed = true;
        spec.requester_id = "amazon-elb";
        spec.status = "in-use";
        FARGO_ASSIGN_OR_RETURN(boost::json::object eni, ec2->CreateInterface(r.region, r.account, spec));
        return services::Elbv2Service::Interface{GetString(eni, "NetworkInterfaceId"), GetString(eni, "PrivateIpAddress")};
      },
      [ec2 = out.ec2.get()](const std::string& region, const std::string& eni_id) {
        (void)ec2->DeleteInterface(region, eni_id);
      });
  out.elbv2->SetInterfaceGroupsHook([ec2 = out.ec2.get()](const std::string& region, const std::string& eni_id,
                                                          const std::vector<std::string>& groups) {
    return ec2->SetInterfaceGroups(region, eni_id, groups);
  });
  // Load balancers' security groups are EC2's.
  services::Elbv2Service::SecurityGroupHooks sg_hooks;
  sg_hooks.group_vpc = [ec2 = out.ec2.get()](const std::string& region, const std::string& id) {
    return ec2->GroupVpc(region, id);
  };
  sg_hooks.default_group = [ec2 = out.ec2.get()](const std::string& region, const std::string& vpc_id) {
    return ec2->DefaultGroupId(region, vpc_id);
  };
  sg_hooks.filter = [ec2 = out.ec2.get()](const std::string& region, const std::vector<std::string>& groups) {
    return ec2->SecurityFilterOf(region, groups);
  };
  out.elbv2->SetSecurityGroupHooks(std::move(sg_hooks));
  // ECS tasks take their network from EC2's subnets and show their
  // interfaces there (as Fargate's requester-managed ENIs).
  out.ecs = std::make_unique<services::EcsService>(env);
  out.ecs->SetNetworkResolver([ec2 = out.ec2.get()](const std::string& region, const std::string& subnet_id)
                              -> std::optional<services::EcsService::SubnetNetwork> {
    const boost::json::object* s = ec2->Subnet(region, subnet_id);
    if (!s) return std::nullopt;
    const boost::json::object* vpc = ec2->Vpc(region, GetString(*s, "VpcId"));
    if (!vpc) return std::nullopt;
    services::EcsService::SubnetNetwork net{GetString(*vpc, "VpcId"), GetString(*vpc, "CidrBlock"),
                                            GetString(*s, "CidrBlock"), GetString(*s, "AvailabilityZone")};
    // Egress as the subnet's route table decides (asked again every second
    // for running tasks: route changes apply to them).
    using Kind = services::Ec2Service::Egress::Kind;
    switch (ec2->SubnetEgress(region, subnet_id).kind) {
      case Kind::kInternetGateway: net.egress = runtime::SubnetEgress::kInternetGateway; break;
      case Kind::kNatGateway: net.egress = runtime::SubnetEgress::kNatGateway; break;
      case Kind::kNone: break;
    }
    const boost::json::object* attrs = GetObject(*vpc, "_Attributes");
    net.dns_support = attrs ? GetBool(*attrs, "enableDnsSupport", true) : true;
    return net;
  });
  out.ecs->SetInterfaceHooks(
      [ec2 = out.ec2.get()](const services::EcsService::TaskInterface& ti) -> Result<std::string> {
        services::Ec2Service::InterfaceSpec spec;
        spec.subnet_id = ti.subnet_id;
        spec.group_ids = ti.security_groups;
        spec.description = ti.description;
        spec.private_ip = ti.private_ip;
        spec.interface_type = "interface";
        spec.requester_managed = true;
        FARGO_ASSIGN_OR_RETURN(boost::json::object eni, ec2->CreateInterface(ti.region, ti.account, spec));
        return GetString(eni, "NetworkInterfaceId");
      },
      [ec2 = out.ec2.get()](const std::string& region, const std::string& eni_id) {
        (void)ec2->DeleteInterface(region, eni_id);
      });
  // Services behind load balancers: their tasks are targets of ELBv2's groups.
  services::EcsService::TargetHooks targets;
  targets.register_target = [elbv2 = out.elbv2.get()](const std::string& region, const std::string& tg,
                                                      const std::string& ip, int64_t port) {
    return elbv2->RegisterTarget(region, tg, ip, port);
  };
  targets.deregister_target = [elbv2 = out.elbv2.get()](const std::string& region, const std::string& tg,
                                                        const std::string& ip, int64_t port) {
    return elbv2->DeregisterTarget(region, tg, ip, port);
  };
  targets.state = [elbv2 = out.elbv2.get()](const std::string& region, const std::string& tg, const std::string& ip,
                                            int64_t port) { return elbv2->TargetState(region, tg, ip, port); };
  out.ecs->SetTargetHooks(std::move(targets));

  // Instances take their role from IAM's instance profiles.
  out.ec2->SetProfileResolver([iam = out.iam.get()](const std::string& ref)
                                  -> std::optional<services::Ec2Service::ProfileRole> {
    auto r = iam->InstanceProfileRole(ref);
    if (!r) return std::nullopt;
    return services::Ec2Service::ProfileRole{r->profile_arn, r->profile_id, r->role_arn, r->role_name,
                                             r->policy_arns};
  });
  if (const char* image = std::getenv("FARGO_INSTANCE_IMAGE"); image && *image)
    out.ec2->SetDefaultInstanceImage(image);
  // Containers' environmentFiles are objects of fargo's S3.
  out.s3 = std::make_unique<services::S3Service>(env);
  out.ecs->SetObjectReader([s3 = out.s3.get()](const std::string& bucket, const std::string& key) {
    return s3->ReadObject(bucket, key);
  });
  // Private DNS namespaces belong to EC2's VPCs.
  out.servicediscovery = std::make_unique<services::ServiceDiscoveryService>(env);
  out.servicediscovery->SetVpcResolver([ec2 = out.ec2.get()](const std::string& region, const std::string& vpc_id) {
    return ec2->Vpc(region, vpc_id) != nullptr;
  });
  // An ECS service's desired count scales only while the service exists.
  out.autoscaling = std::make_unique<services::ApplicationAutoScalingService>(env);
  out.autoscaling->SetResourceChecker([ecs = out.ecs.get()](const std::string& region, const std::string&,
                                                            const services::autoscaling::TargetKey& k)
                                          -> std::optional<std::string> {
    if (k.service_namespace != "ecs") return std::nullopt;
    // service/<cluster>/<service>, already validated.
    size_t a = k.resource_id.find('/'), b = k.resource_id.rfind('/');
    if (ecs->HasActiveService(region, k.resource_id.substr(a + 1, b - a - 1), k.resource_id.substr(b + 1)))
      return std::nullopt;
    return "ECS service doesn't exist: " + k.resource_id;
  });
  // Certificates for the load balancers' TLS listeners; ELBv2 tells which
  // load balancers use one.
  out.acm = std::make_unique<services::AcmService>(env);
  out.acm->SetUsers([elbv2 = out.elbv2.get()](const std::string& arn) { return elbv2->LoadBalancersUsingCertificate(arn); });
  out.acm->SetReimportHook([elbv2 = out.elbv2.get()] { elbv2->CertificatesChanged(); });
  out.elbv2->SetCertificateResolver([acm = out.acm.get()](const std::string& arn)
                                        -> std::optional<services::elbv2::ListenerCertificate> {
    const services::acm::AcmCertificate* c = acm->CertificateOf(arn);
    if (!c || c->cert_pem.empty()) return std::nullopt;  // none, or not issued yet
    return services::elbv2::ListenerCertificate{arn, c->cert_pem, c->key_pem, c->chain_pem};
  });
  out.ssm = std::make_unique<services::SsmService>(env);
  // Managed instances are EC2's instances whose role lets the agent in.
  out.ssm->SetInstanceSource([ec2 = out.ec2.get()](const std::string& region) {
    std::vector<services::SsmService::InstanceFacts> facts;
    for (const auto& i : ec2->Instances(region))
      facts.push_back({i.instance_id, i.state, i.private_ip, i.private_dns, i.platform_name, i.platform_version,
                       i.role_name, i.policy_arns, static_cast<double>(i.launch_time_ms) / 1000.0});
    return facts;
  });
  // A task's container is a session target while ECS Exec reaches it.
  out.ssm->SetTaskTargetSource([ecs = out.ecs.get()](const std::string& region, const std::string& target)
                                   -> std::optional<services::SsmService::TaskTarget> {
    auto t = ecs->ExecTargetOf(region, target);
    if (!t) return std::nullopt;
    return services::SsmService::TaskTarget{t->task_arn, t->runtime_id, t->user, t->env};
  });
  return out;
}

// Runs a network event loop until it stops. A handler's exception is logged
// and the loop goes on: one bad request must not take the daemon down.
void RunLoop(boost::asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fargo: network event loop: %s\n", e.what());
    }
  }
}

// Where the AWS names lead inside every VPC (the VPC resolver's answer for
// s3.amazonaws.com and the like): a link-local address of fargo's, sent on
// to this instance's API listener by the VPC's router (VpcFabric's DNAT).
constexpr const char* kAwsAddress = "169.254.170.3";
// The Amazon provided DNS's other address, in every VPC.
constexpr const char* kResolverLinkLocal = "169.254.169.253";

// This instance's own address on the host, where the VPCs' DNAT sends
// 169.254.170.2 and the AWS names: one of 169.254.172.0/22, from the
// instance id (the `attempt`-th choice when an earlier one is taken).
std::string InstanceAddress(const std::string& instance, uint32_t attempt) {
  uint32_t base = (169u << 24) | (254u << 16) | (172u << 8);
  return runtime::FormatIpv4(base + 1 + static_cast<uint32_t>((Fnv1a(instance) + attempt) % 1020));
}

std::string RegionOfArn(const std::string& arn) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= arn.size() && parts.size() < 4; ++i)
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(start, i - start));
      start = i + 1;
    }
  return parts.size() == 4 ? parts[3] : "";
}

// The endpoint prefixes of the services served ("s3", "sts", "logs",
// "elasticloadbalancing", ...), from their models: the names the VPC
// resolver answers with fargo's address.
std::vector<std::string> ServedEndpointPrefixes(const std::vector<std::string>& services) {
  std::vector<std::string> out;
  for (const auto& s : services)
    if (const protocol::ServiceModel* m = protocol::ModelRegistry::Instance().Get(s))
      if (!m->endpoint_prefix().empty()) out.push_back(m->endpoint_prefix());
  return out;
}

// Readies a VPC for a task (TaskRunner's prepare_vpc): fargo's addresses and
// redirects in its namespace, its resolver (unless DNS support is off), and
// the resolv.conf its containers mount. Runs on supervisor threads.
class VpcDns {
 public:
  VpcDns(std::string dir, dataplane::dns::DnsServer& dns) : dir_(std::move(dir)), dns_(dns) {}
  void SetFabric(runtime::VpcFabric* fabric) { fabric_ = fabric; }
  // The instance metadata service, at 169.254.169.254 in every VPC.
  void SetImds(dataplane::imds::ImdsServer* imds) { imds_ = imds; }
  // This instance's address and the ports 169.254.170.2 and the AWS names
  // lead to there. REQUIRES: before any task starts.
  // 0: that port is not served.
  void SetInstance(std::string address, uint16_t endpoints_port, uint16_t api_port, uint16_t https_port) {
    std::lock_guard<std::mutex> l(mu_);
    instance_address_ = std::move(address);
    endpoints_port_ = endpoints_port;
    api_port_ = api_port;
    https_port_ = https_port;
    // Every VPC gets them as it is made: its rules in one go.
    if (fabric_) fabric_->SetDefaultRedirects(instance_address_, Redirects());
  }

  Result<std::string> Prepare(const runtime::SandboxSpec& sb) {
    std::string region = RegionOfArn(sb.task_arn);
    auto view = dataplane::dns::DnsVpcView::Make(sb.vpc.vpc_id, region, sb.vpc.cidr, kAwsAddress);
    if (!view || region.empty() || !fabric_)
      return AwsError::Make("InternalError", "no DNS for VPC " + sb.vpc.vpc_id + " (" + sb.vpc.cidr + ")", 500);
    std::string resolver_ip = runtime::FormatIpv4(view->ResolverAddress());
    std::vector<std::string> resolver_ips{resolver_ip, kResolverLinkLocal};
    std::vector<std::string> local_ips = resolver_ips;
    if (imds_) local_ips.push_back(kImdsAddress);
    std::lock_guard<std::mutex> l(mu_);
    FARGO_ASSIGN_OR_RETURN(runtime::UniqueFd fd, fabric_->OpenVpcNetns(sb.vpc.vpc_id));
    struct stat st {};
    ::fstat(fd.get(), &st);
    // Once per namespace (a VPC removed and made again is a new one).
    bool fresh = ready_[sb.vpc.vpc_id] != st.st_ino;
    if (fresh) {
      runtime::VpcFabric::VpcServices services;
      services.local_addresses = local_ips;
      services.instance_address = instance_address_;
      if (!instance_address_.empty()) services.redirects = Redirects();
      FARGO_TRY(fabric_->EnsureVpcServices(sb.vpc.vpc_id, services));
    }
    if (imds_ && (fresh || !imds_->Serving(sb.vpc.vpc_id))) {
      auto served = imds_->Serve(sb.vpc.vpc_id, fd.get(), kImdsAddress, 80);
      if (!served.ok()) return served.error();
    }
    if (sb.vpc.dns_support) {
      if (fresh || !dns_.Serving(sb.vpc.vpc_id)) FARGO_TRY(dns_.Serve(*view, fd.get(), resolver_ips));
    } else {
      dns_.Unserve(sb.vpc.vpc_id);  // AWS's resolver does not answer such a VPC
    }
    ready_[sb.vpc.vpc_id] = st.st_ino;
    // AWS's DHCP options: the resolver, and the region's private zone.
    std::string folder = dir_ + "/vpc-dns";
    ::mkdir(folder.c_str(), 0755);
    std::string path = folder + "/" + sb.vpc.vpc_id + ".resolv.conf";
    std::string tmp = path + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << "nameserver " << resolver_ip << "\nsearch " << view->PrivateZone() << "\n";
      if (!f.flush()) return AwsError::Make("InternalError", "cannot write " + tmp, 500);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) return AwsError::Make("InternalError", "cannot write " + path, 500);
    return path;
  }

 private:
  // REQUIRES: mu_ held.
  std::vector<runtime::VpcFabric::Redirect> Redirects() const {
    std::vector<runtime::VpcFabric::Redirect> r{{"169.254.170.2", 80, endpoints_port_},
                                                {"169.254.170.2", 4566, api_port_},
                                                {kAwsAddress, 80, api_port_},
                                                {kAwsAddress, 4566, api_port_}};
    if (https_port_) r.push_back({kAwsAddress, 443, https_port_});
    return r;
  }

  std::string dir_;
  dataplane::dns::DnsServer& dns_;
  runtime::VpcFabric* fabric_ = nullptr;
  dataplane::imds::ImdsServer* imds_ = nullptr;
  static constexpr const char* kImdsAddress = "169.254.169.254";
  std::mutex mu_;
  std::string instance_address_;
  uint16_t endpoints_port_ = 80, api_port_ = 4566, https_port_ = 0;
  std::map<std::string, ino_t> ready_;
};

// One request of a task to 169.254.170.2. REQUIRES: on the state thread.
void AnswerTaskEndpoint(services::EcsService& ecs, services::StsService& sts, double now, dataplane::TaskEndpoints::Kind kind,
                        const std::string& id, const std::string& subpath,
                        const dataplane::TaskEndpoints::Reply& reply) {
  // Errors are written by the codec layer, as every error fargo answers.
  auto fail = [&reply](const AwsError& e) {
    protocol::HttpResponse r = protocol::EncodeTaskEndpointError(e);
    reply(r.status, r.body);
  };
  if (kind == dataplane::TaskEndpoints::Kind::kCredentials) {
    auto target = ecs.TaskCredentials(id);
    if (!target) return fail(AwsError::Make("NotFound", "no task has the credentials id " + id, 404));
    auto issued = sts.IssueRoleCredentials(target->role_arn, runtime::TaskIdOf(target->task_arn), 6 * 3600);
    if (!issued.ok()) {
      AwsError e = issued.error();
      e.status = 500;
      return fail(e);
    }
    return reply(200, boost::json::serialize(services::ContainerCredentialsBody(*issued, target->role_arn)));
  }
  auto task = ecs.TaskMetadata(id);
  auto meta = task ? dataplane::RenderTaskMetadata(*task, subpath, now)
                   : Result<boost::json::value>(dataplane::MetadataNotFound());
  if (!meta.ok()) {
    AwsError e = meta.error();
    e.status = 404;
    return fail(e);
  }
  reply(200, boost::json::serialize(*meta));
}

// One request of an instance to 169.254.169.254. REQUIRES: on the state thread.
void AnswerImds(services::Ec2Service& ec2, services::StsService& sts, const dataplane::imds::ImdsResponder& responder,
                const std::string& vpc_id, const std::string& source, const dataplane::imds::ImdsRequest& req,
                const dataplane::imds::ImdsServer::Reply& reply) {
  std::optional<dataplane::imds::InstanceView> view;
  std::optional<dataplane::imds::RoleCredentials> creds;
  if (auto i = ec2.InstanceAt(vpc_id, source)) {
    dataplane::imds::InstanceView v;
    v.instance_id = i->instance_id;
    v.image_id = i->image_id;
    v.instance_type = i->instance_type;
    v.region = i->region;
    v.availability_zone = i->availability_zone;
    v.account = i->account;
    v.private_ip = i->private_ip;
    v.private_dns = i->private_dns;
    v.mac = i->mac;
    v.vpc_id = i->vpc_id;
    v.subnet_id = i->subnet_id;
    if (const auto* vpc = ec2.Vpc(i->region, i->vpc_id)) v.vpc_cidr = GetString(*vpc, "CidrBlock");
    if (const auto* sn = ec2.Subnet(i->region, i->subnet_id)) v.subnet_cidr = GetString(*sn, "CidrBlock");
    v.user_data_b64 = i->user_data;
    v.profile_arn = i->profile_arn;
    v.profile_id = i->profile_id;
    v.role_name = i->role_name;
    v.security_groups = i->security_groups;
    v.http_tokens = i->http_tokens;
    v.http_endpoint = i->http_endpoint != "disabled";
    v.hop_limit = i->hop_limit;
    v.launched = static_cast<double>(i->launch_time_ms) / 1000.0;
    if (dataplane::imds::ImdsResponder::WantsCredentials(req, v)) {
      auto issued = sts.IssueRoleCredentials(i->role_arn, i->instance_id, 6 * 3600);
      if (issued.ok()) {
        boost::json::object body = services::ContainerCredentialsBody(*issued, i->role_arn);
        creds = dataplane::imds::RoleCredentials{GetString(body, "AccessKeyId"), GetString(body, "SecretAccessKey"),
                                                 GetString(body, "Token"), GetString(body, "Expiration")};
      }
    }
    view = std::move(v);
  }
  reply(responder.Respond(req, view, creds));
}

// Every relayed load balancer connection, session and task endpoint holds
// descriptors: the daemon raises its open-files limit as far as it may (as
// root, to the kernel's nr_open, at most 1 Mi; otherwise the soft limit to
// the hard one), so that thousands of idle flows do not run it out.
void RaiseOpenFilesLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = lim.rlim_max;
  if (::geteuid() == 0) {
    rlim_t nr_open = 1 << 20;
    std::ifstream f("/proc/sys/fs/nr_open");
    unsigned long long v = 0;
    if (f >> v && v > 0) nr_open = std::min<rlim_t>(nr_open, static_cast<rlim_t>(v));
    want = std::max(want == RLIM_INFINITY ? nr_open : want, nr_open);
  }
  if (want == lim.rlim_cur) return;
  rlimit raised{want, std::max(want, lim.rlim_max)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {lim.rlim_max, lim.rlim_max};
    (void)::setrlimit(RLIMIT_NOFILE, &raised);
  }
}

}  // namespace

int RunServe(const ServeOptions& opt) {
  RaiseOpenFilesLimit();
  std::string dir = opt.data_dir;
  // Create parents of the data directory (mkdir -p).
  for (size_t i = 1; i < dir.size(); ++i)
    if (dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0755);
  auto store = store::Store::Open(dir);
  if (!store.ok()) {
    std::fprintf(stderr, "fargo: %s\n", store.error().message.c_str());
    return 1;
  }
  (*store)->StartCheckpointer();
  SystemClock clock;
  RandomIdGenerator ids;
  services::Env env{**store, clock, ids, opt.account};
  // The names Cloud Map and ELBv2 put in the VPC resolvers: built on the
  // state thread, read by the DNS thread (outlives both).
  dataplane::dns::DnsNameSnapshot dns_names;
  server::Gateway gateway(clock, ids, opt.account, opt.region);
  // Typed pointers stay here; the gateway owns the services and outlives their use.
  Services built = MakeServices(env);
  services::EcsService* ecs = built.ecs.get();
  services::StsService* sts = built.sts.get();
  services::LogsService* logs = built.logs.get();
  services::Ec2Service* ec2 = built.ec2.get();
  services::Elbv2Service* elbv2 = built.elbv2.get();
  services::SsmService* ssm = built.ssm.get();
  services::AcmService* acm = built.acm.get();
  auto dns_publisher = std::make_shared<DnsNamePublisher>(
      *built.servicediscovery, *built.elbv2, dns_names,
      [&gateway](std::function<void()> fn) { gateway.Post(std::move(fn)); });
  built.servicediscovery->SetChangeHook([dns_publisher] { dns_publisher->Changed(); });
  built.elbv2->SetChangeHook([dns_publisher] { dns_publisher->Changed(); });
  built.MoveTo(gateway);

  // The task runtime: reports cross to the state thread by Post.
  runtime::EngineClient engine = runtime::EngineClient::FromEnvironment();
  runtime::TaskRunner::Options runner_options;
  runner_options.instance = InstanceId(dir);
  // fargo's CA (made on first start, kept in the data directory) and the
  // bundle every container trusts: the host's roots plus that CA.
  std::unique_ptr<server::tls::TlsAuthority> tls;
  // ACM's issuing thread (keys and signatures): declared after the CA, so
  // it is joined before the CA goes.
  boost::asio::thread_pool acm_issuing{1};
  if (auto ca = server::tls::TlsAuthority::LoadOrCreate(CaFolder(dir), runner_options.instance); ca.ok()) {
    tls = std::move(*ca);
    std::string bundle = CaFolder(dir) + "/ca-bundle.pem";
    if (Status st = tls->WriteBundle(bundle, "/etc/ssl/certs/ca-certificates.crt"); st.ok())
      runner_options.ca_bundle = bundle;
    else
      std::fprintf(stderr, "fargo: tasks get no CA bundle: %s\n", st.error().message.c_str());
    // ACM issues its certificates from the same CA, which tasks trust (set
    // before the gateway starts; the authority outlives the issuing thread).
    // A new key (RSA: tens of milliseconds and more) is no work for the
    // state thread: it is made on the issuing thread, and the answer goes
    // back to the state thread.
    acm->SetIssuer([ca_ptr = tls.get(), &acm_issuing, &gateway](const std::vector<std::string>& names,
                                                                 const std::string& key_algorithm,
                                                                 services::AcmService::IssueDone done) {
      boost::asio::post(acm_issuing, [ca_ptr, &gateway, names, key_algorithm, done = std::move(done)]() mutable {
        Result<services::AcmService::Issued> issued = AwsError::Make("InternalError", "not issued");
        if (auto c = ca_ptr->IssueCertificate(names, key_algorithm); c.ok())
          issued = services::AcmService::Issued{c->cert_pem, c->key_pem, c->chain_pem};
        else
          issued = c.error();
        gateway.Post([done = std::move(done), issued = std::move(issued)]() mutable { done(std::move(issued)); });
      });
    });
  } else {
    std::fprintf(stderr, "fargo: no HTTPS for tasks: %s\n", ca.error().message.c_str());
  }
  // awslogs: each batch is stored on the state thread; the pipeline waits
  // for that, which is how it notices a lagging state thread.
  dataplane::LogPipeline log_pipeline(
      engine, clock,
      [&gateway, logs](const runtime::AwsLogsSpec& spec, std::vector<IngestedEvent> events, const LogCursor& cursor) {
        auto batch = std::make_shared<std::vector<IngestedEvent>>(std::move(events));
        auto done = std::make_shared<std::promise<void>>();
        auto stored = done->get_future();
        gateway.Post([logs, spec, batch, cursor, done] {
          // The cursor is stored with the batch: a restart resumes after it.
          Status st = logs->IngestEvents(spec.region, spec.group, spec.stream, spec.create_group, std::move(*batch),
                                         &cursor);
          if (!st.ok()) {
            std::fprintf(stderr, "fargo: awslogs %s/%s: %s\n", spec.group.c_str(), spec.stream.c_str(),
                         st.error().message.c_str());
          }
          done->set_value();
        });
        // Bounded: a state thread that is gone (shutdown) never answers.
        if (stored.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
          std::fprintf(stderr, "fargo: awslogs %s/%s: a batch was not stored in time\n", spec.group.c_str(),
                       spec.stream.c_str());
        }
      });
  (void)log_pipeline.Start();
  // Each VPC's resolver; forwarded queries go to the host's resolvers.
  dataplane::dns::DnsServer::Options dns_options;
  dns_options.resolver.service_prefixes = ServedEndpointPrefixes(gateway.ServiceNames());
  // Session Manager's data channel (ECS Exec's streams), served without a model.
  dns_options.resolver.service_prefixes.push_back("ssmmessages");
  dns_options.forwarder.upstreams = dataplane::dns::DnsForwarder::ReadResolvConf();
  // Load balancers and Cloud Map namespaces: the snapshot the state thread publishes.
  dataplane::dns::DnsServer dns(dns_options, dns_names.Source());
  (void)dns.Start();
  VpcDns vpc_dns(dir, dns);
  // The instance metadata service of EC2's instances: the instance is the
  // one at the request's source address in that VPC (state thread).
  dataplane::imds::ImdsResponder imds_responder(clock, ids.Hex(32));
  dataplane::imds::ImdsServer imds(
      [&gateway, &imds_responder, ec2, sts](const std::string& vpc_id, const std::string& source,
                                            dataplane::imds::ImdsRequest req, dataplane::imds::ImdsServer::Reply reply) {
        gateway.Post([=, &imds_responder, req = std::move(req)] {
          AnswerImds(*ec2, *sts, imds_responder, vpc_id, source, req, reply);
        });
      });
  if (Status st = imds.Start(); st.ok()) vpc_dns.SetImds(&imds);
  runner_options.prepare_vpc = [&vpc_dns](const runtime::SandboxSpec& sb) { return vpc_dns.Prepare(sb); };
  // Security groups: each task's filter comes once EC2 knows its ENI.
  runner_options.await_security_filter = std::chrono::milliseconds(3000);
  // Image pulls under way, for people: GET /_fargo/pulls, `fargo ps`, `fargo pull`.
  runtime::PullRegistry pulls;
  runner_options.pulls = &pulls;
  runtime::TaskRunner runner(
      engine, clock, &log_pipeline,
      [&gateway, ecs, ec2](const runtime::TaskReport& r) {
        // EC2's instances are workloads of the same runtime, by their ARN.
        if (services::Ec2Service::IsInstanceArn(r.task_arn))
          gateway.Post([ec2, r] { ec2->ApplyInstanceReport(r); });
        else
          gateway.Post([ecs, r] { ecs->ApplyTaskReport(r); });
      },
      [](const std::string& line) { std::fprintf(stderr, "fargo: %s\n", line.c_str()); }, runner_options);
  ecs->SetTaskDriver(&runner);
  ec2->SetInstanceDriver(&runner);
  // Security groups filter the tasks' ENIs: EC2's changes reach the runtime.
  auto sg_publisher = std::make_shared<SecurityGroupPublisher>(
      *ec2, *ecs, runner, [&gateway](std::function<void()> fn) { gateway.Post(std::move(fn)); });
  ec2->SetSecurityChangeHook([sg_publisher] { sg_publisher->Changed(); });
  vpc_dns.SetFabric(&runner.fabric());
  runner.Start();
  // Load balancers' traffic: the plan ELBv2 builds after each change goes to
  // the data plane; targets' health comes back to the state thread.
  dataplane::lb::LoadBalancerDataPlane::Hooks lb_hooks;
  lb_hooks.prepare = [&runner](const std::string& vpc_id, const std::vector<std::string>& ips) -> Status {
    FARGO_TRY(runner.fabric().SetLoadBalancerAddresses(vpc_id, ips));
    return ips.empty() ? runner.RemoveVpcIfUnused(vpc_id) : OkStatus();
  };
  lb_hooks.open_netns = [&runner](const std::string& vpc_id) -> Result<int> {
    FARGO_ASSIGN_OR_RETURN(runtime::UniqueFd fd, runner.fabric().OpenVpcNetns(vpc_id));
    return fd.release();
  };
  lb_hooks.filter = [&runner](const std::string& vpc_id, const std::vector<runtime::BalancerFilter>& lbs) {
    return runner.fabric().SetLoadBalancerFilter(vpc_id, lbs);
  };
  lb_hooks.report = [&gateway, elbv2](const dataplane::lb::HealthReport& r) {
    gateway.Post([elbv2, r] {
      (void)elbv2->SetTargetHealth(r.region, r.target_group_arn, r.ip, r.port, r.state, r.reason, r.description);
    });
  };
  dataplane::lb::LoadBalancerDataPlane lb_plane(std::move(lb_hooks));
  elbv2->SetWaitScale(opt.scale_waits);
  elbv2->SetPlanHook([&lb_plane, elbv2] { lb_plane.Apply(elbv2->Plan()); });
  // Their security groups' rules and members change with EC2's.
  sg_publisher->SetRecomputeHook([&lb_plane, elbv2] { lb_plane.Apply(elbv2->Plan()); });
  // Reaching VPCs from the host: port forwards and opt-in routes.
  VpcAccess vpc_access(gateway, *ec2, *ecs, runner, opt.region);
  ec2->SetVpcDeletedHook(
      [&vpc_access](const std::string&, const std::string& vpc_id) { vpc_access.VpcDeleted(vpc_id); });
  // `fargo status` and the console: GET /_fargo/status.
  StatusEndpoint status(gateway, **store,
                        {FARGO_VERSION, runner_options.instance, "", dir, engine.socket_path(), gateway.ServiceNames(),
                         std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()});

  PullsEndpoint pulls_endpoint(engine, pulls);

  if (auto st = gateway.Start(); !st.ok()) {
    std::fprintf(stderr, "fargo: cannot start: %s\n", st.error().message.c_str());
    return 1;
  }
  std::shared_future<runtime::EngineFacts> engine_facts;  // /_fargo/status shows them too
  if (Status ping = engine.Ping(); ping.ok()) {
    std::fprintf(stderr, "fargo: container engine at %s\n", engine.socket_path().c_str());
    // What fargo relies on in the engine, checked off this thread: each
    // problem is one line here and the stopped reason of the tasks it blocks.
    engine_facts = std::async(std::launch::async, [&engine, &runner, instance = runner_options.instance] {
                            runtime::EngineCheck check(engine, {{}, instance},
                                                       [&runner] { return runner.fabric().Probe(); });
                            runtime::EngineFacts f = check.Run();
                            if (f.reachable)
                              std::fprintf(stderr, "fargo: container engine is %s %s (API %s)\n", f.engine.c_str(),
                                           f.version.c_str(), f.api_version.c_str());
                            for (const std::string& p : f.Problems())
                              std::fprintf(stderr, "fargo: engine problem: %s\n", p.c_str());
                            return f;
                          }).share();
    runner.SetEngineFacts(engine_facts);
    status.SetEngineFacts(engine_facts);
  } else {
    std::fprintf(stderr, "fargo: no container engine answers at %s (%s): tasks will fail to start\n",
                 engine.socket_path().c_str(), ping.error().message.c_str());
  }
  // The task endpoints: answers come from the state thread. Tasks address
  // them at 169.254.170.2; each VPC's router sends that on to this
  // instance's own address (VpcDns), so that several fargos on one host
  // never answer each other's tasks.
  dataplane::TaskEndpointsOptions ep_options;
  ep_options.address = opt.task_endpoints_address;
  ep_options.port = opt.task_endpoints_port;
  auto resolve_endpoint = [&gateway, &clock, ecs, sts](dataplane::TaskEndpoints::Kind kind, int version,
                                                       std::string id, std::string subpath,
                                                       dataplane::TaskEndpoints::Reply reply) {
    gateway.Post([=, &clock] { AnswerTaskEndpoint(*ecs, *sts, clock.NowSeconds(), kind, id, subpath, reply); });
  };
  std::unique_ptr<dataplane::TaskEndpoints> endpoints;
  bool endpoints_up = false;
  bool per_instance = ep_options.address == "169.254.170.2";
  if (!ep_options.address.empty()) {
    Status st = OkStatus();
    // The first of this instance's addresses that no other fargo holds.
    for (uint32_t attempt = 0; attempt < (per_instance ? 8u : 1u); ++attempt) {
      if (per_instance) ep_options.address = InstanceAddress(runner_options.instance, attempt);
      st = per_instance ? dataplane::EnsureLocalAddress(ep_options.address) : OkStatus();
      endpoints = std::make_unique<dataplane::TaskEndpoints>(ep_options, resolve_endpoint);
      if (st.ok()) st = endpoints->Start();
      if (st.ok() || !per_instance || st.error().code != "BindFailed") break;
    }
    endpoints_up = st.ok();
    if (st.ok()) {
      std::fprintf(stderr, "fargo: task endpoints on http://%s:%u%s\n", ep_options.address.c_str(),
                   static_cast<unsigned>(endpoints->port()),
                   per_instance ? " (tasks: http://169.254.170.2)" : "");
    } else {
      std::fprintf(stderr, "fargo: task metadata and credentials endpoints are off: %s\n",
                   st.error().message.c_str());
    }
  }

  boost::asio::io_context io(2);
  boost::json::array names;
  for (const auto& n : gateway.ServiceNames()) names.emplace_back(n);
  std::string health = boost::json::serialize(boost::json::object{{"status", "running"},
                                                                 {"version", FARGO_VERSION},
                                                                 {"services", names},
                                                                 {"instance", runner_options.instance}});
  // The web console at /_fargo/; its guard keeps other web origins out of every endpoint.
  store::Store& db = **store;
  console::ConsoleServer console(
      io, [&gateway](std::function<void()> fn) { gateway.Post(std::move(fn)); },
      [&db] { return StoreChangeCount(db); }, console::NewConsoleToken());
  auto local = [&health, &console](const protocol::HttpRequest& req) -> std::optional<protocol::HttpResponse> {
    if (auto refused = console.Guard(req)) return refused;
    if (req.path != "/_fargo/health") return std::nullopt;
    protocol::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = health;
    return r;
  };
  // ECS Exec: sessions, their data channel on this port, their logging.
  ExecSessions exec_sessions(gateway, engine, *ecs, *ssm, *logs);
  // An instance's sessions end when it stops or terminates.
  ec2->SetInstanceStoppingHook([&exec_sessions](const std::string& arn) { exec_sessions.EndOwner(arn, "The instance stopped."); });
  // The data channel's upgrades pass the console's guard too: a browser's
  // only from the console's own origin, with its token.
  auto admit = [&console](const protocol::HttpRequest& head) { return !console.Guard(head); };
  server::HttpServer::Options api_options;
  api_options.websocket = exec_sessions.Handoff();
  api_options.websocket->admit = admit;
  server::HttpServer http(io, gateway, local, api_options);
  http.SetAsyncLocal([&vpc_access, &console, &status, &pulls_endpoint](
                         const protocol::HttpRequest& req, std::function<void(protocol::HttpResponse)> reply) {
    if (console.Handle(req, reply)) return true;
    if (req.path == "/_fargo/status") return status.Handle(req, std::move(reply));
    if (pulls_endpoint.Handle(req, reply)) return true;
    return vpc_access.Handle(req, std::move(reply));
  });
  auto port = http.Start(opt.host, opt.port);
  if (!port.ok()) {
    std::fprintf(stderr, "fargo: %s\n", port.error().message.c_str());
    if (endpoints_up) endpoints->Stop();
    runner.Shutdown();
    log_pipeline.Stop();
    gateway.Stop();
    return 1;
  }
  status.SetEndpoint("http://" + opt.host + ":" + std::to_string(*port));
  if (opt.scale_waits != 1.0)
    std::fprintf(stderr,
                 "fargo: --scale-waits %g: load balancers' health check intervals and deregistration "
                 "delays are %g times AWS's (not as on AWS)\n",
                 opt.scale_waits, opt.scale_waits);
  std::fprintf(stderr, "fargo %s listening on http://%s:%u (data: %s)\n", FARGO_VERSION,
               opt.host.c_str(), static_cast<unsigned>(*port), dir.c_str());
  std::fprintf(stderr, "fargo: console on http://%s:%u/_fargo/\n",
               opt.host == "0.0.0.0" ? "127.0.0.1" : opt.host.c_str(), static_cast<unsigned>(*port));
  // Tasks reach the same APIs next to their endpoints (every container gets
  // AWS_ENDPOINT_URL), as tasks on Fargate reach AWS: an init container
  // copies its files from fargo's S3 with its task role's credentials.
  server::HttpServer task_api(io, gateway, local);
  bool task_api_up = false;
  if (endpoints_up) {
    auto p = task_api.Start(ep_options.address, opt.task_api_port);
    task_api_up = p.ok();
    if (p.ok()) {
      std::fprintf(stderr, "fargo: tasks reach the AWS APIs at http://%s:%u\n", ep_options.address.c_str(),
                   static_cast<unsigned>(*p));
    } else {
      std::fprintf(stderr, "fargo: tasks cannot reach the AWS APIs: %s\n", p.error().message.c_str());
    }
  }
  // HTTPS for the AWS names (the VPC resolver's answer, 169.254.170.3:443):
  // the same gateway, a leaf of fargo's CA per SNI name it serves.
  server::HttpServer::Options https_options;
  std::unique_ptr<server::HttpServer> task_https;
  uint16_t https_port = 0;
  if (task_api_up && tls) {
    const dataplane::dns::DnsResolver& names = dns.resolver();
    auto ctx = tls->MakeServerContext([&names](const std::string& name) { return names.IsServiceName(name); });
    if (ctx.ok()) {
      https_options.tls = *ctx;
      // ECS Exec's data channel at Session Manager's name too
      // (wss://ssmmessages.<region>.amazonaws.com, FARGO_EXEC_STREAM_URL).
      https_options.websocket = exec_sessions.Handoff();
      https_options.websocket->admit = admit;
      task_https = std::make_unique<server::HttpServer>(io, gateway, local, https_options);
      auto p = task_https->Start(ep_options.address, opt.task_https_port);
      if (p.ok()) {
        https_port = *p;
        std::fprintf(stderr, "fargo: tasks reach the AWS names over HTTPS at https://%s:%u (CA: %s)\n",
                     ep_options.address.c_str(), static_cast<unsigned>(*p), tls->CaCertPath().c_str());
      } else {
        std::fprintf(stderr, "fargo: no HTTPS for tasks: %s\n", p.error().message.c_str());
        task_https.reset();
      }
    }
  }
  // 169.254.170.2 and the AWS names (VPC DNS) lead here from each VPC.
  if (per_instance && endpoints_up)
    vpc_dns.SetInstance(ep_options.address, endpoints->port(), task_api_up ? opt.task_api_port : 0, https_port);

  // Tasks that ran before a restart are adopted; fargo's other tasks go.
  gateway.Post([ecs, ec2, logs, &runner, sg_publisher] {
    std::vector<runtime::TaskPlan> live = ecs->LiveTaskPlans();
    for (auto& plan : ec2->LiveInstancePlans()) live.push_back(std::move(plan));
    for (auto& plan : live)
      for (auto& c : plan.containers)
        if (c.awslogs)
          c.awslogs->resume = logs->IngestCursors(c.awslogs->region, c.awslogs->group, c.awslogs->stream);
    runner.Adopt(live);
    sg_publisher->Recompute();  // the filters again, as EC2 has them now
    ecs->ResumeStops();
    ec2->ResumeInstanceStops();
  });


  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    std::fprintf(stderr, "fargo: shutting down\n");
    console.Stop();
    http.Stop();
    if (task_api_up) task_api.Stop();
    if (task_https) task_https->Stop();
    io.stop();
  });
  // Two network threads: connections are strands, and requests are decoded
  // there, so parsing overlaps with the state thread's work.
  std::thread second([&io] {
    pthread_setname_np(pthread_self(), "fargo-net");
    RunLoop(io);
  });
  RunLoop(io);
  second.join();
  // Reverse order of start-up. Tasks keep running in the engine; the next
  // start adopts them.
  if (endpoints_up) endpoints->Stop();
  gateway.Post([elbv2] { elbv2->SetPlanHook({}); });
  lb_plane.Stop();
  runner.Shutdown();
  imds.Stop();
  dns.Stop();
  log_pipeline.Stop();
  // Certificates not issued yet are issued again at the next start.
  acm_issuing.stop();
  acm_issuing.join();
  gateway.Stop();
  (*store)->StopCheckpointer();
  return 0;
}

namespace {

// The key of the AWS provider's `endpoints {}` block for a service fargo
// serves (by its botocore name), where the two differ.
std::string TerraformEndpointKey(const std::string& service) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"logs", "cloudwatchlogs"},
      {"application-autoscaling", "appautoscaling"},
  };
  for (const auto& [name, key] : kKeys)
    if (service == name) return key;
  std::string key;
  for (char c : service)
    if (c != '-') key += c;
  return key;
}

}  // namespace

std::vector<std::string> ServedServices() {
  // The services MakeServices builds, as the gateway registers them: a new
  // service shows up here (and in terraform-override) by itself.
  auto store = store::Store::Open(":memory:");
  if (!store.ok()) return {};
  SystemClock clock;
  RandomIdGenerator ids;
  services::Env env{**store, clock, ids};
  server::Gateway gateway(clock, ids, env.account, "us-east-1");
  MakeServices(env).MoveTo(gateway);
  std::vector<std::string> names = gateway.ServiceNames();
  std::sort(names.begin(), names.end());
  return names;
}

int PrintTerraformOverride(const std::string& endpoint) {
  std::vector<std::string> keys;
  for (const std::string& s : ServedServices()) keys.push_back(TerraformEndpointKey(s));
  std::sort(keys.begin(), keys.end());
  std::printf("# fargo: point the AWS provider at %s\n", endpoint.c_str());
  std::printf("provider \"aws\" {\n");
  std::printf("  access_key                  = \"test\"\n");
  std::printf("  secret_key                  = \"test\"\n");
  std::printf("  skip_credentials_validation = true\n");
  std::printf("  skip_requesting_account_id  = true\n");
  std::printf("  skip_metadata_api_check     = true\n");
  std::printf("  s3_use_path_style           = true\n\n");
  std::printf("  endpoints {\n");
  for (const std::string& k : keys) std::printf("    %-14s = \"%s\"\n", k.c_str(), endpoint.c_str());
  std::printf("  }\n}\n");
  return 0;
}

}  // namespace fargo::cli
