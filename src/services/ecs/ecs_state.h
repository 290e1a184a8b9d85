// EcsState: what every part of ECS works on — the environment and the
// stored resources — and the hooks through which ECS reaches other services.
//
// Collections (keys are Key(region, ...)):
//   ecs.clusters  cluster name            -> Cluster (+ "tags")
//   ecs.taskdefs  family ":" %010d rev    -> TaskDefinition (+ "_tags")
//   ecs.families  family                  -> {"lastRevision": n}
//   ecs.services  cluster "/" service     -> Service (typed, see service.h)
//   ecs.tasks     cluster "/" task id     -> Task (typed, see task.h)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/task_spec.h"
#include "services/ecs/task_store.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services::ecs {

// Where a task's subnet lies (asked of EC2).
struct SubnetNetwork {
  std::string vpc_id, vpc_cidr, subnet_cidr, availability_zone;
  // Where the subnet's route table sends 0.0.0.0/0.
  runtime::SubnetEgress egress = runtime::SubnetEgress::kNone;
  bool dns_support = true;  // the VPC's enableDnsSupport
};
using NetworkResolver =
    std::function<std::optional<SubnetNetwork>(const std::string& region, const std::string& subnet_id)>;

// The interface of a task, made visible to EC2 once the runtime attached it.
struct TaskInterface {
  std::string region, account;
  std::string subnet_id, private_ip;
  std::vector<std::string> security_groups;
  std::string description;  // "arn:aws:ecs:<region>:<acct>:attachment/<uuid>"
};
// Returns the id of the interface created; the remover is given it back.
using InterfaceCreator = std::function<Result<std::string>(const TaskInterface&)>;
using InterfaceRemover = std::function<void(const std::string& region, const std::string& eni_id)>;

struct EcsState {
  explicit EcsState(Env e)
      : env(e),
        clusters(e.store, "ecs.clusters"),
        taskdefs(e.store, "ecs.taskdefs"),
        families(e.store, "ecs.families"),
        services(e.store, "ecs.services"),
        tasks(e.store) {}

  Status Load() {
    FARGO_TRY(clusters.Load());
    FARGO_TRY(taskdefs.Load());
    FARGO_TRY(families.Load());
    FARGO_TRY(services.Load());
    return tasks.Load();
  }

  Env env;
  store::Collection clusters;
  store::Collection taskdefs;
  store::Collection families;
  store::Collection services;
  TaskStore tasks;
};

// Store key of a task definition revision.
std::string TaskDefKey(const std::string& region, const std::string& family, int64_t rev);
// Store key of a task ARN (or "" when it is not one).
std::string TaskKeyOfArn(const std::string& arn);
// Store key of a service of a cluster.
inline std::string ServiceKey(const std::string& region, const std::string& cluster, const std::string& name) {
  return store::Collection::Key(region, cluster + "/" + name);
}

}  // namespace fargo::services::ecs
