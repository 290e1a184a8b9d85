#include "protocol/codec.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/strings.h"

namespace fargo::protocol {
namespace json = boost::json;

namespace {

AwsError Serialization(const std::string& msg) {
  return AwsError::Make("SerializationException", msg, 400);
}

std::string ValidationCode(const ServiceModel& model) {
  switch (model.protocol()) {
    case Protocol::kQuery: return "ValidationError";
    case Protocol::kEc2: return "InvalidParameterValue";
    default: break;
  }
  if (model.service() == "logs") return "InvalidParameterException";
  if (model.service() == "ecs") return "ClientException";
  if (model.service() == "servicediscovery") return "InvalidInput";
  return "ValidationException";
}

std::string FormatNumber(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
    return buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string ScalarText(const Shape& shape, const json::value& v, const std::string& ts_format) {
  switch (shape.type) {
    case ShapeType::kBoolean:
      return v.is_bool() ? (v.as_bool() ? "true" : "false") : "false";
    case ShapeType::kTimestamp: {
      double t = v.is_number() ? v.to_number<double>() : 0.0;
      if (v.is_string()) return std::string(v.as_string());
      std::string fmt = ts_format.empty() ? shape.timestamp_format : ts_format;
      if (fmt == "unixTimestamp") return FormatNumber(t);
      if (fmt == "rfc822") return Rfc822(t);
      return Iso8601(t);
    }
    case ShapeType::kBlob:
      return v.is_string() ? Base64Encode(v.as_string()) : std::string();
    case ShapeType::kInteger:
    case ShapeType::kLong:
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      if (v.is_int64()) return std::to_string(v.as_int64());
      if (v.is_uint64()) return std::to_string(v.as_uint64());
      if (v.is_double()) return FormatNumber(v.as_double());
      if (v.is_string()) return std::string(v.as_string());
      return "0";
    default:
      if (v.is_string()) return std::string(v.as_string());
      if (v.is_bool()) return v.as_bool() ? "true" : "false";
      if (v.is_number()) return FormatNumber(v.to_number<double>());
      return std::string();
  }
}

// ---- Coercion (wire value -> handler data) --------------------------------

Result<json::value> CoerceScalarFromString(const Shape& shape, const std::string& s,
                                           const std::string& path) {
  switch (shape.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0')
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value '" + s + "' for " + path + ": expected an integer");
      return json::value(static_cast<int64_t>(v));
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0')
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value '" + s + "' for " + path + ": expected a number");
      return json::value(v);
    }
    case ShapeType::kBoolean: {
      std::string l = ToLower(s);
      if (l != "true" && l != "false")
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value '" + s + "' for " + path + ": expected a boolean");
      return json::value(l == "true");
    }
    case ShapeType::kTimestamp: {
      auto t = ParseTimestamp(s);
      if (!t)
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value '" + s + "' for " + path + ": expected a timestamp");
      return json::value(*t);
    }
    case ShapeType::kBlob: {
      auto b = Base64Decode(s);
      if (!b)
        return AwsError::Make("InvalidParameterValue",
                              "Invalid value for " + path + ": expected base64");
      return json::value(json::string(*b));
    }
    default:
      return json::value(json::string(s));
  }
}

}  // namespace

namespace {

// A position in the request, rendered only when a message needs it, so the
// hot path builds no strings: "logEvents.3.member.message".
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // member name, or empty for a list element
  int index = 0;          // list element number (1-based) when name is empty
  bool lower = false;     // render the member name lowerCamel

  std::string str() const {
    std::string head = parent ? parent->str() : std::string();
    std::string part;
    if (name.empty() && index > 0) {
      part = std::to_string(index) + ".member";
    } else if (!name.empty()) {
      part = std::string(name);
      if (lower) part[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(part[0])));
    }
    if (part.empty()) return head;
    return head.empty() ? part : head + "." + part;
  }
};

// Converts `v` in place to the data convention for `shape`; drops members
// the model does not know and explicit nulls.
Status CoerceInPlace(const Shape& shape, json::value& v, const Path& path) {
  if (shape.document) return OkStatus();
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (!v.is_object())
        return Serialization("Start of structure or map expected at '" + path.str() + "'");
      auto& o = v.as_object();
      for (auto it = o.begin(); it != o.end();) {
        const Member* m = shape.FindMember(it->key());
        if (!m || it->value().is_null()) {
          it = o.erase(it);  // moves the last element here: do not advance
          continue;
        }
        Path sub{&path, m->name};
        FARGO_TRY(CoerceInPlace(*m->shape, it->value(), sub));
        ++it;
      }
      return OkStatus();
    }
    case ShapeType::kList: {
      if (!v.is_array()) return Serialization("Start of list expected at '" + path.str() + "'");
      auto& a = v.as_array();
      int i = 0;
      for (auto it = a.begin(); it != a.end();) {
        ++i;
        if (it->is_null()) {
          it = a.erase(it);
          continue;
        }
        Path sub{&path, {}, i};
        FARGO_TRY(CoerceInPlace(*shape.member, *it, sub));
        ++it;
      }
      return OkStatus();
    }
    case ShapeType::kMap: {
      if (!v.is_object()) return Serialization("Start of map expected at '" + path.str() + "'");
      auto& o = v.as_object();
      for (auto it = o.begin(); it != o.end();) {
        if (it->value().is_null()) {
          it = o.erase(it);
          continue;
        }
        FARGO_TRY(CoerceInPlace(*shape.value, it->value(), path));
        ++it;
      }
      return OkStatus();
    }
    case ShapeType::kString:
      if (!v.is_string()) return Serialization("Expected a string at '" + path.str() + "'");
      return OkStatus();
    case ShapeType::kInteger:
    case ShapeType::kLong:
      if (v.is_int64()) return OkStatus();
      if (v.is_uint64()) {
        v = static_cast<int64_t>(v.as_uint64());
        return OkStatus();
      }
      if (v.is_double() && std::floor(v.as_double()) == v.as_double()) {
        v = static_cast<int64_t>(v.as_double());
        return OkStatus();
      }
      break;
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      if (v.is_number()) {
        v = v.to_number<double>();
        return OkStatus();
      }
      break;
    case ShapeType::kBoolean:
      if (v.is_bool()) return OkStatus();
      break;
    case ShapeType::kTimestamp:
      if (v.is_number()) {
        v = v.to_number<double>();
        return OkStatus();
      }
      if (v.is_string()) {
        if (auto t = ParseTimestamp(v.as_string())) {
          v = *t;
          return OkStatus();
        }
        return Serialization("Expected a timestamp at '" + path.str() + "'");
      }
      break;
    case ShapeType::kBlob:
      if (v.is_string()) {
        if (auto b = Base64Decode(v.as_string())) {
          v = json::string(*b);
          return OkStatus();
        }
      }
      return Serialization("Expected base64 at '" + path.str() + "'");
  }
  // Numbers and booleans sent as strings are accepted, as AWS's JSON services do.
  if (v.is_string()) {
    FARGO_ASSIGN_OR_RETURN(json::value c,
                           CoerceScalarFromString(shape, std::string(v.as_string()), path.str()));
    v = std::move(c);
    return OkStatus();
  }
  return Serialization("Unexpected value type at '" + path.str() + "'");
}

}  // namespace

Result<json::value> Coerce(const ServiceModel& model, const Shape& shape, const json::value& v,
                           const std::string& path) {
  (void)model;
  json::value copy = v;
  Path root{nullptr, path};
  FARGO_TRY(CoerceInPlace(shape, copy, root));
  return copy;
}

// ---- Validation -----------------------------------------------------------

namespace {

void ValidateValue(const Shape& shape, const json::value& v, const Path& path,
                   std::vector<std::string>& errs, std::string& missing_ec2) {
  auto value_text = [&]() -> std::string {
    if (v.is_string()) return "'" + std::string(v.as_string()) + "'";
    if (v.is_number()) return "'" + FormatNumber(v.to_number<double>()) + "'";
    return "'" + json::serialize(v) + "'";
  };
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (!v.is_object()) return;
      const auto& o = v.as_object();
      for (const auto& m : shape.members) {
        Path sub{&path, m.name, 0, true};
        auto* mv = o.if_contains(m.name);
        if (!mv) {
          if (m.required) {
            errs.push_back("Value null at '" + sub.str() +
                           "' failed to satisfy constraint: Member must not be null");
            if (missing_ec2.empty()) missing_ec2 = m.query_name.empty() ? m.name : m.query_name;
          }
          continue;
        }
        ValidateValue(*m.shape, *mv, sub, errs, missing_ec2);
      }
      return;
    }
    case ShapeType::kList: {
      if (!v.is_array()) return;
      const auto& a = v.as_array();
      if (shape.min && a.size() < *shape.min)
        errs.push_back("Value " + json::serialize(v) + " at '" + path.str() +
                       "' failed to satisfy constraint: Member must have length greater than or equal to " +
                       FormatNumber(*shape.min));
      if (shape.max && a.size() > *shape.max)
        errs.push_back("Value at '" + path.str() +
                       "' failed to satisfy constraint: Member must have length less than or equal to " +
                       FormatNumber(*shape.max));
      int i = 0;
      for (const auto& e : a) {
        Path sub{&path, {}, ++i};
        ValidateValue(*shape.member, e, sub, errs, missing_ec2);
      }
      return;
    }
    case ShapeType::kMap: {
      if (!v.is_object()) return;
      for (const auto& kv : v.as_object()) ValidateValue(*shape.value, kv.value(), path, errs, missing_ec2);
      return;
    }
    case ShapeType::kString: {
      if (!v.is_string()) return;
      const auto& s = v.as_string();
      if (shape.min && s.size() < *shape.min)
        errs.push_back("Value " + value_text() + " at '" + path.str() +
                       "' failed to satisfy constraint: Member must have length greater than or equal to " +
                       FormatNumber(*shape.min));
      if (shape.max && s.size() > *shape.max)
        errs.push_back("Value " + value_text() + " at '" + path.str() +
                       "' failed to satisfy constraint: Member must have length less than or equal to " +
                       FormatNumber(*shape.max));
      if (!shape.enums.empty()) {
        bool found = false;
        for (const auto& e : shape.enums) found |= (e == s);
        if (!found) {
          std::string set;
          for (const auto& e : shape.enums) set += (set.empty() ? "" : ", ") + e;
          errs.push_back("Value " + value_text() + " at '" + path.str() +
                         "' failed to satisfy constraint: Member must satisfy enum value set: [" + set + "]");
        }
      }
      return;
    }
    case ShapeType::kInteger:
    case ShapeType::kLong:
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      if (!v.is_number()) return;
      double d = v.to_number<double>();
      if (shape.min && d < *shape.min)
        errs.push_back("Value " + value_text() + " at '" + path.str() +
                       "' failed to satisfy constraint: Member must have value greater than or equal to " +
                       FormatNumber(*shape.min));
      if (shape.max && d > *shape.max)
        errs.push_back("Value " + value_text() + " at '" + path.str() +
                       "' failed to satisfy constraint: Member must have value less than or equal to " +
                       FormatNumber(*shape.max));
      return;
    }
    default:
      return;
  }
}

Status ValidateTop(const ServiceModel& model, const Shape& shape, const json::value& input) {
  std::vector<std::string> errs;
  std::string missing;
  ValidateValue(shape, input, Path{}, errs, missing);
  if (errs.empty()) return OkStatus();
  if (model.protocol() == Protocol::kEc2) {
    if (!missing.empty()) {
      std::string name = missing;
      if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
      return AwsError::Make("MissingParameter", "The request must contain the parameter " + name);
    }
    return AwsError::Make("InvalidParameterValue", errs.front());
  }
  std::string msg = std::to_string(errs.size()) + " validation error" + (errs.size() > 1 ? "s" : "") +
                    " detected: ";
  for (size_t i = 0; i < errs.size(); ++i) msg += (i ? "; " : "") + errs[i];
  return AwsError::Make(ValidationCode(model), msg);
}

}  // namespace

Status Validate(const ServiceModel& model, const Shape& shape, const json::object& input) {
  return ValidateTop(model, shape, json::value(input));
}

// ---- JSON 1.1 -------------------------------------------------------------

Result<json::object> DecodeJsonRequest(const ServiceModel& model, const Operation& op,
                                       std::string_view body, json::storage_ptr storage) {
  json::value doc(storage);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    doc = json::object(storage);
  } else {
    boost::system::error_code ec;
    doc = json::parse(body, ec, storage);
    if (ec) return Serialization("Malformed JSON request body: " + ec.message());
  }
  if (!op.input) return json::object();
  if (!doc.is_object()) return Serialization("Request body must be a JSON object");
  FARGO_TRY(CoerceInPlace(*op.input, doc, Path{}));
  FARGO_TRY(ValidateTop(model, *op.input, doc));
  return std::move(doc.as_object());
}

namespace {

json::value EncodeJsonValue(const Shape& shape, const json::value& v) {
  if (shape.document) return v;
  switch (shape.type) {
    case ShapeType::kStructure: {
      json::object out;
      if (!v.is_object()) return out;
      for (const auto& m : shape.members) {
        auto* mv = v.as_object().if_contains(m.name);
        if (!mv || mv->is_null()) continue;
        out.emplace(m.location_name.empty() || !m.location.empty() ? m.name : m.location_name,
                    EncodeJsonValue(*m.shape, *mv));
      }
      return out;
    }
    case ShapeType::kList: {
      json::array out;
      if (v.is_array())
        for (const auto& e : v.as_array()) out.push_back(EncodeJsonValue(*shape.member, e));
      return out;
    }
    case ShapeType::kMap: {
      json::object out;
      if (v.is_object())
        for (const auto& kv : v.as_object()) out.emplace(kv.key(), EncodeJsonValue(*shape.value, kv.value()));
      return out;
    }
    case ShapeType::kBlob:
      return v.is_string() ? json::value(json::string(Base64Encode(v.as_string()))) : v;
    case ShapeType::kTimestamp:
      if (v.is_number()) {
        // Whole seconds as integers, else millisecond precision.
        double d = v.to_number<double>();
        if (std::floor(d) == d) return json::value(static_cast<int64_t>(d));
        return json::value(std::round(d * 1000.0) / 1000.0);
      }
      return v;
    default:
      return v;
  }
}

void WriteStructMembers(const ServiceModel& model, const Shape& shape, const json::object& o,
                        std::string& out, bool ec2) {
  for (const auto& m : shape.members) {
    auto* mv = o.if_contains(m.name);
    if (!mv || mv->is_null()) continue;
    std::string name = m.location_name.empty() ? m.name : m.location_name;
    if (m.shape->type == ShapeType::kList && (m.flattened || m.shape->flattened)) {
      if (!mv->is_array()) continue;
      std::string item = m.shape->member_location_name.empty() ? name : m.shape->member_location_name;
      if (!m.location_name.empty()) item = m.location_name;
      for (const auto& e : mv->as_array()) WriteXmlValue(model, *m.shape->member, e, item, out, ec2);
      continue;
    }
    if (m.shape->type == ShapeType::kTimestamp && !m.timestamp_format.empty()) {
      out += "<" + name + ">" + XmlEscape(ScalarText(*m.shape, *mv, m.timestamp_format)) + "</" + name + ">";
      continue;
    }
    WriteXmlValue(model, *m.shape, *mv, name, out, ec2);
  }
}

}  // namespace

void WriteXmlValue(const ServiceModel& model, const Shape& shape, const json::value& v,
                   const std::string& element, std::string& out, bool ec2) {
  switch (shape.type) {
    case ShapeType::kStructure:
      out += "<" + element + ">";
      if (v.is_object()) WriteStructMembers(model, shape, v.as_object(), out, ec2);
      out += "</" + element + ">";
      return;
    case ShapeType::kList: {
      out += "<" + element + ">";
      std::string item = shape.member_location_name.empty() ? (ec2 ? "item" : "member")
                                                            : shape.member_location_name;
      if (v.is_array())
        for (const auto& e : v.as_array()) WriteXmlValue(model, *shape.member, e, item, out, ec2);
      out += "</" + element + ">";
      return;
    }
    case ShapeType::kMap: {
      std::string k = shape.key_location_name.empty() ? "key" : shape.key_location_name;
      std::string val = shape.value_location_name.empty() ? "value" : shape.value_location_name;
      if (!shape.flattened) out += "<" + element + ">";
      if (v.is_object()) {
        for (const auto& kv : v.as_object()) {
          out += shape.flattened ? "<" + element + ">" : std::string("<entry>");
          out += "<" + k + ">" + XmlEscape(kv.key()) + "</" + k + ">";
          WriteXmlValue(model, *shape.value, kv.value(), val, out, ec2);
          out += shape.flattened ? "</" + element + ">" : std::string("</entry>");
        }
      }
      if (!shape.flattened) out += "</" + element + ">";
      return;
    }
    default:
      out += "<" + element + ">" + XmlEscape(ScalarText(shape, v, "")) + "</" + element + ">";
  }
}

// ---- query / EC2 query ----------------------------------------------------

Params ParseForm(std::string_view body) {
  Params p;
  for (const auto& part : Split(body, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string k = UrlDecode(part.substr(0, eq));
    std::string v = eq == std::string::npos ? std::string() : UrlDecode(part.substr(eq + 1));
    p.emplace(std::move(k), std::move(v));
  }
  return p;
}

namespace {

bool HasPrefix(const Params& p, const std::string& prefix) {
  auto it = p.lower_bound(prefix);
  if (it == p.end()) return false;
  if (it->first == prefix) return true;
  return StartsWith(it->first, prefix + ".");
}

Result<json::value> DecodeQueryValue(const ServiceModel& model, const Shape& shape,
                                     const Params& p, const std::string& prefix);

std::string QueryKey(const ServiceModel& model, const Member& m) {
  if (model.protocol() == Protocol::kEc2) {
    if (!m.query_name.empty()) return m.query_name;
    std::string n = m.location_name.empty() ? m.name : m.location_name;
    if (!n.empty()) n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
    return n;
  }
  return m.location_name.empty() ? m.name : m.location_name;
}

Result<json::value> DecodeQueryList(const ServiceModel& model, const Shape& shape, const Params& p,
                                    const std::string& prefix, bool flattened) {
  json::array out;
  std::string base;
  if (model.protocol() == Protocol::kEc2 || flattened) {
    base = prefix;
  } else {
    base = prefix + "." + (shape.member_location_name.empty() ? "member" : shape.member_location_name);
  }
  for (int i = 1;; ++i) {
    std::string key = base + "." + std::to_string(i);
    if (!HasPrefix(p, key)) break;
    FARGO_ASSIGN_OR_RETURN(json::value v, DecodeQueryValue(model, *shape.member, p, key));
    out.push_back(std::move(v));
  }
  return json::value(std::move(out));
}

Result<json::value> DecodeQueryValue(const ServiceModel& model, const Shape& shape,
                                     const Params& p, const std::string& prefix) {
  switch (shape.type) {
    case ShapeType::kStructure: {
      json::object out;
      for (const auto& m : shape.members) {
        std::string key = (prefix.empty() ? "" : prefix + ".") + QueryKey(model, m);
        if (!HasPrefix(p, key)) continue;
        if (m.shape->type == ShapeType::kList) {
          FARGO_ASSIGN_OR_RETURN(json::value v,
                                 DecodeQueryList(model, *m.shape, p, key, m.flattened || m.shape->flattened));
          out.emplace(m.name, std::move(v));
          continue;
        }
        FARGO_ASSIGN_OR_RETURN(json::value v, DecodeQueryValue(model, *m.shape, p, key));
        if (!v.is_null()) out.emplace(m.name, std::move(v));
      }
      return json::value(std::move(out));
    }
    case ShapeType::kList:
      return DecodeQueryList(model, shape, p, prefix, shape.flattened);
    case ShapeType::kMap: {
      json::object out;
      std::string base = shape.flattened ? prefix : prefix + ".entry";
      std::string kn = shape.key_location_name.empty() ? "key" : shape.key_location_name;
      std::string vn = shape.value_location_name.empty() ? "value" : shape.value_location_name;
      for (int i = 1;; ++i) {
        std::string entry = base + "." + std::to_string(i);
        if (!HasPrefix(p, entry)) break;
        auto kit = p.find(entry + "." + kn);
        if (kit == p.end()) continue;
        FARGO_ASSIGN_OR_RETURN(json::value v, DecodeQueryValue(model, *shape.value, p, entry + "." + vn));
        out.emplace(kit->second, std::move(v));
      }
      return json::value(std::move(out));
    }
    default: {
      auto it = p.find(prefix);
      if (it == p.end()) return json::value(nullptr);
      return CoerceScalarFromString(shape, it->second, prefix);
    }
  }
}

}  // namespace

Result<json::object> DecodeQueryRequest(const ServiceModel& model, const Operation& op,
                                        const Params& params) {
  if (!op.input) return json::object();
  FARGO_ASSIGN_OR_RETURN(json::value v, DecodeQueryValue(model, *op.input, params, ""));
  FARGO_TRY(ValidateTop(model, *op.input, v));
  return std::move(v.as_object());
}

// ---- Responses ------------------------------------------------------------

HttpResponse EncodeResponse(const ServiceModel& model, const Operation& op,
                            const json::object& output, const std::string& request_id) {
  HttpResponse r;
  r.status = op.response_code;
  switch (model.protocol()) {
    case Protocol::kJson: {
      r.headers.emplace_back("Content-Type", "application/x-amz-json-" +
                                                 (model.json_version().empty() ? std::string("1.1")
                                                                               : model.json_version()));
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      r.body = op.output ? json::serialize(EncodeJsonValue(*op.output, json::value(output))) : "{}";
      return r;
    }
    case Protocol::kQuery: {
      r.headers.emplace_back("Content-Type", "text/xml");
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      std::string& out = r.body;
      out = "<" + op.name + "Response xmlns=\"" + model.xml_namespace() + "\">";
      if (op.output) {
        std::string wrapper = op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
        out += "<" + wrapper + ">";
        WriteStructMembers(model, *op.output, output, out, false);
        out += "</" + wrapper + ">";
      }
      out += "<ResponseMetadata><RequestId>" + request_id + "</RequestId></ResponseMetadata></" +
             op.name + "Response>";
      return r;
    }
    case Protocol::kEc2: {
      r.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      std::string& out = r.body;
      out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + op.name +
            "Response xmlns=\"http://ec2.amazonaws.com/doc/" + model.api_version() +
            "/\"><requestId>" + request_id + "</requestId>";
      if (op.output) WriteStructMembers(model, *op.output, output, out, true);
      out += "</" + op.name + "Response>";
      return r;
    }
    default:
      // REST-XML (S3) responses are written by the service itself; only its
      // errors come from here (EncodeRestXmlError).
      r.status = 500;
      r.body = "unsupported protocol";
      return r;
  }
}

HttpResponse EncodeRestXmlError(const AwsError& e, const std::string& request_id) {
  HttpResponse r;
  r.status = e.status;
  r.headers.emplace_back("Content-Type", "application/xml");
  if (!request_id.empty()) r.headers.emplace_back("x-amz-request-id", request_id);
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + XmlEscape(e.code) + "</Code><Message>" +
           XmlEscape(e.message) + "</Message>";
  for (const auto& [k, v] : e.details) r.body += "<" + k + ">" + XmlEscape(v) + "</" + k + ">";
  if (!request_id.empty()) r.body += "<RequestId>" + request_id + "</RequestId>";
  r.body += "</Error>";
  return r;
}

HttpResponse EncodeTaskEndpointError(const AwsError& e) {
  HttpResponse r;
  r.status = e.status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = json::serialize(json::object{{"code", e.code}, {"message", e.message}});
  return r;
}

HttpResponse EncodeError(const ServiceModel* model, const AwsError& e, const std::string& request_id) {
  HttpResponse r;
  r.status = e.status;
  Protocol proto = model ? model->protocol() : Protocol::kQuery;
  switch (proto) {
    case Protocol::kJson: {
      r.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      r.headers.emplace_back("x-amzn-ErrorType", e.code);
      json::object o;
      o["__type"] = e.code;
      o["message"] = e.message;
      // Members the error shape adds (Cloud Map's NamespaceId, ServiceId, ...).
      for (const auto& [k, v] : e.details) o[k] = v;
      r.body = json::serialize(o);
      return r;
    }
    case Protocol::kEc2:
      r.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" +
               XmlEscape(e.code) + "</Code><Message>" + XmlEscape(e.message) +
               "</Message></Error></Errors><RequestID>" + request_id + "</RequestID></Response>";
      return r;
    case Protocol::kRestXml:
      return EncodeRestXmlError(e, request_id);
    default:
      r.headers.emplace_back("Content-Type", "text/xml");
      r.headers.emplace_back("x-amzn-RequestId", request_id);
      r.body = "<ErrorResponse xmlns=\"" + (model ? model->xml_namespace() : std::string()) +
               "\"><Error><Type>" + (e.sender ? "Sender" : "Receiver") + "</Type><Code>" +
               XmlEscape(e.code) + "</Code><Message>" + XmlEscape(e.message) +
               "</Message></Error><RequestId>" + request_id + "</RequestId></ErrorResponse>";
      return r;
  }
}

namespace {

// A CBOR text string (RFC 8949 major type 3).
void CborText(std::string& out, std::string_view s) {
  size_t n = s.size();
  if (n < 24) {
    out += static_cast<char>(0x60 + n);
  } else if (n < 256) {
    out += static_cast<char>(0x78);
    out += static_cast<char>(n);
  } else if (n < 65536) {
    out += static_cast<char>(0x79);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(0x7a);
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  out.append(s);
}

}  // namespace

HttpResponse EncodeErrorIn(std::string_view protocol, const KnownService* service, const AwsError& e,
                           const std::string& request_id) {
  HttpResponse r;
  r.status = e.status;
  if (protocol == "json" || protocol == "rest-json") {
    std::string version = service && !service->json_version.empty() ? service->json_version : "1.1";
    r.headers.emplace_back("Content-Type",
                           protocol == "json" ? "application/x-amz-json-" + version : std::string("application/json"));
    r.headers.emplace_back("x-amzn-RequestId", request_id);
    r.headers.emplace_back("x-amzn-ErrorType", e.code);
    r.body = json::serialize(json::object{{"__type", e.code}, {"message", e.message}});
    return r;
  }
  if (protocol == "smithy-rpc-v2-cbor") {
    r.headers.emplace_back("Content-Type", "application/cbor");
    r.headers.emplace_back("smithy-protocol", "rpc-v2-cbor");
    r.headers.emplace_back("x-amzn-RequestId", request_id);
    r.body = "\xa2";
    CborText(r.body, "__type");
    CborText(r.body, e.code);
    CborText(r.body, "message");
    CborText(r.body, e.message);
    return r;
  }
  if (protocol == "ec2") {
    r.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + XmlEscape(e.code) +
             "</Code><Message>" + XmlEscape(e.message) + "</Message></Error></Errors><RequestID>" + request_id +
             "</RequestID></Response>";
    return r;
  }
  // query and REST-XML: <ErrorResponse>, which both protocols' clients read.
  r.headers.emplace_back("Content-Type", "text/xml");
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  std::string ns = service && protocol == "query" ? service->xml_namespace : std::string();
  r.body = "<ErrorResponse" + (ns.empty() ? std::string() : " xmlns=\"" + XmlEscape(ns) + "\"") + "><Error><Type>" +
           (e.sender ? "Sender" : "Receiver") + "</Type><Code>" + XmlEscape(e.code) + "</Code><Message>" +
           XmlEscape(e.message) + "</Message></Error><RequestId>" + request_id + "</RequestId></ErrorResponse>";
  return r;
}

}  // namespace fargo::protocol
