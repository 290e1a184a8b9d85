#include "runtime/engine_check.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "common/json_access.h"
#include "common/strings.h"
#include "runtime/ipv4.h"
#include "runtime/pause_image.h"
#include "runtime/task_sandbox.h"
#include "runtime/ulimits.h"

namespace fargo::runtime {

namespace json = boost::json;

namespace {

bool Mentions(const std::string& message, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (message.find(w) != std::string::npos) return true;
  return false;
}

constexpr const char* kByScript = " (scripts/engine.sh start does this)";

std::string RuntimeFix(bool podman) {
  return podman ? std::string("Fix: install runc and set runtime = \"runc\" under [engine] in containers.conf; "
                              "crun fails on kernels in cgroups hybrid mode") + kByScript
                : "Fix: see dockerd's log; its default OCI runtime cannot start containers";
}

std::string InitFix(bool podman) {
  return podman ? std::string("Fix: apt-get install catatonit (Podman's init for --init)") + kByScript
                : "Fix: apt-get install tini (Debian's docker-init), or point dockerd's --init-path at an init binary";
}

std::string GatewayFix(bool podman) {
  return podman ? std::string("Fix: apt-get install netavark aardvark-dns and set network_backend = \"netavark\" "
                              "under [network] in containers.conf (Podman's CNI backend gives internal networks "
                              "no host address); a Podman that has containers needs 'podman system reset' first") +
                      kByScript
                : "Fix: check dockerd's bridge configuration (internal networks must keep their gateway address)";
}

}  // namespace

std::vector<std::string> EngineFacts::Problems() const {
  std::vector<std::string> out;
  if (runtime == Fact::kProblem) out.push_back(runtime_problem);
  if (init == Fact::kProblem) out.push_back(init_problem);
  if (gateway == Fact::kProblem) out.push_back(gateway_problem);
  return out;
}

std::string TaskBlockedBy(const EngineFacts& facts, const TaskPlan& plan, int* container) {
  *container = -1;
  if (facts.runtime == Fact::kProblem) return "CannotStartContainerError: " + facts.runtime_problem;
  if (facts.gateway == Fact::kProblem)
    return "ResourceInitializationError: unable to create the task's network: " + facts.gateway_problem;
  if (facts.init == Fact::kProblem)
    for (size_t i = 0; i < plan.containers.size(); ++i)
      if (plan.containers[i].spec.init) {
        *container = static_cast<int>(i);
        return "CannotCreateContainerError: " + facts.init_problem;
      }
  return {};
}

EngineCheck::EngineCheck(EngineClient& engine, Options options, HostHasAddress host_has_address)
    : engine_(engine),
      options_(std::move(options)),
      host_has_address_(host_has_address ? std::move(host_has_address) : HostInterfaceHasAddress) {}

bool EngineCheck::HostInterfaceHasAddress(const std::string& ip) {
  in_addr want{};
  if (inet_pton(AF_INET, ip.c_str(), &want) != 1) return false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* a = list; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    found = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr == want.s_addr;
  }
  freeifaddrs(list);
  return found;
}

EngineFacts EngineCheck::Run() {
  EngineFacts f;
  auto version = engine_.Version();
  if (!version.ok()) return f;
  f.reachable = true;
  f.engine = "Docker";
  f.version = GetString(*version, "Version");
  f.api_version = GetString(*version, "ApiVersion");
  if (auto* comps = version->if_contains("Components"); comps && comps->is_array())
    for (auto& c : comps->as_array())
      if (c.is_object() && GetString(c.as_object(), "Name").find("Podman") != std::string::npos) {
        f.engine = "Podman";
        f.version = GetString(c.as_object(), "Version");
      }
  bool podman = f.IsPodman();
  if (!EnsurePauseImage(engine_).ok()) return f;  // the tasks report that failure themselves

  // Names and a /29 of 198.18.0.0/15 (benchmarking addresses, not routed)
  // that are the instance's own, so concurrent instances do not collide.
  uint64_t h = Fnv1a(options_.instance);
  std::string prefix = "fargo-probe-" + std::to_string(h % 1000000007ull);
  uint32_t base = (198u << 24) | (18u << 16) | (static_cast<uint32_t>(h % 16384) << 3);
  std::string subnet = FormatIpv4(base) + "/29";
  std::string gateway = FormatIpv4(base + 1);
  Labels labels = options_.labels;
  labels[kLabelManaged] = "true";
  json::object label_json;
  for (auto& [k, v] : labels) label_json[k] = v;

  std::string net = prefix + "-net", plain = prefix + "-runtime", with_init = prefix + "-init";
  auto clean = [&] {
    (void)engine_.ContainerRemove(plain, true, true);
    (void)engine_.ContainerRemove(with_init, true, true);
    (void)engine_.NetworkRemove(net);
  };
  clean();  // what a crash mid-probe may have left

  json::array ulimits = UlimitsToJson(ClampUlimits({}, HostLimits::Probe()));
  auto body = [&](const std::string& network, bool init) {
    json::object hc{{"NetworkMode", network}, {"Ulimits", ulimits}, {"RestartPolicy", json::object{{"Name", "no"}}}};
    if (init) hc["Init"] = true;
    return json::object{{"Image", kPauseImage}, {"HostConfig", std::move(hc)}};
  };

  // runtime + gateway: a container on an internal network.
  auto created_net = engine_.NetworkCreate(json::object{
      {"Name", net},
      {"Driver", "bridge"},
      {"Internal", true},
      {"Labels", label_json},
      {"IPAM", json::object{{"Driver", "default"},
                            {"Config", json::array{json::object{{"Subnet", subnet}, {"Gateway", gateway}}}}}}});
  std::string runtime_network = created_net.ok() ? net : "none";
  auto id = engine_.ContainerCreate(plain, body(runtime_network, false), labels);
  if (id.ok()) {
    Status st = engine_.ContainerStart(*id);
    if (st.ok()) {
      f.runtime = Fact::kOk;
      if (created_net.ok()) {
        if (host_has_address_(gateway)) {
          f.gateway = Fact::kOk;
        } else {
          f.gateway = Fact::kProblem;
          f.gateway_problem = "the container engine gives internal networks no gateway address on the host, so "
                              "tasks cannot reach their gateway or the task endpoints. " + GatewayFix(podman);
        }
      }
    } else {
      f.runtime = Fact::kProblem;
      f.runtime_problem = "the container engine cannot start containers: " + st.error().message + ". " +
                          RuntimeFix(podman);
    }
  }

  // init: a container with HostConfig.Init (only meaningful once containers start).
  if (f.runtime == Fact::kOk) {
    auto iid = engine_.ContainerCreate(with_init, body("none", true), labels);
    Status st = iid.ok() ? engine_.ContainerStart(*iid) : Status(iid.error());
    if (st.ok()) {
      f.init = Fact::kOk;
    } else if (Mentions(st.error().message, {"init", "catatonit", "tini"})) {
      f.init = Fact::kProblem;
      f.init_problem = "the container engine has no init binary, so tasks with initProcessEnabled cannot start (" +
                       st.error().message + "). " + InitFix(podman);
    }
  }
  clean();
  return f;
}

}  // namespace fargo::runtime
