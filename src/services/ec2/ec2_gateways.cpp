// Internet gateways (attached to at most one VPC) and egress-only internet
// gateways (IPv6 egress, created in a VPC).
#include "common/strings.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_service.h"

namespace fargo::services {

using store::Collection;

namespace {

ec2::FilterFields GatewayFields(const json::object& g, const char* id_member, const char* id_filter) {
  ec2::FilterFields f{{id_filter, GetString(g, id_member)}};
  if (Has(g, "OwnerId")) f.emplace("owner-id", GetString(g, "OwnerId"));
  if (const json::array* at = GetArray(g, "Attachments"))
    for (const auto& a : *at) {
      f.emplace("attachment.vpc-id", GetString(a.as_object(), "VpcId"));
      f.emplace("attachment.state", GetString(a.as_object(), "State"));
    }
  ec2::AddTagFields(g.if_contains("Tags"), f);
  return f;
}

}  // namespace

// ---- internet gateways --------------------------------------------------------------

Result<json::object> Ec2Service::CreateInternetGateway(CallContext& ctx, json::object& in) {
  std::string id = NewId("igw");
  json::object igw{{"InternetGatewayId", id},
                   {"OwnerId", ctx.account},
                   {"Attachments", json::array()},
                   {"Tags", TagsFor(in, "internet-gateway")}};
  FARGO_TRY(igws_.Put(Collection::Key(ctx.region, id), igw));
  return json::object{{"InternetGateway", std::move(igw)}};
}

Result<json::object> Ec2Service::DeleteInternetGateway(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InternetGatewayId");
  const json::object* igw = igws_.Find(Collection::Key(ctx.region, id));
  if (!igw) return ec2::GatewayNotFound(id);
  const json::array* at = GetArray(*igw, "Attachments");
  if (at && !at->empty())
    return AwsError::Make("DependencyViolation",
                          "The internetGateway '" + id + "' has dependencies and cannot be deleted.");
  FARGO_TRY(igws_.Erase(Collection::Key(ctx.region, id)));
  return json::object{};
}

Result<json::object> Ec2Service::DescribeInternetGateways(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ec2::ParseFilters(in, {"internet-gateway-id", "owner-id", "attachment.vpc-id", "attachment.state"}));
  FARGO_ASSIGN_OR_RETURN(
      json::array out,
      Select(igws_, ctx.region, GetArray(in, "InternetGatewayIds"), ec2::GatewayNotFound, filters,
             [](const json::object& g) { return GatewayFields(g, "InternetGatewayId", "internet-gateway-id"); },
             [](const json::object& g) { return g; }));
  return Page(in, std::move(out), "InternetGateways");
}

Result<json::object> Ec2Service::AttachInternetGateway(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InternetGatewayId"), vpc_id = GetString(in, "VpcId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = igws_.Find(key);
  if (!found) return ec2::GatewayNotFound(id);
  if (!FindVpc(ctx.region, vpc_id)) return ec2::VpcNotFound(vpc_id);
  const json::array* at = GetArray(*found, "Attachments");
  if (at && !at->empty())
    return AwsError::Make("Resource.AlreadyAssociated",
                          "resource " + id + " is already attached to network " +
                              GetString((*at)[0].as_object(), "VpcId"));
  bool vpc_has_one = false;
  igws_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& g) {
    if (const json::array* a = GetArray(g, "Attachments"))
      for (const auto& x : *a) vpc_has_one |= GetString(x.as_object(), "VpcId") == vpc_id;
  });
  if (vpc_has_one)
    return AwsError::Make("Resource.AlreadyAssociated",
                          "Network " + vpc_id + " already has an internet gateway attached");
  json::object igw = *found;
  igw["Attachments"] = json::array{json::object{{"State", "available"}, {"VpcId", vpc_id}}};
  FARGO_TRY(igws_.Put(key, std::move(igw)));
  return json::object{};
}

Result<json::object> Ec2Service::DetachInternetGateway(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "InternetGatewayId"), vpc_id = GetString(in, "VpcId");
  std::string key = Collection::Key(ctx.region, id);
  const json::object* found = igws_.Find(key);
  if (!found) return ec2::GatewayNotFound(id);
  bool attached = false;
  if (const json::array* at = GetArray(*found, "Attachments"))
    for (const auto& a : *at) attached |= GetString(a.as_object(), "VpcId") == vpc_id;
  if (!attached)
    return AwsError::Make("Gateway.NotAttached", "resource " + id + " is not attached to network " + vpc_id);
  // Elastic IPs mapped in the VPC keep it from detaching, as on AWS.
  bool mapped = false;
  addresses_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const json::object& a) {
    std::string eni = GetString(a, "NetworkInterfaceId");
    if (eni.empty()) return;
    if (const json::object* e = interfaces_.Find(Collection::Key(ctx.region, eni)))
      mapped |= GetString(*e, "VpcId") == vpc_id;
  });
  if (mapped)
    return AwsError::Make("DependencyViolation", "Network " + vpc_id +
                                                     " has some mapped public address(es). Please unmap those public "
                                                     "address(es) before detaching the gateway.");
  json::object igw = *found;
  igw["Attachments"] = json::array();
  FARGO_TRY(igws_.Put(key, std::move(igw)));
  return json::object{};
}

// ---- egress-only internet gateways ----------------------------------------------------

Result<json::object> Ec2Service::CreateEgressOnlyInternetGateway(CallContext& ctx, json::object& in) {
  std::string vpc_id = GetString(in, "VpcId");
  if (vpc_id.empty()) return AwsError::Make("MissingParameter", "The request must contain the parameter vpcId");
  if (!FindVpc(ctx.region, vpc_id)) return ec2::VpcNotFound(vpc_id);
  std::string id = NewId("eigw");
  json::object eigw{{"EgressOnlyInternetGatewayId", id},
                    {"Attachments", json::array{json::object{{"State", "attached"}, {"VpcId", vpc_id}}}},
                    {"Tags", TagsFor(in, "egress-only-internet-gateway")}};
  FARGO_TRY(eigws_.Put(Collection::Key(ctx.region, id), eigw));
  json::object out{{"EgressOnlyInternetGateway", std::move(eigw)}};
  if (Has(in, "ClientToken")) out["ClientToken"] = GetString(in, "ClientToken");
  return out;
}

Result<json::object> Ec2Service::DeleteEgressOnlyInternetGateway(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "EgressOnlyInternetGatewayId");
  if (!eigws_.Find(Collection::Key(ctx.region, id))) return ec2::EgressGatewayNotFound(id);
  FARGO_TRY(eigws_.Erase(Collection::Key(ctx.region, id)));
  return json::object{{"ReturnCode", true}};
}

Result<json::object> Ec2Service::DescribeEgressOnlyInternetGateways(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(auto filters, ec2::ParseFilters(in, {"egress-only-internet-gateway-id"}));
  FARGO_ASSIGN_OR_RETURN(json::array out,
                         Select(eigws_, ctx.region, GetArray(in, "EgressOnlyInternetGatewayIds"),
                                ec2::EgressGatewayNotFound, filters,
                                [](const json::object& g) {
                                  return GatewayFields(g, "EgressOnlyInternetGatewayId",
                                                       "egress-only-internet-gateway-id");
                                },
                                [](const json::object& g) { return g; }));
  return Page(in, std::move(out), "EgressOnlyInternetGateways");
}

}  // namespace fargo::services
