// LogEventStore: log events in their own SQLite table. Each PutLogEvents
// batch is one row (a "chunk": the batch's events, encoded, with their time
// range), so a write appends a single row whatever the batch's timestamps;
// reads merge the chunks overlapping the requested time range.
//
// Events are addressed by a Position, (timestamp, id), where id is
// chunk id * kMaxChunkEvents + index in the chunk: ids grow with insertion,
// so (timestamp, id) is a total order that is stable across restarts.
// Callers own transactions: Append() must run inside Store::Transaction
// together with the stream's metadata update.
//
// Thread-compatible: used only on the state thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/log_event.h"
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

  struct NewEvent {
    int64_t timestamp;
    std::string_view message;
  };
  static constexpr int64_t kMaxChunkEvents = 10000;
  // Stores one batch as one chunk (nothing when empty). REQUIRES:
  // events.size() <= kMaxChunkEvents, in chronological order.
  Status Append(int64_t group_id, int64_t stream_id, int64_t ingestion_time,
                std::span<const NewEvent> events);
  Status Append(int64_t group_id, int64_t stream_id, int64_t ingestion_time,
                const std::vector<NewEvent>& events) {
    return Append(group_id, stream_id, ingestion_time, std::span<const NewEvent>(events));
  }
  // Where the stored output of `cursor.container_id` in the stream ends
  // (the log pipeline's resume point after a restart). REQUIRES: inside the
  // Store::Transaction that appends the events it covers.
  Status PutCursor(int64_t group_id, int64_t stream_id, const LogCursor& cursor);
  // The stream's cursors, by container id.
  std::map<std::string, OutputOffsets> Cursors(int64_t stream_id);
  // Deleting a stream or group deletes its events and cursors.
  Status DeleteStream(int64_t stream_id);
  Status DeleteGroup(int64_t group_id);
  // Deletes stored chunks whose events all have a timestamp before
  // `cutoff_ms` (readers hide the rest of the expired events).
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
  // Merges the chunks `st` yields (ordered by min_ts, or by max_ts
  // descending when !ascending) into events in position order.
  Status Merge(store::Statement* st, bool ascending, int64_t start, int64_t end, Position bound,
               const std::function<bool(StoredEvent&)>& fn);

  store::Store& store_;
};

}  // namespace fargo::services::logs
