// TaskSandbox: one ECS task's network namespace and everything created in it,
// laid out the way Fargate (awsvpc) does:
//
//  * every VPC is a network namespace of fargo's own (VpcFabric), so VPCs may
//    overlap each other and the host's networks; tasks of all subnets of a
//    VPC reach each other through its router and each task gets exactly ONE
//    IPv4 address;
//  * a task's address is assigned statically from its subnet's range (never
//    the first four or the last address of the subnet, as in AWS);
//  * a pause container (kPauseImage) owns the task's network namespace; the
//    engine gives it no network ("none") and fargo plumbs its ENI (a veth
//    from the VPC's bridge, with the subnet address and the ENI's MAC); the
//    task's containers join it with NetworkMode "container:<pause-id>" and so
//    share localhost, the IP and the hostname;
//  * task-scoped volumes are engine volumes removed with the task;
//  * everything carries labels (kLabel*) so a restarted fargo can find, adopt
//    or remove it (TaskSandbox::Adopt / ListTasks / RemoveTask).
//
// Not thread-safe: one TaskSandbox is driven by one thread at a time. All
// calls block on the engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/result.h"
#include "runtime/engine_client.h"
#include "runtime/ipv4.h"
#include "runtime/task_spec.h"
#include "runtime/ulimits.h"
#include "runtime/vpc_fabric.h"

namespace fargo::runtime {

inline constexpr const char* kLabelManaged = "fargo.managed";  // always "true"
inline constexpr const char* kLabelRole = "fargo.role";  // network|pause|container|volume
inline constexpr const char* kLabelTaskArn = "fargo.task-arn";
inline constexpr const char* kLabelCluster = "fargo.cluster";
inline constexpr const char* kLabelVpcId = "fargo.vpc-id";
inline constexpr const char* kLabelSubnetId = "fargo.subnet-id";
inline constexpr const char* kLabelIp = "fargo.ip";
inline constexpr const char* kLabelEniId = "fargo.eni-id";
inline constexpr const char* kLabelMac = "fargo.mac";
inline constexpr const char* kLabelSubnetCidr = "fargo.subnet-cidr";
inline constexpr const char* kLabelContainerName = "fargo.container-name";
inline constexpr const char* kLabelVolumeName = "fargo.volume-name";
inline constexpr const char* kLabelInstance = "fargo.instance";  // which fargo runs the task

// ---- VPC networks

// The ENI's MAC: locally administered, a stable function of the ENI id.
std::string DeriveMac(std::string_view eni_id);

// ---- task sandbox

// "eni-" + 17 hex digits, a stable function of the task ARN.
std::string DeriveEniId(std::string_view task_arn);
// "ip-10-0-1-23.ec2.internal"
std::string DefaultHostname(std::string_view ip);

// The complete engine create body for a container of the task whose pause
// container is `pause_id`: its network namespace, ulimits clamped to `host`,
// `task_labels` plus role/name labels over spec.labels, and volume mounts
// (`volumes`: task volume name -> engine volume name).
Result<boost::json::object> BuildContainerCreateBody(
    const ContainerSpec& spec, std::string_view pause_id, const Labels& task_labels,
    const std::map<std::string, std::string>& volumes, const HostLimits& host);

class TaskSandbox {
 public:
  // Ensures the VPC's namespace and the pause image, then creates and starts
  // the pause container with one address from the subnet (its ENI plumbed by
  // `fabric`), and the task volumes. On failure everything created so far is
  // removed again.
  static Result<TaskSandbox> Create(EngineClient& engine, VpcFabric& fabric, const SandboxSpec& spec);

  // Rebuilds the handle of an existing task from the engine's labels
  // (kEngineNotFound when the task has no pause container).
  static Result<TaskSandbox> Adopt(EngineClient& engine, std::string_view task_arn);

  // Task ARNs that have a pause container, optionally narrowed by labels
  // (e.g. {kLabelCluster, "default"}).
  static Result<std::vector<std::string>> ListTasks(EngineClient& engine,
                                                    const Labels& filters = {});

  // Removes every container (task containers first, then the pause container)
  // and volume labelled with the task ARN, and the ENI's VPC side. Missing
  // things are not errors.
  static Status RemoveTask(EngineClient& engine, VpcFabric& fabric, std::string_view task_arn,
                           int stop_timeout_seconds = 10);

  // Removes the VPC's namespace unless a sandbox of this engine still uses
  // it (the VPC goes with its last task) or it is routed from the host.
  // REQUIRES: no sandbox of the VPC is
  // being created meanwhile.
  static Status RemoveVpcIfUnused(EngineClient& engine, VpcFabric& fabric, const std::string& vpc_id);

  const std::string& task_arn() const { return task_arn_; }
  const std::string& pause_id() const { return pause_id_; }
  // The pause container's process (in the task's namespace); 0 when not
  // known (an adopted sandbox: inspect the pause container).
  int pause_pid() const { return pause_pid_; }
  const std::string& ip() const { return ip_; }
  const std::string& mac() const { return mac_; }
  const std::string& eni_id() const { return eni_id_; }
  const std::string& subnet_id() const { return subnet_id_; }
  const std::string& vpc_id() const { return vpc_id_; }
  // The labels every object of this task carries.
  const Labels& labels() const { return labels_; }

  // Engine name of a task container / task volume.
  std::string ContainerEngineName(std::string_view container_name) const;
  std::string VolumeEngineName(std::string_view volume) const;

  // Creates (does not start) the container; returns its engine id. The image
  // must already be present (see EngineClient::ImagePull).
  Result<std::string> CreateContainer(const ContainerSpec& spec);

  // A host file every container created afterwards sees, read-only, as its
  // /etc/resolv.conf (the VPC's resolver); "" = the engine's own.
  void SetResolvConf(std::string host_path) { resolv_conf_ = std::move(host_path); }
  // A host file (trusted CA certificates, PEM) every container created
  // afterwards sees read-only at kCaBundlePath, with the variables SDKs and
  // runtimes read (kCaBundleVariables) pointing to it unless the container
  // sets them itself; "" = none.
  void SetCaBundle(std::string host_path) { ca_bundle_ = std::move(host_path); }
  static constexpr const char* kCaBundlePath = "/etc/fargo/ca-bundle.pem";
  static constexpr const char* kCaBundleVariables[] = {"AWS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
                                                       "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE"};

  // Engine ids of the task's containers by ECS container name.
  const std::map<std::string, std::string>& containers() const { return containers_; }

  // RemoveTask(task_arn) for this sandbox.
  Status Teardown(VpcFabric& fabric, int stop_timeout_seconds = 10);

 private:
  TaskSandbox() = default;

  EngineClient* engine_ = nullptr;
  std::string task_arn_, task_id_, pause_id_, ip_, mac_, eni_id_, subnet_id_, vpc_id_;
  int pause_pid_ = 0;
  Labels labels_;
  std::map<std::string, std::string> volumes_;     // task name -> engine name
  std::map<std::string, std::string> containers_;  // ECS name -> engine id
  std::string resolv_conf_;
  std::string ca_bundle_;
};

}  // namespace fargo::runtime
