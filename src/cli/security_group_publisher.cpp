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
  for (const auto& ti : ecs_.LiveTaskInterfaces()) {
    auto groups = ec2_.InterfaceGroups(ti.region, ti.eni_id);
    if (!groups) continue;
    runtime::SecurityFilter f = ec2_.SecurityFilterOf(ti.region, *groups);
    auto it = sent_.find(ti.task_arn);
    if (it == sent_.end() || it->second != f) driver_.SetSecurityFilter(ti.task_arn, f);
    now.emplace(ti.task_arn, std::move(f));
  }
  sent_ = std::move(now);
}

}  // namespace fargo::cli
