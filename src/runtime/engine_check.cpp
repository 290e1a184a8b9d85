#include "runtime/engine_check.h"

#include "common/json_access.h"
#include "common/strings.h"
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

constexpr const char* kNetworkFix =
    "Fix: run fargo as root (it needs CAP_NET_ADMIN and CAP_SYS_ADMIN for its VPC namespaces) with iproute2 and "
    "iptables installed (scripts/engine.sh start installs them)";

}  // namespace

std::vector<std::string> EngineFacts::Problems() const {
  std::vector<std::string> out;
  if (runtime == Fact::kProblem) out.push_back(runtime_problem);
  if (init == Fact::kProblem) out.push_back(init_problem);
  if (network == Fact::kProblem) out.push_back(network_problem);
  return out;
}

std::string TaskBlockedBy(const EngineFacts& facts, const TaskPlan& plan, int* container) {
  *container = -1;
  if (facts.runtime == Fact::kProblem) return "CannotStartContainerError: " + facts.runtime_problem;
  if (facts.network == Fact::kProblem)
    return "ResourceInitializationError: unable to create the task's network: " + facts.network_problem;
  if (facts.init == Fact::kProblem)
    for (size_t i = 0; i < plan.containers.size(); ++i)
      if (plan.containers[i].spec.init) {
        *container = static_cast<int>(i);
        return "CannotCreateContainerError: " + facts.init_problem;
      }
  return {};
}

EngineCheck::EngineCheck(EngineClient& engine, Options options, NetworkProbe network_probe)
    : engine_(engine), options_(std::move(options)), network_probe_(std::move(network_probe)) {}

EngineFacts EngineCheck::Run() {
  EngineFacts f;
  if (network_probe_) {
    Status st = network_probe_();
    f.network = st.ok() ? Fact::kOk : Fact::kProblem;
    if (!st.ok()) f.network_problem = "fargo cannot make VPC networks: " + st.error().message + ". " + kNetworkFix;
  }
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

  // Names of the instance's own, so concurrent instances do not collide.
  std::string prefix = "fargo-probe-" + std::to_string(Fnv1a(options_.instance) % 1000000007ull);
  Labels labels = options_.labels;
  labels[kLabelManaged] = "true";
  std::string plain = prefix + "-runtime", with_init = prefix + "-init";
  auto clean = [&] {
    (void)engine_.ContainerRemove(plain, true, true);
    (void)engine_.ContainerRemove(with_init, true, true);
  };
  clean();  // what a crash mid-probe may have left

  json::array ulimits = UlimitsToJson(ClampUlimits({}, HostLimits::Probe()));
  auto body = [&](bool init) {
    json::object hc{{"NetworkMode", "none"}, {"Ulimits", ulimits}, {"RestartPolicy", json::object{{"Name", "no"}}}};
    if (init) hc["Init"] = true;
    return json::object{{"Image", kPauseImage}, {"HostConfig", std::move(hc)}};
  };

  // runtime: a container starts.
  auto id = engine_.ContainerCreate(plain, body(false), labels);
  if (id.ok()) {
    Status st = engine_.ContainerStart(*id);
    if (st.ok()) {
      f.runtime = Fact::kOk;
    } else {
      f.runtime = Fact::kProblem;
      f.runtime_problem = "the container engine cannot start containers: " + st.error().message + ". " +
                          RuntimeFix(podman);
    }
  }

  // init: a container with HostConfig.Init (only meaningful once containers start).
  if (f.runtime == Fact::kOk) {
    auto iid = engine_.ContainerCreate(with_init, body(true), labels);
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
