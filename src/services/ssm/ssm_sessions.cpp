// Session Manager's sessions: StartSession (the document checked and its
// parameters substituted, the target resolved: a managed instance or a
// task's container), DescribeSessions (Active and History), and
// ResumeSession/TerminateSession, which reach ECS Exec's sessions too. The
// sessions themselves run in fargo serve's session layer (SessionHooks).
#include <algorithm>
#include <regex>
#include <set>

#include "common/strings.h"
#include "services/ssm/session_documents.h"
#include "services/ssm/ssm_page.h"
#include "services/ssm/ssm_service.h"

namespace fargo::services {

namespace {

AwsError TargetNotConnected(const std::string& target) {
  return AwsError::Make("TargetNotConnected", target + " is not connected.");
}

AwsError InvalidParameters(std::string message) { return AwsError::Make("InvalidParameters", std::move(message)); }

// "{{ name }}" (any blanks inside the braces) replaced by the values.
std::string Substitute(std::string text, const std::map<std::string, std::string>& values) {
  static const std::regex kRef(R"(\{\{\s*([A-Za-z0-9_.-]+)\s*\}\})");
  std::string out;
  std::sregex_iterator it(text.begin(), text.end(), kRef), end;
  size_t at = 0;
  for (; it != end; ++it) {
    out.append(text, at, static_cast<size_t>(it->position()) - at);
    auto v = values.find((*it)[1].str());
    out += v == values.end() ? it->str() : v->second;
    at = static_cast<size_t>(it->position() + it->length());
  }
  out.append(text, at, std::string::npos);
  return out;
}

// The document's parameters with the request's values (one string each),
// defaults filled in; AWS's InvalidParameters for unknown, repeated,
// missing or ill-formed ones.
Result<std::map<std::string, std::string>> ParameterValues(const ssm::SessionDocument& doc, const json::object& in) {
  const json::object* declared = GetObject(doc.content, "parameters");
  std::map<std::string, std::string> values;
  if (const json::object* given = GetObject(in, "Parameters"))
    for (const auto& [name, list] : *given) {
      std::string n(name);
      if (!declared || !declared->contains(n))
        return InvalidParameters("Parameter \"" + n + "\" is not defined in the document " + doc.name + ".");
      if (!list.is_array() || list.as_array().size() != 1 || !list.as_array()[0].is_string())
        return InvalidParameters("Parameter \"" + n + "\" takes exactly one value.");
      values[n] = std::string(list.as_array()[0].as_string());
    }
  if (!declared) return values;
  for (const auto& [name, spec] : *declared) {
    std::string n(name);
    const json::object& p = spec.as_object();
    auto v = values.find(n);
    if (v == values.end()) {
      if (!Has(p, "default")) return InvalidParameters("Parameter \"" + n + "\" is required.");
      values[n] = GetString(p, "default");
      continue;
    }
    if (std::string pattern = GetString(p, "allowedPattern"); !pattern.empty())
      if (!std::regex_search(v->second, std::regex(pattern)))
        return InvalidParameters("Parameter \"" + n + "\" \"" + v->second + "\" does not match the allowed pattern " +
                                 pattern + ".");
  }
  return values;
}

// The id AWS gives a session: the caller's name and 17 hex digits (root's
// credentials here: fargo's callers are the account's root).
std::string SessionId(IdGenerator& ids) { return "root-0" + ids.Hex(16); }

}  // namespace

Status SsmService::ResolveTarget(const CallContext& ctx, SessionStart& s) const {
  if (StartsWith(s.target, "ecs:")) {
    std::optional<TaskTarget> t = task_targets_ ? task_targets_(ctx.region, s.target) : std::nullopt;
    if (!t) return TargetNotConnected(s.target);
    s.container = t->runtime_id;
    s.user = t->user;
    s.env = t->env;
    s.owner = t->task_arn;
    return OkStatus();
  }
  std::vector<InstanceFacts> facts = instances_ ? instances_(ctx.region) : std::vector<InstanceFacts>{};
  for (const auto& f : facts)
    if (f.instance_id == s.target && IsManaged(f)) {
      // The instance's container, as the runtime names a workload's ("fargo-<id>-<container>").
      s.container = "fargo-" + f.instance_id + "-instance";
      s.owner = "arn:aws:ec2:" + ctx.region + ":" + ctx.account + ":instance/" + f.instance_id;
      return OkStatus();
    }
  return TargetNotConnected(s.target);
}

Result<json::object> SsmService::StartSession(CallContext& ctx, json::object& in) {
  SessionStart s;
  s.region = ctx.region;
  s.account = ctx.account;
  s.target = GetString(in, "Target");
  if (s.target.empty()) return AwsError::Make("ValidationException", "Target must not be empty.");
  const ssm::SessionDocument* doc = ssm::FindDocument(GetString(in, "DocumentName", "SSM-SessionManagerRunShell"));
  if (!doc) return AwsError::Make("InvalidDocument", "Document with name provided does not exist.");
  s.document = doc->name;
  s.session_type = GetString(doc->content, "sessionType");
  FARGO_ASSIGN_OR_RETURN(auto values, ParameterValues(*doc, in));
  if (const json::object* props = GetObject(doc->content, "properties")) {
    if (s.session_type == "Port") {
      for (const auto& [k, v] : *props)
        if (v.is_string()) s.properties[std::string(k)] = Substitute(std::string(v.as_string()), values);
    } else if (const json::object* linux = GetObject(*props, "linux")) {
      s.command = Substitute(GetString(*linux, "commands"), values);
    }
  }
  FARGO_TRY(ResolveTarget(ctx, s));
  if (!sessions_.start) return TargetNotConnected(s.target);
  s.session_id = SessionId(env_.ids);
  s.token = env_.ids.Hex(64);
  if (auto it = ctx.http.headers.find("host"); it != ctx.http.headers.end()) s.host = it->second;
  FARGO_ASSIGN_OR_RETURN(std::string url, sessions_.start(s));

  SessionRecord r;
  r.region = ctx.region;
  r.account = ctx.account;
  r.id = s.session_id;
  r.target = s.target;
  r.document = s.document;
  r.owner = "arn:aws:iam::" + ctx.account + ":root";
  r.reason = GetString(in, "Reason");
  r.started = env_.clock.NowSeconds();
  session_records_[r.id] = std::move(r);
  return json::object{{"SessionId", s.session_id}, {"TokenValue", s.token}, {"StreamUrl", url}};
}

void SsmService::SessionEnded(const std::string& id) {
  auto it = session_records_.find(id);
  if (it == session_records_.end() || it->second.status == "Terminated") return;
  it->second.status = "Terminated";
  it->second.ended = env_.clock.NowSeconds();
  // History is kept for the last 1,000 ended sessions.
  size_t ended = 0;
  for (const auto& [k, r] : session_records_) ended += r.status == "Terminated";
  for (auto i = session_records_.begin(); ended > 1000 && i != session_records_.end();)
    if (i->second.status == "Terminated" && i->first != id) {
      i = session_records_.erase(i);
      --ended;
    } else {
      ++i;
    }
}

Result<json::object> SsmService::DescribeSessions(CallContext& ctx, json::object& in) {
  std::string state = GetString(in, "State");
  if (state != "Active" && state != "History")
    return AwsError::Make("ValidationException", "1 validation error detected: Value '" + state +
                                                     "' at 'state' failed to satisfy constraint: Member must satisfy "
                                                     "enum value set: [Active, History]");
  std::vector<std::pair<std::string, std::string>> filters;
  if (const json::array* list = GetArray(in, "Filters"))
    for (const auto& f : *list) {
      if (!f.is_object()) continue;
      std::string key = GetString(f.as_object(), "key");
      static const std::set<std::string> kKeys{"InvokedAfter", "InvokedBefore", "Target", "Owner",
                                               "Status",       "SessionId",     "AccessType"};
      if (!kKeys.count(key)) return AwsError::Make("InvalidFilterKey", "The specified filter key is not valid.");
      filters.emplace_back(key, GetString(f.as_object(), "value"));
    }
  auto passes = [&](const SessionRecord& r) {
    for (const auto& [k, v] : filters) {
      if (k == "Target" && r.target != v) return false;
      if (k == "Owner" && r.owner != v) return false;
      if (k == "Status" && r.status != v) return false;
      if (k == "SessionId" && r.id != v) return false;
      if (k == "AccessType" && v != "Standard") return false;
      if (k == "InvokedAfter" || k == "InvokedBefore") {
        auto when = ParseTimestamp(v);
        if (!when) return false;
        if (k == "InvokedAfter" && r.started < *when) return false;
        if (k == "InvokedBefore" && r.started > *when) return false;
      }
    }
    return true;
  };
  json::array all;
  // Newest first, as the console lists them.
  std::vector<const SessionRecord*> rows;
  for (const auto& [id, r] : session_records_)
    if (r.region == ctx.region && r.account == ctx.account && (r.status == "Terminated") == (state == "History") &&
        passes(r))
      rows.push_back(&r);
  std::sort(rows.begin(), rows.end(), [](const SessionRecord* a, const SessionRecord* b) {
    return a->started != b->started ? a->started > b->started : a->id < b->id;
  });
  for (const SessionRecord* r : rows) {
    json::object o{{"SessionId", r->id},     {"Target", r->target},        {"Status", r->status},
                   {"StartDate", r->started}, {"DocumentName", r->document}, {"Owner", r->owner},
                   {"OutputUrl", json::object{}}, {"AccessType", "Standard"}};
    if (!r->reason.empty()) o["Reason"] = r->reason;
    if (r->status == "Terminated") o["EndDate"] = r->ended;
    all.push_back(std::move(o));
  }
  int64_t max = GetInt(in, "MaxResults", 20);
  if (max < 1 || max > 200)
    return AwsError::Make("ValidationException", "1 validation error detected: Value '" + std::to_string(max) +
                                                     "' at 'maxResults' failed to satisfy constraint: Member must "
                                                     "have value between 1 and 200");
  FARGO_ASSIGN_OR_RETURN(PageSpan span, ssm::PageOf(in, all.size(), 20));
  json::array page(all.begin() + static_cast<std::ptrdiff_t>(span.begin),
                   all.begin() + static_cast<std::ptrdiff_t>(span.end));
  json::object out{{"Sessions", std::move(page)}};
  if (!span.next_token.empty()) out["NextToken"] = span.next_token;
  return out;
}

Result<json::object> SsmService::ResumeSession(CallContext& ctx, json::object& in) {
  (void)ctx;
  std::string id = GetString(in, "SessionId");
  // A session that is gone answers without a token: the plugin then says
  // "Session: <id> timed out." and exits.
  json::object out{{"SessionId", id}};
  if (sessions_.resume) {
    if (auto r = sessions_.resume(id, env_.ids.Hex(64))) {
      out["TokenValue"] = r->first;
      out["StreamUrl"] = r->second;
    }
  }
  return out;
}

Result<json::object> SsmService::TerminateSession(CallContext& ctx, json::object& in) {
  (void)ctx;
  std::string id = GetString(in, "SessionId");
  if (sessions_.terminate) (void)sessions_.terminate(id);
  return json::object{{"SessionId", id}};
}

}  // namespace fargo::services
