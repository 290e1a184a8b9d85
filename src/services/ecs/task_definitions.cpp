#include "services/ecs/task_definitions.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/task_definition_builder.h"

namespace fargo::services::ecs {

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

const json::object* TaskDefinitions::Find(const std::string& region, const std::string& ref_text) const {
  auto ref = ParseTaskDefinitionRef(ref_text);
  if (!ref) return nullptr;
  if (ref->revision > 0) return st_.taskdefs.Find(TaskDefKey(region, ref->family, ref->revision));
  std::string best;
  st_.taskdefs.ForEachPrefix(store::Collection::Key(region, ref->family + ":"),
                          [&](const std::string& key, const json::object& doc) {
                            if (GetString(doc, "status") == "ACTIVE") best = key;
                          });
  return best.empty() ? nullptr : st_.taskdefs.Find(best);
}

Result<json::object> TaskDefinitions::Register(CallContext& ctx, json::object& in) {
  std::string family = GetString(in, "family");
  std::string fkey = store::Collection::Key(ctx.region, family);
  const json::object* fam = st_.families.Find(fkey);
  RegisterContext rc{ctx.region, ctx.account, (fam ? GetInt(*fam, "lastRevision") : 0) + 1,
                     st_.env.clock.NowSeconds()};
  FARGO_ASSIGN_OR_RETURN(json::object td, BuildTaskDefinition(in, rc));
  json::array tags;
  if (const json::array* t = GetArray(in, "tags")) {
    FARGO_TRY(ValidateTags(*t));
    tags = *t;
  }
  json::object doc = td;
  doc["_tags"] = tags;
  std::string key = TaskDefKey(ctx.region, family, rc.revision);
  FARGO_TRY(st_.env.store.Transaction([&]() -> Status {
    FARGO_TRY(st_.families.Put(fkey, json::object{{"lastRevision", rc.revision}}));
    return st_.taskdefs.Put(key, doc);
  }));
  json::object out{{"taskDefinition", std::move(td)}};
  if (!tags.empty()) out["tags"] = std::move(tags);
  return out;
}

Result<json::object> TaskDefinitions::Describe(CallContext& ctx, json::object& in) {
  const json::object* doc = Find(ctx.region, GetString(in, "taskDefinition"));
  if (!doc) return ClientError("Unable to describe task definition.");
  return DescribeOutput(*doc, Includes(in, "TAGS"));
}

Result<json::object> TaskDefinitions::List(CallContext& ctx, json::object& in) {
  std::string family = GetString(in, "familyPrefix");
  std::string status = GetString(in, "status", "ACTIVE");
  std::vector<Revision> revs;
  st_.taskdefs.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
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

Result<json::object> TaskDefinitions::ListFamilies(CallContext& ctx, json::object& in) {
  std::string prefix = GetString(in, "familyPrefix");
  std::string status = GetString(in, "status", "ACTIVE");
  std::map<std::string, bool> active;  // family -> has an ACTIVE revision
  st_.taskdefs.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& doc) {
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

Result<json::object> TaskDefinitions::Deregister(CallContext& ctx, json::object& in) {
  std::string ref_text = GetString(in, "taskDefinition");
  auto ref = ParseTaskDefinitionRef(ref_text);
  if (!ref) return ClientError("Invalid task definition: " + ref_text + ".");
  if (ref->revision == 0)
    return ClientError("Invalid revision number. A revision must be specified: " + ref_text + ".");
  std::string key = TaskDefKey(ctx.region, ref->family, ref->revision);
  const json::object* cur = st_.taskdefs.Find(key);
  if (!cur || GetString(*cur, "status") == "DELETE_IN_PROGRESS") return TaskDefinitionMissing();
  json::object doc = *cur;
  if (GetString(doc, "status") == "ACTIVE") {
    doc["status"] = "INACTIVE";
    doc["deregisteredAt"] = st_.env.clock.NowSeconds();
    FARGO_TRY(st_.taskdefs.Put(key, doc));
  }
  doc.erase("_tags");
  return json::object{{"taskDefinition", std::move(doc)}};
}

Result<json::object> TaskDefinitions::Delete(CallContext& ctx, json::object& in) {
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
    const json::object* cur = st_.taskdefs.Find(key);
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
      doc["deleteRequestedAt"] = st_.env.clock.NowSeconds();
      FARGO_TRY(st_.taskdefs.Put(key, doc));
    }
    doc.erase("_tags");
    deleted.push_back(std::move(doc));
  }
  return json::object{{"taskDefinitions", std::move(deleted)}, {"failures", std::move(failures)}};
}

}  // namespace fargo::services::ecs
