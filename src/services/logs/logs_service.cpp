#include "services/logs/logs_service.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/pager.h"
#include "services/logs/filter_pattern.h"

namespace fargo::services {

using logs::Position;
using logs::StoredEvent;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kMaxBatchBytes = 1048576;
constexpr int64_t kEventOverheadBytes = kLogEventOverheadBytes;
constexpr size_t kMaxBatchEvents = 10000;
constexpr int64_t kMaxResponseBytes = 1048576;
constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();
// FilterLogEvents stops after examining this many events and hands back a
// nextToken, so one call never monopolizes the state thread.
constexpr int64_t kMaxScannedPerFilterCall = 200000;
constexpr int64_t kExpiryIntervalMs = 60 * 1000;
constexpr int64_t kRetentionDays[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                      365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

AwsError InvalidParameter(std::string message) {
  return AwsError::Make("InvalidParameterException", std::move(message));
}
AwsError GroupNotFound() {
  return AwsError::Make("ResourceNotFoundException", "The specified log group does not exist.");
}
AwsError StreamNotFound() {
  return AwsError::Make("ResourceNotFoundException", "The specified log stream does not exist.");
}
AwsError InvalidToken() { return InvalidParameter("The specified nextToken is invalid."); }

std::string GroupArn(const std::string& region, const std::string& account, const std::string& group) {
  return "arn:aws:logs:" + region + ":" + account + ":log-group:" + group;
}

bool IsValidGroupName(const std::string& name) {
  if (name.empty() || name.size() > 512) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '_' && c != '/' && c != '#') return false;
  return true;
}

bool IsValidStreamName(const std::string& name) {
  return !name.empty() && name.size() <= 512 && name.find_first_of(":*") == std::string::npos;
}

// "Value 'x' at 'name' failed to satisfy constraint: ..." as AWS words it.
AwsError PatternViolation(const std::string& value, const std::string& member, const std::string& pattern) {
  return InvalidParameter("1 validation error detected: Value '" + value + "' at '" + member +
                          "' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
                          pattern);
}

// Event positions travel as 40 digits: the timestamp then the id.
std::string EncodePosition(Position p) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%020" PRId64 "%020" PRId64, std::max<int64_t>(p.ts, 0),
                std::max<int64_t>(p.id, 0));
  return buf;
}

std::optional<Position> DecodePosition(std::string_view s) {
  if (s.size() != 40) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  Position p;
  p.ts = std::stoll(std::string(s.substr(0, 20)));
  p.id = std::stoll(std::string(s.substr(20)));
  return p;
}

std::string SequenceToken(int64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "49%054" PRId64, seq);
  return buf;
}

std::string EventId(const StoredEvent& e) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%020" PRId64 "%020" PRId64, e.timestamp, e.id);
  return buf;
}

int64_t EventBytes(const std::string& message) {
  return static_cast<int64_t>(message.size()) + kEventOverheadBytes;
}

// Parses a decimal offset token (DescribeLogGroups/LogStreams pagination).
// The page of `n` matches a Describe call's nextToken and limit ask for.
Result<PageSpan> PageOfRequest(const json::object& in, size_t n) {
  size_t start = 0;
  if (Has(in, "nextToken")) {
    auto at = ParsePageToken(GetString(in, "nextToken"));
    if (!at) return InvalidToken();
    start = *at;
  }
  return PageAt(n, start, static_cast<size_t>(GetInt(in, "limit", 50)));
}

bool ContainsIgnoreCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

}  // namespace

LogsService::LogsService(Env env)
    : env_(env), groups_(env.store, "logs.groups"), streams_(env.store, "logs.streams"), events_(env.store) {}

Status LogsService::Start() {
  FARGO_TRY(events_.Init());
  FARGO_TRY(groups_.Load());
  FARGO_TRY(streams_.Load());
  last_id_ = events_.MaxReferencedId();
  for (const auto& [k, doc] : groups_.all()) last_id_ = std::max(last_id_, GetInt(doc, "gid"));
  for (const auto& [k, doc] : streams_.all()) last_id_ = std::max(last_id_, GetInt(doc, "sid"));
  return OkStatus();
}

void LogsService::Tick() {
  int64_t now = env_.clock.NowMillis();
  if (now < next_expiry_ms_) return;
  next_expiry_ms_ = now + kExpiryIntervalMs;
  for (const auto& [key, doc] : groups_.all()) {
    int64_t cutoff = RetentionCutoff(doc);
    if (cutoff != std::numeric_limits<int64_t>::min()) (void)events_.ExpireGroup(GetInt(doc, "gid"), cutoff);
  }
}

Result<json::object> LogsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

// ---- lookup helpers ------------------------------------------------------------

Result<LogsService::GroupRef> LogsService::FindGroup(const std::string& region, const std::string& name) {
  std::string key = store::Collection::Key(region, name);
  const json::object* doc = groups_.Find(key);
  if (!doc) return GroupNotFound();
  return GroupRef{key, region, name, doc};
}

Result<LogsService::GroupRef> LogsService::GroupFromArn(const std::string& arn) {
  // arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  bool ok = (parts.size() == 7 || (parts.size() == 8 && parts[7] == "*")) && parts[0] == "arn" &&
            parts[2] == "logs" && parts[5] == "log-group" && !parts[3].empty();
  if (!ok) return InvalidParameter("Invalid ARN: " + arn);
  return FindGroup(parts[3], parts[6]);
}

Result<LogsService::GroupRef> LogsService::ResolveGroup(CallContext& ctx, const json::object& in) {
  bool by_name = Has(in, "logGroupName"), by_id = Has(in, "logGroupIdentifier");
  if (by_name && by_id)
    return InvalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  if (!by_name && !by_id)
    return InvalidParameter("Should provide either name or ARN of the log group.");
  if (by_name) return FindGroup(ctx.region, GetString(in, "logGroupName"));
  std::string id = GetString(in, "logGroupIdentifier");
  if (id.rfind("arn:", 0) == 0) return GroupFromArn(id);
  return FindGroup(ctx.region, id);
}

Result<LogsService::GroupRef> LogsService::GroupFromNameOrResource(CallContext& ctx, const json::object& in) {
  if (Has(in, "logGroupName")) return FindGroup(ctx.region, GetString(in, "logGroupName"));
  if (Has(in, "resourceIdentifier")) return GroupFromArn(GetString(in, "resourceIdentifier"));
  return InvalidParameter("Either logGroupName or resourceIdentifier must be specified.");
}

std::string LogsService::StreamPrefix(const GroupRef& g) { return g.key + ":"; }

const json::object* LogsService::FindStream(const GroupRef& g, const std::string& stream) {
  return streams_.Find(StreamPrefix(g) + stream);
}

int64_t LogsService::RetentionCutoff(const json::object& group) const {
  int64_t days = GetInt(group, "retentionInDays");
  if (days <= 0) return std::numeric_limits<int64_t>::min();
  return env_.clock.NowMillis() - days * kDayMs;
}

json::object LogsService::DescribeGroup(const std::string& region, const std::string& account,
                                        const std::string& key, const json::object& doc) const {
  std::string name = GetString(doc, "logGroupName");
  int64_t stored = 0;
  streams_.ForEachPrefix(key + ":", [&](const std::string&, const json::object& s) {
    stored += GetInt(s, "storedBytes");
  });
  std::string arn = GroupArn(region, account, name);
  json::object out{{"logGroupName", name},
                   {"creationTime", GetInt(doc, "creationTime")},
                   {"metricFilterCount", 0},
                   {"arn", arn + ":*"},
                   {"logGroupArn", arn},
                   {"storedBytes", stored},
                   {"logGroupClass", GetString(doc, "logGroupClass", "STANDARD")}};
  if (Has(doc, "retentionInDays")) out["retentionInDays"] = GetInt(doc, "retentionInDays");
  if (Has(doc, "kmsKeyId")) out["kmsKeyId"] = GetString(doc, "kmsKeyId");
  if (Has(doc, "deletionProtectionEnabled"))
    out["deletionProtectionEnabled"] = GetBool(doc, "deletionProtectionEnabled");
  return out;
}

json::object LogsService::DescribeStream(const std::string& region, const std::string& account,
                                         const std::string& group, const json::object& doc) const {
  std::string name = GetString(doc, "logStreamName");
  json::object out{{"logStreamName", name},
                   {"creationTime", GetInt(doc, "creationTime")},
                   {"arn", GroupArn(region, account, group) + ":log-stream:" + name},
                   {"storedBytes", GetInt(doc, "storedBytes")},
                   {"uploadSequenceToken", SequenceToken(GetInt(doc, "seq"))}};
  for (const char* k : {"firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"})
    if (Has(doc, k)) out[k] = GetInt(doc, k);
  return out;
}

// ---- groups -----------------------------------------------------------------------

Result<json::object> LogsService::CreateLogGroup(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "logGroupName");
  if (!IsValidGroupName(name)) return PatternViolation(name, "logGroupName", "[\\.\\-_/#A-Za-z0-9]+");
  std::string key = store::Collection::Key(ctx.region, name);
  if (groups_.Find(key))
    return AwsError::Make("ResourceAlreadyExistsException", "The specified log group already exists");
  json::object doc = NewGroupDoc(name, GetString(in, "logGroupClass", "STANDARD"));
  if (Has(in, "kmsKeyId")) doc["kmsKeyId"] = GetString(in, "kmsKeyId");
  if (Has(in, "deletionProtectionEnabled"))
    doc["deletionProtectionEnabled"] = GetBool(in, "deletionProtectionEnabled");
  if (auto* tags = GetObject(in, "tags")) doc["tags"] = *tags;
  FARGO_TRY(groups_.Put(key, std::move(doc)));
  return json::object{};
}

Status LogsService::DeleteGroupData(const GroupRef& g) {
  return env_.store.Transaction([&]() -> Status {
    FARGO_TRY(events_.DeleteGroup(GetInt(*g.doc, "gid")));
    std::vector<std::string> stream_keys;
    streams_.ForEachPrefix(StreamPrefix(g),
                           [&](const std::string& k, const json::object&) { stream_keys.push_back(k); });
    for (const auto& k : stream_keys) FARGO_TRY(streams_.Erase(k));
    return groups_.Erase(g.key);
  });
}

Result<json::object> LogsService::DeleteLogGroup(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  if (GetBool(*g.doc, "deletionProtectionEnabled"))
    return AwsError::Make("ValidationException",
                          "Log group " + g.name + " has deletion protection enabled and cannot be deleted.");
  FARGO_TRY(DeleteGroupData(g));
  return json::object{};
}

Result<json::object> LogsService::DescribeLogGroups(CallContext& ctx, json::object& in) {
  std::string prefix = GetString(in, "logGroupNamePrefix");
  std::string pattern = GetString(in, "logGroupNamePattern");
  if (Has(in, "logGroupNamePrefix") && Has(in, "logGroupNamePattern"))
    return InvalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  std::string cls = GetString(in, "logGroupClass");
  std::unordered_set<std::string> wanted;
  if (auto* ids = GetArray(in, "logGroupIdentifiers"))
    for (const auto& v : *ids) {
      if (!v.is_string()) continue;
      std::string id(v.as_string());
      if (id.rfind("arn:", 0) == 0) {
        auto pos = id.find(":log-group:");
        if (pos == std::string::npos) continue;
        id = id.substr(pos + 11);
        if (id.size() >= 2 && id.compare(id.size() - 2, 2, ":*") == 0) id.resize(id.size() - 2);
      }
      wanted.insert(id);
    }

  std::vector<std::pair<const std::string*, const json::object*>> matches;
  groups_.ForEachPrefix(ctx.region + "/" + prefix, [&](const std::string& k, const json::object& doc) {
    std::string name = GetString(doc, "logGroupName");
    if (!pattern.empty() && !ContainsIgnoreCase(name, pattern)) return;
    if (!cls.empty() && GetString(doc, "logGroupClass", "STANDARD") != cls) return;
    if (!wanted.empty() && !wanted.count(name)) return;
    matches.emplace_back(&k, &doc);
  });

  FARGO_ASSIGN_OR_RETURN(PageSpan span, PageOfRequest(in, matches.size()));
  json::array out;
  for (size_t i = span.begin; i < span.end; ++i) out.push_back(DescribeGroup(ctx.region, ctx.account, *matches[i].first, *matches[i].second));
  json::object resp{{"logGroups", std::move(out)}};
  if (!span.next_token.empty()) resp["nextToken"] = span.next_token;
  return resp;
}

Result<json::object> LogsService::PutRetentionPolicy(CallContext& ctx, json::object& in) {
  int64_t days = GetInt(in, "retentionInDays");
  if (std::find(std::begin(kRetentionDays), std::end(kRetentionDays), days) == std::end(kRetentionDays)) {
    std::string set;
    for (int64_t d : kRetentionDays) set += (set.empty() ? "" : ", ") + std::to_string(d);
    return InvalidParameter("1 validation error detected: Value '" + std::to_string(days) +
                            "' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum "
                            "value set: [" + set + "]");
  }
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  json::object doc = *g.doc;
  doc["retentionInDays"] = days;
  FARGO_TRY(groups_.Put(g.key, std::move(doc)));
  next_expiry_ms_ = 0;  // enforce the new period on the next tick
  return json::object{};
}

Result<json::object> LogsService::DeleteRetentionPolicy(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  json::object doc = *g.doc;
  doc.erase("retentionInDays");
  FARGO_TRY(groups_.Put(g.key, std::move(doc)));
  return json::object{};
}

Result<json::object> LogsService::AssociateKmsKey(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, GroupFromNameOrResource(ctx, in));
  json::object doc = *g.doc;
  doc["kmsKeyId"] = GetString(in, "kmsKeyId");
  FARGO_TRY(groups_.Put(g.key, std::move(doc)));
  return json::object{};
}

Result<json::object> LogsService::DisassociateKmsKey(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, GroupFromNameOrResource(ctx, in));
  json::object doc = *g.doc;
  doc.erase("kmsKeyId");
  FARGO_TRY(groups_.Put(g.key, std::move(doc)));
  return json::object{};
}

// ---- tags -------------------------------------------------------------------------

Status LogsService::SetTags(GroupRef& g, const json::object& add, const json::array& remove) {
  json::object doc = *g.doc;
  json::object tags;
  if (auto* t = GetObject(doc, "tags")) tags = *t;
  for (const auto& kv : add) tags[kv.key()] = kv.value();
  for (const auto& k : remove)
    if (k.is_string()) tags.erase(k.as_string());
  if (tags.size() > 50)
    return AwsError::Make("TooManyTagsException", "A resource can have no more than 50 tags.");
  doc["tags"] = std::move(tags);
  return groups_.Put(g.key, std::move(doc));
}

Result<json::object> LogsService::ListTagsForResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, GroupFromArn(GetString(in, "resourceArn")));
  auto* tags = GetObject(*g.doc, "tags");
  return json::object{{"tags", tags ? *tags : json::object{}}};
}

Result<json::object> LogsService::TagResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, GroupFromArn(GetString(in, "resourceArn")));
  auto* add = GetObject(in, "tags");
  FARGO_TRY(SetTags(g, add ? *add : json::object{}, json::array{}));
  return json::object{};
}

Result<json::object> LogsService::UntagResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, GroupFromArn(GetString(in, "resourceArn")));
  auto* keys = GetArray(in, "tagKeys");
  FARGO_TRY(SetTags(g, json::object{}, keys ? *keys : json::array{}));
  return json::object{};
}

Result<json::object> LogsService::ListTagsLogGroup(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  auto* tags = GetObject(*g.doc, "tags");
  return json::object{{"tags", tags ? *tags : json::object{}}};
}

Result<json::object> LogsService::TagLogGroup(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  auto* add = GetObject(in, "tags");
  FARGO_TRY(SetTags(g, add ? *add : json::object{}, json::array{}));
  return json::object{};
}

Result<json::object> LogsService::UntagLogGroup(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  auto* keys = GetArray(in, "tags");
  FARGO_TRY(SetTags(g, json::object{}, keys ? *keys : json::array{}));
  return json::object{};
}

// ---- streams ----------------------------------------------------------------------

Result<json::object> LogsService::CreateLogStream(CallContext& ctx, json::object& in) {
  std::string stream = GetString(in, "logStreamName");
  if (!IsValidStreamName(stream)) return PatternViolation(stream, "logStreamName", "[^:*]*");
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  std::string key = StreamPrefix(g) + stream;
  if (streams_.Find(key))
    return AwsError::Make("ResourceAlreadyExistsException", "The specified log stream already exists");
  FARGO_TRY(streams_.Put(key, NewStreamDoc(stream)));
  return json::object{};
}

json::object LogsService::NewGroupDoc(const std::string& name, const std::string& log_group_class) {
  return json::object{{"logGroupName", name},
                      {"creationTime", env_.clock.NowMillis()},
                      {"logGroupClass", log_group_class},
                      {"gid", NextId()}};
}

json::object LogsService::NewStreamDoc(const std::string& name) {
  return json::object{{"logStreamName", name},
                      {"creationTime", env_.clock.NowMillis()},
                      {"storedBytes", 0},
                      {"seq", 1},
                      {"sid", NextId()}};
}

Result<json::object> LogsService::DeleteLogStream(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  std::string key = StreamPrefix(g) + GetString(in, "logStreamName");
  const json::object* s = streams_.Find(key);
  if (!s) return StreamNotFound();
  int64_t sid = GetInt(*s, "sid");
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    FARGO_TRY(events_.DeleteStream(sid));
    return streams_.Erase(key);
  }));
  return json::object{};
}

Result<json::object> LogsService::DescribeLogStreams(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, ResolveGroup(ctx, in));
  std::string prefix = GetString(in, "logStreamNamePrefix");
  bool by_time = GetString(in, "orderBy", "LogStreamName") == "LastEventTime";
  if (by_time && Has(in, "logStreamNamePrefix"))
    return InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  std::vector<const json::object*> matches;
  streams_.ForEachPrefix(StreamPrefix(g) + prefix,
                         [&](const std::string&, const json::object& doc) { matches.push_back(&doc); });
  if (by_time)
    std::stable_sort(matches.begin(), matches.end(), [](const json::object* a, const json::object* b) {
      return GetInt(*a, "lastEventTimestamp") < GetInt(*b, "lastEventTimestamp");
    });
  if (GetBool(in, "descending")) std::reverse(matches.begin(), matches.end());

  FARGO_ASSIGN_OR_RETURN(PageSpan span, PageOfRequest(in, matches.size()));
  json::array out;
  for (size_t i = span.begin; i < span.end; ++i) out.push_back(DescribeStream(g.region, ctx.account, g.name, *matches[i]));
  json::object resp{{"logStreams", std::move(out)}};
  if (!span.next_token.empty()) resp["nextToken"] = span.next_token;
  return resp;
}

// ---- events -----------------------------------------------------------------------

Result<json::object> LogsService::PutLogEvents(CallContext& ctx, json::object& in) {
  const json::array* batch = GetArray(in, "logEvents");
  if (!batch || batch->empty()) return InvalidParameter("The batch of log events must not be empty.");
  if (batch->size() > kMaxBatchEvents)
    return InvalidParameter("The batch of log events in a single PutLogEvents request cannot contain more "
                            "than 10,000 events.");
  std::vector<logs::LogEventStore::NewEvent> events;
  events.reserve(batch->size());
  int64_t bytes = 0;
  for (const auto& v : *batch) {
    if (!v.is_object()) return InvalidParameter("Invalid log event.");
    const auto& o = v.as_object();
    const auto* m = o.if_contains("message");
    std::string_view msg = m && m->is_string() ? std::string_view(m->as_string()) : std::string_view();
    int64_t ts = GetInt(o, "timestamp");
    if (!events.empty() && ts < events.back().timestamp)
      return InvalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    events.push_back({ts, msg});
    bytes += static_cast<int64_t>(msg.size()) + kEventOverheadBytes;
  }
  if (events.back().timestamp - events.front().timestamp > kDayMs)
    return InvalidParameter("The batch of log events in a single PutLogEvents request cannot span more than "
                            "24 hours.");
  if (bytes > kMaxBatchBytes)
    return InvalidParameter("Upload too large: " + std::to_string(bytes) + " bytes exceeds limit of " +
                            std::to_string(kMaxBatchBytes));

  FARGO_ASSIGN_OR_RETURN(GroupRef g, FindGroup(ctx.region, GetString(in, "logGroupName")));
  std::string stream_key = StreamPrefix(g) + GetString(in, "logStreamName");
  const json::object* stream = streams_.Find(stream_key);
  if (!stream) return StreamNotFound();

  AppendResult r;
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    FARGO_ASSIGN_OR_RETURN(r, AppendToStream(g, stream_key, *stream, events, env_.clock.NowMillis()));
    return OkStatus();
  }));

  json::object resp{{"nextSequenceToken", SequenceToken(r.seq)}};
  json::object rejected;
  if (r.too_old_end >= 0) rejected["tooOldLogEventEndIndex"] = r.too_old_end;
  if (r.expired_end >= 0) rejected["expiredLogEventEndIndex"] = r.expired_end;
  if (r.too_new_start < static_cast<int64_t>(events.size())) rejected["tooNewLogEventStartIndex"] = r.too_new_start;
  if (!rejected.empty()) resp["rejectedLogEventsInfo"] = std::move(rejected);
  return resp;
}

Result<LogsService::AppendResult> LogsService::AppendToStream(
    const GroupRef& g, const std::string& stream_key, const json::object& stream,
    std::span<const logs::LogEventStore::NewEvent> events, int64_t now) {
  // Too old / expired events form a prefix of the (ordered) batch, too new
  // ones a suffix; only the middle is stored.
  int64_t too_old_before = now - 14 * kDayMs;
  int64_t expired_before = RetentionCutoff(*g.doc);
  int64_t too_new_after = now + 2 * kHourMs;
  int64_t n = static_cast<int64_t>(events.size());
  AppendResult r;
  r.too_new_start = n;
  auto first_not_before = [&](int64_t t) {
    return std::partition_point(events.begin(), events.end(), [t](const auto& e) { return e.timestamp < t; }) -
           events.begin();
  };
  r.too_old_end = first_not_before(too_old_before) - 1;
  r.expired_end = first_not_before(expired_before) - 1;
  r.too_new_start = std::partition_point(events.begin(), events.end(),
                                         [&](const auto& e) { return e.timestamp <= too_new_after; }) -
                    events.begin();
  int64_t first = std::max(r.too_old_end, r.expired_end) + 1;
  std::span<const logs::LogEventStore::NewEvent> accepted;
  if (first < r.too_new_start) accepted = events.subspan(first, r.too_new_start - first);

  json::object doc = stream;
  int64_t gid = GetInt(*g.doc, "gid"), sid = GetInt(doc, "sid");
  int64_t stored = 0;
  for (const auto& e : accepted) stored += static_cast<int64_t>(e.message.size());
  for (size_t off = 0; off < accepted.size(); off += logs::LogEventStore::kMaxChunkEvents) {
    size_t len = std::min<size_t>(logs::LogEventStore::kMaxChunkEvents, accepted.size() - off);
    FARGO_TRY(events_.Append(gid, sid, now, accepted.subspan(off, len)));
  }
  if (!accepted.empty()) {
    int64_t lo = accepted.front().timestamp, hi = accepted.back().timestamp;
    doc["firstEventTimestamp"] = Has(doc, "firstEventTimestamp") ? std::min(lo, GetInt(doc, "firstEventTimestamp")) : lo;
    doc["lastEventTimestamp"] = Has(doc, "lastEventTimestamp") ? std::max(hi, GetInt(doc, "lastEventTimestamp")) : hi;
    doc["lastIngestionTime"] = now;
    doc["storedBytes"] = GetInt(doc, "storedBytes") + stored;
  }
  r.seq = GetInt(doc, "seq") + 1;
  doc["seq"] = r.seq;
  FARGO_TRY(streams_.Put(stream_key, std::move(doc)));
  return r;
}

std::map<std::string, OutputOffsets> LogsService::IngestCursors(const std::string& region, const std::string& group,
                                                                const std::string& stream) {
  auto g = FindGroup(region, group);
  if (!g.ok()) return {};
  const json::object* doc = FindStream(*g, stream);
  return doc ? events_.Cursors(GetInt(*doc, "sid")) : std::map<std::string, OutputOffsets>{};
}

Status LogsService::IngestEvents(const std::string& region, const std::string& group, const std::string& stream,
                                 bool create_group, std::vector<IngestedEvent>&& events, const LogCursor* cursor) {
  std::string group_key = store::Collection::Key(region, group);
  const json::object* group_doc = groups_.Find(group_key);
  if (!group_doc) {
    if (!create_group) return GroupNotFound();
    if (!IsValidGroupName(group)) return PatternViolation(group, "logGroupName", "[\\.\\-_/#A-Za-z0-9]+");
  }

  // Views into `events`: long messages become several events, no copies.
  std::vector<logs::LogEventStore::NewEvent> batch;
  batch.reserve(events.size());
  for (const auto& e : events) {
    std::string_view m = e.message;
    while (!m.empty()) {
      size_t cut = Utf8CutPoint(m, kMaxLogEventMessageBytes);
      batch.push_back({e.timestamp_ms, m.substr(0, cut)});
      m.remove_prefix(cut);
    }
  }
  auto by_time = [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; };
  if (!std::is_sorted(batch.begin(), batch.end(), by_time)) std::stable_sort(batch.begin(), batch.end(), by_time);

  int64_t now = env_.clock.NowMillis();
  return env_.store.Transaction([&]() -> Status {
    if (!group_doc) {
      FARGO_TRY(groups_.Put(group_key, NewGroupDoc(group, "STANDARD")));
      group_doc = groups_.Find(group_key);
    }
    GroupRef g{group_key, region, group, group_doc};
    std::string stream_key = StreamPrefix(g) + stream;
    const json::object* doc = streams_.Find(stream_key);
    json::object fresh;
    if (!doc) {
      if (!IsValidStreamName(stream)) return PatternViolation(stream, "logStreamName", "[^:*]*");
      fresh = NewStreamDoc(stream);
      int64_t sid = GetInt(fresh, "sid");
      if (batch.empty()) {
        FARGO_TRY(streams_.Put(stream_key, std::move(fresh)));
        return cursor ? events_.PutCursor(GetInt(*group_doc, "gid"), sid, *cursor) : OkStatus();
      }
      doc = &fresh;
    }
    int64_t sid = GetInt(*doc, "sid");
    if (!batch.empty()) FARGO_TRY(AppendToStream(g, stream_key, *doc, batch, now));
    // With the events it covers, or not at all: a restart resumes there.
    return cursor ? events_.PutCursor(GetInt(*group_doc, "gid"), sid, *cursor) : OkStatus();
  });
}

Result<json::object> LogsService::GetLogEvents(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, ResolveGroup(ctx, in));
  const json::object* stream = FindStream(g, GetString(in, "logStreamName"));
  if (!stream) return StreamNotFound();
  int64_t sid = GetInt(*stream, "sid");
  int64_t start = std::max(GetInt(in, "startTime", 0), RetentionCutoff(*g.doc));
  int64_t end = Has(in, "endTime") ? GetInt(in, "endTime") : kNoEnd;
  int64_t limit = GetInt(in, "limit", 10000);

  // Direction and starting position: from the token, else head or tail.
  bool forward = GetBool(in, "startFromHead");
  Position pos = forward ? Position::Min() : Position::Max();
  bool has_token = Has(in, "nextToken");
  if (has_token) {
    std::string token = GetString(in, "nextToken");
    if (token.size() < 2 || token[1] != '/' || (token[0] != 'f' && token[0] != 'b')) return InvalidToken();
    auto p = DecodePosition(std::string_view(token).substr(2));
    if (!p) return InvalidToken();
    forward = token[0] == 'f';
    pos = *p;
  }

  std::vector<StoredEvent> got;
  int64_t bytes = 0;
  auto collect = [&](StoredEvent& e) {
    bytes += EventBytes(e.message);
    if (!got.empty() && bytes > kMaxResponseBytes) return false;
    got.push_back(std::move(e));
    return static_cast<int64_t>(got.size()) < limit;
  };
  if (forward) {
    FARGO_TRY(events_.ScanStreamForward(sid, start, end, pos, collect));
  } else {
    FARGO_TRY(events_.ScanStreamBackward(sid, start, end, pos, collect));
    std::reverse(got.begin(), got.end());
  }

  json::array out;
  out.reserve(got.size());
  for (const auto& e : got)
    out.push_back(json::object{{"timestamp", e.timestamp}, {"message", e.message}, {"ingestionTime", e.ingestion_time}});
  // With no events the tokens stay where they were (or, on a first call,
  // sit at the start of the time window so later events are found).
  Position fwd, back;
  if (!got.empty()) {
    fwd = got.back().position();
    back = got.front().position();
  } else if (has_token) {
    fwd = back = pos;
  } else {
    fwd = back = Position{std::max<int64_t>(start, 0), 0};
  }
  return json::object{{"events", std::move(out)},
                      {"nextForwardToken", "f/" + EncodePosition(fwd)},
                      {"nextBackwardToken", "b/" + EncodePosition(back)}};
}

Result<json::object> LogsService::FilterLogEvents(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(GroupRef g, ResolveGroup(ctx, in));
  if (Has(in, "logStreamNames") && Has(in, "logStreamNamePrefix"))
    return InvalidParameter("You cannot specify both logStreamNames and logStreamNamePrefix.");
  FARGO_ASSIGN_OR_RETURN(logs::FilterPattern pattern, logs::FilterPattern::Parse(GetString(in, "filterPattern")));

  // The streams searched, by id.
  std::unordered_map<int64_t, std::string> names;
  bool all_streams = !Has(in, "logStreamNames") && !Has(in, "logStreamNamePrefix");
  if (auto* wanted = GetArray(in, "logStreamNames")) {
    for (const auto& v : *wanted)
      if (v.is_string())
        if (auto* s = FindStream(g, std::string(v.as_string())))
          names.emplace(GetInt(*s, "sid"), GetString(*s, "logStreamName"));
  } else {
    streams_.ForEachPrefix(StreamPrefix(g) + GetString(in, "logStreamNamePrefix"),
                           [&](const std::string&, const json::object& s) {
                             names.emplace(GetInt(s, "sid"), GetString(s, "logStreamName"));
                           });
  }

  int64_t start = std::max(GetInt(in, "startTime", 0), RetentionCutoff(*g.doc));
  int64_t end = Has(in, "endTime") ? GetInt(in, "endTime") : kNoEnd;
  int64_t limit = GetInt(in, "limit", 10000);
  Position after = Position::Min();
  if (Has(in, "nextToken")) {
    auto p = DecodePosition(GetString(in, "nextToken"));
    if (!p) return InvalidToken();
    after = *p;
  }

  json::array out;
  int64_t bytes = 0, scanned = 0;
  Position last_returned{}, last_scanned{};
  bool more = false;
  if (!names.empty()) {
    FARGO_TRY(events_.ScanGroupForward(GetInt(*g.doc, "gid"), start, end, after, [&](StoredEvent& e) {
      if (++scanned > kMaxScannedPerFilterCall) {
        more = true;  // resume after the last event examined
        last_returned = last_scanned;
        return false;
      }
      last_scanned = e.position();
      auto it = names.find(e.stream_id);
      if ((!all_streams && it == names.end()) || !pattern.Matches(e.message)) return true;
      bytes += EventBytes(e.message);
      if (static_cast<int64_t>(out.size()) >= limit || (!out.empty() && bytes > kMaxResponseBytes)) {
        more = true;
        return false;
      }
      out.push_back(json::object{{"logStreamName", it != names.end() ? it->second : std::string()},
                                 {"timestamp", e.timestamp},
                                 {"message", e.message},
                                 {"ingestionTime", e.ingestion_time},
                                 {"eventId", EventId(e)}});
      last_returned = e.position();
      return true;
    }));
  }

  std::vector<const std::string*> searched;
  for (const auto& [sid, name] : names) searched.push_back(&name);
  std::sort(searched.begin(), searched.end(), [](auto* a, auto* b) { return *a < *b; });
  json::array searched_out;
  for (const auto* name : searched)
    searched_out.push_back(json::object{{"logStreamName", *name}, {"searchedCompletely", !more}});
  json::object resp{{"events", std::move(out)}, {"searchedLogStreams", std::move(searched_out)}};
  if (more) resp["nextToken"] = EncodePosition(last_returned);
  return resp;
}

const HandlerTable<LogsService>& LogsService::Table() {
  static const HandlerTable<LogsService> t{
      {"CreateLogGroup", &LogsService::CreateLogGroup},
      {"DeleteLogGroup", &LogsService::DeleteLogGroup},
      {"DescribeLogGroups", &LogsService::DescribeLogGroups},
      {"PutRetentionPolicy", &LogsService::PutRetentionPolicy},
      {"DeleteRetentionPolicy", &LogsService::DeleteRetentionPolicy},
      {"AssociateKmsKey", &LogsService::AssociateKmsKey},
      {"DisassociateKmsKey", &LogsService::DisassociateKmsKey},
      {"ListTagsForResource", &LogsService::ListTagsForResource},
      {"TagResource", &LogsService::TagResource},
      {"UntagResource", &LogsService::UntagResource},
      {"ListTagsLogGroup", &LogsService::ListTagsLogGroup},
      {"TagLogGroup", &LogsService::TagLogGroup},
      {"UntagLogGroup", &LogsService::UntagLogGroup},
      {"CreateLogStream", &LogsService::CreateLogStream},
      {"DeleteLogStream", &LogsService::DeleteLogStream},
      {"DescribeLogStreams", &LogsService::DescribeLogStreams},
      {"PutLogEvents", &LogsService::PutLogEvents},
      {"GetLogEvents", &LogsService::GetLogEvents},
      {"FilterLogEvents", &LogsService::FilterLogEvents},
  };
  return t;
}

}  // namespace fargo::services
