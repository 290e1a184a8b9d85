#include "services/ecs/ecs_service.h"

#include "services/ecs/ecs_arn.h"
#include "services/ecs/ecs_util.h"
#include "services/ecs/service_state.h"

namespace fargo::services {

using namespace ecs;  // NOLINT: the folder's own helpers

EcsService::EcsService(Env env)
    : env_(env),
      clusters_(env.store, "ecs.clusters"),
      taskdefs_(env.store, "ecs.taskdefs"),
      families_(env.store, "ecs.families"),
      services_(env.store, "ecs.services"),
      tasks_(env.store, "ecs.tasks") {}

Status EcsService::Start() {
  FARGO_TRY(clusters_.Load());
  FARGO_TRY(taskdefs_.Load());
  FARGO_TRY(families_.Load());
  FARGO_TRY(services_.Load());
  return tasks_.Load();
}

Result<json::object> EcsService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

Status EcsService::Advance(const std::string& key, json::object& doc) {
  json::object next = doc;
  if (!AdvanceService(next, env_.clock.NowSeconds(), env_.ids)) return OkStatus();
  FARGO_TRY(services_.Put(key, next));
  doc = *services_.Find(key);
  return OkStatus();
}

void EcsService::Tick() {
  ExpireTasks(env_.clock.NowSeconds());
  std::vector<std::string> keys;
  for (auto& [key, doc] : services_.all())
    if (GetString(doc, "status") != "INACTIVE") keys.push_back(key);
  for (auto& key : keys) Schedule(key);
}

// ---------------------------------------------------------------- tags

Result<EcsService::TagTarget> EcsService::FindTagTarget(const std::string& arn, bool for_write) {
  auto r = ParseResourceArn(arn);
  if (!r) return InvalidParameter("The ARN provided is invalid.");
  AwsError missing = for_write ? AwsError::Make("ResourceNotFoundException", "The specified resource could not be found.")
                               : InvalidParameter("The specified resource could not be found.");
  if (r->kind == "cluster") {
    std::string key = store::Collection::Key(r->region, r->path);
    auto* doc = clusters_.Find(key);
    if (!doc || GetString(*doc, "status") == "INACTIVE") return ClusterNotFound();
    return TagTarget{&clusters_, key, doc, "tags"};
  }
  if (r->kind == "service") {
    ServiceId id = ParseServiceId(arn);
    if (id.cluster.empty()) return InvalidParameter("The ARN provided is invalid; use the long ARN format.");
    std::string key = store::Collection::Key(r->region, id.cluster + "/" + id.name);
    auto* doc = services_.Find(key);
    if (!doc || GetString(*doc, "status") == "INACTIVE") return missing;
    return TagTarget{&services_, key, doc, "tags"};
  }
  if (r->kind == "task-definition") {
    auto ref = ParseTaskDefinitionRef(arn);
    if (!ref || ref->revision == 0) return InvalidParameter("The ARN provided is invalid.");
    std::string key = TaskDefKey(r->region, ref->family, ref->revision);
    auto* doc = taskdefs_.Find(key);
    if (!doc || GetString(*doc, "status") == "DELETE_IN_PROGRESS") return missing;
    return TagTarget{&taskdefs_, key, doc, "_tags"};
  }
  if (r->kind == "task") {
    std::string key = TaskKeyOfArn(arn);
    if (key.empty()) return InvalidParameter("The ARN provided is invalid; use the long ARN format.");
    auto* doc = tasks_.Find(key);
    if (!doc) return missing;
    return TagTarget{&tasks_, key, doc, "tags"};
  }
  return InvalidParameter("The specified resource type is not supported for tagging.");
}

Result<json::object> EcsService::ListTagsForResource(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(TagTarget t, FindTagTarget(GetString(in, "resourceArn"), false));
  const json::array* tags = GetArray(*t.doc, t.member);
  return json::object{{"tags", tags ? *tags : json::array{}}};
}

Result<json::object> EcsService::TagResource(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(TagTarget t, FindTagTarget(GetString(in, "resourceArn"), true));
  const json::array* add = GetArray(in, "tags");
  const json::array* cur = GetArray(*t.doc, t.member);
  json::array merged = MergeTags(cur ? *cur : json::array{}, add ? *add : json::array{});
  FARGO_TRY(ValidateTags(merged));
  json::object doc = *t.doc;
  doc[t.member] = std::move(merged);
  FARGO_TRY(t.coll->Put(t.key, std::move(doc)));
  return json::object{};
}

Result<json::object> EcsService::UntagResource(CallContext&, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(TagTarget t, FindTagTarget(GetString(in, "resourceArn"), true));
  const json::array* keys = GetArray(in, "tagKeys");
  const json::array* cur = GetArray(*t.doc, t.member);
  json::object doc = *t.doc;
  doc[t.member] = RemoveTags(cur ? *cur : json::array{}, keys ? *keys : json::array{});
  FARGO_TRY(t.coll->Put(t.key, std::move(doc)));
  return json::object{};
}

const HandlerTable<EcsService>& EcsService::Table() {
  static const HandlerTable<EcsService> t{
      {"CreateCluster", &EcsService::CreateCluster},
      {"DescribeClusters", &EcsService::DescribeClusters},
      {"ListClusters", &EcsService::ListClusters},
      {"UpdateCluster", &EcsService::UpdateCluster},
      {"UpdateClusterSettings", &EcsService::UpdateClusterSettings},
      {"PutClusterCapacityProviders", &EcsService::PutClusterCapacityProviders},
      {"DeleteCluster", &EcsService::DeleteCluster},
      {"RegisterTaskDefinition", &EcsService::RegisterTaskDefinition},
      {"DescribeTaskDefinition", &EcsService::DescribeTaskDefinition},
      {"ListTaskDefinitions", &EcsService::ListTaskDefinitions},
      {"ListTaskDefinitionFamilies", &EcsService::ListTaskDefinitionFamilies},
      {"DeregisterTaskDefinition", &EcsService::DeregisterTaskDefinition},
      {"DeleteTaskDefinitions", &EcsService::DeleteTaskDefinitions},
      {"CreateService", &EcsService::CreateService},
      {"UpdateService", &EcsService::UpdateService},
      {"DescribeServices", &EcsService::DescribeServices},
      {"ListServices", &EcsService::ListServices},
      {"DeleteService", &EcsService::DeleteService},
      {"RunTask", &EcsService::RunTask},
      {"StopTask", &EcsService::StopTask},
      {"DescribeTasks", &EcsService::DescribeTasks},
      {"ListTasks", &EcsService::ListTasks},
      {"ListTagsForResource", &EcsService::ListTagsForResource},
      {"TagResource", &EcsService::TagResource},
      {"UntagResource", &EcsService::UntagResource},
  };
  return t;
}

}  // namespace fargo::services
