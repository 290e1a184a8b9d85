#include "dataplane/lb/vpc_balancer.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <set>

#include "common/clock.h"
#include "dataplane/lb/health_probe.h"
#include "dataplane/lb/http_listener.h"
#include "dataplane/lb/listener_tls.h"
#include "dataplane/lb/target_health.h"
#include "dataplane/lb/target_picker.h"
#include "dataplane/lb/tcp_listener.h"
#include "dataplane/lb/udp_listener.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
using asio::ip::tcp;
using services::elbv2::TargetGroupPlan;
using services::elbv2::TargetPlan;

namespace {

constexpr auto kTick = std::chrono::milliseconds(250);

std::string Key(const std::string& ip, uint16_t port) { return ip + ":" + std::to_string(port); }

template <typename L>
Result<std::unique_ptr<Listener>> AsListener(Result<std::unique_ptr<L>> opened) {
  if (!opened.ok()) return opened.error();
  return std::unique_ptr<Listener>(std::move(*opened));
}

}  // namespace

struct VpcBalancer::Impl final : ListenerBackend {
  Impl(VpcBalancer& owner, Report report, Now now)
      : owner(owner), report(std::move(report)), now(std::move(now)), tick(io) {}

  struct Target {
    TargetPlan plan;
    TargetHealth health;
  };
  struct Group {
    TargetGroupPlan plan;
    std::map<std::string, std::unique_ptr<Target>> targets;  // by ip:port, in a stable order
    std::string source;  // an address of a load balancer using it: checks come from there
  };

  VpcBalancer& owner;
  Report report;
  Now now;
  asio::io_context io{1};
  asio::steady_timer tick;
  std::map<std::string, std::unique_ptr<Listener>> listeners;  // by address:port/transport
  std::map<std::string, ListenerConfig> listener_configs;
  std::map<std::string, Group> groups;  // by ARN
  bool stopped = false;

  std::optional<tcp::endpoint> Pick(const std::string& tg_arn, uint64_t flow_hash) override {
    auto it = groups.find(tg_arn);
    if (it == groups.end()) return std::nullopt;
    std::vector<Candidate> candidates;
    std::vector<const Target*> order;
    for (const auto& [k, t] : it->second.targets) {
      // A target group whose checks are off counts every target healthy.
      bool healthy = !it->second.plan.health_check.enabled || t->health.healthy();
      candidates.push_back(Candidate{healthy, t->plan.draining});
      order.push_back(t.get());
    }
    auto i = PickTarget(candidates, flow_hash);
    if (!i) return std::nullopt;
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(order[*i]->plan.ip, ec);
    if (ec) return std::nullopt;
    return tcp::endpoint(ip, order[*i]->plan.port);
  }
  void CountConnection(int delta) override {
    if (delta > 0)
      owner.connections_ += static_cast<size_t>(delta);
    else
      owner.connections_ -= static_cast<size_t>(-delta);
  }

  void Send(const Group& g, const Target& t) {
    if (report)
      report(HealthReport{g.plan.region, g.plan.arn, t.plan.ip, t.plan.port, t.health.StateName(), t.health.Reason(),
                          t.health.Description()});
  }

  void Apply(const VpcPlan& plan) {
    if (stopped) return;
    // Target groups first: listeners pick from them.
    std::map<std::string, std::string> sources;
    for (const auto& lb : plan.load_balancers)
      for (const auto& l : lb.listeners)
        for (const auto& arn : services::elbv2::ForwardedTargetGroups(l))
          if (!lb.addresses.empty() && !sources.count(arn)) sources[arn] = lb.addresses[0];
    std::set<std::string> keep_groups;
    for (const auto& tgp : plan.target_groups) {
      keep_groups.insert(tgp.arn);
      Group& g = groups[tgp.arn];
      g.plan = tgp;
      g.source = sources[tgp.arn];
      const auto& hc = tgp.health_check;
      std::set<std::string> keep;
      for (const auto& tp : tgp.targets) {
        std::string k = Key(tp.ip, tp.port);
        keep.insert(k);
        auto& slot = g.targets[k];
        if (!slot) {
          slot = std::make_unique<Target>(Target{tp, TargetHealth(hc.healthy_threshold, hc.unhealthy_threshold, hc.interval_s)});
          if (!tp.draining) Send(g, *slot);
        } else {
          slot->plan = tp;
          slot->health.Reconfigure(hc.healthy_threshold, hc.unhealthy_threshold, hc.interval_s);
        }
      }
      for (auto it = g.targets.begin(); it != g.targets.end();)
        it = keep.count(it->first) ? std::next(it) : g.targets.erase(it);
    }
    for (auto it = groups.begin(); it != groups.end();)
      it = keep_groups.count(it->first) ? std::next(it) : groups.erase(it);

    // By address, port and transport: a TCP_UDP listener is one of each.
    std::map<std::string, ListenerConfig> want;
    for (const auto& lb : plan.load_balancers)
      for (const auto& l : lb.listeners) {
        bool alb = lb.type == "application";
        bool secure = l.protocol == "HTTPS" || l.protocol == "TLS";
        bool http = alb && (l.protocol == "HTTP" || l.protocol == "HTTPS");
        bool tcp = !alb && (l.protocol == "TCP" || l.protocol == "TCP_UDP" || l.protocol == "TLS");
        bool udp = !alb && (l.protocol == "UDP" || l.protocol == "TCP_UDP");  // QUIC: not relayed yet
        auto rules = http ? std::make_shared<const std::vector<services::elbv2::RulePlan>>(l.rules) : nullptr;
        // TLS and HTTPS: terminated with the listener's certificates (none
        // that ACM still has: not served).
        std::shared_ptr<ListenerTls> tls;
        if (secure) {
          auto made = ListenerTls::Make(l.certificates, l.ssl_policy);
          if (!made.ok()) {
            std::fprintf(stderr, "fargo: load balancer %s: listener %s: %s\n", lb.arn.c_str(), l.arn.c_str(),
                         made.error().message.c_str());
            continue;
          }
          tls = std::move(*made);
        }
        bool tls_to_target = false;
        for (const auto& g : plan.target_groups)
          if (g.arn == l.target_group_arn) tls_to_target = l.protocol == "TLS" && g.protocol == "TLS";
        for (const auto& a : lb.addresses) {
          ListenerConfig c{lb.arn, l.arn, l.target_group_arn, a, l.port, lb.idle_timeout_s};
          c.rules = rules;
          c.tls = tls;
          c.tls_to_target = tls_to_target;
          if (http) want[Key(a, l.port) + "/http"] = c;
          if (tcp) want[Key(a, l.port) + "/tcp"] = c;
          c.udp = true;
          if (udp) want[Key(a, l.port) + "/udp"] = c;
        }
      }
    for (auto it = listeners.begin(); it != listeners.end();) {
      if (want.count(it->first)) {
        ++it;
        continue;
      }
      it->second->Close();  // connections established stay
      listener_configs.erase(it->first);
      it = listeners.erase(it);
    }
    for (const auto& [k, c] : want) {
      auto found = listeners.find(k);
      if (found != listeners.end()) {
        found->second->Update(c);
        listener_configs[k] = c;
        continue;
      }
      Result<std::unique_ptr<Listener>> opened = c.udp    ? AsListener(UdpListener::Open(io, *this, c))
                                                 : c.rules ? AsListener(HttpListener::Open(io, *this, c))
                                                           : AsListener(TcpListener::Open(io, *this, c));
      if (!opened.ok()) {
        std::fprintf(stderr, "fargo: load balancer %s: %s\n", c.load_balancer_arn.c_str(),
                     opened.error().message.c_str());
        continue;
      }
      if (c.udp)
        std::fprintf(stderr, "fargo: load balancer %s answers at %s:%u/udp in %s\n", c.load_balancer_arn.c_str(),
                     c.address.c_str(), static_cast<unsigned>(c.port), owner.vpc_id_.c_str());
      else
        std::fprintf(stderr,
                     "fargo: load balancer %s answers at %s:%u in %s (from the host: fargo port-forward --vpc %s "
                     "--remote %s:%u)\n",
                     c.load_balancer_arn.c_str(), c.address.c_str(), static_cast<unsigned>(c.port),
                     owner.vpc_id_.c_str(), owner.vpc_id_.c_str(), c.address.c_str(), static_cast<unsigned>(c.port));
      listeners[k] = std::move(*opened);
      listener_configs[k] = c;
    }
    owner.listeners_open_ = listeners.size();
    RunChecks();
  }

  void RunChecks() {
    int64_t t = now();
    for (auto& [arn, g] : groups) {
      if (!g.plan.health_check.enabled) continue;
      for (auto& [k, target] : g.targets) {
        if (target->plan.draining || !target->health.Due(t)) continue;
        target->health.Started(t);
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(target->plan.ip, ec);
        if (ec) continue;
        uint16_t port = target->plan.port;
        if (g.plan.health_check.port != "traffic-port") port = static_cast<uint16_t>(std::atoi(g.plan.health_check.port.c_str()));
        asio::ip::address source = g.source.empty() ? asio::ip::address() : asio::ip::make_address(g.source, ec);
        if (ec) source = asio::ip::address();
        std::string group_arn = arn, key = k;
        ProbeTarget(io, source, tcp::endpoint(ip, port), g.plan.health_check,
                    [this, group_arn, key](CheckResult r) { Checked(group_arn, key, r); });
      }
    }
  }

  void Checked(const std::string& group_arn, const std::string& key, CheckResult r) {
    auto g = groups.find(group_arn);
    if (g == groups.end()) return;
    auto t = g->second.targets.find(key);
    if (t == g->second.targets.end()) return;
    if (t->second->health.Record(r, now())) Send(g->second, *t->second);
  }

  void Tick() {
    tick.expires_after(kTick);
    tick.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      RunChecks();
      Tick();
    });
  }

  void StopOnLoop() {
    stopped = true;
    tick.cancel();
    for (auto& [k, l] : listeners) l->Close();
    listeners.clear();
    owner.listeners_open_ = 0;
    io.stop();  // relays still open are destroyed with the io_context
  }
};

VpcBalancer::VpcBalancer(std::string vpc_id, Report report, Now now) : vpc_id_(std::move(vpc_id)) {
  if (!now) now = SteadyMillis;
  impl_ = std::make_unique<Impl>(*this, std::move(report), std::move(now));
}

VpcBalancer::~VpcBalancer() {
  Stop();
  impl_.reset();  // before the counters its relays update
}

Status VpcBalancer::Start(int netns_fd) {
  auto entered = std::make_shared<std::promise<Status>>();
  auto ready = entered->get_future();
  Impl* impl = impl_.get();
  thread_ = std::thread([impl, netns_fd, entered] {
    pthread_setname_np(pthread_self(), "fargo-lb");
    if (netns_fd >= 0) {
      int rc = setns(netns_fd, CLONE_NEWNET);
      int err = errno;
      ::close(netns_fd);
      if (rc != 0) {
        entered->set_value(AwsError::Make("InternalError", std::string("cannot enter the VPC's namespace: ") + strerror(err), 500));
        return;
      }
    }
    entered->set_value(OkStatus());
    auto guard = asio::make_work_guard(impl->io);
    impl->Tick();
    for (;;) {
      try {
        impl->io.run();
        break;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fargo: load balancer loop: %s\n", e.what());  // one connection's failure
      }
    }
  });
  Status s = ready.get();
  if (!s.ok()) {
    thread_.join();
    return s;
  }
  return OkStatus();
}

void VpcBalancer::Apply(std::shared_ptr<const VpcPlan> plan) {
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, plan] { impl->Apply(*plan); });
}

void VpcBalancer::Stop() {
  if (!thread_.joinable()) return;
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] { impl->StopOnLoop(); });
  thread_.join();
}

}  // namespace fargo::dataplane::lb
