#include "cli/security_group_publisher.h"

namespace fargo::cli {

void SecurityGroupPublisher::Changed() {
  if (pending_) return;
  pending_ = true;
  post_([self = shared_from_this()] {
    self->pending_ = false;
    self->Recompute();
  });
}

void SecurityGroupPublisher::Recompute() {
  std::map<std::string, runtime::SecurityFilter> now;
  auto publish = [&](const std::string& workload_arn, const std::string& region, const std::string& eni_id) {
    auto groups = ec2_.InterfaceGroups(region, eni_id);
    if (!groups) return;
    runtime::SecurityFilter f = ec2_.SecurityFilterOf(region, *groups);
    auto it = sent_.find(workload_arn);
    if (it == sent_.end() || it->second != f) driver_.SetSecurityFilter(workload_arn, f);
    now.emplace(workload_arn, std::move(f));
  };
  for (const auto& ti : ecs_.LiveTaskInterfaces()) publish(ti.task_arn, ti.region, ti.eni_id);
  // EC2's instances run on the same runtime, their groups enforced alike.
  for (const auto& ii : ec2_.LiveInstanceInterfaces()) publish(ii.workload_arn, ii.region, ii.eni_id);
  sent_ = std::move(now);
  if (after_) after_();
}

}  // namespace fargo::cli
