#include "protocol/model.h"

#include <zlib.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/json_access.h"
#include "protocol/embedded_models.h"

namespace fargo::protocol {
namespace json = boost::json;

namespace {

[[noreturn]] void ModelDefect(const std::string& what) {
  std::fprintf(stderr, "fargo: malformed service model: %s\n", what.c_str());
  std::abort();
}

std::optional<double> Num(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  return std::nullopt;
}

ShapeType TypeOf(const std::string& t) {
  static const std::unordered_map<std::string, ShapeType> kTypes = {
      {"structure", ShapeType::kStructure}, {"list", ShapeType::kList},
      {"map", ShapeType::kMap},             {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},     {"long", ShapeType::kLong},
      {"float", ShapeType::kFloat},         {"double", ShapeType::kDouble},
      {"boolean", ShapeType::kBoolean},     {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},           {"character", ShapeType::kString},
      {"byte", ShapeType::kInteger},        {"short", ShapeType::kInteger},
      {"bigdecimal", ShapeType::kDouble},   {"biginteger", ShapeType::kLong},
  };
  auto it = kTypes.find(t);
  if (it == kTypes.end()) ModelDefect("unknown shape type " + t);
  return it->second;
}

std::string Gunzip(const unsigned char* data, size_t size) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) ModelDefect("inflateInit2");
  zs.next_in = const_cast<unsigned char*>(data);
  zs.avail_in = static_cast<uInt>(size);
  std::string out;
  char buf[1 << 16];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) ModelDefect("gzip stream");
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

}  // namespace

std::unique_ptr<ServiceModel> ServiceModel::Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) ModelDefect("not a JSON object");
  auto m = std::make_unique<ServiceModel>();
  const auto& root = doc.as_object();
  const auto& meta = root.at("metadata").as_object();
  std::string proto = GetString(meta, "protocol");
  if (proto == "json") m->protocol_ = Protocol::kJson;
  else if (proto == "query") m->protocol_ = Protocol::kQuery;
  else if (proto == "ec2") m->protocol_ = Protocol::kEc2;
  else if (proto == "rest-xml") m->protocol_ = Protocol::kRestXml;
  else if (proto == "rest-json") m->protocol_ = Protocol::kRestJson;
  else ModelDefect("protocol " + proto);
  m->api_version_ = GetString(meta, "apiVersion");
  m->target_prefix_ = GetString(meta, "targetPrefix");
  m->signing_name_ = GetString(meta, "signingName");
  m->endpoint_prefix_ = GetString(meta, "endpointPrefix");
  if (m->signing_name_.empty()) m->signing_name_ = m->endpoint_prefix_;
  m->xml_namespace_ = GetString(meta, "xmlNamespace");
  m->json_version_ = GetString(meta, "jsonVersion");

  const auto& shapes = root.at("shapes").as_object();
  // Two passes: allocate every shape, then link references.
  for (const auto& kv : shapes) {
    auto s = std::make_unique<Shape>();
    s->name = std::string(kv.key());
    m->shapes_.emplace(s->name, std::move(s));
  }
  auto ref = [&](const json::value& v) -> const Shape* {
    const auto& o = v.as_object();
    auto it = m->shapes_.find(GetString(o, "shape"));
    if (it == m->shapes_.end()) ModelDefect("dangling shape ref " + GetString(o, "shape"));
    return it->second.get();
  };
  for (const auto& kv : shapes) {
    Shape& s = *m->shapes_.at(std::string(kv.key()));
    const auto& o = kv.value().as_object();
    s.type = TypeOf(GetString(o, "type"));
    s.flattened = GetBool(o, "flattened");
    s.min = Num(o, "min");
    s.max = Num(o, "max");
    s.pattern = GetString(o, "pattern");
    s.timestamp_format = GetString(o, "timestampFormat");
    s.streaming = GetBool(o, "streaming");
    s.is_union = GetBool(o, "union");
    s.document = GetBool(o, "document");
    s.payload = GetString(o, "payload");
    s.location_name = GetString(o, "locationName");
    if (auto* ns = o.if_contains("xmlNamespace"); ns && ns->is_object())
      s.xml_namespace_uri = GetString(ns->as_object(), "uri");
    s.is_error = GetBool(o, "exception");
    if (auto* e = o.if_contains("error"); e && e->is_object()) {
      const auto& eo = e->as_object();
      s.error_code = GetString(eo, "code");
      if (auto st = Num(eo, "httpStatusCode")) s.error_status = static_cast<int>(*st);
      auto* sf = eo.if_contains("senderFault");
      s.error_sender = !(sf && sf->is_bool() && !sf->as_bool());
    }
    if (auto* en = o.if_contains("enum"); en && en->is_array())
      for (const auto& e : en->as_array()) s.enums.emplace_back(e.as_string());
    if (s.type == ShapeType::kStructure) {
      std::vector<std::string> required;
      if (auto* rq = o.if_contains("required"); rq && rq->is_array())
        for (const auto& r : rq->as_array()) required.emplace_back(r.as_string());
      if (auto* mem = o.if_contains("members"); mem && mem->is_object()) {
        for (const auto& mk : mem->as_object()) {
          const auto& mo = mk.value().as_object();
          Member mb;
          mb.name = std::string(mk.key());
          mb.shape = ref(mk.value());
          mb.location = GetString(mo, "location");
          mb.location_name = GetString(mo, "locationName");
          mb.query_name = GetString(mo, "queryName");
          mb.timestamp_format = GetString(mo, "timestampFormat");
          mb.flattened = GetBool(mo, "flattened");
          mb.xml_attribute = GetBool(mo, "xmlAttribute");
          mb.idempotency_token = GetBool(mo, "idempotencyToken");
          mb.host_label = GetBool(mo, "hostLabel");
          if (auto* ns = mo.if_contains("xmlNamespace"); ns && ns->is_object()) {
            mb.xml_namespace_uri = GetString(ns->as_object(), "uri");
            mb.xml_namespace_prefix = GetString(ns->as_object(), "prefix");
          }
          for (const auto& r : required) mb.required |= (r == mb.name);
          s.member_index.emplace(mb.name, s.members.size());
          s.members.push_back(std::move(mb));
        }
      }
    } else if (s.type == ShapeType::kList) {
      s.member = ref(o.at("member"));
      s.member_location_name = GetString(o.at("member").as_object(), "locationName");
    } else if (s.type == ShapeType::kMap) {
      s.key = ref(o.at("key"));
      s.value = ref(o.at("value"));
      s.key_location_name = GetString(o.at("key").as_object(), "locationName");
      s.value_location_name = GetString(o.at("value").as_object(), "locationName");
    }
  }
  for (const auto& kv : root.at("operations").as_object()) {
    const auto& o = kv.value().as_object();
    Operation op;
    op.name = std::string(kv.key());
    if (auto* http = o.if_contains("http"); http && http->is_object()) {
      const auto& h = http->as_object();
      if (auto meth = GetString(h, "method"); !meth.empty()) op.http_method = meth;
      if (auto uri = GetString(h, "requestUri"); !uri.empty()) op.request_uri = uri;
      if (auto rc = Num(h, "responseCode")) op.response_code = static_cast<int>(*rc);
    }
    if (auto* in = o.if_contains("input")) op.input = ref(*in);
    if (auto* out = o.if_contains("output")) {
      op.output = ref(*out);
      op.result_wrapper = GetString(out->as_object(), "resultWrapper");
    }
    if (auto* errs = o.if_contains("errors"); errs && errs->is_array())
      for (const auto& e : errs->as_array()) op.errors.push_back(ref(e));
    m->operations_.emplace(op.name, std::move(op));
  }
  return m;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = operations_.find(std::string(name));
  return it == operations_.end() ? nullptr : &it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(std::string(name));
  return it == shapes_.end() ? nullptr : it->second.get();
}

ModelRegistry& ModelRegistry::Instance() {
  static ModelRegistry* r = new ModelRegistry();  // never destroyed: outlives all threads
  return *r;
}

std::vector<std::string> ModelRegistry::Services() const {
  std::vector<std::string> out;
  for (const auto& e : EmbeddedModels()) out.emplace_back(e.service);
  return out;
}

const ServiceModel* ModelRegistry::Get(std::string_view service) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = loaded_.find(std::string(service));
  if (it != loaded_.end()) return it->second.get();
  for (const auto& e : EmbeddedModels()) {
    if (service != e.service) continue;
    auto model = ServiceModel::Parse(Gunzip(e.data, e.size));
    model->set_service(std::string(service));
    auto* raw = model.get();
    loaded_.emplace(std::string(service), std::move(model));
    return raw;
  }
  return nullptr;
}

}  // namespace fargo::protocol
