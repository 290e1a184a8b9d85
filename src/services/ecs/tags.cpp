#include "services/ecs/tags.h"

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"

namespace fargo::services::ecs {

namespace {

// A stored document's tags (member `member`) and their saver.
template <typename Target>
Target DocumentTags(store::Collection& coll, const std::string& key, const json::object& doc, const char* member) {
  const json::array* tags = GetArray(doc, member);
  return Target{tags ? *tags : json::array{}, [&coll, key, member](json::array t) -> Status {
                  json::object next = *coll.Find(key);
                  next[member] = std::move(t);
                  return coll.Put(key, std::move(next));
                }};
}

}  // namespace

Result<Tags::Target> Tags::Find(const std::string& arn, bool for_write) {
  auto r = ParseResourceArn(arn);
  if (!r) return InvalidParameter("The ARN provided is invalid.");
  AwsError missing = for_write ? AwsError::Make("ResourceNotFoundException", "The specified resource could not be found.")
                               : InvalidParameter("The specified resource could not be found.");
  if (r->kind == "cluster") {
    std::string key = store::Collection::Key(r->region, r->path);
    const json::object* doc = st_.clusters.Find(key);
    if (!doc || GetString(*doc, "status") == "INACTIVE") return ClusterNotFound();
    return DocumentTags<Target>(st_.clusters, key, *doc, "tags");
  }
  if (r->kind == "service") {
    ServiceId id = ParseServiceId(arn);
    if (id.cluster.empty()) return InvalidParameter("The ARN provided is invalid; use the long ARN format.");
    std::string key = ServiceKey(r->region, id.cluster, id.name);
    const json::object* doc = st_.services.Find(key);
    if (!doc || GetString(*doc, "status") == "INACTIVE") return missing;
    return DocumentTags<Target>(st_.services, key, *doc, "tags");
  }
  if (r->kind == "task-definition") {
    auto ref = ParseTaskDefinitionRef(arn);
    if (!ref || ref->revision == 0) return InvalidParameter("The ARN provided is invalid.");
    std::string key = TaskDefKey(r->region, ref->family, ref->revision);
    const json::object* doc = st_.taskdefs.Find(key);
    if (!doc || GetString(*doc, "status") == "DELETE_IN_PROGRESS") return missing;
    return DocumentTags<Target>(st_.taskdefs, key, *doc, "_tags");
  }
  if (r->kind == "task") {
    std::string key = TaskKeyOfArn(arn);
    if (key.empty()) return InvalidParameter("The ARN provided is invalid; use the long ARN format.");
    const Task* t = st_.tasks.Find(key);
    if (!t) return missing;
    return Target{t->tags, [this, key](json::array tags) -> Status {
                    Task next = *st_.tasks.Find(key);
                    next.tags = std::move(tags);
                    return st_.tasks.Put(key, std::move(next));
                  }};
  }
  return InvalidParameter("The specified resource type is not supported for tagging.");
}

Result<json::object> Tags::List(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(Target t, Find(GetString(in, "resourceArn"), false));
  return json::object{{"tags", std::move(t.tags)}};
}

Result<json::object> Tags::Tag(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(Target t, Find(GetString(in, "resourceArn"), true));
  const json::array* add = GetArray(in, "tags");
  json::array merged = MergeTags(t.tags, add ? *add : json::array{});
  FARGO_TRY(ValidateTags(merged));
  FARGO_TRY(t.save(std::move(merged)));
  return json::object{};
}

Result<json::object> Tags::Untag(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(Target t, Find(GetString(in, "resourceArn"), true));
  const json::array* keys = GetArray(in, "tagKeys");
  FARGO_TRY(t.save(RemoveTags(t.tags, keys ? *keys : json::array{})));
  return json::object{};
}

}  // namespace fargo::services::ecs
