// The console's overview (/_fargo/console/status): fargo's version, data
// directory, memory, the container engine's state, and the regions that
// hold resources with their counts per kind, read from the store.
#pragma once

#include <boost/json.hpp>
#include <future>
#include <string>

#include "runtime/engine_check.h"
#include "store/store.h"

namespace fargo::cli {

struct ConsoleFacts {
  std::string version;
  std::string data_dir;
  std::string instance;
  std::string engine_socket;
  std::shared_future<runtime::EngineFacts> engine;  // may be invalid (no engine answered)
};

// REQUIRES: on the state thread (reads the store).
boost::json::object ConsoleStatus(store::Store& store, const ConsoleFacts& facts);

// A number that moves with every write to the store (any service's state,
// log events, objects). REQUIRES: on the state thread.
uint64_t StoreChangeCount(store::Store& store);

}  // namespace fargo::cli
