#include "cli/status_endpoint.h"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "cli/json_response.h"
#include "runtime/engine_client.h"
#include "server/gateway.h"
#include "store/store.h"

namespace fargo::cli {

namespace json = boost::json;
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// VmRSS / VmHWM of this process, in bytes (0 when unknown).
json::object Memory() {
  int64_t rss = 0, peak = 0;
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key;
    int64_t kb = 0;
    in >> key >> kb;
    if (key == "VmRSS:") rss = kb * 1024;
    if (key == "VmHWM:") peak = kb * 1024;
  }
  return json::object{{"RssBytes", rss}, {"PeakRssBytes", peak}};
}

}  // namespace

StatusEndpoint::StatusEndpoint(server::Gateway& gateway, store::Store& store, Info info)
    : gateway_(gateway), store_(store), info_(std::move(info)) {}

StatusEndpoint::~StatusEndpoint() { pool_.join(); }

std::string StatusEndpoint::RegionOfKey(const std::string& key) {
  // Regions look like "us-east-1", "ap-southeast-2", "us-gov-west-1".
  auto slash = key.find('/');
  if (slash == std::string::npos || slash < 4) return "global";
  std::string r = key.substr(0, slash);
  if (!std::isdigit(static_cast<unsigned char>(r.back())) || r[2] != '-') return "global";
  for (char c : r)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return "global";
  return r;
}

json::object StatusEndpoint::EngineJson(const std::string& socket, bool reachable,
                                        const runtime::EngineFacts* facts) {
  json::object e{{"Socket", socket}, {"Reachable", reachable}, {"Checked", facts != nullptr}};
  json::array problems;
  if (facts) {
    e["Name"] = facts->engine;
    e["Version"] = facts->version;
    e["ApiVersion"] = facts->api_version;
    for (const auto& p : facts->Problems()) problems.emplace_back(p);
  }
  e["Problems"] = std::move(problems);
  return e;
}

json::object StatusEndpoint::Counts() {
  json::object regions;
  auto add = [&regions](const std::string& region, const std::string& what, int64_t n) {
    auto& r = regions[region];
    if (!r.is_object()) r = json::object{};
    auto& slot = r.as_object()[what];
    slot = (slot.is_int64() ? slot.as_int64() : 0) + n;
  };
  store::Statement* all = store_.Prepare("SELECT collection, key FROM docs");
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  while (all->Step()) ++counts[{RegionOfKey(all->Text(1)), all->Text(0)}];
  all->Reset();
  store::Statement* running = store_.Prepare(
      "SELECT key FROM docs WHERE collection = 'ecs.tasks' AND json_extract(doc, '$.lastStatus') = 'RUNNING'");
  while (running->Step()) ++counts[{RegionOfKey(running->Text(0)), "ecs.tasks.running"}];
  running->Reset();
  for (const auto& [k, n] : counts) add(k.first, k.second, n);
  return regions;
}

bool StatusEndpoint::Handle(const HttpRequest& req, std::function<void(HttpResponse)> reply) {
  if (req.path != "/_fargo/status") return false;
  if (req.method != "GET") {
    reply(JsonError(405, "MethodNotAllowed", "GET /_fargo/status"));
    return true;
  }
  boost::asio::post(pool_, [this, reply = std::move(reply)]() mutable {
    // A client of its own: pings are bounded to 2 s, whatever the runtime's
    // timeouts, and speak the oldest version fargo supports rather than
    // asking /version first (Podman takes seconds to answer that).
    runtime::EngineClient engine(runtime::EngineClient::Options{
        info_.engine_socket, std::chrono::milliseconds(2000), std::string("v") + runtime::kMinimumApiVersion});
    Status ping = engine.Ping();
    bool reachable = ping.ok();
    std::optional<runtime::EngineFacts> facts;
    if (facts_.valid() && facts_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) facts = facts_.get();
    double now = NowSeconds();
    std::string endpoint;
    {
      std::lock_guard<std::mutex> l(mu_);
      endpoint = info_.endpoint;
    }
    json::object out{{"Status", "running"},
                     {"Version", info_.version},
                     {"Instance", info_.instance},
                     {"Endpoint", endpoint},
                     {"DataDir", info_.data_dir},
                     {"Pid", static_cast<int64_t>(::getpid())},
                     {"StartedAt", info_.started_at},
                     {"UptimeSeconds", now - info_.started_at},
                     {"Memory", Memory()},
                     {"Engine", EngineJson(info_.engine_socket, reachable, facts ? &*facts : nullptr)}};
    if (!reachable) out["Engine"].as_object()["Error"] = ping.error().message;
    json::array names;
    for (const auto& n : info_.services) names.emplace_back(n);
    out["Services"] = std::move(names);
    gateway_.Post([this, out = std::move(out), reply = std::move(reply)]() mutable {
      out["Regions"] = Counts();
      reply(JsonResponse(200, out));
    });
  });
  return true;
}

}  // namespace fargo::cli
