// DHCP options sets (and the region's default one, created with its first
// VPC) and VPC flow logs into CloudWatch Logs or S3. Flow logs are kept
// faithfully as resources; fargo delivers no records.
#include "common/strings.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

const std::set<std::string> kDhcpKeys{"domain-name", "domain-name-servers", "ntp-servers", "netbios-name-servers",
                                      "netbios-node-type", "ipv6-address-preferred-lease-time"};

constexpr const char* kDefaultLogFormat =
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

ec2::FilterFields DhcpFields(const json::object& d) {
  ec2::FilterFields f{{"dhcp-options-id", GetString(d, "DhcpOptionsId")}, {"owner-id", GetString(d, "OwnerId")}};
  if (const json::array* cs = GetArray(d, "DhcpConfigurations"))
    for (const auto& c : *cs) {
      f.emplace("key", GetString(c.as_object(), "Key"));
      if (const json::array* vs = GetArray(c.as_object(), "Values"))
        for (const auto& v : *vs) f.emplace("value", GetString(v.as_object(), "Value"));
    }
  ec2::AddTagFields(d.if_contains("Tags"), f);
  return f;
}

ec2::FilterFields FlowLogFields(const json::object& l) {
  ec2::FilterFields f{{"flow-log-id", GetString(l, "FlowLogId")},
                      {"deliver-log-status", GetString(l, "DeliverLogsStatus")},
                      {"log-destination-type", GetString(l, "LogDestinationType")},
                      {"resource-id", GetString(l, "ResourceId")},
                      {"traffic-type", GetString(l, "TrafficType")}};
  if (Has(l, "LogGroupName")) f.emplace("log-group-name", GetString(l, "LogGroupName"));
  ec2::AddTagFields(l.if_contains("Tags"), f);
  return f;
}

json::object Unsuccessful(const std::string& resource, const AwsError& e) {
  return json::object{{"ResourceId", resource}, {"Error", json::object{{"Code", e.code}, {"Message", e.message}}}};
}

}  // namespace

// ---- DHCP options ---------------------------------------------------------------------

json::object Ec2Service::DefaultDhcpOptions(const std::string& region, const std::string& id) const {
  std::string domain = region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
  return json::object{
      {"DhcpOptionsId", id},
      {"OwnerId", env_.account},
      {"DhcpConfigurations",
       json::array{json::object{{"Key", "domain-name"}, {"Values", json::array{json::object{{"Value", domain}}}}},
                   json::object{{"Key", "domain-name-servers"},
                                {"Values", json::array{json::object{{"Value", "AmazonProvidedDNS"}}}}}}},
      {"Tags", json::array()}};
}

Result<json::object> Ec2Service::CreateDhcpOptions(CallContext& ctx, json::object& in) {
  const json::array* configs = GetArray(in, "DhcpConfigurations");
  if (!configs || configs->empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter dhcpConfiguration");
  json::array stored;
  for (const auto& c : *configs) {
    if (!c.is_object()) continue;
    std::string key = GetString(c.as_object(), "Key");
    if (!kDhcpKeys.count(key))
      return AwsError::Make("InvalidParameterValue", "Value (" + key + ") for parameter name is invalid. Unknown DHCP option");
    json::array values;
    if (const json::array* vs = GetArray(c.as_object(), "Values"))
      for (const auto& v : *vs)
        if (v.is_string()) values.push_back(json::object{{"Value", v.as_string()}});
    if (values.empty())
      return AwsError::Make("InvalidParameterValue", "Value for parameter " + key + " is missing.");
    stored.push_back(json::object{{"Key", key}, {"Values", std::move(values)}});
  }
  std::string id = NewId("dopt");
  json::object d{{"DhcpOptionsId", id},
                 {"OwnerId", ctx.account},
                 {"DhcpConfigurations", std::move(stored)},
                 {"Tags", TagsFor(in, "dhcp-options")}};
  FARGO_TRY(dhcp_options_.Put(Collection::Key(ctx.region, id), d));
  return json::object{{"DhcpOptions", std::move(d)}};
}

Result<json::object> Ec2Service::DeleteDhcpOptions(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "DhcpOptionsId");
  std::string default_id;
  if (const json::object* m = meta_.Find(ctx.region)) default_id = GetString(*m, "DhcpOptionsId");
  bool stored = dhcp_options_.Find(Collection::Key(ctx.region, id)) != nullptr;
  if (!stored && (id.empty() || id != default_id)) return ec2::DhcpOptionsNotFound(id);
  bool used = false;
  vpcs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& v) {
    used |= GetString(v, "DhcpOptionsId") == id;
  });
  if (used)
    return AwsError::Make("DependencyViolation", "The dhcpOptions '" + id + "' has dependencies and cannot be deleted.");
  if (stored) {
    FARGO_TRY(dhcp_options_.Erase(Collection::Key(ctx.region, id)));
  } else {
    json::object m = *meta_.Find(ctx.region);
    m.erase("DhcpOptionsId");
    FARGO_TRY(meta_.Put(ctx.region, std::move(m)));
  }
  return json::object{};
}

Result<json::object> Ec2Service::DescribeDhcpOptions(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"dhcp-options-id", "key", "value", "owner-id"}));
  std::vector<json::object> all;
  dhcp_options_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& d) { all.push_back(d); });
  if (const json::object* m = meta_.Find(ctx.region))
    if (std::string def = GetString(*m, "DhcpOptionsId"); !def.empty() && !dhcp_options_.Find(Collection::Key(ctx.region, def)))
      all.push_back(DefaultDhcpOptions(ctx.region, def));
  std::vector<const json::object*> chosen;
  if (const json::array* ids = GetArray(in, "DhcpOptionsIds"); ids && !ids->empty()) {
    for (const auto& v : *ids) {
      std::string id = v.is_string() ? std::string(v.as_string()) : "";
      const json::object* hit = nullptr;
      for (const auto& d : all)
        if (GetString(d, "DhcpOptionsId") == id) hit = &d;
      if (!hit) return ec2::DhcpOptionsNotFound(id);
      chosen.push_back(hit);
    }
  } else {
    for (const auto& d : all) chosen.push_back(&d);
  }
  json::array out;
  for (const json::object* d : chosen)
    if (ec2::Matches(filters, DhcpFields(*d))) out.push_back(*d);
  return Page(in, std::move(out), "DhcpOptions");
}

Result<json::object> Ec2Service::AssociateDhcpOptions(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "DhcpOptionsId"), vpc_id = GetString(in, "VpcId");
  const json::object* found = FindVpc(ctx.region, vpc_id);
  if (!found) return ec2::VpcNotFound(vpc_id);
  if (id != "default" && !dhcp_options_.Find(Collection::Key(ctx.region, id))) {
    std::string def;
    if (const json::object* m = meta_.Find(ctx.region)) def = GetString(*m, "DhcpOptionsId");
    if (id != def) return ec2::DhcpOptionsNotFound(id);
  }
  json::object vpc = *found;
  vpc["DhcpOptionsId"] = id;
  FARGO_TRY(vpcs_.Put(Collection::Key(ctx.region, vpc_id), std::move(vpc)));
  return json::object{};
}

// ---- flow logs -------------------------------------------------------------------------

Result<json::object> Ec2Service::CreateFlowLogs(CallContext& ctx, json::object& in) {
  const std::string& region = ctx.region;
  std::string resource_type = GetString(in, "ResourceType");
  static const std::set<std::string> kTypes{"VPC", "Subnet", "NetworkInterface", "TransitGateway",
                                            "TransitGatewayAttachment"};
  if (!kTypes.count(resource_type))
    return AwsError::Make("InvalidParameter", "Invalid resource type: " + resource_type);
  std::string traffic = GetString(in, "TrafficType");
  if (resource_type.rfind("TransitGateway", 0) != 0 && traffic != "ACCEPT" && traffic != "REJECT" && traffic != "ALL")
    return AwsError::Make("InvalidParameter", "TrafficType must be one of ACCEPT, REJECT or ALL");
  std::string dest_type = GetString(in, "LogDestinationType", "cloud-watch-logs");
  std::string dest = GetString(in, "LogDestination"), group = GetString(in, "LogGroupName");
  std::string role = GetString(in, "DeliverLogsPermissionArn");
  if (dest_type == "cloud-watch-logs") {
    if (dest.empty() == group.empty())
      return AwsError::Make("InvalidParameter", "Exactly one of LogDestination and LogGroupName must be given");
    if (role.empty())
      return AwsError::Make("InvalidParameter",
                            "DeliverLogsPermissionArn is required for the cloud-watch-logs destination type");
    if (!dest.empty()) {
      const std::string marker = ":log-group:";
      auto at = dest.find(marker);
      if (dest.rfind("arn:", 0) != 0 || at == std::string::npos)
        return AwsError::Make("InvalidParameter", "LogDestination: " + dest + " is not a valid CloudWatch Logs ARN");
      group = dest.substr(at + marker.size());
      if (auto colon = group.find(':'); colon != std::string::npos) group = group.substr(0, colon);
    } else {
      dest = "arn:aws:logs:" + region + ":" + ctx.account + ":log-group:" + group;
    }
  } else if (dest_type == "s3" || dest_type == "kinesis-data-firehose") {
    if (dest.empty() || dest.rfind("arn:", 0) != 0)
      return AwsError::Make("InvalidParameter", "LogDestination must be an ARN for destination type " + dest_type);
    if (!group.empty())
      return AwsError::Make("InvalidParameter", "LogGroupName is only valid for the cloud-watch-logs destination type");
  } else {
    return AwsError::Make("InvalidParameter", "Invalid LogDestinationType: " + dest_type);
  }
  int64_t interval = GetInt(in, "MaxAggregationInterval", 600);
  if (interval != 60 && interval != 600)
    return AwsError::Make("InvalidParameter", "MaxAggregationInterval must be 60 or 600");
  const json::array* resources = GetArray(in, "ResourceIds");
  if (!resources || resources->empty())
    return AwsError::Make("MissingParameter", "The request must contain the parameter ResourceIds");

  json::array ids, unsuccessful;
  json::array tags = TagsFor(in, "vpc-flow-log");
  double now = env_.clock.NowSeconds();
  for (const auto& r : *resources) {
    std::string rid = r.is_string() ? std::string(r.as_string()) : "";
    bool exists = resource_type == "VPC"                ? FindVpc(region, rid) != nullptr
                  : resource_type == "Subnet"           ? FindSubnet(region, rid) != nullptr
                  : resource_type == "NetworkInterface" ? interfaces_.Find(Collection::Key(region, rid)) != nullptr
                                                        : false;
    if (!exists) {
      AwsError e = resource_type == "VPC"      ? ec2::VpcNotFound(rid)
                   : resource_type == "Subnet" ? ec2::SubnetNotFound(rid)
                   : resource_type == "NetworkInterface"
                       ? ec2::InterfaceNotFound(rid)
                       : AwsError::Make("InvalidTransitGatewayID.NotFound",
                                        "The transitGateway ID '" + rid + "' does not exist");
      unsuccessful.push_back(Unsuccessful(rid, e));
      continue;
    }
    bool duplicate = false;
    flow_logs_.ForEachPrefix(region + "/", [&](const std::string&, const json::object& l) {
      duplicate |= GetString(l, "ResourceId") == rid && GetString(l, "LogDestination") == dest &&
                   GetString(l, "TrafficType") == traffic;
    });
    if (duplicate) {
      unsuccessful.push_back(Unsuccessful(
          rid, AwsError::Make("FlowLogAlreadyExists",
                              "There is an existing Flow Log with the same configuration and log destination.")));
      continue;
    }
    std::string id = NewId("fl");
    json::object l{{"FlowLogId", id},
                   {"CreationTime", now},
                   {"DeliverLogsStatus", "SUCCESS"},
                   {"FlowLogStatus", "ACTIVE"},
                   {"ResourceId", rid},
                   {"TrafficType", traffic},
                   {"LogDestinationType", dest_type},
                   {"LogDestination", dest},
                   {"LogFormat", GetString(in, "LogFormat", kDefaultLogFormat)},
                   {"MaxAggregationInterval", interval},
                   {"Tags", tags}};
    if (dest_type == "cloud-watch-logs") l["LogGroupName"] = group;
    if (!role.empty()) l["DeliverLogsPermissionArn"] = role;
    if (Has(in, "DeliverCrossAccountRole")) l["DeliverCrossAccountRole"] = GetString(in, "DeliverCrossAccountRole");
    if (dest_type == "s3") {
      const json::object* o = GetObject(in, "DestinationOptions");
      l["DestinationOptions"] =
          json::object{{"FileFormat", o ? GetString(*o, "FileFormat", "plain-text") : "plain-text"},
                       {"HiveCompatiblePartitions", o ? GetBool(*o, "HiveCompatiblePartitions") : false},
                       {"PerHourPartition", o ? GetBool(*o, "PerHourPartition") : false}};
    }
    FARGO_TRY(flow_logs_.Put(Collection::Key(region, id), std::move(l)));
    ids.push_back(json::string(id));
  }
  json::object out{{"FlowLogIds", std::move(ids)}, {"Unsuccessful", std::move(unsuccessful)}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteFlowLogs(CallContext& ctx, json::object& in) {
  const json::array* ids = GetArray(in, "FlowLogIds");
  if (!ids || ids->empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter FlowLogIds");
  json::array unsuccessful;
  for (const auto& v : *ids) {
    std::string id = v.is_string() ? std::string(v.as_string()) : "";
    std::string key = Collection::Key(ctx.region, id);
    if (!flow_logs_.Find(key)) {
      unsuccessful.push_back(Unsuccessful(id, ec2::FlowLogNotFound(id)));
      continue;
    }
    FARGO_TRY(flow_logs_.Erase(key));
  }
  return json::object{{"Unsuccessful", std::move(unsuccessful)}};
}

Result<json::object> Ec2Service::DescribeFlowLogs(CallContext& ctx, json::object& in) {
  if (Has(in, "Filter") && !Has(in, "Filters")) in["Filters"] = in["Filter"];
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"flow-log-id", "deliver-log-status", "log-destination-type",
                                                "log-group-name", "resource-id", "traffic-type"}));
  // Unknown ids are left out rather than refused, as EC2 does here.
  json::array out;
  std::set<std::string> wanted;
  if (const json::array* ids = GetArray(in, "FlowLogIds"))
    for (const auto& v : *ids)
      if (v.is_string()) wanted.insert(std::string(v.as_string()));
  flow_logs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& l) {
    if (!wanted.empty() && !wanted.count(GetString(l, "FlowLogId"))) return;
    if (ec2::Matches(filters, FlowLogFields(l))) out.push_back(l);
  });
  return Page(in, std::move(out), "FlowLogs");
}

}  // namespace fargo::services
