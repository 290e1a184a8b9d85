#include "cli/console_status.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>

namespace fargo::cli {

namespace {

// Resident memory of this process, from /proc/self/status.
int64_t ResidentBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  return -1;
}

bool IsRegion(const std::string& s) {
  static const std::regex kRegion("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  return std::regex_match(s, kRegion);
}

}  // namespace

uint64_t StoreChangeCount(store::Store& store) {
  return static_cast<uint64_t>(sqlite3_total_changes64(store.db()));
}

boost::json::object ConsoleStatus(store::Store& store, const ConsoleFacts& facts) {
  boost::json::object out{{"version", facts.version}, {"dataDir", facts.data_dir}, {"instance", facts.instance}};
  out["memory"] = boost::json::object{{"residentBytes", ResidentBytes()}};
  boost::json::object engine{{"socket", facts.engine_socket}};
  if (facts.engine.valid() && facts.engine.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    const runtime::EngineFacts& f = facts.engine.get();
    engine["reachable"] = f.reachable;
    engine["name"] = f.engine;
    engine["version"] = f.version;
    engine["apiVersion"] = f.api_version;
    boost::json::array problems;
    for (const std::string& p : f.Problems()) problems.emplace_back(p);
    engine["problems"] = problems;
  } else {
    engine["reachable"] = facts.engine.valid() ? boost::json::value(nullptr) : boost::json::value(false);
  }
  out["engine"] = engine;
  // Regional documents are keyed "<region>/...": count them per region and kind.
  std::map<std::string, boost::json::object> regions;
  if (store::Statement* st = store.Prepare(
          "SELECT collection, substr(key, 1, instr(key, '/') - 1), count(*) FROM docs "
          "WHERE instr(key, '/') > 0 GROUP BY 1, 2")) {
    while (st->Step()) {
      std::string region = st->Text(1);
      if (!IsRegion(region)) continue;
      regions[region][st->Text(0)] = st->Int(2);
    }
    st->Reset();
  }
  boost::json::object by_region;
  for (auto& [r, counts] : regions) by_region[r] = counts;
  out["regions"] = by_region;
  out["changes"] = StoreChangeCount(store);
  return out;
}

}  // namespace fargo::cli
