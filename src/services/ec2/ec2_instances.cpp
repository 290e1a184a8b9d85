// EC2 instances: each one a long-running container on its own ENI in its
// subnet, run by the task runtime through the TaskDriver seam ECS uses, with
// the instance's ARN as the "task" ARN.
//
// States as AWS moves them: pending (the workload starts) -> running (the
// runtime reports it RUNNING) -> stopping -> stopped (StopInstances: the
// container goes, the instance and its ENI stay) -> pending again
// (StartInstances, without user data) ... shutting-down -> terminated
// (TerminateInstances: the ENI goes; shown for an hour). A workload that
// ends on its own stops the instance (Client.InstanceInitiatedShutdown), or
// terminates it when it never ran (Server.InternalError with the runtime's
// reason).
#include <algorithm>
#include <map>
#include <set>

#include "common/strings.h"
#include "runtime/task_plan.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/instance_state.h"
#include "services/ec2/instance_types.h"
#include "services/ec2/public_images.h"

namespace fargo::services {

using store::Collection;

namespace {

constexpr int64_t kTerminatedShownMs = 3600 * 1000;
constexpr int64_t kMaxInstancesPerCall = 20;

// What the instance's container runs: user data at first boot (as
// cloud-init's scripts-user, output in /var/log/cloud-init-output.log),
// then it waits, stopping at once on SIGTERM as a shutdown would.
const char* kBootScript =
    "trap 'exit 0' TERM INT\n"
    "if [ -n \"$FARGO_USER_DATA\" ]; then\n"
    "  mkdir -p /var/lib/cloud/instance /var/log\n"
    "  printf %s \"$FARGO_USER_DATA\" | base64 -d > /var/lib/cloud/instance/user-data.txt 2>/dev/null\n"
    "  chmod +x /var/lib/cloud/instance/user-data.txt\n"
    "  ( case \"$(head -c2 /var/lib/cloud/instance/user-data.txt)\" in\n"
    "      '#!') /var/lib/cloud/instance/user-data.txt ;;\n"
    "    esac > /var/log/cloud-init-output.log 2>&1\n"
    "    date > /var/lib/cloud/instance/boot-finished ) &\n"
    "fi\n"
    "unset FARGO_USER_DATA\n"
    "while :; do sleep 3600 & wait $!; done\n";

std::string StateName(const json::object& inst) {
  const json::object* s = GetObject(inst, "State");
  return s ? GetString(*s, "Name") : "";
}

std::vector<std::string> IdsOf(const json::object& in) {
  std::vector<std::string> out;
  if (const json::array* a = GetArray(in, "InstanceIds"))
    for (const auto& v : *a)
      if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

std::string ArnRegion(const std::string& arn) {
  // arn:aws:ec2:<region>:<account>:instance/<id>
  size_t a = arn.find(':', 8);  // after "arn:aws:"
  if (a == std::string::npos) return "";
  size_t b = arn.find(':', a + 1);
  return b == std::string::npos ? "" : arn.substr(a + 1, b - a - 1);
}

ec2::FilterFields InstanceFields(const json::object& v) {
  ec2::FilterFields f{{"instance-id", GetString(v, "InstanceId")},
                      {"image-id", GetString(v, "ImageId")},
                      {"instance-type", GetString(v, "InstanceType")},
                      {"subnet-id", GetString(v, "SubnetId")},
                      {"vpc-id", GetString(v, "VpcId")},
                      {"private-ip-address", GetString(v, "PrivateIpAddress")},
                      {"private-dns-name", GetString(v, "PrivateDnsName")},
                      {"architecture", GetString(v, "Architecture")},
                      {"key-name", GetString(v, "KeyName")},
                      {"reservation-id", GetString(v, "_ReservationId")},
                      {"owner-id", GetString(v, "_Account")},
                      {"launch-index", std::to_string(GetInt(v, "AmiLaunchIndex"))},
                      {"root-device-type", "ebs"},
                      {"virtualization-type", "hvm"},
                      {"tenancy", "default"}};
  if (const json::object* s = GetObject(v, "State")) {
    f.emplace("instance-state-name", GetString(*s, "Name"));
    f.emplace("instance-state-code", std::to_string(GetInt(*s, "Code")));
  }
  if (const json::object* p = GetObject(v, "Placement")) f.emplace("availability-zone", GetString(*p, "AvailabilityZone"));
  if (const json::object* p = GetObject(v, "IamInstanceProfile")) f.emplace("iam-instance-profile.arn", GetString(*p, "Arn"));
  if (const json::array* groups = GetArray(v, "SecurityGroups"))
    for (const auto& g : *groups) {
      for (const char* k : {"instance.group-id", "group-id"}) f.emplace(k, GetString(g.as_object(), "GroupId"));
      for (const char* k : {"instance.group-name", "group-name"}) f.emplace(k, GetString(g.as_object(), "GroupName"));
    }
  if (const json::array* enis = GetArray(v, "NetworkInterfaces"))
    for (const auto& e : *enis)
      f.emplace("network-interface.network-interface-id", GetString(e.as_object(), "NetworkInterfaceId"));
  ec2::AddTagFields(v.if_contains("Tags"), f);
  return f;
}

const std::set<std::string>& InstanceFilterNames() {
  static const std::set<std::string> k{"instance-id", "image-id", "instance-type", "subnet-id", "vpc-id",
                                       "private-ip-address", "private-dns-name", "architecture", "key-name",
                                       "reservation-id", "owner-id", "launch-index", "root-device-type",
                                       "virtualization-type", "tenancy", "instance-state-name",
                                       "instance-state-code", "availability-zone", "iam-instance-profile.arn",
                                       "instance.group-id", "group-id", "instance.group-name", "group-name",
                                       "network-interface.network-interface-id"};
  return k;
}

json::object Value(const std::string& v) { return json::object{{"Value", v}}; }
json::object Value(const char* v) { return json::object{{"Value", v}}; }
json::object Value(bool v) { return json::object{{"Value", v}}; }

}  // namespace

bool Ec2Service::IsInstanceArn(const std::string& arn) {
  return StartsWith(arn, "arn:aws:ec2:") && arn.find(":instance/i-") != std::string::npos;
}

json::object Ec2Service::InstanceView(const json::object& inst) const {
  json::object v = inst;
  // The network interface as it is now (tags, groups, address).
  if (const json::array* enis = GetArray(inst, "NetworkInterfaces"); enis && !enis->empty()) {
    json::object eni = enis->at(0).as_object();
    if (const json::object* stored = interfaces_.Find(Collection::Key(GetString(inst, "_Region"),
                                                                      GetString(eni, "NetworkInterfaceId")))) {
      eni["Groups"] = stored->contains("Groups") ? stored->at("Groups") : json::value(json::array());
      eni["MacAddress"] = GetString(*stored, "MacAddress");
    }
    v["NetworkInterfaces"] = json::array{std::move(eni)};
  }
  return v;
}

Status Ec2Service::SetInstanceState(const std::string& key, json::object inst, const std::string& state,
                                    const std::string& reason_code, const std::string& reason_message) {
  inst["State"] = json::object{{"Code", ec2::InstanceStateCode(state)}, {"Name", state}};
  if (!reason_code.empty()) {
    inst["StateReason"] = json::object{{"Code", reason_code}, {"Message", reason_message}};
    std::string when = Iso8601NoFraction(env_.clock.NowSeconds());
    when = when.substr(0, 10) + " " + when.substr(11, 8) + " GMT";
    inst["StateTransitionReason"] = (reason_code == "Client.UserInitiatedShutdown" ? "User initiated (" + when + ")"
                                                                                  : reason_message);
  } else if (state == "pending" || state == "running") {
    inst.erase("StateReason");
    inst["StateTransitionReason"] = "";
  }
  if (state == "terminated") {
    inst["_TerminatedAt"] = env_.clock.NowMillis();
    // The primary interface goes with the instance.
    std::string region = GetString(inst, "_Region");
    if (const json::array* enis = GetArray(inst, "NetworkInterfaces"))
      for (const auto& e : *enis) (void)DeleteInterface(region, GetString(e.as_object(), "NetworkInterfaceId"));
    inst["NetworkInterfaces"] = json::array();
    inst["SecurityGroups"] = json::array();
    inst["BlockDeviceMappings"] = json::array();
    for (const char* k : {"PrivateIpAddress", "SubnetId", "VpcId", "PrivateDnsName"}) inst.erase(k);
    inst["PrivateDnsName"] = "";
  }
  if (state == "stopped" || state == "terminated") inst.erase("_Plan");
  return instances_.Put(key, std::move(inst));
}

Result<runtime::TaskPlan> Ec2Service::InstancePlan(const std::string& region, const json::object& inst,
                                                   bool first_boot) {
  std::string subnet_id = GetString(inst, "SubnetId");
  const json::object* subnet = FindSubnet(region, subnet_id);
  if (!subnet) return ec2::SubnetNotFound(subnet_id);
  const json::object* vpc = FindVpc(region, GetString(*subnet, "VpcId"));
  if (!vpc) return ec2::VpcNotFound(GetString(*subnet, "VpcId"));
  const ec2::InstanceType* type = ec2::FindInstanceType(GetString(inst, "InstanceType"));
  std::string id = GetString(inst, "InstanceId");
  runtime::TaskPlan plan;
  plan.task_arn = "arn:aws:ec2:" + region + ":" + GetString(inst, "_Account") + ":instance/" + id;
  plan.region = region;
  runtime::SandboxSpec& sb = plan.sandbox;
  sb.task_arn = plan.task_arn;
  sb.cluster = "ec2";
  sb.vpc.vpc_id = GetString(*vpc, "VpcId");
  sb.vpc.cidr = GetString(*vpc, "CidrBlock");
  const json::object* attrs = GetObject(*vpc, "_Attributes");
  sb.vpc.dns_support = attrs ? GetBool(*attrs, "enableDnsSupport", true) : true;
  sb.subnet_id = subnet_id;
  sb.subnet_cidr = GetString(*subnet, "CidrBlock");
  sb.ip = GetString(inst, "PrivateIpAddress");
  switch (SubnetEgress(region, subnet_id).kind) {
    case Egress::Kind::kInternetGateway: sb.subnet_egress = runtime::SubnetEgress::kInternetGateway; break;
    case Egress::Kind::kNatGateway: sb.subnet_egress = runtime::SubnetEgress::kNatGateway; break;
    case Egress::Kind::kNone: break;
  }
  sb.public_ip = false;
  if (const json::array* enis = GetArray(inst, "NetworkInterfaces"); enis && !enis->empty())
    sb.eni_id = GetString(enis->at(0).as_object(), "NetworkInterfaceId");
  std::string host = GetString(inst, "PrivateDnsName");
  sb.hostname = host.substr(0, host.find('.'));
  sb.labels["fargo.ec2.instance-id"] = id;

  runtime::ContainerPlan c;
  c.essential = true;
  c.spec.name = "instance";
  c.spec.image = GetString(inst, "_ContainerImage", default_instance_image_);
  c.spec.entrypoint = std::vector<std::string>{"/bin/sh", "-c", kBootScript};
  c.spec.command = std::vector<std::string>{};
  c.spec.env = {"HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  if (first_boot && !GetString(inst, "_UserData").empty())
    c.spec.env.push_back("FARGO_USER_DATA=" + GetString(inst, "_UserData"));
  if (type) {
    c.spec.memory_mib = type->memory_mib;
    c.spec.cpu_shares = type->vcpus * 1024;
  }
  c.spec.stop_timeout_seconds = 10;
  plan.containers.push_back(std::move(c));
  return plan;
}

Status Ec2Service::BootInstance(const std::string& key, json::object inst, bool first_boot) {
  std::string region = GetString(inst, "_Region");
  FARGO_ASSIGN_OR_RETURN(runtime::TaskPlan plan, InstancePlan(region, inst, first_boot));
  inst["_Desired"] = "running";
  inst["_Ran"] = false;
  if (!instance_driver_) {
    inst.erase("_Plan");
    return SetInstanceState(key, std::move(inst), "running");
  }
  inst["_Plan"] = runtime::ToJson(plan);
  FARGO_TRY(SetInstanceState(key, std::move(inst), "pending"));
  instance_driver_->Launch(plan);
  return OkStatus();
}

Result<json::object> Ec2Service::RunInstances(CallContext& ctx, json::object& in) {
  const std::string& region = ctx.region;
  std::string image_id = GetString(in, "ImageId");
  if (image_id.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter ImageId");
  if (!StartsWith(image_id, "ami-"))
    return AwsError::Make("InvalidAMIID.Malformed", "Invalid id: \"" + image_id + "\" (expecting \"ami-...\")");
  auto image = ec2::FindPublicImage(region, image_id);
  if (!image) return ec2::ImageNotFound(image_id);
  std::string type_name = GetString(in, "InstanceType", "m1.small");
  const ec2::InstanceType* type = ec2::FindInstanceType(type_name);
  if (!type) return AwsError::Make("InvalidParameterValue", "Invalid value '" + type_name + "' for InstanceType.");
  if (type->architecture != image->image->architecture)
    return AwsError::Make("InvalidParameterValue", "The architecture '" + type->architecture + "' of the specified instance type does not match the architecture '" +
                                                       image->image->architecture + "' of the specified AMI.");
  int64_t min = GetInt(in, "MinCount", 1), max = GetInt(in, "MaxCount", 1);
  if (min < 1 || max < min)
    return AwsError::Make("InvalidParameterValue", "Value (" + std::to_string(min) + ") for parameter minCount is invalid.");
  if (min > kMaxInstancesPerCall)
    return AwsError::Make("InstanceLimitExceeded", "You have requested more instances (" + std::to_string(min) +
                                                       ") than your current instance limit of 20 allows.");
  max = std::min(max, kMaxInstancesPerCall);

  // The network: SubnetId, else the first network interface's.
  std::string subnet_id = GetString(in, "SubnetId");
  std::vector<std::string> group_ids;
  if (const json::array* g = GetArray(in, "SecurityGroupIds"))
    for (const auto& v : *g)
      if (v.is_string()) group_ids.emplace_back(v.as_string());
  std::string private_ip = GetString(in, "PrivateIpAddress");
  if (const json::array* nis = GetArray(in, "NetworkInterfaces"); nis && !nis->empty() && nis->at(0).is_object()) {
    const json::object& ni = nis->at(0).as_object();
    if (subnet_id.empty()) subnet_id = GetString(ni, "SubnetId");
    if (const json::array* g = GetArray(ni, "Groups"))
      for (const auto& v : *g)
        if (v.is_string()) group_ids.emplace_back(v.as_string());
    if (private_ip.empty()) private_ip = GetString(ni, "PrivateIpAddress");
  }
  if (subnet_id.empty())
    return AwsError::Make("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.");
  const json::object* subnet = FindSubnet(region, subnet_id);
  if (!subnet) return ec2::SubnetNotFound(subnet_id);
  std::string vpc_id = GetString(*subnet, "VpcId");
  if (const json::array* names = GetArray(in, "SecurityGroups"))
    for (const auto& n : *names) {
      if (!n.is_string()) continue;
      const json::object* g = FindGroupByName(region, vpc_id, std::string(n.as_string()));
      if (!g)
        return AwsError::Make("InvalidGroup.NotFound",
                              "The security group '" + std::string(n.as_string()) + "' does not exist in VPC '" + vpc_id + "'");
      group_ids.push_back(GetString(*g, "GroupId"));
    }
  for (const auto& g : group_ids) {
    const json::object* grp = FindGroup(region, g);
    if (!grp) return ec2::GroupNotFound(g);
    if (GetString(*grp, "VpcId") != vpc_id)
      return AwsError::Make("InvalidParameter",
                            "Security group " + g + " and subnet " + subnet_id + " belong to different networks.");
  }
  if (!private_ip.empty() && max > 1)
    return AwsError::Make("InvalidParameterCombination", "Cannot specify an IP address when launching more than one instance.");

  // The instance profile and its role.
  std::optional<ProfileRole> role;
  if (const json::object* p = GetObject(in, "IamInstanceProfile")) {
    std::string arn = GetString(*p, "Arn"), name = GetString(*p, "Name");
    std::string ref = !arn.empty() ? arn : name;
    if (!ref.empty()) {
      if (profiles_) role = profiles_(ref);
      if (!role)
        return AwsError::Make("InvalidParameterValue",
                              !arn.empty() ? "Value (" + arn + ") for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"
                                           : "Value (" + name + ") for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name");
    }
  }
  std::string user_data = GetString(in, "UserData");
  if (!user_data.empty() && !Base64Decode(user_data))
    return AwsError::Make("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  if (user_data.size() > 16 * 1024 * 4 / 3 + 4)
    return AwsError::Make("InvalidParameterValue", "User data is limited to 16384 bytes");

  // Metadata options (IMDS).
  json::object mo{{"State", "applied"},
                  {"HttpTokens", "optional"},
                  {"HttpPutResponseHopLimit", 1},
                  {"HttpEndpoint", "enabled"},
                  {"HttpProtocolIpv6", "disabled"},
                  {"InstanceMetadataTags", "disabled"}};
  if (const json::object* m = GetObject(in, "MetadataOptions")) {
    std::string tokens = GetString(*m, "HttpTokens", "optional");
    if (tokens != "optional" && tokens != "required")
      return AwsError::Make("InvalidParameterValue", "The HttpTokens value '" + tokens + "' is invalid.");
    int64_t hops = GetInt(*m, "HttpPutResponseHopLimit", 1);
    if (hops < 1 || hops > 64)
      return AwsError::Make("InvalidParameterValue", "The HttpPutResponseHopLimit must be between 1 and 64.");
    mo["HttpTokens"] = tokens;
    mo["HttpPutResponseHopLimit"] = hops;
    mo["HttpEndpoint"] = GetString(*m, "HttpEndpoint", "enabled");
    mo["HttpProtocolIpv6"] = GetString(*m, "HttpProtocolIpv6", "disabled");
    mo["InstanceMetadataTags"] = GetString(*m, "InstanceMetadataTags", "disabled");
  }
  // The root volume.
  int64_t vol_size = 8;
  std::string vol_type = "gp2";
  bool vol_encrypted = false;
  std::string root = ec2::RootDeviceName(*image->image);
  if (const json::array* bdms = GetArray(in, "BlockDeviceMappings"))
    for (const auto& b : *bdms) {
      if (!b.is_object()) continue;
      const json::object* ebs = GetObject(b.as_object(), "Ebs");
      std::string dev = GetString(b.as_object(), "DeviceName");
      if (!ebs || (dev != root && !dev.empty())) continue;
      vol_size = GetInt(*ebs, "VolumeSize", vol_size);
      vol_type = GetString(*ebs, "VolumeType", vol_type);
      vol_encrypted = GetBool(*ebs, "Encrypted");
      if (vol_size < 8)
        return AwsError::Make("InvalidBlockDeviceMapping",
                              "Volume of size " + std::to_string(vol_size) + "GB is smaller than snapshot, expect size >= 8GB");
    }
  std::string shutdown = GetString(in, "InstanceInitiatedShutdownBehavior", "stop");
  std::string credits;
  if (const json::object* cs = GetObject(in, "CreditSpecification")) credits = GetString(*cs, "CpuCredits");
  std::string platform_name, platform_version;
  ec2::PlatformOf(*image->image, &platform_name, &platform_version);

  const auto* zone_subnet = subnet;
  std::string az = GetString(*zone_subnet, "AvailabilityZone");
  std::string reservation = NewId("r");
  int64_t now = env_.clock.NowMillis();
  json::array instances;
  json::array groups_out;
  std::vector<std::string> group_list = group_ids;
  if (group_list.empty()) {
    if (const json::object* def = FindGroupByName(region, vpc_id, "default")) group_list.push_back(GetString(*def, "GroupId"));
  }
  for (const auto& g : group_list)
    if (const json::object* grp = FindGroup(region, g))
      groups_out.push_back(json::object{{"GroupName", GetString(*grp, "GroupName")}, {"GroupId", g}});

  for (int64_t i = 0; i < max; ++i) {
    std::string id = NewId("i");
    InterfaceSpec spec;
    spec.subnet_id = subnet_id;
    spec.group_ids = group_list;
    spec.private_ip = private_ip;
    spec.status = "in-use";
    auto eni = CreateInterface(region, ctx.account, spec);
    if (!eni.ok()) {
      if (i >= min) break;  // as many as fit, when at least MinCount did
      return eni.error();
    }
    json::object e = *eni;
    std::string eni_id = GetString(e, "NetworkInterfaceId");
    json::object attachment{{"AttachTime", now / 1000.0},
                            {"AttachmentId", NewId("eni-attach")},
                            {"DeleteOnTermination", true},
                            {"DeviceIndex", 0},
                            {"Status", "attached"},
                            {"NetworkCardIndex", 0}};
    {
      json::object stored = e;
      json::object a = attachment;
      a["InstanceId"] = id;
      a["InstanceOwnerId"] = ctx.account;
      stored["Attachment"] = std::move(a);
      FARGO_TRY(interfaces_.Put(Collection::Key(region, eni_id), std::move(stored)));
    }
    std::string ip = GetString(e, "PrivateIpAddress");
    std::string dns = GetString(e, "PrivateDnsName");
    json::object ni{{"Attachment", attachment},
                    {"Description", ""},
                    {"Groups", e.contains("Groups") ? e.at("Groups") : json::value(json::array())},
                    {"Ipv6Addresses", json::array()},
                    {"MacAddress", GetString(e, "MacAddress")},
                    {"NetworkInterfaceId", eni_id},
                    {"OwnerId", ctx.account},
                    {"PrivateDnsName", dns},
                    {"PrivateIpAddress", ip},
                    {"PrivateIpAddresses", e.contains("PrivateIpAddresses") ? e.at("PrivateIpAddresses") : json::value(json::array())},
                    {"SourceDestCheck", true},
                    {"Status", "in-use"},
                    {"SubnetId", subnet_id},
                    {"VpcId", vpc_id},
                    {"InterfaceType", "interface"}};
    std::string volume = NewId("vol");
    json::object inst{
        {"InstanceId", id},
        {"ImageId", image_id},
        {"State", json::object{{"Code", 0}, {"Name", "pending"}}},
        {"PrivateDnsName", dns},
        {"PublicDnsName", ""},
        {"StateTransitionReason", ""},
        {"AmiLaunchIndex", i},
        {"ProductCodes", json::array()},
        {"InstanceType", type_name},
        {"LaunchTime", now / 1000.0},
        {"Placement", json::object{{"AvailabilityZone", az}, {"GroupName", ""}, {"Tenancy", "default"}}},
        {"Monitoring", json::object{{"State", GetObject(in, "Monitoring") && GetBool(*GetObject(in, "Monitoring"), "Enabled")
                                                  ? "enabled" : "disabled"}}},
        {"SubnetId", subnet_id},
        {"VpcId", vpc_id},
        {"PrivateIpAddress", ip},
        {"Architecture", image->image->architecture},
        {"RootDeviceType", "ebs"},
        {"RootDeviceName", root},
        {"BlockDeviceMappings",
         json::array{json::object{{"DeviceName", root},
                                  {"Ebs", json::object{{"AttachTime", now / 1000.0},
                                                       {"DeleteOnTermination", true},
                                                       {"Status", "attached"},
                                                       {"VolumeId", volume}}}}}},
        {"VirtualizationType", "hvm"},
        {"ClientToken", GetString(in, "ClientToken")},
        {"Tags", TagsFor(in, "instance")},
        {"SecurityGroups", groups_out},
        {"SourceDestCheck", true},
        {"Hypervisor", "xen"},
        {"NetworkInterfaces", json::array{std::move(ni)}},
        {"EbsOptimized", GetBool(in, "EbsOptimized")},
        {"EnaSupport", true},
        {"CpuOptions", json::object{{"CoreCount", type->vcpus > 1 ? type->vcpus / 2 : 1},
                                    {"ThreadsPerCore", type->vcpus > 1 ? 2 : 1}}},
        {"CapacityReservationSpecification", json::object{{"CapacityReservationPreference", "open"}}},
        {"HibernationOptions", json::object{{"Configured", false}}},
        {"MetadataOptions", mo},
        {"EnclaveOptions", json::object{{"Enabled", false}}},
        {"PlatformDetails", "Linux/UNIX"},
        {"UsageOperation", "RunInstances"},
        {"UsageOperationUpdateTime", now / 1000.0},
        {"PrivateDnsNameOptions", json::object{{"HostnameType", "ip-name"},
                                               {"EnableResourceNameDnsARecord", false},
                                               {"EnableResourceNameDnsAAAARecord", false}}},
        {"MaintenanceOptions", json::object{{"AutoRecovery", "default"}}},
        {"CurrentInstanceBootMode", "legacy-bios"},
        {"_Region", region},
        {"_Account", ctx.account},
        {"_ReservationId", reservation},
        {"_CreatedAt", now},
        {"_UserData", user_data},
        {"_ShutdownBehavior", shutdown},
        {"_DisableApiTermination", GetBool(in, "DisableApiTermination")},
        {"_DisableApiStop", GetBool(in, "DisableApiStop")},
        {"_VolumeId", volume},
        {"_VolumeSize", vol_size},
        {"_VolumeType", vol_type},
        {"_VolumeEncrypted", vol_encrypted},
        {"_SnapshotId", "snap-0" + image_id.substr(5, 16)},
        {"_VolumeTags", TagsFor(in, "volume")},
        {"_PlatformName", platform_name},
        {"_PlatformVersion", platform_version}};
    if (!credits.empty()) inst["_CpuCredits"] = credits;
    if (std::string key = GetString(in, "KeyName"); !key.empty()) inst["KeyName"] = key;
    if (role) {
      inst["IamInstanceProfile"] = json::object{{"Arn", role->profile_arn}, {"Id", role->profile_id}};
      json::array policies;
      for (const auto& p : role->policy_arns) policies.emplace_back(p);
      inst["_Role"] = json::object{{"RoleArn", role->role_arn}, {"RoleName", role->role_name}, {"Policies", policies}};
    }
    std::string key = Collection::Key(region, id);
    FARGO_TRY(instances_.Put(key, inst));
    FARGO_TRY(BootInstance(key, std::move(inst), true));
    instances.push_back(InstanceView(*instances_.Find(key)));
  }
  return json::object{{"ReservationId", reservation},
                      {"OwnerId", ctx.account},
                      {"Groups", json::array()},
                      {"Instances", std::move(instances)}};
}

Result<json::object> Ec2Service::DescribeInstances(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, InstanceFilterNames()));
  int64_t now = env_.clock.NowMillis();
  FARGO_ASSIGN_OR_RETURN(json::array all,
                         Select(instances_, ctx.region, GetArray(in, "InstanceIds"), ec2::InstanceNotFound, filters,
                                [](const json::object& v) { return InstanceFields(v); },
                                [this](const json::object& i) { return InstanceView(i); }));
  // Grouped by reservation, in launch order.
  std::vector<std::pair<std::string, json::array>> reservations;
  std::map<std::string, json::object> owners;
  std::sort(all.begin(), all.end(), [](const json::value& a, const json::value& b) {
    return GetInt(a.as_object(), "_CreatedAt") < GetInt(b.as_object(), "_CreatedAt");
  });
  for (auto& v : all) {
    const json::object& o = v.as_object();
    if (Has(o, "_TerminatedAt") && now > GetInt(o, "_TerminatedAt") + kTerminatedShownMs) continue;
    std::string r = GetString(o, "_ReservationId");
    auto it = std::find_if(reservations.begin(), reservations.end(), [&](const auto& p) { return p.first == r; });
    if (it == reservations.end()) {
      reservations.emplace_back(r, json::array());
      it = reservations.end() - 1;
      owners[r] = json::object{{"ReservationId", r}, {"OwnerId", GetString(o, "_Account")}, {"Groups", json::array()}};
    }
    it->second.push_back(std::move(v));
  }
  json::array out;
  for (auto& [r, insts] : reservations) {
    json::object res = owners[r];
    res["Instances"] = std::move(insts);
    out.push_back(std::move(res));
  }
  return Page(in, std::move(out), "Reservations");
}

namespace {

json::object Change(const std::string& id, const std::string& before, const std::string& after) {
  return json::object{{"InstanceId", id},
                      {"PreviousState", json::object{{"Code", ec2::InstanceStateCode(before)}, {"Name", before}}},
                      {"CurrentState", json::object{{"Code", ec2::InstanceStateCode(after)}, {"Name", after}}}};
}

}  // namespace

Result<json::object> Ec2Service::StartInstances(CallContext& ctx, json::object& in) {
  json::array out;
  for (const auto& id : IdsOf(in)) {
    std::string key = Collection::Key(ctx.region, id);
    const json::object* found = instances_.Find(key);
    if (!found) return ec2::InstanceNotFound(id);
    std::string state = StateName(*found);
    if (!ec2::CanStart(state))
      return AwsError::Make("IncorrectInstanceState",
                            "The instance '" + id + "' is not in a state from which it can be started.");
    if (state == "stopped") FARGO_TRY(BootInstance(key, *found, false));
    out.push_back(Change(id, state, StateName(*instances_.Find(key))));
  }
  return json::object{{"StartingInstances", std::move(out)}};
}

Result<json::object> Ec2Service::StopInstances(CallContext& ctx, json::object& in) {
  json::array out;
  bool force = GetBool(in, "Force");
  (void)force;
  for (const auto& id : IdsOf(in)) {
    std::string key = Collection::Key(ctx.region, id);
    const json::object* found = instances_.Find(key);
    if (!found) return ec2::InstanceNotFound(id);
    std::string state = StateName(*found);
    if (!ec2::CanStop(state))
      return AwsError::Make("IncorrectInstanceState",
                            "This instance '" + id + "' is not in a state from which it can be stopped.");
    if (GetBool(*found, "_DisableApiStop"))
      return AwsError::Make("OperationNotPermitted", "The instance '" + id +
                                                         "' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.");
    if (state == "pending" || state == "running") {
      json::object inst = *found;
      inst["_Desired"] = "stopped";
      if (!instance_driver_) {
        FARGO_TRY(SetInstanceState(key, std::move(inst), "stopped", "Client.UserInitiatedShutdown",
                                   "Client.UserInitiatedShutdown: User initiated shutdown"));
      } else {
        FARGO_TRY(SetInstanceState(key, std::move(inst), "stopping", "Client.UserInitiatedShutdown",
                                   "Client.UserInitiatedShutdown: User initiated shutdown"));
        StopWorkload("arn:aws:ec2:" + ctx.region + ":" + GetString(*found, "_Account") + ":instance/" + id);
      }
    }
    out.push_back(Change(id, state, StateName(*instances_.Find(key))));
  }
  return json::object{{"StoppingInstances", std::move(out)}};
}

Result<json::object> Ec2Service::TerminateInstances(CallContext& ctx, json::object& in) {
  json::array out;
  std::vector<std::string> ids = IdsOf(in);
  for (const auto& id : ids) {
    const json::object* found = instances_.Find(Collection::Key(ctx.region, id));
    if (!found) return ec2::InstanceNotFound(id);
    if (GetBool(*found, "_DisableApiTermination"))
      return AwsError::Make("OperationNotPermitted", "The instance '" + id +
                                                         "' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.");
  }
  for (const auto& id : ids) {
    std::string key = Collection::Key(ctx.region, id);
    json::object inst = *instances_.Find(key);
    std::string state = StateName(inst);
    inst["_Desired"] = "terminated";
    bool live = state == "pending" || state == "running" || state == "stopping" || state == "shutting-down";
    if (state == "terminated") {
      // already
    } else if (!live || !instance_driver_) {
      FARGO_TRY(SetInstanceState(key, std::move(inst), "terminated", "Client.UserInitiatedShutdown",
                                 "Client.UserInitiatedShutdown: User initiated shutdown"));
    } else {
      FARGO_TRY(SetInstanceState(key, std::move(inst), "shutting-down", "Client.UserInitiatedShutdown",
                                 "Client.UserInitiatedShutdown: User initiated shutdown"));
      StopWorkload("arn:aws:ec2:" + ctx.region + ":" + GetString(*instances_.Find(key), "_Account") +
                   ":instance/" + id);
    }
    out.push_back(Change(id, state, StateName(*instances_.Find(key))));
  }
  return json::object{{"TerminatingInstances", std::move(out)}};
}

void Ec2Service::ApplyInstanceReport(const runtime::TaskReport& report) {
  std::string region = ArnRegion(report.task_arn);
  std::string id = runtime::TaskIdOf(report.task_arn);
  std::string key = Collection::Key(region, id);
  const json::object* found = instances_.Find(key);
  if (!found) return;
  json::object inst = *found;
  std::string state = StateName(inst);
  std::string desired = GetString(inst, "_Desired", "running");
  if (!report.mac.empty()) inst["_Mac"] = report.mac;
  if (report.last_status == "RUNNING") {
    if (state != "pending") return;
    inst["_Ran"] = true;
    (void)SetInstanceState(key, std::move(inst), "running");
    return;
  }
  if (report.last_status != "STOPPED") {
    (void)instances_.Put(key, std::move(inst));
    return;
  }
  if (state == "stopped" || state == "terminated") return;
  if (desired == "terminated") {
    (void)SetInstanceState(key, std::move(inst), "terminated", "Client.UserInitiatedShutdown",
                           "Client.UserInitiatedShutdown: User initiated shutdown");
  } else if (desired == "stopped") {
    (void)SetInstanceState(key, std::move(inst), "stopped", "Client.UserInitiatedShutdown",
                           "Client.UserInitiatedShutdown: User initiated shutdown");
  } else if (!GetBool(inst, "_Ran")) {
    std::string why = report.stopped_reason;
    for (const auto& c : report.containers)
      if (!c.reason.empty()) why = c.reason;
    (void)SetInstanceState(key, std::move(inst), "terminated", "Server.InternalError",
                           "Server.InternalError: " + (why.empty() ? std::string("the instance failed to start") : why));
  } else {
    bool terminate = GetString(inst, "_ShutdownBehavior") == "terminate";
    (void)SetInstanceState(key, std::move(inst), terminate ? "terminated" : "stopped",
                           "Client.InstanceInitiatedShutdown",
                           "Client.InstanceInitiatedShutdown: Instance initiated shutdown");
  }
}

std::vector<runtime::TaskPlan> Ec2Service::LiveInstancePlans() const {
  std::vector<runtime::TaskPlan> out;
  instances_.ForEachPrefix("", [&](const std::string&, const json::object& inst) {
    const json::object* plan = GetObject(inst, "_Plan");
    if (!plan) return;
    auto p = runtime::TaskPlanFromJson(*plan);
    if (p.ok()) out.push_back(std::move(*p));
  });
  return out;
}

void Ec2Service::ResumeInstanceStops() {
  if (!instance_driver_) return;
  instances_.ForEachPrefix("", [&](const std::string&, const json::object& inst) {
    std::string s = StateName(inst);
    if ((s == "stopping" || s == "shutting-down") && Has(inst, "_Plan"))
      StopWorkload("arn:aws:ec2:" + GetString(inst, "_Region") + ":" + GetString(inst, "_Account") +
                   ":instance/" + GetString(inst, "InstanceId"));
  });
}

Result<json::object> Ec2Service::DescribeInstanceStatus(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"availability-zone", "instance-state-name", "instance-state-code",
                                                "instance-status.status", "system-status.status"}));
  bool all = GetBool(in, "IncludeAllInstances");
  FARGO_ASSIGN_OR_RETURN(json::array insts,
                         Select(instances_, ctx.region, GetArray(in, "InstanceIds"), ec2::InstanceNotFound, {},
                                [](const json::object& v) { return InstanceFields(v); },
                                [](const json::object& i) { return i; }));
  json::array out;
  for (const auto& v : insts) {
    const json::object& o = v.as_object();
    std::string state = StateName(o);
    if (!all && state != "running") continue;
    if (state == "terminated") continue;
    std::string status = state == "running" ? "ok" : "not-applicable";
    std::string az = GetString(*GetObject(o, "Placement"), "AvailabilityZone");
    ec2::FilterFields f{{"availability-zone", az},
                        {"instance-state-name", state},
                        {"instance-state-code", std::to_string(ec2::InstanceStateCode(state))},
                        {"instance-status.status", status},
                        {"system-status.status", status}};
    if (!ec2::Matches(filters, f)) continue;
    json::array details;
    if (state == "running") details.push_back(json::object{{"Name", "reachability"}, {"Status", "passed"}});
    json::object summary{{"Status", status}, {"Details", details}};
    out.push_back(json::object{{"InstanceId", GetString(o, "InstanceId")},
                               {"AvailabilityZone", az},
                               {"InstanceState", o.at("State")},
                               {"InstanceStatus", summary},
                               {"SystemStatus", summary},
                               {"AttachedEbsStatus", summary},
                               {"Events", json::array()}});
  }
  return Page(in, std::move(out), "InstanceStatuses");
}

Result<json::object> Ec2Service::DescribeInstanceAttribute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InstanceId");
  const json::object* inst = instances_.Find(Collection::Key(ctx.region, id));
  if (!inst) return ec2::InstanceNotFound(id);
  std::string attr = GetString(in, "Attribute");
  json::object out{{"InstanceId", id}};
  if (attr == "instanceType") out["InstanceType"] = Value(GetString(*inst, "InstanceType"));
  else if (attr == "userData") out["UserData"] = GetString(*inst, "_UserData").empty() ? json::object() : Value(GetString(*inst, "_UserData"));
  else if (attr == "disableApiTermination") out["DisableApiTermination"] = Value(GetBool(*inst, "_DisableApiTermination"));
  else if (attr == "disableApiStop") out["DisableApiStop"] = Value(GetBool(*inst, "_DisableApiStop"));
  else if (attr == "instanceInitiatedShutdownBehavior")
    out["InstanceInitiatedShutdownBehavior"] = Value(GetString(*inst, "_ShutdownBehavior", "stop"));
  else if (attr == "rootDeviceName") out["RootDeviceName"] = Value(GetString(*inst, "RootDeviceName"));
  else if (attr == "blockDeviceMapping") out["BlockDeviceMappings"] = inst->at("BlockDeviceMappings");
  else if (attr == "productCodes") out["ProductCodes"] = json::array();
  else if (attr == "sourceDestCheck") out["SourceDestCheck"] = Value(GetBool(*inst, "SourceDestCheck", true));
  else if (attr == "groupSet") {
    json::array g;
    if (const json::array* sgs = GetArray(*inst, "SecurityGroups"))
      for (const auto& s : *sgs) g.push_back(json::object{{"GroupId", GetString(s.as_object(), "GroupId")}, {"GroupName", GetString(s.as_object(), "GroupName")}});
    out["Groups"] = std::move(g);
  } else if (attr == "ebsOptimized") out["EbsOptimized"] = Value(GetBool(*inst, "EbsOptimized"));
  else if (attr == "enaSupport") out["EnaSupport"] = Value(true);
  else if (attr == "sriovNetSupport") out["SriovNetSupport"] = Value("simple");
  else if (attr == "enclaveOptions") out["EnclaveOptions"] = json::object{{"Enabled", false}};
  else if (attr == "kernel") out["KernelId"] = json::object();
  else if (attr == "ramdisk") out["RamdiskId"] = json::object();
  else
    return AwsError::Make("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid. Unknown attribute.");
  return out;
}

Result<json::object> Ec2Service::ModifyInstanceAttribute(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InstanceId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = instances_.Find(key);
  if (!found) return ec2::InstanceNotFound(id);
  json::object inst = *found;
  std::string state = StateName(inst);
  auto value_of = [&](const char* member) -> const json::value* {
    const json::object* o = GetObject(in, member);
    return o ? o->if_contains("Value") : nullptr;
  };
  std::string attr = GetString(in, "Attribute");
  std::string plain = GetString(in, "Value");
  auto boolean = [&](const char* member, const char* name, const char* field) {
    if (const json::value* v = value_of(member)) inst[field] = v->is_bool() ? v->as_bool() : false;
    else if (attr == name) inst[field] = plain == "true";
  };
  boolean("DisableApiTermination", "disableApiTermination", "_DisableApiTermination");
  boolean("DisableApiStop", "disableApiStop", "_DisableApiStop");
  boolean("SourceDestCheck", "sourceDestCheck", "SourceDestCheck");
  boolean("EbsOptimized", "ebsOptimized", "EbsOptimized");
  if (const json::value* v = value_of("InstanceInitiatedShutdownBehavior"); v && v->is_string())
    inst["_ShutdownBehavior"] = v->as_string();
  else if (attr == "instanceInitiatedShutdownBehavior")
    inst["_ShutdownBehavior"] = plain;
  std::string new_type;
  if (const json::value* v = value_of("InstanceType"); v && v->is_string()) new_type = std::string(v->as_string());
  else if (attr == "instanceType") new_type = plain;
  if (!new_type.empty() && new_type != GetString(inst, "InstanceType")) {
    if (!ec2::FindInstanceType(new_type))
      return AwsError::Make("InvalidParameterValue", "Invalid value '" + new_type + "' for InstanceType.");
    if (state != "stopped")
      return AwsError::Make("IncorrectInstanceState", "The instance '" + id + "' is not in the 'stopped' state.");
    inst["InstanceType"] = new_type;
  }
  if (const json::value* v = value_of("UserData"); v && v->is_string()) {
    if (state != "stopped")
      return AwsError::Make("IncorrectInstanceState", "The instance '" + id + "' is not in the 'stopped' state.");
    inst["_UserData"] = v->as_string();
  }
  if (const json::array* groups = GetArray(in, "Groups")) {
    json::array out;
    for (const auto& g : *groups) {
      if (!g.is_string()) continue;
      const json::object* grp = FindGroup(ctx.region, std::string(g.as_string()));
      if (!grp) return ec2::GroupNotFound(std::string(g.as_string()));
      out.push_back(json::object{{"GroupName", GetString(*grp, "GroupName")}, {"GroupId", g}});
    }
    inst["SecurityGroups"] = out;
  }
  FARGO_TRY(instances_.Put(key, std::move(inst)));
  return json::object{};
}

Result<json::object> Ec2Service::ModifyInstanceMetadataOptions(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InstanceId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = instances_.Find(key);
  if (!found) return ec2::InstanceNotFound(id);
  json::object inst = *found;
  json::object mo = GetObject(inst, "MetadataOptions") ? *GetObject(inst, "MetadataOptions") : json::object();
  if (Has(in, "HttpTokens")) {
    std::string t = GetString(in, "HttpTokens");
    if (t != "optional" && t != "required")
      return AwsError::Make("InvalidParameterValue", "The HttpTokens value '" + t + "' is invalid.");
    mo["HttpTokens"] = t;
  }
  if (Has(in, "HttpPutResponseHopLimit")) {
    int64_t h = GetInt(in, "HttpPutResponseHopLimit");
    if (h < 1 || h > 64) return AwsError::Make("InvalidParameterValue", "The HttpPutResponseHopLimit must be between 1 and 64.");
    mo["HttpPutResponseHopLimit"] = h;
  }
  for (const char* k : {"HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags"})
    if (Has(in, k)) mo[k] = GetString(in, k);
  mo["State"] = "applied";
  inst["MetadataOptions"] = mo;
  FARGO_TRY(instances_.Put(key, std::move(inst)));
  json::object shown = mo;
  shown["State"] = "pending";
  return json::object{{"InstanceId", id}, {"InstanceMetadataOptions", shown}};
}

Ec2Service::InstanceInfo Ec2Service::InfoOf(const json::object& inst) const {
  InstanceInfo i;
  i.region = GetString(inst, "_Region");
  i.account = GetString(inst, "_Account");
  i.instance_id = GetString(inst, "InstanceId");
  i.image_id = GetString(inst, "ImageId");
  i.instance_type = GetString(inst, "InstanceType");
  i.state = StateName(inst);
  i.vpc_id = GetString(inst, "VpcId");
  i.subnet_id = GetString(inst, "SubnetId");
  i.private_ip = GetString(inst, "PrivateIpAddress");
  i.private_dns = GetString(inst, "PrivateDnsName");
  i.mac = GetString(inst, "_Mac");
  if (const json::array* enis = GetArray(inst, "NetworkInterfaces"); enis && !enis->empty()) {
    i.eni_id = GetString(enis->at(0).as_object(), "NetworkInterfaceId");
    if (i.mac.empty()) i.mac = GetString(enis->at(0).as_object(), "MacAddress");
  }
  if (const json::object* p = GetObject(inst, "Placement")) i.availability_zone = GetString(*p, "AvailabilityZone");
  i.user_data = GetString(inst, "_UserData");
  if (const json::object* p = GetObject(inst, "IamInstanceProfile")) {
    i.profile_arn = GetString(*p, "Arn");
    i.profile_id = GetString(*p, "Id");
  }
  if (const json::object* r = GetObject(inst, "_Role")) {
    i.role_arn = GetString(*r, "RoleArn");
    i.role_name = GetString(*r, "RoleName");
    if (const json::array* ps = GetArray(*r, "Policies"))
      for (const auto& p : *ps)
        if (p.is_string()) i.policy_arns.emplace_back(p.as_string());
  }
  if (const json::object* m = GetObject(inst, "MetadataOptions")) {
    i.http_tokens = GetString(*m, "HttpTokens", "optional");
    i.http_endpoint = GetString(*m, "HttpEndpoint", "enabled");
    i.hop_limit = GetInt(*m, "HttpPutResponseHopLimit", 1);
  }
  i.platform_name = GetString(inst, "_PlatformName");
  i.platform_version = GetString(inst, "_PlatformVersion");
  i.launch_time_ms = GetInt(inst, "_CreatedAt");
  if (const json::array* sgs = GetArray(inst, "SecurityGroups"))
    for (const auto& s : *sgs) i.security_groups.push_back(GetString(s.as_object(), "GroupName"));
  return i;
}

std::optional<Ec2Service::InstanceInfo> Ec2Service::InstanceAt(const std::string& vpc_id, const std::string& ip) const {
  std::optional<InstanceInfo> out;
  instances_.ForEachPrefix("", [&](const std::string&, const json::object& inst) {
    if (out || GetString(inst, "VpcId") != vpc_id || GetString(inst, "PrivateIpAddress") != ip) return;
    std::string s = StateName(inst);
    if (s == "terminated" || s == "stopped") return;
    out = InfoOf(inst);
  });
  return out;
}

std::vector<Ec2Service::InstanceInfo> Ec2Service::Instances(const std::string& region) const {
  std::vector<InstanceInfo> out;
  instances_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& inst) {
    if (StateName(inst) != "terminated") out.push_back(InfoOf(inst));
  });
  return out;
}

std::vector<Ec2Service::InstanceInterface> Ec2Service::LiveInstanceInterfaces() const {
  std::vector<InstanceInterface> out;
  instances_.ForEachPrefix("", [&](const std::string&, const json::object& inst) {
    const std::string state = StateName(inst);
    if (state == "terminated" || state == "stopped" || state == "shutting-down") return;
    InstanceInfo info = InfoOf(inst);
    if (info.eni_id.empty()) return;
    out.push_back({"arn:aws:ec2:" + info.region + ":" + info.account + ":instance/" + info.instance_id, info.region,
                   info.eni_id});
  });
  return out;
}

void Ec2Service::StopWorkload(const std::string& arn) {
  if (instance_stopping_) instance_stopping_(arn);
  instance_driver_->Stop(arn);
}

}  // namespace fargo::services
