#include "services/ssm/ssm_service.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "common/pager.h"
#include "common/strings.h"
#include "services/ssm/parameter_filter.h"
#include "services/ssm/parameter_names.h"
#include "services/ssm/ssm_page.h"
#include "store/collection.h"

namespace fargo::services {

using ssm::Parameter;
using ssm::ParameterFilter;
using ssm::ParameterVersion;
using ssm::PageOf;

namespace {

constexpr const char* kCollection = "ssm.parameters";
constexpr const char* kDefaultKey = "alias/aws/ssm";

AwsError Validation(std::string message) { return AwsError::Make("ValidationException", std::move(message)); }
// AWS answers a missing parameter with no message at all.
AwsError NotFound() { return AwsError::Make("ParameterNotFound", ""); }
AwsError VersionNotFound(const std::string& selector, const std::string& name) {
  return AwsError::Make("ParameterVersionNotFound", "Systems Manager could not find version " + selector + " of " +
                                                        name + ". Verify the version and try again.");
}

// What a SecureString read without decryption shows: a KMS-style blob
// (fargo has no KMS; this is reversible but not the plaintext).
std::string Ciphertext(const std::string& key_id, const std::string& value) {
  std::string blob("\x01\x02\x02\x00\x78", 5);
  blob += static_cast<char>(key_id.size() & 0xff);
  blob += key_id;
  for (char c : value) blob += static_cast<char>(c ^ 0x5a);
  return Base64Encode(blob);
}

bool ValidKeyId(const std::string& k) {
  if (StartsWith(k, "alias/")) return k.size() > 6;
  if (StartsWith(k, "arn:aws:kms:")) return true;
  if (StartsWith(k, "mrk-")) return k.size() > 4;
  static const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_match(k, uuid);
}

// Tags of a request ("Tags": [{Key, Value}]) as pairs, in order.
std::vector<std::pair<std::string, std::string>> TagsOf(const json::object& in) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const auto* tags = GetArray(in, "Tags"))
    for (const auto& t : *tags)
      if (t.is_object()) out.emplace_back(GetString(t.as_object(), "Key"), GetString(t.as_object(), "Value"));
  return out;
}

Status MergeTags(Parameter& p, const std::vector<std::pair<std::string, std::string>>& add) {
  for (const auto& [k, v] : add) {
    if (StartsWith(ToLower(k), "aws:"))
      return AwsError::Make("InvalidParameters", "Tag keys beginning with aws: are reserved for AWS use.");
    auto it = std::find_if(p.tags.begin(), p.tags.end(), [&k](const auto& t) { return t.first == k; });
    if (it != p.tags.end())
      it->second = v;
    else
      p.tags.emplace_back(k, v);
  }
  if (p.tags.size() > SsmService::kMaxTags)
    return AwsError::Make("TooManyTagsError", "The Tags list exceeds the maximum number of tags (50) for the resource.");
  return OkStatus();
}

json::array PoliciesOf(const ParameterVersion& v) {
  json::array out;
  if (v.policies.empty()) return out;
  boost::system::error_code ec;
  json::value doc = json::parse(v.policies, ec);
  if (ec || !doc.is_array()) return out;
  for (const auto& pol : doc.as_array()) {
    std::string type = pol.is_object() ? GetString(pol.as_object(), "Type") : "";
    out.emplace_back(json::object{{"PolicyText", json::serialize(pol)}, {"PolicyType", type}, {"PolicyStatus", "Pending"}});
  }
  return out;
}

// A public parameter as a (read-only) Parameter, for filters and listings.
Parameter AsParameter(const ssm::PublicParameter& pub) {
  Parameter p;
  p.name = pub.name;
  ParameterVersion v;
  v.version = pub.version;
  v.type = "String";
  v.value = pub.value;
  v.tier = "Standard";
  v.data_type = "text";
  v.last_modified = pub.last_modified;
  p.versions.push_back(std::move(v));
  return p;
}


}  // namespace

SsmService::SsmService(Env env) : env_(env), public_(ssm::PublicParameters::Embedded()) {}

Status SsmService::Start() {
  params_.clear();
  return env_.store.ScanDocs(kCollection, [this](std::string key, json::value doc) {
    if (!doc.is_object()) return;
    Parameter p = ssm::ParameterFromStored(doc.as_object());
    if (!p.versions.empty()) params_.emplace(std::move(key), std::move(p));
  });
}

Result<json::object> SsmService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<SsmService>& SsmService::Table() {
  static const HandlerTable<SsmService> kTable{
      {"PutParameter", &SsmService::PutParameter},
      {"DescribeInstanceInformation", &SsmService::DescribeInstanceInformation},
      {"GetDocument", &SsmService::GetDocument},
      {"DescribeDocument", &SsmService::DescribeDocument},
      {"GetParameter", &SsmService::GetParameter},
      {"GetParameters", &SsmService::GetParameters},
      {"GetParametersByPath", &SsmService::GetParametersByPath},
      {"DescribeParameters", &SsmService::DescribeParameters},
      {"GetParameterHistory", &SsmService::GetParameterHistory},
      {"LabelParameterVersion", &SsmService::LabelParameterVersion},
      {"UnlabelParameterVersion", &SsmService::UnlabelParameterVersion},
      {"DeleteParameter", &SsmService::DeleteParameter},
      {"DeleteParameters", &SsmService::DeleteParameters},
      {"AddTagsToResource", &SsmService::AddTagsToResource},
      {"RemoveTagsFromResource", &SsmService::RemoveTagsFromResource},
      {"ListTagsForResource", &SsmService::ListTagsForResource},
      {"StartSession", &SsmService::StartSession},
      {"DescribeSessions", &SsmService::DescribeSessions},
      {"ResumeSession", &SsmService::ResumeSession},
      {"TerminateSession", &SsmService::TerminateSession},
  };
  return kTable;
}

// ---- state --------------------------------------------------------------------

std::string SsmService::Key(const CallContext& ctx, const std::string& name) {
  return store::Collection::Key(ctx.region, ctx.account + ":" + name);
}

std::string SsmService::Prefix(const CallContext& ctx) const { return Key(ctx, ""); }

const Parameter* SsmService::Find(const CallContext& ctx, const std::string& name) const {
  auto it = params_.find(Key(ctx, name));
  return it == params_.end() ? nullptr : &it->second;
}

Status SsmService::Save(const CallContext& ctx, Parameter p) {
  std::string key = Key(ctx, p.name);
  FARGO_TRY(env_.store.PutDoc(kCollection, key, ssm::ToStored(p)));
  params_[key] = std::move(p);
  return OkStatus();
}

Status SsmService::Remove(const CallContext& ctx, const std::string& name) {
  std::string key = Key(ctx, name);
  FARGO_TRY(env_.store.DeleteDoc(kCollection, key));
  params_.erase(key);
  return OkStatus();
}

// ---- shapes -------------------------------------------------------------------

json::object SsmService::Describe(const CallContext& ctx, const Parameter& p, const ParameterVersion& v,
                                  bool decrypt) const {
  bool secret = v.type == "SecureString" && !decrypt;
  return json::object{{"Name", p.name},
                      {"Type", v.type},
                      {"Value", secret ? Ciphertext(v.key_id, v.value) : v.value},
                      {"Version", v.version},
                      {"LastModifiedDate", v.last_modified},
                      {"ARN", ssm::ParameterArn(ctx.region, ctx.account, p.name)},
                      {"DataType", v.data_type}};
}

json::object SsmService::DescribePublic(const CallContext& ctx, const ssm::PublicParameter& p) const {
  return json::object{{"Name", p.name},
                      {"Type", "String"},
                      {"Value", p.value},
                      {"Version", p.version},
                      {"LastModifiedDate", p.last_modified},
                      {"ARN", ssm::ParameterArn(ctx.region, "", p.name)},
                      {"DataType", "text"}};
}

// ---- PutParameter ---------------------------------------------------------------

Result<json::object> SsmService::PutParameter(CallContext& ctx, json::object& in) {
  const std::string name = GetString(in, "Name");
  FARGO_TRY(ssm::ValidateNewName(name, ctx.region, ctx.account));
  const std::string value = GetString(in, "Value");
  if (value.empty())
    return Validation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must "
                      "have length greater than or equal to 1");
  const bool overwrite = GetBool(in, "Overwrite");
  const auto tags = TagsOf(in);
  if (overwrite && !tags.empty())
    return Validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, "
                      "please remove overwrite flag. To update tags for an existing parameter, please use "
                      "AddTagsToResource or RemoveTagsFromResource.");
  const Parameter* existing = Find(ctx, name);
  if (existing && !overwrite)
    return AwsError::Make("ParameterAlreadyExists",
                          "The parameter already exists. To overwrite this value, set the overwrite option in the "
                          "request to true.");
  const ParameterVersion* prev = existing ? &existing->current() : nullptr;
  if (!prev && !Has(in, "Type")) return Validation("A parameter type is required when you create a parameter.");

  ParameterVersion v;
  v.type = Has(in, "Type") ? GetString(in, "Type") : prev->type;
  v.value = value;
  v.description = Has(in, "Description") ? GetString(in, "Description") : (prev ? prev->description : "");
  v.allowed_pattern =
      Has(in, "AllowedPattern") ? GetString(in, "AllowedPattern") : (prev ? prev->allowed_pattern : "");
  v.data_type = Has(in, "DataType") ? GetString(in, "DataType") : (prev ? prev->data_type : "text");
  v.policies = Has(in, "Policies") ? GetString(in, "Policies") : (prev ? prev->policies : "");

  // Data type: text, or the shape of an AMI id (AWS then checks the image exists).
  if (v.data_type.empty()) v.data_type = "text";
  if (v.data_type != "text" && v.data_type != "aws:ec2:image" && v.data_type != "aws:ssm:integration")
    return Validation("The following data type is not supported: " + v.data_type +
                      " (Data type names are all lowercase.)");
  if (v.data_type == "aws:ec2:image") {
    if (v.type != "String")
      return Validation("Parameters of data type aws:ec2:image must be of type String.");
    static const std::regex ami("ami-([0-9a-f]{8}|[0-9a-f]{17})");
    if (!std::regex_match(v.value, ami))
      return Validation("Invalid formatted parameter value. It should be an AMI ID in the format ami-12345abc or "
                        "ami-12345abcdef01234.");
  }
  if (v.data_type == "aws:ssm:integration" && v.type != "SecureString")
    return Validation("Parameters of data type aws:ssm:integration must be of type SecureString.");

  // KMS key: SecureString only, alias/aws/ssm unless named.
  if (Has(in, "KeyId") && v.type != "SecureString")
    return Validation("KeyId is only valid for parameters of type SecureString.");
  if (v.type == "SecureString") {
    v.key_id = Has(in, "KeyId") ? GetString(in, "KeyId")
                                : (prev && prev->type == "SecureString" ? prev->key_id : std::string(kDefaultKey));
    if (!ValidKeyId(v.key_id)) return AwsError::Make("InvalidKeyId", "Invalid keyId " + v.key_id);
  }

  // AllowedPattern: a regular expression the value must match.
  if (!v.allowed_pattern.empty()) {
    std::optional<std::regex> re;
    try {
      re.emplace(v.allowed_pattern);
    } catch (const std::regex_error&) {
      return AwsError::Make("InvalidAllowedPatternException", "The allowed pattern is not a valid regular expression.");
    }
    if (!std::regex_search(v.value, *re))
      return AwsError::Make("ParameterPatternMismatchException",
                            "Parameter value, cannot be validated against allowedPattern: " + v.allowed_pattern);
  }

  // Policies: a JSON array of policies, advanced tier only.
  if (!v.policies.empty()) {
    boost::system::error_code ec;
    json::value doc = json::parse(v.policies, ec);
    if (ec || !doc.is_array())
      return AwsError::Make("InvalidPolicyTypeException", "The policy type is not supported. Parameter Store supports "
                                                          "the following policy types: Expiration, "
                                                          "ExpirationNotification, and NoChangeNotification.");
    for (const auto& pol : doc.as_array()) {
      std::string type = pol.is_object() ? GetString(pol.as_object(), "Type") : "";
      if (type != "Expiration" && type != "ExpirationNotification" && type != "NoChangeNotification")
        return AwsError::Make("InvalidPolicyTypeException",
                              "The policy type is not supported. Parameter Store supports the following policy "
                              "types: Expiration, ExpirationNotification, and NoChangeNotification.");
    }
  }

  // Tier: Standard (4 KB, no policies), Advanced (8 KB), or Intelligent-Tiering's pick.
  std::string prev_tier = prev ? prev->tier : "Standard";
  bool needs_advanced = v.value.size() > kMaxStandardValue || !v.policies.empty();
  v.tier = GetString(in, "Tier");
  if (v.tier.empty()) v.tier = prev_tier;  // the account's default tier (Standard) for a new parameter
  if (v.tier == "Intelligent-Tiering") v.tier = needs_advanced || prev_tier == "Advanced" ? "Advanced" : "Standard";
  if (v.tier == "Standard" && prev_tier == "Advanced")
    return Validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
                      "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the "
                      "advanced parameter and recreate it as a standard parameter.");
  if (v.tier == "Standard" && v.value.size() > kMaxStandardValue)
    return Validation("Standard tier parameters support a maximum parameter value of 4096 characters. To create a "
                      "larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more "
                      "information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
                      "parameter-store-advanced-parameters.html");
  if (v.tier == "Standard" && !v.policies.empty())
    return Validation("Standard tier parameters don't support parameter policies. Upgrade the parameter to use the "
                      "advanced-parameter tier.");
  if (v.value.size() > kMaxAdvancedValue)
    return Validation("Advanced tier parameters support a maximum parameter value of 8192 characters.");

  Parameter p = existing ? *existing : Parameter{name, {}, {}};
  if (!existing) {
    size_t standard = 0, advanced = 0;
    std::string prefix = Prefix(ctx);
    for (auto it = params_.lower_bound(prefix); it != params_.end() && StartsWith(it->first, prefix); ++it)
      (it->second.current().tier == "Advanced" ? advanced : standard)++;
    if ((v.tier == "Standard" && standard >= kMaxStandardParameters) ||
        (v.tier == "Advanced" && advanced >= kMaxAdvancedParameters))
      return AwsError::Make("ParameterLimitExceeded",
                            "You have exceeded the number of parameters for this AWS account. Delete one or more "
                            "parameters and try again.");
    FARGO_TRY(MergeTags(p, tags));
  }
  // 100 versions at most: the oldest goes, unless a label holds it.
  if (p.versions.size() >= kMaxVersions) {
    const ParameterVersion& oldest = p.versions.front();
    if (!oldest.labels.empty())
      return AwsError::Make("ParameterMaxVersionLimitExceeded",
                            "You attempted to create a new version of " + name +
                                " by calling the PutParameter API with the overwrite flag. Version " +
                                std::to_string(oldest.version) +
                                ", the oldest version, can't be deleted because it has a label associated with it. "
                                "Move the label to another version of the parameter, and try again.");
    p.versions.erase(p.versions.begin());
  }
  v.version = prev ? prev->version + 1 : 1;
  v.last_modified = static_cast<double>(env_.clock.NowMillis()) / 1000.0;
  v.last_modified_user = "arn:aws:iam::" + ctx.account + ":root";
  p.versions.push_back(v);
  FARGO_TRY(Save(ctx, std::move(p)));
  return json::object{{"Version", v.version}, {"Tier", v.tier}};
}

// ---- reads ----------------------------------------------------------------------

Result<json::object> SsmService::Lookup(const CallContext& ctx, const std::string& text, bool decrypt) const {
  FARGO_ASSIGN_OR_RETURN(ssm::Selector sel, ssm::ParseSelector(text));
  FARGO_TRY(ssm::ValidateLookupName(sel.name));
  json::object out;
  if (ssm::IsPublicName(sel.name)) {
    auto pub = public_.Find(ctx.region, sel.name);
    if (!pub) return NotFound();
    if (!sel.selector.empty() && (!sel.version || *sel.version != pub->version))
      return VersionNotFound(sel.selector, sel.name);
    out = DescribePublic(ctx, *pub);
  } else {
    const Parameter* found = Find(ctx, sel.name);
    if (!found) return NotFound();
    Parameter& p = const_cast<Parameter&>(*found);  // the finders are non-const; nothing is changed
    const ParameterVersion* v = &p.current();
    if (sel.version) v = p.FindVersion(*sel.version);
    else if (!sel.selector.empty()) v = p.FindLabel(sel.selector);
    if (!v) return VersionNotFound(sel.selector, sel.name);
    out = Describe(ctx, p, *v, decrypt);
  }
  if (!sel.selector.empty()) out["Selector"] = ":" + sel.selector;
  return out;
}

Result<json::object> SsmService::GetParameter(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(json::object p, Lookup(ctx, GetString(in, "Name"), GetBool(in, "WithDecryption")));
  return json::object{{"Parameter", std::move(p)}};
}

Result<json::object> SsmService::GetParameters(CallContext& ctx, json::object& in) {
  json::array found, invalid;
  std::set<std::string> seen;
  bool decrypt = GetBool(in, "WithDecryption");
  if (const auto* names = GetArray(in, "Names"))
    for (const auto& n : *names) {
      std::string name = n.is_string() ? std::string(n.as_string()) : "";
      if (!seen.insert(name).second) continue;
      auto p = Lookup(ctx, name, decrypt);
      if (p.ok())
        found.emplace_back(std::move(p).value());
      else if (p.error().code == "ParameterNotFound" || p.error().code == "ParameterVersionNotFound" ||
               p.error().code == "ValidationException")
        invalid.emplace_back(name);
      else
        return p.error();
    }
  return json::object{{"Parameters", std::move(found)}, {"InvalidParameters", std::move(invalid)}};
}

Result<json::object> SsmService::GetParametersByPath(CallContext& ctx, json::object& in) {
  std::string path = GetString(in, "Path");
  FARGO_TRY(ssm::ValidatePath(path));
  bool recursive = GetBool(in, "Recursive"), decrypt = GetBool(in, "WithDecryption");
  FARGO_ASSIGN_OR_RETURN(auto filters,
                         ParameterFilter::FromStringFilters(GetArray(in, "ParameterFilters"),
                                                            ParameterFilter::For::kByPath));
  std::string prefix = path == "/" ? "/" : (EndsWith(path, "/") ? path : path + "/");
  // Label filters pick the labelled version; everything else the current one.
  const ParameterFilter* label = nullptr;
  for (const auto& f : filters)
    if (f.key() == "Label") label = &f;
  auto pick = [&](const Parameter& p) -> const ParameterVersion* {
    for (auto it = p.versions.rbegin(); it != p.versions.rend(); ++it) {
      if (label && !label->Matches(p, *it)) continue;
      bool ok = true;
      for (const auto& f : filters) ok = ok && f.Matches(p, *it);
      if (ok) return &*it;
      if (!label) return nullptr;
    }
    return nullptr;
  };
  json::array all;
  if (ssm::IsPublicName(prefix)) {
    for (const auto& pub : public_.Under(ctx.region, prefix, recursive)) {
      Parameter p = AsParameter(pub);
      if (pick(p)) all.emplace_back(DescribePublic(ctx, pub));
    }
  } else {
    std::string key_prefix = Key(ctx, prefix);
    for (auto it = params_.lower_bound(key_prefix); it != params_.end() && StartsWith(it->first, key_prefix); ++it) {
      const Parameter& p = it->second;
      if (!recursive && p.name.find('/', prefix.size()) != std::string::npos) continue;
      if (const ParameterVersion* v = pick(p)) {
        json::object d = Describe(ctx, p, *v, decrypt);
        if (label) d["Selector"] = ":" + std::to_string(v->version);
        all.emplace_back(std::move(d));
      }
    }
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, all.size(), 10));
  json::array out(all.begin() + static_cast<std::ptrdiff_t>(page.begin), all.begin() + static_cast<std::ptrdiff_t>(page.end));
  json::object r{{"Parameters", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> SsmService::DescribeParameters(CallContext& ctx, json::object& in) {
  if (Has(in, "Filters") && Has(in, "ParameterFilters"))
    return Validation("You can use either Filters or ParameterFilters in a single request.");
  std::vector<ParameterFilter> filters;
  if (Has(in, "Filters")) {
    FARGO_ASSIGN_OR_RETURN(filters, ParameterFilter::FromLegacyFilters(GetArray(in, "Filters")));
  } else {
    FARGO_ASSIGN_OR_RETURN(filters, ParameterFilter::FromStringFilters(GetArray(in, "ParameterFilters"),
                                                                       ParameterFilter::For::kDescribe));
  }
  std::vector<const Parameter*> matched;
  std::string prefix = Prefix(ctx);
  for (auto it = params_.lower_bound(prefix); it != params_.end() && StartsWith(it->first, prefix); ++it) {
    bool ok = true;
    for (const auto& f : filters) ok = ok && f.Matches(it->second, it->second.current());
    if (ok) matched.push_back(&it->second);
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, matched.size(), 10));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i) {
    const Parameter& p = *matched[i];
    const ParameterVersion& v = p.current();
    json::object m{{"Name", p.name},
                   {"ARN", ssm::ParameterArn(ctx.region, ctx.account, p.name)},
                   {"Type", v.type},
                   {"LastModifiedDate", v.last_modified},
                   {"LastModifiedUser", v.last_modified_user},
                   {"Version", v.version},
                   {"Tier", v.tier},
                   {"Policies", PoliciesOf(v)},
                   {"DataType", v.data_type}};
    if (v.type == "SecureString") m["KeyId"] = v.key_id;
    if (!v.description.empty()) m["Description"] = v.description;
    if (!v.allowed_pattern.empty()) m["AllowedPattern"] = v.allowed_pattern;
    out.emplace_back(std::move(m));
  }
  json::object r{{"Parameters", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> SsmService::GetParameterHistory(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  const Parameter* p = Find(ctx, name);
  if (!p) return NotFound();
  bool decrypt = GetBool(in, "WithDecryption");
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, p->versions.size(), 50));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i) {
    const ParameterVersion& v = p->versions[i];
    json::array labels;
    for (const auto& l : v.labels) labels.emplace_back(l);
    json::object h{{"Name", p->name},
                   {"Type", v.type},
                   {"LastModifiedDate", v.last_modified},
                   {"LastModifiedUser", v.last_modified_user},
                   {"Value", v.type == "SecureString" && !decrypt ? Ciphertext(v.key_id, v.value) : v.value},
                   {"Version", v.version},
                   {"Labels", std::move(labels)},
                   {"Tier", v.tier},
                   {"Policies", PoliciesOf(v)},
                   {"DataType", v.data_type}};
    if (v.type == "SecureString") h["KeyId"] = v.key_id;
    if (!v.description.empty()) h["Description"] = v.description;
    if (!v.allowed_pattern.empty()) h["AllowedPattern"] = v.allowed_pattern;
    out.emplace_back(std::move(h));
  }
  json::object r{{"Parameters", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

// ---- labels -----------------------------------------------------------------------

Result<json::object> SsmService::LabelParameterVersion(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  const Parameter* found = Find(ctx, name);
  if (!found) return NotFound();
  Parameter p = *found;
  int64_t version = Has(in, "ParameterVersion") ? GetInt(in, "ParameterVersion") : p.current().version;
  ParameterVersion* target = p.FindVersion(version);
  if (!target) return VersionNotFound(std::to_string(version), name);
  json::array invalid;
  std::vector<std::string> add;
  if (const auto* labels = GetArray(in, "Labels"))
    for (const auto& l : *labels) {
      std::string label = l.is_string() ? std::string(l.as_string()) : "";
      if (!ssm::IsValidLabel(label))
        invalid.emplace_back(label);
      else if (std::find(target->labels.begin(), target->labels.end(), label) == target->labels.end() &&
               std::find(add.begin(), add.end(), label) == add.end())
        add.push_back(label);
    }
  if (target->labels.size() + add.size() > kMaxLabelsPerVersion)
    return AwsError::Make("ParameterVersionLabelLimitExceeded",
                          "A parameter version can have maximum 10 labels.Move one or more labels to another "
                          "version and try again.");
  // A label names one version: it moves here from wherever it was.
  for (const auto& label : add) {
    for (auto& v : p.versions) v.labels.erase(std::remove(v.labels.begin(), v.labels.end(), label), v.labels.end());
    target->labels.push_back(label);
  }
  if (!add.empty()) FARGO_TRY(Save(ctx, std::move(p)));
  return json::object{{"InvalidLabels", std::move(invalid)}, {"ParameterVersion", version}};
}

Result<json::object> SsmService::UnlabelParameterVersion(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  const Parameter* found = Find(ctx, name);
  if (!found) return NotFound();
  Parameter p = *found;
  int64_t version = GetInt(in, "ParameterVersion");
  ParameterVersion* target = p.FindVersion(version);
  if (!target) return VersionNotFound(std::to_string(version), name);
  json::array removed, invalid;
  if (const auto* labels = GetArray(in, "Labels"))
    for (const auto& l : *labels) {
      std::string label = l.is_string() ? std::string(l.as_string()) : "";
      auto it = std::find(target->labels.begin(), target->labels.end(), label);
      if (it == target->labels.end()) {
        invalid.emplace_back(label);
      } else {
        target->labels.erase(it);
        removed.emplace_back(label);
      }
    }
  if (!removed.empty()) FARGO_TRY(Save(ctx, std::move(p)));
  return json::object{{"RemovedLabels", std::move(removed)}, {"InvalidLabels", std::move(invalid)}};
}

// ---- deletes ----------------------------------------------------------------------

Result<json::object> SsmService::DeleteParameter(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  if (!Find(ctx, name)) return NotFound();
  FARGO_TRY(Remove(ctx, name));
  return json::object{};
}

Result<json::object> SsmService::DeleteParameters(CallContext& ctx, json::object& in) {
  json::array deleted, invalid;
  std::set<std::string> seen;
  if (const auto* names = GetArray(in, "Names"))
    for (const auto& n : *names) {
      std::string name = n.is_string() ? std::string(n.as_string()) : "";
      if (!seen.insert(name).second) continue;
      if (!Find(ctx, name)) {
        invalid.emplace_back(name);
        continue;
      }
      FARGO_TRY(Remove(ctx, name));
      deleted.emplace_back(name);
    }
  return json::object{{"DeletedParameters", std::move(deleted)}, {"InvalidParameters", std::move(invalid)}};
}

// ---- tags ------------------------------------------------------------------------

Result<const Parameter*> SsmService::TagTarget(const CallContext& ctx, const json::object& in) const {
  std::string id = GetString(in, "ResourceId");
  if (GetString(in, "ResourceType") != "Parameter")
    return AwsError::Make("InvalidResourceId", "The resource ID \"" + id + "\" is not valid. Verify the ID and try again.");
  // An ARN names the parameter after ":parameter".
  if (StartsWith(id, "arn:")) {
    auto at = id.find(":parameter/");
    if (at != std::string::npos) {
      std::string rest = id.substr(at + 10);  // keeps the leading '/'
      id = Find(ctx, rest) ? rest : rest.substr(1);
    }
  }
  const Parameter* p = Find(ctx, id);
  if (!p) return AwsError::Make("InvalidResourceId", "The resource ID \"" + id + "\" is not valid. Verify the ID and try again.");
  return p;
}

Result<json::object> SsmService::AddTagsToResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const Parameter* found, TagTarget(ctx, in));
  Parameter p = *found;
  FARGO_TRY(MergeTags(p, TagsOf(in)));
  FARGO_TRY(Save(ctx, std::move(p)));
  return json::object{};
}

Result<json::object> SsmService::RemoveTagsFromResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const Parameter* found, TagTarget(ctx, in));
  Parameter p = *found;
  if (const auto* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys) {
      if (!k.is_string()) continue;
      std::string key(k.as_string());
      p.tags.erase(std::remove_if(p.tags.begin(), p.tags.end(), [&key](const auto& t) { return t.first == key; }),
                   p.tags.end());
    }
  FARGO_TRY(Save(ctx, std::move(p)));
  return json::object{};
}

Result<json::object> SsmService::ListTagsForResource(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const Parameter* p, TagTarget(ctx, in));
  json::array tags;
  for (const auto& [k, v] : p->tags) tags.emplace_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"TagList", std::move(tags)}};
}

}  // namespace fargo::services
