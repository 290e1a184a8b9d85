// Application Auto Scaling: scalable targets, step, target-tracking and
// predictive scaling policies, scheduled actions, with AWS's validation of
// resource ids per namespace and dimension. Policies are stored and
// described as configured; nothing acts on metrics yet (scaling activities
// are always empty). State is kept per region and account (collection keys
// "<region>/<account>/<namespace>|<resource id>|<dimension>[|<name>]").
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "services/application_autoscaling/scaling_types.h"
#include "services/service.h"
#include "store/typed_collection.h"

namespace fargo::services {

class ApplicationAutoScalingService final : public Service {
 public:
  explicit ApplicationAutoScalingService(Env env);
  std::string name() const override { return "application-autoscaling"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // Says why the resource a new scalable target names does not exist
  // ("ECS service doesn't exist: service/c/s"), or nullopt when it does.
  // Wired by the composition root for the namespaces fargo serves; unset,
  // every well-formed resource id is accepted.
  using ResourceChecker = std::function<std::optional<std::string>(
      const std::string& region, const std::string& account, const autoscaling::TargetKey& key)>;
  void SetResourceChecker(ResourceChecker c) { check_resource_ = std::move(c); }

  // The service-linked role AWS gives a target of `service_namespace` when
  // RegisterScalableTarget names no RoleARN.
  static std::string DefaultRoleArn(const std::string& account, const std::string& service_namespace);

 private:
  Result<json::object> RegisterScalableTarget(CallContext& ctx, json::object& in);
  Result<json::object> DescribeScalableTargets(CallContext& ctx, json::object& in);
  Result<json::object> DeregisterScalableTarget(CallContext& ctx, json::object& in);
  Result<json::object> PutScalingPolicy(CallContext& ctx, json::object& in);
  Result<json::object> DescribeScalingPolicies(CallContext& ctx, json::object& in);
  Result<json::object> DeleteScalingPolicy(CallContext& ctx, json::object& in);
  Result<json::object> PutScheduledAction(CallContext& ctx, json::object& in);
  Result<json::object> DescribeScheduledActions(CallContext& ctx, json::object& in);
  Result<json::object> DeleteScheduledAction(CallContext& ctx, json::object& in);
  Result<json::object> DescribeScalingActivities(CallContext& ctx, json::object& in);
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);

  static const HandlerTable<ApplicationAutoScalingService>& Table();

  static std::string Prefix(const CallContext& ctx) { return ctx.region + "/" + ctx.account + "/"; }
  static std::string TargetKeyOf(const CallContext& ctx, const autoscaling::TargetKey& k);
  // The registered target `k` names, or ObjectNotFoundException.
  Result<const autoscaling::ScalableTarget*> FindTarget(const CallContext& ctx, const autoscaling::TargetKey& k) const;
  // The target whose ScalableTargetARN is `arn`, or null.
  const autoscaling::ScalableTarget* TargetByArn(const CallContext& ctx, const std::string& arn) const;

  Env env_;
  store::TypedCollection<autoscaling::ScalableTarget> targets_;
  store::TypedCollection<autoscaling::ScalingPolicy> policies_;
  store::TypedCollection<autoscaling::ScheduledAction> actions_;
  ResourceChecker check_resource_;
};

}  // namespace fargo::services
