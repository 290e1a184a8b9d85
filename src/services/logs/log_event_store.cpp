#include "services/logs/log_event_store.h"

namespace fargo::services::logs {

namespace {

constexpr char kColumns[] = "SELECT id, sid, ts, ingest, msg FROM logs_events ";

}  // namespace

Status LogEventStore::Init() {
  return store_.Exec(
      "CREATE TABLE IF NOT EXISTS logs_events ("
      " id INTEGER PRIMARY KEY, gid INTEGER NOT NULL, sid INTEGER NOT NULL,"
      " ts INTEGER NOT NULL, ingest INTEGER NOT NULL, msg TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS logs_events_by_stream ON logs_events(sid, ts);"
      "CREATE INDEX IF NOT EXISTS logs_events_by_group ON logs_events(gid, ts);");
}

int64_t LogEventStore::MaxReferencedId() {
  auto* st = store_.Prepare("SELECT max(max(coalesce((SELECT max(gid) FROM logs_events), 0),"
                            " coalesce((SELECT max(sid) FROM logs_events), 0)), 0)");
  int64_t v = st->Step() ? st->Int(0) : 0;
  st->Reset();
  return v;
}

Status LogEventStore::Append(int64_t group_id, int64_t stream_id, int64_t timestamp,
                             int64_t ingestion_time, std::string_view message) {
  auto* st = store_.Prepare("INSERT INTO logs_events(gid, sid, ts, ingest, msg) VALUES (?1, ?2, ?3, ?4, ?5)");
  st->Bind(1, group_id).Bind(2, stream_id).Bind(3, timestamp).Bind(4, ingestion_time).Bind(5, message);
  return st->Run();
}

Status LogEventStore::DeleteStream(int64_t stream_id) {
  auto* st = store_.Prepare("DELETE FROM logs_events WHERE sid = ?1");
  st->Bind(1, stream_id);
  return st->Run();
}

Status LogEventStore::DeleteGroup(int64_t group_id) {
  auto* st = store_.Prepare("DELETE FROM logs_events WHERE gid = ?1");
  st->Bind(1, group_id);
  return st->Run();
}

Status LogEventStore::ExpireGroup(int64_t group_id, int64_t cutoff_ms) {
  auto* st = store_.Prepare("DELETE FROM logs_events WHERE gid = ?1 AND ts < ?2");
  st->Bind(1, group_id).Bind(2, cutoff_ms);
  return st->Run();
}

Status LogEventStore::ScanStreamForward(int64_t stream_id, int64_t start, int64_t end, Position after,
                                        const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 AND (ts, id) > (?4, ?5)"
                            " ORDER BY ts, id");
  st->Bind(1, stream_id).Bind(2, std::max(start, after.ts)).Bind(3, end).Bind(4, after.ts).Bind(5, after.id);
  return Scan(st, fn);
}

Status LogEventStore::ScanStreamBackward(int64_t stream_id, int64_t start, int64_t end, Position before,
                                         const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 AND (ts, id) < (?4, ?5)"
                            " ORDER BY ts DESC, id DESC");
  // ts <= before.ts keeps the index range tight; the row value does the rest.
  int64_t upper = before.ts == std::numeric_limits<int64_t>::max() ? end : std::min(end, before.ts + 1);
  st->Bind(1, stream_id).Bind(2, start).Bind(3, upper).Bind(4, before.ts).Bind(5, before.id);
  return Scan(st, fn);
}

Status LogEventStore::ScanGroupForward(int64_t group_id, int64_t start, int64_t end, Position after,
                                       const std::function<bool(StoredEvent&)>& fn) {
  auto* st = store_.Prepare(std::string(kColumns) +
                            "WHERE gid = ?1 AND ts >= ?2 AND ts < ?3 AND (ts, id) > (?4, ?5)"
                            " ORDER BY ts, id");
  st->Bind(1, group_id).Bind(2, std::max(start, after.ts)).Bind(3, end).Bind(4, after.ts).Bind(5, after.id);
  return Scan(st, fn);
}

Status LogEventStore::Scan(store::Statement* st, const std::function<bool(StoredEvent&)>& fn) {
  StoredEvent e;
  while (st->Step()) {
    e.id = st->Int(0);
    e.stream_id = st->Int(1);
    e.timestamp = st->Int(2);
    e.ingestion_time = st->Int(3);
    e.message = st->Text(4);
    if (!fn(e)) break;
  }
  std::string err = st->error();
  st->Reset();
  if (!err.empty()) return AwsError::Make("InternalFailure", "storage error: " + err, 500);
  return OkStatus();
}

}  // namespace fargo::services::logs
