// CloudWatch Logs: log groups, streams and events, with retention and filter patterns.
//
// Groups and streams are documents (collections "logs.groups" and
// "logs.streams"); events live in LogEventStore's table. Each group and
// stream has a numeric id ("gid"/"sid") that its events refer to.
#pragma once

#include <span>
#include <vector>

#include "common/log_event.h"
#include "services/logs/log_event_store.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

class LogsService final : public Service {
 public:
  explicit LogsService(Env env);
  std::string name() const override { return "logs"; }
  Status Start() override;
  // Deletes events that fell out of their group's retention period.
  void Tick() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // The awslogs driver's way in (the log pipeline's sink, posted to the
  // state thread): appends `events` to `stream` of `group` in `region`,
  // creating the stream when missing. A missing group is created when
  // `create_group` (awslogs-create-group), else the batch is dropped and
  // ResourceNotFoundException returned, as the driver would be told.
  // Messages longer than kMaxLogEventMessageBytes are split (at UTF-8
  // boundaries) into several events, empty ones skipped; the batch is
  // stably sorted by timestamp when it is not already, may hold any number
  // of events, and is stored in one transaction with the same rules and
  // stream bookkeeping as PutLogEvents (too old / expired / too new events
  // are not stored; the sequence token advances once). An empty batch only
  // creates what is missing. Events are readable as soon as this returns.
  // `cursor` (where the batch ends in its container's output), when given,
  // is stored in the same transaction, so it never covers more or less than
  // what is stored.
  Status IngestEvents(const std::string& region, const std::string& group, const std::string& stream,
                      bool create_group, std::vector<IngestedEvent>&& events, const LogCursor* cursor = nullptr);

  // The cursors stored with a stream's ingested batches, by container id:
  // where each container's stored output ends (a restarted fargo resumes
  // shipping the container's output there). Empty when there are none.
  std::map<std::string, OutputOffsets> IngestCursors(const std::string& region, const std::string& group,
                                                     const std::string& stream);

 private:
  // Groups
  Result<json::object> CreateLogGroup(CallContext& ctx, json::object& in);
  Result<json::object> DeleteLogGroup(CallContext& ctx, json::object& in);
  Result<json::object> DescribeLogGroups(CallContext& ctx, json::object& in);
  Result<json::object> PutRetentionPolicy(CallContext& ctx, json::object& in);
  Result<json::object> DeleteRetentionPolicy(CallContext& ctx, json::object& in);
  Result<json::object> AssociateKmsKey(CallContext& ctx, json::object& in);
  Result<json::object> DisassociateKmsKey(CallContext& ctx, json::object& in);
  // Tags
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsLogGroup(CallContext& ctx, json::object& in);
  Result<json::object> TagLogGroup(CallContext& ctx, json::object& in);
  Result<json::object> UntagLogGroup(CallContext& ctx, json::object& in);
  // Streams
  Result<json::object> CreateLogStream(CallContext& ctx, json::object& in);
  Result<json::object> DeleteLogStream(CallContext& ctx, json::object& in);
  Result<json::object> DescribeLogStreams(CallContext& ctx, json::object& in);
  // Events
  Result<json::object> PutLogEvents(CallContext& ctx, json::object& in);
  Result<json::object> GetLogEvents(CallContext& ctx, json::object& in);
  Result<json::object> FilterLogEvents(CallContext& ctx, json::object& in);

  static const HandlerTable<LogsService>& Table();

  // A located group: its collection key and document.
  struct GroupRef {
    std::string key;
    std::string region;
    std::string name;
    const json::object* doc;
  };
  // The group `name` in `region`, or ResourceNotFoundException.
  Result<GroupRef> FindGroup(const std::string& region, const std::string& name);
  // The group named by logGroupName or logGroupIdentifier (a name or an ARN).
  Result<GroupRef> ResolveGroup(CallContext& ctx, const json::object& in);
  // The group an ARN (with or without a trailing ":*") names.
  Result<GroupRef> GroupFromArn(const std::string& arn);
  // The group named by logGroupName or resourceIdentifier (an ARN).
  Result<GroupRef> GroupFromNameOrResource(CallContext& ctx, const json::object& in);
  Status SetTags(GroupRef& g, const json::object& add, const json::array& remove);

  static std::string StreamPrefix(const GroupRef& g);
  const json::object* FindStream(const GroupRef& g, const std::string& stream);
  // Events before this time have expired (INT64_MIN when kept forever).
  int64_t RetentionCutoff(const json::object& group) const;
  Status DeleteGroupData(const GroupRef& g);

  json::object DescribeGroup(const std::string& region, const std::string& account,
                             const std::string& key, const json::object& doc) const;
  json::object DescribeStream(const std::string& region, const std::string& account,
                              const std::string& group, const json::object& doc) const;

  int64_t NextId() { return ++last_id_; }

  // New group / stream documents (CreateLogGroup, CreateLogStream and
  // IngestEvents agree on what a fresh one holds).
  json::object NewGroupDoc(const std::string& name, const std::string& log_group_class);
  json::object NewStreamDoc(const std::string& name);

  // Which events of a batch PutLogEvents rejects (indexes as in
  // rejectedLogEventsInfo; -1 / the batch size when none).
  struct AppendResult {
    int64_t too_old_end = -1;
    int64_t expired_end = -1;
    int64_t too_new_start = 0;
    int64_t seq = 0;  // the stream's sequence number after the batch
  };
  // Appends chronologically ordered `events` to the stream whose current
  // document is `stream` (not yet stored when the stream is new): drops the
  // too old, expired and too new ones, stores the rest in chunks of at most
  // LogEventStore::kMaxChunkEvents, updates the stream's bookkeeping and
  // sequence number. REQUIRES: inside a Store::Transaction.
  Result<AppendResult> AppendToStream(const GroupRef& g, const std::string& stream_key,
                                      const json::object& stream,
                                      std::span<const logs::LogEventStore::NewEvent> events, int64_t now);

  Env env_;
  store::Collection groups_;   // key: Key(region, group name)
  store::Collection streams_;  // key: Key(region, group name + ":" + stream name)
  logs::LogEventStore events_;
  int64_t last_id_ = 0;        // the largest group/stream id handed out
  int64_t next_expiry_ms_ = 0; // when Tick() next enforces retention
};

}  // namespace fargo::services
