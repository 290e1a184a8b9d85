// EcsService: task definition operations.
#include <algorithm>
#include <cstdio>
#include <map>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_service.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/task_definition.h"

namespace fargo::services {

using namespace ecs;  // NOLINT: the folder's own helpers

namespace {

struct Revision {
  std::string family;
  int64_t revision;
  std::string arn;
  std::string status;
};

AwsError TaskDefinitionMissing() { return ClientError("The specified task definition does not exist."); }

json::object DescribeOutput(const json::object& doc, bool tags) {
  json::object td = doc;
  td.erase("_tags");
  json::object out{{"taskDefinition", std::move(td)}};
  if (tags) out["tags"] = Has(doc, "_tags") ? doc.at("_tags") : json::array{};
  return out;
}

}  // namespace

std::string EcsService::TaskDefKey(const std::string& region, const std::string& family, int64_t rev) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010lld", static_cast<long long>(rev));
  return store::Collection::Key(region, family + ":" + buf);
}

const json::object* EcsService::FindTaskDefinition(const std::string& region, const std::string& ref_text) {
  auto ref = ParseTaskDefinitionRef(ref_text);
  if (!ref) return nullptr;
  if (ref->revision > 0) return taskdefs_.Find(TaskDefKey(region, ref->family, ref->revision));
  std::string best;
  taskdefs_.ForEachPrefix(store::Collection::Key(region, ref->family + ":"),
                          [&](const std::string& key, const json::object& doc) {
                            if (GetString(doc, "status") == "ACTIVE") best = key;
                          });
  return best.empty() ? nullptr : taskdefs_.Find(best);
}

Result<json::object> EcsService::RegisterTaskDefinition(CallContext& ctx, json::object& in) {
  std::string family = GetString(in, "family");
  std::string fkey = store::Collection::Key(ctx.region, family);
  const json::object* fam = families_.Find(fkey);
  RegisterContext rc{ctx.region, ctx.account, (fam ? GetInt(*fam, "lastRevision") : 0) + 1,
                     env_.clock.NowSeconds()};
  FARGO_ASSIGN_OR_RETURN(json::object td, BuildTaskDefinition(in, rc));
  json::array tags;
  if (const json::array* t = GetArray(in, "tags")) {
    FARGO_TRY(ValidateTags(*t));
    tags = *t;
  }
  json::object doc = td;
  doc["_tags"] = tags;
  std::string key = TaskDefKey(ctx.region, family, rc.revision);
  FARGO_TRY(env_.store.Transaction([&]() -> Status {
    FARGO_TRY(families_.Put(fkey, json::object{{"lastRevision", rc.revision}}));
    return taskdefs_.Put(key, doc);
  }));
  json::object out{{"taskDefinition", std::move(td)}};
  if (!tags.empty()) out["tags"] = std::move(tags);
  return out;
}

Result<json::object> EcsService::DescribeTaskDefinition(CallContext& ctx, json::object& in) {
  const json::object* doc = FindTaskDefinition(ctx.region, GetString(in, "taskDefinition"));
  if (!doc) return ClientError("Unable to describe task definition.");
  bool tags = false;
  if (const json::array* inc = GetArray(in, "include"))
    for (auto& v : *inc) tags |= v.is_string() && v.as_string() == "TAGS";
  return DescribeOutput(*doc, tags);
}

Result<json::object> EcsService::ListTaskDefinitions(CallContext& ctx, json::object& in) {
  std::string family = GetString(in, "familyPrefix");
  std::string status = GetString(in, "status", "ACTIVE");
  std::vector<Revision> revs;
  taskdefs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
    if (!family.empty() && GetString(doc, "family") != family) return;
    if (status != "ALL" && GetString(doc, "status") != status) return;
    revs.push_back({GetString(doc, "family"), GetInt(doc, "revision"), GetString(doc, "taskDefinitionArn"),
                    GetString(doc, "status")});
  });
  std::sort(revs.begin(), revs.end(), [](const Revision& a, const Revision& b) {
    return a.family != b.family ? a.family < b.family : a.revision < b.revision;
  });
  if (GetString(in, "sort", "ASC") == "DESC") std::reverse(revs.begin(), revs.end());
  std::vector<std::string> arns;
  for (auto& r : revs) arns.push_back(r.arn);
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(arns, GetString(in, "nextToken"), GetInt(in, "maxResults"), 100, 100));
  json::object out{{"taskDefinitionArns", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<json::object> EcsService::ListTaskDefinitionFamilies(CallContext& ctx, json::object& in) {
  std::string prefix = GetString(in, "familyPrefix");
  std::string status = GetString(in, "status", "ACTIVE");
  std::map<std::string, bool> active;  // family -> has an ACTIVE revision
  taskdefs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
    std::string family = GetString(doc, "family");
    if (family.compare(0, prefix.size(), prefix) != 0) return;
    active[family] = active[family] || GetString(doc, "status") == "ACTIVE";
  });
  std::vector<std::string> families;
  for (auto& [family, has_active] : active)
    if (status == "ALL" || (status == "ACTIVE") == has_active) families.push_back(family);
  FARGO_ASSIGN_OR_RETURN(Page page, Paginate(families, GetString(in, "nextToken"), GetInt(in, "maxResults"), 100, 100));
  json::object out{{"families", json::value_from(page.items)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<json::object> EcsService::DeregisterTaskDefinition(CallContext& ctx, json::object& in) {
  std::string ref_text = GetString(in, "taskDefinition");
  auto ref = ParseTaskDefinitionRef(ref_text);
  if (!ref) return ClientError("Invalid task definition: " + ref_text + ".");
  if (ref->revision == 0)
    return ClientError("Invalid revision number. A revision must be specified: " + ref_text + ".");
  std::string key = TaskDefKey(ctx.region, ref->family, ref->revision);
  const json::object* cur = taskdefs_.Find(key);
  if (!cur || GetString(*cur, "status") == "DELETE_IN_PROGRESS") return TaskDefinitionMissing();
  json::object doc = *cur;
  if (GetString(doc, "status") == "ACTIVE") {
    doc["status"] = "INACTIVE";
    doc["deregisteredAt"] = env_.clock.NowSeconds();
    FARGO_TRY(taskdefs_.Put(key, doc));
  }
  doc.erase("_tags");
  return json::object{{"taskDefinition", std::move(doc)}};
}

Result<json::object> EcsService::DeleteTaskDefinitions(CallContext& ctx, json::object& in) {
  const json::array* refs = GetArray(in, "taskDefinitions");
  if (!refs || refs->empty()) return InvalidParameter("taskDefinitions must not be empty.");
  if (refs->size() > 10) return InvalidParameter("taskDefinitions can have at most 10 items.");
  json::array deleted, failures;
  for (auto& rv : *refs) {
    std::string ref_text = rv.is_string() ? std::string(rv.as_string()) : "";
    auto ref = ParseTaskDefinitionRef(ref_text);
    if (!ref || ref->revision == 0) {
      failures.push_back(json::object{{"arn", ref_text}, {"reason", "The specified task definition identifier is invalid. Specify a valid name or ARN and try again."}});
      continue;
    }
    std::string key = TaskDefKey(ctx.region, ref->family, ref->revision);
    const json::object* cur = taskdefs_.Find(key);
    std::string arn = TaskDefinitionArn(ctx.region, ctx.account, ref->family, ref->revision);
    if (!cur) {
      failures.push_back(json::object{{"arn", arn}, {"reason", "The specified task definition does not exist. Specify a valid task definition and try again."}});
      continue;
    }
    if (GetString(*cur, "status") == "ACTIVE") {
      failures.push_back(json::object{{"arn", arn}, {"reason", "The specified task definition is still in ACTIVE status. Please deregister the target and try again."}});
      continue;
    }
    json::object doc = *cur;
    if (GetString(doc, "status") == "INACTIVE") {
      doc["status"] = "DELETE_IN_PROGRESS";
      doc["deleteRequestedAt"] = env_.clock.NowSeconds();
      FARGO_TRY(taskdefs_.Put(key, doc));
    }
    doc.erase("_tags");
    deleted.push_back(std::move(doc));
  }
  return json::object{{"taskDefinitions", std::move(deleted)}, {"failures", std::move(failures)}};
}

}  // namespace fargo::services
