#include "services/logs/log_event_store.h"

#include <algorithm>

namespace fargo::services::logs {

namespace {

constexpr char kColumns[] = "SELECT id, sid, min_ts, max_ts, ingest, data FROM logs_chunks ";

// Chunk encoding, per event: timestamp (8 bytes), message length (4 bytes),
// message bytes; integers little-endian.
void PutFixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

bool Before(const StoredEvent& a, const StoredEvent& b) {
  return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id;
}
bool Before(Position a, Position b) { return a.ts != b.ts ? a.ts < b.ts : a.id < b.id; }

}  // namespace

Status LogEventStore::Init() {
  return store_.Exec(
      "CREATE TABLE IF NOT EXISTS logs_chunks ("
      " id INTEGER PRIMARY KEY, gid INTEGER NOT NULL, sid INTEGER NOT NULL,"
      " min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, ingest INTEGER NOT NULL,"
      " count INTEGER NOT NULL, data BLOB NOT NULL);"
      "CREATE INDEX IF NOT EXISTS logs_chunks_by_stream ON logs_chunks(sid, min_ts, max_ts);"
      "CREATE INDEX IF NOT EXISTS logs_chunks_by_stream_end ON logs_chunks(sid, max_ts, min_ts);"
      "CREATE INDEX IF NOT EXISTS logs_chunks_by_group ON logs_chunks(gid, min_ts, max_ts);"
      "CREATE TABLE IF NOT EXISTS logs_cursors ("
      " sid INTEGER NOT NULL, container TEXT NOT NULL, gid INTEGER NOT NULL,"
      " stdout_bytes INTEGER NOT NULL, stderr_bytes INTEGER NOT NULL, PRIMARY KEY (sid, container));"
      "CREATE INDEX IF NOT EXISTS logs_cursors_by_group ON logs_cursors(gid);");
}

Status LogEventStore::PutCursor(int64_t group_id, int64_t stream_id, const LogCursor& cursor) {
  auto* st = store_.Prepare(
      "INSERT INTO logs_cursors(sid, container, gid, stdout_bytes, stderr_bytes) VALUES (?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(sid, container) DO UPDATE SET gid = ?3, stdout_bytes = ?4, stderr_bytes = ?5");
  st->Bind(1, stream_id).Bind(2, cursor.container_id).Bind(3, group_id);
  st->Bind(4, cursor.offsets.stdout_bytes).Bind(5, cursor.offsets.stderr_bytes);
  return st->Run();
}

std::map<std::string, OutputOffsets> LogEventStore::Cursors(int64_t stream_id) {
  auto* st = store_.Prepare("SELECT container, stdout_bytes, stderr_bytes FROM logs_cursors WHERE sid = ?1");
  st->Bind(1, stream_id);
  std::map<std::string, OutputOffsets> out;
  while (st->Step()) out[st->Text(0)] = OutputOffsets{st->Int(1), st->Int(2)};
  st->Reset();
  return out;
}

int64_t LogEventStore::MaxReferencedId() {
  auto* st = store_.Prepare("SELECT max(coalesce((SELECT max(gid) FROM logs_chunks), 0),"
                            " coalesce((SELECT max(sid) FROM logs_chunks), 0))");
  int64_t v = st->Step() ? st->Int(0) : 0;
  st->Reset();
  return v;
}

Status LogEventStore::Append(int64_t group_id, int64_t stream_id, int64_t ingestion_time,
                             std::span<const NewEvent> events) {
  if (events.empty()) return OkStatus();
  std::string data;
  size_t total = 0;
  for (const auto& e : events) total += 12 + e.message.size();
  data.reserve(total);
  for (const auto& e : events) {
    PutFixed(data, static_cast<uint64_t>(e.timestamp), 8);
    PutFixed(data, e.message.size(), 4);
    data.append(e.message);
  }
  auto* st = store_.Prepare(
      "INSERT INTO logs_chunks(gid, sid, min_ts, max_ts, ingest, count, data)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st->Bind(1, group_id).Bind(2, stream_id).Bind(3, events.front().timestamp).Bind(4, events.back().timestamp);
  st->Bind(5, ingestion_time).Bind(6, static_cast<int64_t>(events.size())).Bind(7, data);
  return st->Run();
}

Status LogEventStore::DeleteStream(int64_t stream_id) {
  for (const char* sql : {"DELETE FROM logs_chunks WHERE sid = ?1", "DELETE FROM logs_cursors WHERE sid = ?1"}) {
    auto* st = store_.Prepare(sql);
    st->Bind(1, stream_id);
    FARGO_TRY(st->Run());
  }
  return OkStatus();
}

Status LogEventStore::DeleteGroup(int64_t group_id) {
  for (const char* sql : {"DELETE FROM logs_chunks WHERE gid = ?1", "DELETE FROM logs_cursors WHERE gid = ?1"}) {
    auto* st = store_.Prepare(sql);
    st->Bind(1, group_id);
    FARGO_TRY(st->Run());
  }
  return OkStatus();
}

Status LogEventStore::ExpireGroup(int64_t group_id, int64_t cutoff_ms) {
  auto* st = store_.Prepare("DELETE FROM logs_chunks WHERE gid = ?1 AND max_ts < ?2");
  st->Bind(1, group_id).Bind(2, cutoff_ms);
  return st->Run();
}

Status LogEventStore::ScanStreamForward(int64_t stream_id, int64_t start, int64_t end, Position after,
                                        const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE sid = ?1 AND min_ts < ?2 AND max_ts >= ?3 ORDER BY min_ts, id");
  st->Bind(1, stream_id).Bind(2, end).Bind(3, std::max(start, after.ts));
  return Merge(st, true, start, end, after, fn);
}

Status LogEventStore::ScanStreamBackward(int64_t stream_id, int64_t start, int64_t end, Position before,
                                         const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE sid = ?1 AND max_ts >= ?2 AND min_ts <= ?3"
                            " ORDER BY max_ts DESC, id DESC");
  int64_t last = std::min(before.ts, end == std::numeric_limits<int64_t>::min() ? end : end - 1);
  st->Bind(1, stream_id).Bind(2, start).Bind(3, last);
  return Merge(st, false, start, end, before, fn);
}

Status LogEventStore::ScanGroupForward(int64_t group_id, int64_t start, int64_t end, Position after,
                                       const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE gid = ?1 AND min_ts < ?2 AND max_ts >= ?3 ORDER BY min_ts, id");
  st->Bind(1, group_id).Bind(2, end).Bind(3, std::max(start, after.ts));
  return Merge(st, true, start, end, after, fn);
}

Status LogEventStore::Merge(store::Statement* st, bool ascending, int64_t start, int64_t end,
                            Position bound, const std::function<bool(StoredEvent&)>& fn) {
  // A heap of decoded events whose front is the next to emit. An event can be
  // emitted once every chunk that might hold an earlier (later, descending)
  // event has been decoded: chunks come ordered by min_ts (max_ts).
  auto heap_less = [ascending](const StoredEvent& a, const StoredEvent& b) {
    return ascending ? Before(b, a) : Before(a, b);
  };
  std::vector<StoredEvent> heap;
  bool have_chunk = st->Step();
  while (true) {
    while (have_chunk && (heap.empty() || (ascending ? st->Int(2) <= heap.front().timestamp
                                                     : st->Int(3) >= heap.front().timestamp))) {
      int64_t chunk_id = st->Int(0), sid = st->Int(1), ingest = st->Int(4);
      std::string data = st->Text(5);
      size_t p = 0;
      for (int64_t i = 0; p + 12 <= data.size(); ++i) {
        int64_t ts = static_cast<int64_t>(GetFixed(data.data() + p, 8));
        size_t len = GetFixed(data.data() + p + 8, 4);
        p += 12;
        if (p + len > data.size()) break;  // truncated: ignore the tail
        Position pos{ts, chunk_id * kMaxChunkEvents + i};
        bool in_range = ts >= start && ts < end && (ascending ? Before(bound, pos) : Before(pos, bound));
        if (in_range) {
          heap.push_back(StoredEvent{pos.id, sid, ts, ingest, data.substr(p, len)});
          std::push_heap(heap.begin(), heap.end(), heap_less);
        }
        p += len;
      }
      have_chunk = st->Step();
    }
    if (heap.empty()) break;
    std::pop_heap(heap.begin(), heap.end(), heap_less);
    StoredEvent e = std::move(heap.back());
    heap.pop_back();
    if (!fn(e)) break;
  }
  std::string err = st->error();
  st->Reset();
  if (!err.empty()) return AwsError::Make("InternalFailure", "storage error: " + err, 500);
  return OkStatus();
}

}  // namespace fargo::services::logs
