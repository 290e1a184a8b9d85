// AMIs, instance types, volumes and credit specifications: what the
// Terraform provider's data "aws_ami" and aws_instance read.
//
// The AMIs are the public images of data/aws-public-parameters.json (the one
// list, so that SSM's /aws/service/... ids and EC2 agree); each runs as a
// local container image (Ec2Service::SetDefaultInstanceImage).
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/instance_types.h"
#include "services/ec2/public_images.h"
#include "services/ssm/public_parameters.h"

namespace fargo::services {

using store::Collection;

namespace ec2 {

std::optional<PublicImageRef> FindPublicImage(const std::string& region, const std::string& image_id) {
  for (const auto& [key, img] : ssm::PublicParameters::Embedded().images()) {
    auto it = img.ids.find(region);
    if (it != img.ids.end() && it->second == image_id) return PublicImageRef{&img, image_id};
  }
  return std::nullopt;
}

std::string RootDeviceName(const ssm::PublicImage& img) {
  return StartsWith(img.name, "ubuntu/") ? "/dev/sda1" : "/dev/xvda";
}

std::string OwnerAlias(const ssm::PublicImage& img) {
  return img.owner == "137112412989" || img.owner == "591542846629" ? "amazon" : "";
}

void PlatformOf(const ssm::PublicImage& img, std::string* name, std::string* version) {
  if (StartsWith(img.name, "ubuntu/")) {
    *name = "Ubuntu";
    for (const char* v : {"20.04", "22.04", "24.04"})
      if (img.name.find(v) != std::string::npos) *version = v;
  } else if (StartsWith(img.name, "al2023") ) {
    *name = "Amazon Linux";
    *version = "2023";
  } else {
    *name = "Amazon Linux";
    *version = "2";
  }
}

}  // namespace ec2

namespace {

json::object ImageView(const ec2::PublicImageRef& ref, const std::string& region) {
  const ssm::PublicImage& img = *ref.image;
  std::string root = ec2::RootDeviceName(img);
  std::string snap = "snap-0" + ref.id.substr(5, 16);
  json::object o{{"ImageId", ref.id},
                 {"ImageLocation", (ec2::OwnerAlias(img).empty() ? img.owner : "amazon") + "/" + img.name},
                 {"State", "available"},
                 {"OwnerId", img.owner},
                 {"CreationDate", Iso8601(img.created)},
                 {"Public", true},
                 {"Architecture", img.architecture},
                 {"ImageType", "machine"},
                 {"Name", img.name},
                 {"Description", img.description},
                 {"RootDeviceType", "ebs"},
                 {"RootDeviceName", root},
                 {"VirtualizationType", "hvm"},
                 {"Hypervisor", "xen"},
                 {"EnaSupport", true},
                 {"SriovNetSupport", "simple"},
                 {"PlatformDetails", "Linux/UNIX"},
                 {"UsageOperation", "RunInstances"},
                 {"BootMode", img.architecture == "arm64" ? "uefi" : "uefi-preferred"},
                 {"DeprecationTime", Iso8601(img.created + 2 * 365 * 86400.0)},
                 {"BlockDeviceMappings",
                  json::array{json::object{{"DeviceName", root},
                                           {"Ebs", json::object{{"DeleteOnTermination", true},
                                                                {"SnapshotId", snap},
                                                                {"VolumeSize", 8},
                                                                {"VolumeType", "gp2"},
                                                                {"Encrypted", false}}}},
                              json::object{{"DeviceName", "/dev/sdb"}, {"VirtualName", "ephemeral0"}},
                              json::object{{"DeviceName", "/dev/sdc"}, {"VirtualName", "ephemeral1"}}}},
                 {"Tags", json::array()}};
  if (!ec2::OwnerAlias(img).empty()) o["ImageOwnerAlias"] = ec2::OwnerAlias(img);
  (void)region;
  return o;
}

ec2::FilterFields ImageFields(const json::object& v) {
  ec2::FilterFields f{{"image-id", GetString(v, "ImageId")},
                      {"name", GetString(v, "Name")},
                      {"description", GetString(v, "Description")},
                      {"architecture", GetString(v, "Architecture")},
                      {"owner-id", GetString(v, "OwnerId")},
                      {"owner-alias", GetString(v, "ImageOwnerAlias")},
                      {"state", "available"},
                      {"image-type", "machine"},
                      {"is-public", "true"},
                      {"virtualization-type", "hvm"},
                      {"root-device-type", "ebs"},
                      {"root-device-name", GetString(v, "RootDeviceName")},
                      {"hypervisor", "xen"},
                      {"ena-support", "true"},
                      {"platform-details", "Linux/UNIX"},
                      {"usage-operation", "RunInstances"},
                      {"creation-date", GetString(v, "CreationDate")},
                      {"block-device-mapping.volume-type", "gp2"},
                      {"block-device-mapping.volume-size", "8"},
                      {"block-device-mapping.device-name", GetString(v, "RootDeviceName")}};
  return f;
}

std::set<std::string> Strings(const json::object& in, const char* member) {
  std::set<std::string> out;
  if (const json::array* a = GetArray(in, member))
    for (const auto& v : *a)
      if (v.is_string()) out.insert(std::string(v.as_string()));
  return out;
}

}  // namespace

Result<json::object> Ec2Service::DescribeImages(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(
      auto filters,
      ec2::ParseFilters(in, {"image-id", "name", "description", "architecture", "owner-id", "owner-alias", "state",
                             "image-type", "is-public", "virtualization-type", "root-device-type",
                             "root-device-name", "hypervisor", "ena-support", "platform-details", "usage-operation",
                             "creation-date", "block-device-mapping.volume-type", "block-device-mapping.volume-size",
                             "block-device-mapping.device-name", "platform", "product-code", "kernel-id"}));
  std::set<std::string> ids = Strings(in, "ImageIds");
  std::set<std::string> owners = Strings(in, "Owners");
  json::array out;
  std::set<std::string> found;
  for (const auto& [key, img] : ssm::PublicParameters::Embedded().images()) {
    auto it = img.ids.find(ctx.region);
    if (it == img.ids.end()) continue;
    if (!ids.empty() && !ids.count(it->second)) continue;
    if (!owners.empty() && !owners.count(img.owner) && !(owners.count("amazon") && !ec2::OwnerAlias(img).empty()))
      continue;
    json::object v = ImageView({&img, it->second}, ctx.region);
    if (!ec2::Matches(filters, ImageFields(v))) continue;
    found.insert(it->second);
    out.push_back(std::move(v));
  }
  for (const auto& id : ids) {
    if (found.count(id)) continue;
    if (!StartsWith(id, "ami-"))
      return AwsError::Make("InvalidAMIID.Malformed", "Invalid id: \"" + id + "\" (expecting \"ami-...\")");
    if (!ec2::FindPublicImage(ctx.region, id)) return ec2::ImageNotFound(id);
  }
  return Page(in, std::move(out), "Images");
}

Result<json::object> Ec2Service::DescribeInstanceTypes(CallContext& ctx, json::object& in) {
  (void)ctx;
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"instance-type", "vcpu-info.default-vcpus", "memory-info.size-in-mib",
                                                "burstable-performance-supported", "current-generation",
                                                "processor-info.supported-architecture"}));
  std::set<std::string> names = Strings(in, "InstanceTypes");
  for (const auto& n : names)
    if (!ec2::FindInstanceType(n))
      return AwsError::Make("InvalidInstanceType", "The following supplied instance types do not exist: [" + n + "]");
  json::array out;
  for (const ec2::InstanceType& t : ec2::InstanceTypes()) {
    if (!names.empty() && !names.count(t.name)) continue;
    ec2::FilterFields f{{"instance-type", t.name},
                        {"vcpu-info.default-vcpus", std::to_string(t.vcpus)},
                        {"memory-info.size-in-mib", std::to_string(t.memory_mib)},
                        {"burstable-performance-supported", ec2::BoolText(t.burstable)},
                        {"current-generation", ec2::BoolText(t.name.rfind("t2.", 0) != 0)},
                        {"processor-info.supported-architecture", t.architecture}};
    if (!ec2::Matches(filters, f)) continue;
    int cores = t.vcpus > 1 ? t.vcpus / 2 : 1;
    out.push_back(json::object{
        {"InstanceType", t.name},
        {"CurrentGeneration", t.name.rfind("t2.", 0) != 0},
        {"FreeTierEligible", t.name == "t2.micro" || t.name == "t3.micro"},
        {"SupportedUsageClasses", json::array{"on-demand", "spot"}},
        {"SupportedRootDeviceTypes", json::array{"ebs"}},
        {"SupportedVirtualizationTypes", json::array{"hvm"}},
        {"BareMetal", false},
        {"Hypervisor", "nitro"},
        {"ProcessorInfo", json::object{{"SupportedArchitectures", json::array{json::value(t.architecture)}}}},
        {"VCpuInfo", json::object{{"DefaultVCpus", t.vcpus},
                                  {"DefaultCores", cores},
                                  {"DefaultThreadsPerCore", t.vcpus > 1 ? 2 : 1}}},
        {"MemoryInfo", json::object{{"SizeInMiB", t.memory_mib}}},
        {"InstanceStorageSupported", false},
        {"EbsInfo", json::object{{"EbsOptimizedSupport", "default"},
                                 {"EncryptionSupport", "supported"},
                                 {"NvmeSupport", "required"}}},
        {"NetworkInfo", json::object{{"NetworkPerformance", t.network_performance},
                                     {"MaximumNetworkInterfaces", 3},
                                     {"Ipv4AddressesPerInterface", 6},
                                     {"Ipv6AddressesPerInterface", 6},
                                     {"Ipv6Supported", true},
                                     {"EnaSupport", "required"}}},
        {"PlacementGroupInfo", json::object{{"SupportedStrategies", json::array{"partition", "spread"}}}},
        {"HibernationSupported", false},
        {"BurstablePerformanceSupported", t.burstable},
        {"DedicatedHostsSupported", false},
        {"AutoRecoverySupported", true},
        {"SupportedBootModes", json::array{"legacy-bios", "uefi"}}});
  }
  return Page(in, std::move(out), "InstanceTypes");
}

Result<json::object> Ec2Service::DescribeVolumes(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"volume-id", "attachment.instance-id", "attachment.device",
                                                "attachment.status", "attachment.delete-on-termination", "status",
                                                "volume-type", "size", "availability-zone", "encrypted"}));
  std::set<std::string> ids = Strings(in, "VolumeIds");
  json::array out;
  std::set<std::string> found;
  instances_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& inst) {
    json::object view = InstanceView(inst);
    if (GetString(*view.at("State").if_object(), "Name") == "terminated") return;
    std::string vol = GetString(inst, "_VolumeId");
    if (vol.empty() || (!ids.empty() && !ids.count(vol))) return;
    std::string id = GetString(inst, "InstanceId");
    std::string device = GetString(inst, "RootDeviceName");
    std::string az = GetString(*inst.at("Placement").if_object(), "AvailabilityZone");
    double created = GetInt(inst, "_CreatedAt") / 1000.0;
    int64_t size = GetInt(inst, "_VolumeSize", 8);
    std::string type = GetString(inst, "_VolumeType", "gp2");
    ec2::FilterFields f{{"volume-id", vol},
                        {"attachment.instance-id", id},
                        {"attachment.device", device},
                        {"attachment.status", "attached"},
                        {"attachment.delete-on-termination", "true"},
                        {"status", "in-use"},
                        {"volume-type", type},
                        {"size", std::to_string(size)},
                        {"availability-zone", az},
                        {"encrypted", ec2::BoolText(GetBool(inst, "_VolumeEncrypted"))}};
    if (!ec2::Matches(filters, f)) return;
    found.insert(vol);
    json::object v{{"VolumeId", vol},
                   {"Size", size},
                   {"VolumeType", type},
                   {"AvailabilityZone", az},
                   {"CreateTime", created},
                   {"State", "in-use"},
                   {"Encrypted", GetBool(inst, "_VolumeEncrypted")},
                   {"MultiAttachEnabled", false},
                   {"SnapshotId", GetString(inst, "_SnapshotId")},
                   {"Attachments", json::array{json::object{{"AttachTime", created},
                                                            {"Device", device},
                                                            {"InstanceId", id},
                                                            {"State", "attached"},
                                                            {"VolumeId", vol},
                                                            {"DeleteOnTermination", true}}}}};
    if (type == "gp3") {
      v["Iops"] = GetInt(inst, "_VolumeIops", 3000);
      v["Throughput"] = GetInt(inst, "_VolumeThroughput", 125);
    } else if (type == "gp2") {
      v["Iops"] = std::max<int64_t>(100, size * 3);
    }
    if (const json::array* tags = GetArray(inst, "_VolumeTags")) v["Tags"] = *tags;
    out.push_back(std::move(v));
  });
  for (const auto& id : ids)
    if (!found.count(id))
      return AwsError::Make("InvalidVolume.NotFound", "The volume '" + id + "' does not exist.");
  return Page(in, std::move(out), "Volumes");
}

Result<json::object> Ec2Service::DescribeInstanceCreditSpecifications(CallContext& ctx, json::object& in) {
  json::array out;
  const json::array* ids = GetArray(in, "InstanceIds");
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"instance-id"}));
  FARGO_ASSIGN_OR_RETURN(
      json::array all,
      Select(instances_, ctx.region, ids, ec2::InstanceNotFound, filters,
             [](const json::object& v) { return ec2::FilterFields{{"instance-id", GetString(v, "InstanceId")}}; },
             [](const json::object& i) { return i; }));
  for (const auto& v : all) {
    const auto& inst = v.as_object();
    const ec2::InstanceType* t = ec2::FindInstanceType(GetString(inst, "InstanceType"));
    if (!t || !t->burstable) continue;
    out.push_back(json::object{{"InstanceId", GetString(inst, "InstanceId")},
                               {"CpuCredits", GetString(inst, "_CpuCredits", StartsWith(t->name, "t2.") ? "standard"
                                                                                                       : "unlimited")}});
  }
  return Page(in, std::move(out), "InstanceCreditSpecifications");
}

}  // namespace fargo::services
