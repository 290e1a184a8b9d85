// SSM Parameter Store: parameters (String, StringList, SecureString without
// a real KMS), versions, labels, paths, tags and history with AWS's limits
// and errors, per region and account; and the AWS public parameters
// (/aws/service/...) served read-only from PublicParameters.
//
// State: one typed Parameter per name, written through to the store
// (collection "ssm.parameters", key "<region>/<account>:<name>") before it
// is visible.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/service.h"
#include "services/ssm/parameter.h"
#include "services/ssm/public_parameters.h"

namespace fargo::services {

class SsmService final : public Service {
 public:
  explicit SsmService(Env env);
  std::string name() const override { return "ssm"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // An EC2 instance that may be an SSM managed instance (EC2 tells, on the
  // state thread): it is one while running with a role that has the SSM
  // core policy (ssm_instances.cpp).
  struct InstanceFacts {
    std::string instance_id, state, ip, computer_name, platform_name, platform_version, role_name;
    std::vector<std::string> policy_arns;
    double launched = 0;  // epoch seconds
  };
  using InstancesFn = std::function<std::vector<InstanceFacts>(const std::string& region)>;
  void SetInstanceSource(InstancesFn fn) { instances_ = std::move(fn); }
  // Whether `facts` makes a managed instance (running, SSM core policy).
  static bool IsManaged(const InstanceFacts& facts);

  // A session StartSession opens, checked (document, parameters, target)
  // and resolved: what fargo serve's session layer runs.
  struct SessionStart {
    std::string region, account, session_id, token;
    std::string host;          // the Host the call came to (the stream URL's default)
    std::string target, document;
    std::string session_type;  // Standard_Stream | InteractiveCommands | Port
    std::string command;       // InteractiveCommands: the document's command
    std::map<std::string, std::string> properties;  // Port: the document's properties, substituted
    // Where it runs: the engine container whose shell and network namespace
    // it uses, with its user and environment; the owner (instance or task
    // ARN) whose stop ends it.
    std::string container, user, owner;
    std::vector<std::string> env;
  };
  // A task's container an "ecs:<cluster>_<task>_<runtime id>" target names,
  // while ECS Exec could reach it (ECS tells, on the state thread).
  struct TaskTarget {
    std::string task_arn, runtime_id, user;
    std::vector<std::string> env;
  };
  using TaskTargetFn = std::function<std::optional<TaskTarget>(const std::string& region, const std::string& target)>;
  void SetTaskTargetSource(TaskTargetFn fn) { task_targets_ = std::move(fn); }

  // Session Manager's data-channel sessions (ECS Exec's and StartSession's),
  // which ResumeSession and TerminateSession reach: the
  // session-manager-plugin calls them on the endpoint it was given (for ECS
  // Exec, ECS's).
  struct SessionHooks {
    // A new token for a live session, with its stream URL; nullopt: none such.
    std::function<std::optional<std::pair<std::string, std::string>>(const std::string& id,
                                                                      const std::string& token)> resume;
    // Ends a live session; false: none such.
    std::function<bool(const std::string& id)> terminate;
    // Runs a started session; its stream URL, or the error StartSession answers.
    std::function<Result<std::string>(const SessionStart&)> start;
  };
  void SetSessionHooks(SessionHooks hooks) { sessions_ = std::move(hooks); }
  // A session StartSession started has ended (on the state thread): it
  // moves to the History that DescribeSessions shows.
  void SessionEnded(const std::string& id);

  static constexpr size_t kMaxVersions = 100;
  static constexpr size_t kMaxLabelsPerVersion = 10;
  static constexpr size_t kMaxTags = 50;
  static constexpr size_t kMaxStandardValue = 4096;
  static constexpr size_t kMaxAdvancedValue = 8192;
  static constexpr size_t kMaxStandardParameters = 10000;
  static constexpr size_t kMaxAdvancedParameters = 100000;

 private:
  Result<json::object> PutParameter(CallContext& ctx, json::object& in);
  Result<json::object> GetParameter(CallContext& ctx, json::object& in);
  Result<json::object> GetParameters(CallContext& ctx, json::object& in);
  Result<json::object> GetParametersByPath(CallContext& ctx, json::object& in);
  Result<json::object> DescribeParameters(CallContext& ctx, json::object& in);
  Result<json::object> GetParameterHistory(CallContext& ctx, json::object& in);
  Result<json::object> LabelParameterVersion(CallContext& ctx, json::object& in);
  Result<json::object> UnlabelParameterVersion(CallContext& ctx, json::object& in);
  Result<json::object> DeleteParameter(CallContext& ctx, json::object& in);
  Result<json::object> DeleteParameters(CallContext& ctx, json::object& in);
  Result<json::object> AddTagsToResource(CallContext& ctx, json::object& in);
  Result<json::object> RemoveTagsFromResource(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);
  // Managed instances and Session Manager's documents (ssm_instances.cpp).
  Result<json::object> DescribeInstanceInformation(CallContext& ctx, json::object& in);
  Result<json::object> GetDocument(CallContext& ctx, json::object& in);
  Result<json::object> DescribeDocument(CallContext& ctx, json::object& in);

  // Session Manager's sessions (ssm_sessions.cpp).
  Result<json::object> StartSession(CallContext& ctx, json::object& in);
  Result<json::object> DescribeSessions(CallContext& ctx, json::object& in);
  Result<json::object> ResumeSession(CallContext& ctx, json::object& in);
  Result<json::object> TerminateSession(CallContext& ctx, json::object& in);
  // StartSession's target, resolved into `start`; TargetNotConnected when
  // it is not a managed instance that runs or a reachable task container.
  Status ResolveTarget(const CallContext& ctx, SessionStart& start) const;

  static const HandlerTable<SsmService>& Table();

  static std::string Key(const CallContext& ctx, const std::string& name);
  std::string Prefix(const CallContext& ctx) const;
  // The caller's parameter `name`, or nullptr.
  const ssm::Parameter* Find(const CallContext& ctx, const std::string& name) const;
  // Durable first, then visible.
  Status Save(const CallContext& ctx, ssm::Parameter p);
  Status Remove(const CallContext& ctx, const std::string& name);

  // One GetParameter(s) lookup: "name", "name:3" or "name:label".
  Result<json::object> Lookup(const CallContext& ctx, const std::string& text, bool decrypt) const;
  // The Parameter shape of version `v`.
  json::object Describe(const CallContext& ctx, const ssm::Parameter& p, const ssm::ParameterVersion& v,
                        bool decrypt) const;
  json::object DescribePublic(const CallContext& ctx, const ssm::PublicParameter& p) const;
  // The resource a tagging call names: a parameter (by name or ARN).
  Result<const ssm::Parameter*> TagTarget(const CallContext& ctx, const json::object& in) const;

  Env env_;
  std::map<std::string, ssm::Parameter> params_;  // by Key()
  const ssm::PublicParameters& public_;
  InstancesFn instances_;

  SessionHooks sessions_;
  TaskTargetFn task_targets_;
  // Sessions StartSession started, live (Active) and ended (History), by id.
  struct SessionRecord {
    std::string region, account, id, target, document, owner, reason;
    std::string status = "Connected";  // Connected | Terminated
    double started = 0, ended = 0;     // epoch seconds
  };
  std::map<std::string, SessionRecord> session_records_;
};

}  // namespace fargo::services
