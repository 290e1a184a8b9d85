// CloudWatch Logs: log groups, streams and events, with retention and filter patterns.
//
// Groups and streams are documents (collections "logs.groups" and
// "logs.streams"); events live in LogEventStore's table. Each group and
// stream has a numeric id ("gid"/"sid") that its events refer to.
#pragma once

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
    json::object* doc;
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
  json::object* FindStream(const GroupRef& g, const std::string& stream);
  // Events before this time have expired (INT64_MIN when kept forever).
  int64_t RetentionCutoff(const json::object& group) const;
  Status DeleteGroupData(const GroupRef& g);

  json::object DescribeGroup(const std::string& region, const std::string& account,
                             const std::string& key, const json::object& doc) const;
  json::object DescribeStream(const std::string& region, const std::string& account,
                              const std::string& group, const json::object& doc) const;

  int64_t NextId() { return ++last_id_; }

  Env env_;
  store::Collection groups_;   // key: Key(region, group name)
  store::Collection streams_;  // key: Key(region, group name + ":" + stream name)
  logs::LogEventStore events_;
  int64_t last_id_ = 0;        // the largest group/stream id handed out
  int64_t next_expiry_ms_ = 0; // when Tick() next enforces retention
};

}  // namespace fargo::services
