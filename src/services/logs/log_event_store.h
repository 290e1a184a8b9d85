// LogEventStore: log events in their own SQLite table, indexed for reading
// one stream in time order and for reading a whole group interleaved.
//
// Events are addressed by a Position, (timestamp, id): ids grow with
// insertion, so (timestamp, id) is a total order that is stable across
// restarts. Callers own transactions: Append() must run inside
// Store::Transaction together with the stream's metadata update.
//
// Thread-compatible: used only on the state thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace fargo::services::logs {

struct Position {
  int64_t ts = 0;
  int64_t id = 0;
  static Position Min() { return {std::numeric_limits<int64_t>::min(), 0}; }
  static Position Max() {
    return {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()};
  }
};

struct StoredEvent {
  int64_t id = 0;
  int64_t stream_id = 0;
  int64_t timestamp = 0;
  int64_t ingestion_time = 0;
  std::string message;
  Position position() const { return {timestamp, id}; }
};

class LogEventStore {
 public:
  // REQUIRES: `store` outlives this object.
  explicit LogEventStore(store::Store& store) : store_(store) {}

  // Creates the table and indexes if missing.
  Status Init();

  // The largest group or stream id any stored event refers to (0 if none).
  int64_t MaxReferencedId();

  Status Append(int64_t group_id, int64_t stream_id, int64_t timestamp, int64_t ingestion_time,
                std::string_view message);
  Status DeleteStream(int64_t stream_id);
  Status DeleteGroup(int64_t group_id);
  // Deletes the group's events with a timestamp before `cutoff_ms`.
  Status ExpireGroup(int64_t group_id, int64_t cutoff_ms);

  // Visits a stream's events with start <= timestamp < end and position after
  // `after`, in ascending order, until `fn` returns false.
  Status ScanStreamForward(int64_t stream_id, int64_t start, int64_t end, Position after,
                           const std::function<bool(StoredEvent&)>& fn);
  // As above, with position before `before`, in descending order.
  Status ScanStreamBackward(int64_t stream_id, int64_t start, int64_t end, Position before,
                            const std::function<bool(StoredEvent&)>& fn);
  // Visits a group's events (all streams interleaved) in ascending order.
  Status ScanGroupForward(int64_t group_id, int64_t start, int64_t end, Position after,
                          const std::function<bool(StoredEvent&)>& fn);

 private:
  Status Scan(store::Statement* st, const std::function<bool(StoredEvent&)>& fn);

  store::Store& store_;
};

}  // namespace fargo::services::logs
