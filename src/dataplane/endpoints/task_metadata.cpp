#include "dataplane/endpoints/task_metadata.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace fargo::dataplane {

namespace json = boost::json;

namespace {

// "2024-05-01T12:00:00.123Z" (the metadata endpoint's timestamps).
std::string Rfc3339(double seconds) {
  auto ms = static_cast<int64_t>(std::llround(seconds * 1000));
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// "10.0.1.0/24" -> "10.0.1.1/24" (the subnet's router, as the metadata endpoint shows it).
std::string GatewayOf(const std::string& cidr) {
  size_t slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  size_t dot = ip.rfind('.');
  if (dot == std::string::npos) return "";
  int last = std::atoi(ip.c_str() + dot + 1) + 1;
  return ip.substr(0, dot + 1) + std::to_string(last) + (slash == std::string::npos ? "" : cidr.substr(slash));
}

json::object ContainerDocument(const TaskMetadata& m, const ContainerMetadata& c) {
  json::object v;
  std::string revision = std::to_string(m.revision);
  v["DockerId"] = c.docker_id;
  v["Name"] = c.name;
  v["DockerName"] = "ecs-" + m.family + "-" + revision + "-" + c.name;
  v["Image"] = c.image;
  v["ImageID"] = c.image_id;
  v["Labels"] = json::object{{"com.amazonaws.ecs.cluster", m.cluster_arn},
                             {"com.amazonaws.ecs.container-name", c.name},
                             {"com.amazonaws.ecs.task-arn", m.task_arn},
                             {"com.amazonaws.ecs.task-definition-family", m.family},
                             {"com.amazonaws.ecs.task-definition-version", revision}};
  v["DesiredStatus"] = m.desired_status;
  v["KnownStatus"] = c.known_status;
  json::object limits{{"CPU", c.cpu}};
  if (c.memory) limits["Memory"] = *c.memory;
  v["Limits"] = std::move(limits);
  if (m.pull_started_at) v["CreatedAt"] = Rfc3339(*m.pull_started_at);
  if (m.started_at) v["StartedAt"] = Rfc3339(*m.started_at);
  if (c.exit_code) v["ExitCode"] = *c.exit_code;
  v["Type"] = "NORMAL";
  if (!c.log_driver.empty()) {
    v["LogDriver"] = c.log_driver;
    json::object opts = c.log_options;
    if (c.log_driver == "awslogs") {
      if (!opts.contains("awslogs-region")) opts["awslogs-region"] = m.region;
      auto* p = opts.if_contains("awslogs-stream-prefix");
      std::string prefix = p && p->is_string() ? std::string(p->as_string()) : "";
      opts["awslogs-stream"] = (prefix.empty() ? "" : prefix + "/") + c.name + "/" + m.task_id;
    }
    v["LogOptions"] = std::move(opts);
  }
  v["ContainerARN"] = c.container_arn;
  json::array networks;
  if (!m.private_ip.empty()) {
    std::string gateway = GatewayOf(m.subnet_cidr);
    networks.push_back(json::object{
        {"NetworkMode", "awsvpc"},
        {"IPv4Addresses", json::array{json::string(m.private_ip)}},
        {"AttachmentIndex", 0},
        {"MACAddress", m.mac_address},
        {"IPv4SubnetCIDRBlock", m.subnet_cidr},
        {"DomainNameServers", json::array{json::string(gateway.substr(0, gateway.find('/')))}},
        {"DomainNameSearchList",
         json::array{json::string(m.region == "us-east-1" ? "ec2.internal" : m.region + ".compute.internal")}},
        {"PrivateDNSName", m.private_dns_name},
        {"SubnetGatewayIpv4Address", gateway}});
  }
  v["Networks"] = std::move(networks);
  v["Snapshotter"] = "overlayfs";
  return v;
}

json::object Stats(const ContainerMetadata& c, double now) {
  return json::object{
      {"read", Rfc3339(now)},
      {"preread", "0001-01-01T00:00:00Z"},
      {"name", c.name},
      {"id", c.docker_id},
      {"num_procs", 0},
      {"pids_stats", json::object{}},
      {"blkio_stats", json::object{}},
      {"cpu_stats", json::object{{"cpu_usage", json::object{{"total_usage", 0}}}, {"online_cpus", 2}}},
      {"precpu_stats", json::object{{"cpu_usage", json::object{{"total_usage", 0}}}}},
      {"memory_stats", json::object{{"usage", 0}, {"limit", 0}}},
      {"networks", json::object{}},
  };
}

}  // namespace

AwsError MetadataNotFound() { return AwsError::Make("NotFound", "Unable to find task for the metadata token.", 404); }

Result<json::value> RenderTaskMetadata(const TaskMetadata& m, const std::string& subpath, double now) {
  const ContainerMetadata& self = m.containers.at(m.container_index);
  if (subpath.empty() || subpath == "/") return json::value(ContainerDocument(m, self));
  if (subpath == "/stats") return json::value(Stats(self, now));
  if (subpath == "/task/stats") {
    json::object out;
    for (auto& c : m.containers) out[c.docker_id] = Stats(c, now);
    return json::value(std::move(out));
  }
  if (subpath != "/task") return MetadataNotFound();
  json::object v;
  v["Cluster"] = m.cluster_arn;
  v["TaskARN"] = m.task_arn;
  v["Family"] = m.family;
  v["Revision"] = std::to_string(m.revision);
  v["DesiredStatus"] = m.desired_status;
  v["KnownStatus"] = m.known_status;
  v["Limits"] = json::object{{"CPU", std::atof(m.cpu.c_str()) / 1024.0}, {"Memory", std::atoll(m.memory.c_str())}};
  if (m.pull_started_at) v["PullStartedAt"] = Rfc3339(*m.pull_started_at);
  if (m.pull_stopped_at) v["PullStoppedAt"] = Rfc3339(*m.pull_stopped_at);
  if (m.execution_stopped_at) v["ExecutionStoppedAt"] = Rfc3339(*m.execution_stopped_at);
  v["AvailabilityZone"] = m.availability_zone;
  v["LaunchType"] = "FARGATE";
  json::array cs;
  for (auto& c : m.containers) cs.push_back(ContainerDocument(m, c));
  v["Containers"] = std::move(cs);
  v["ClockDrift"] = json::object{{"ClockErrorBound", 0.5},
                                 {"ReferenceTimestamp", Rfc3339(now)},
                                 {"ClockSynchronizationStatus", "SYNCHRONIZED"}};
  v["EphemeralStorageMetrics"] = json::object{{"Utilized", 0}, {"Reserved", 20496}};
  if (!m.service_name.empty()) v["ServiceName"] = m.service_name;
  if (m.vpc_id) v["VPCID"] = *m.vpc_id;
  return json::value(std::move(v));
}

}  // namespace fargo::dataplane
