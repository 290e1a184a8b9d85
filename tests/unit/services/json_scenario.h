// Golden scenarios for a JSON-protocol service: each
// tests/data/golden/<service>/*.json file is a recorded sequence of steps
// against one service over a fresh in-memory store (fake clock, sequential
// ids, so every id and timestamp is the same on each run). A call's answer,
// as the client reads it (the encoded wire body, or the error's type,
// message, extra members and status), must equal its "expect" exactly.
//
// Steps (one kind per step):
//   {"call": op, "input": {...}}  an operation, the input given as wire JSON
//   {"advance_ms": n}             the clock moves on
//   {"restart": true}             the service is built again over the same store
// Strings "$N.path.to.member" in inputs stand for a member of the Nth
// step's answer (e.g. "$0.OperationId").
//
// FARGO_GOLDEN_RECORD=1 rewrites every "expect" from today's code.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "protocol/codec.h"
#include "protocol/model.h"
#include "services/service.h"
#include "store/store.h"

namespace fargo::services::golden {

namespace json = boost::json;

inline std::vector<std::string> ScenarioFiles(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FARGO_TEST_DATA) + "/golden/" + folder))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string ScenarioName(const std::string& path) {
  std::string n = std::filesystem::path(path).stem().string();
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

// Indented JSON, member order kept (so the files read and diff well).
inline void Pretty(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  if (v.is_object() && !v.as_object().empty()) {
    const auto& o = v.as_object();
    out += "{\n";
    size_t i = 0;
    for (auto& [k, x] : o) {
      pad(indent + 1);
      out += json::serialize(json::string(k)) + ": ";
      Pretty(x, out, indent + 1);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    pad(indent);
    out += "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    const auto& a = v.as_array();
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      pad(indent + 1);
      Pretty(a[i], out, indent + 1);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    pad(indent);
    out += "]";
  } else {
    out += json::serialize(v);
  }
}

// Runs the scenario file at `path` against services of type S.
template <typename S>
class ScenarioRunner {
 public:
  void Run(const std::string& path) {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    Build();
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    json::object file = json::parse(ss.str()).as_object();
    bool record = std::getenv("FARGO_GOLDEN_RECORD") != nullptr;
    json::array& steps = file.at("steps").as_array();
    for (size_t i = 0; i < steps.size(); ++i) {
      json::object& step = steps[i].as_object();
      json::value got = Step(step);
      answers_.push_back(got);
      if (record) {
        if (got.is_null())
          step.erase("expect");
        else
          step["expect"] = got;
        continue;
      }
      json::value want = step.contains("expect") ? step.at("expect") : json::value(nullptr);
      std::string a, b;
      Pretty(got, a, 0);
      Pretty(want, b, 0);
      EXPECT_EQ(a, b) << "step " << i << ": " << json::serialize(step);
    }
    if (record) {
      std::string out;
      Pretty(file, out, 0);
      std::ofstream(path) << out << "\n";
    }
  }

 private:
  void Build() {
    service_ = std::make_unique<S>(Env{*store_, clock_, ids_, "000000000000"});
    ASSERT_TRUE(service_->Start().ok());
  }

  // "$N.a.b" -> member a.b of the Nth answer.
  json::value Lookup(const std::string& ref) {
    size_t dot = ref.find('.');
    size_t n = static_cast<size_t>(std::atoi(ref.c_str() + 1));
    if (n >= answers_.size()) return json::string("?");
    json::value v = answers_[n];
    std::string rest = dot == std::string::npos ? "" : ref.substr(dot + 1);
    while (!rest.empty()) {
      size_t d = rest.find('.');
      std::string part = rest.substr(0, d);
      rest = d == std::string::npos ? "" : rest.substr(d + 1);
      if (v.is_object() && v.as_object().contains(part)) {
        v = v.as_object().at(part);
      } else if (v.is_array() && !part.empty() && std::isdigit(static_cast<unsigned char>(part[0]))) {
        size_t k = static_cast<size_t>(std::atoi(part.c_str()));
        if (k >= v.as_array().size()) return json::string("?");
        v = v.as_array()[k];
      } else {
        return json::string("?");
      }
    }
    return v;
  }

  json::value Substitute(const json::value& v) {
    if (v.is_string() && v.as_string().size() > 1 && v.as_string()[0] == '$' &&
        std::isdigit(static_cast<unsigned char>(v.as_string()[1])))
      return Lookup(std::string(v.as_string()));
    if (v.is_array()) {
      json::array a;
      for (auto& x : v.as_array()) a.push_back(Substitute(x));
      return a;
    }
    if (v.is_object()) {
      json::object o;
      for (auto& [k, x] : v.as_object()) o[k] = Substitute(x);
      return o;
    }
    return v;
  }

  json::value Step(const json::object& step) {
    if (auto* op = step.if_contains("call")) {
      const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get(service_->name());
      const protocol::Operation* o = model->FindOperation(op->as_string());
      EXPECT_NE(o, nullptr) << op->as_string();
      if (!o) return nullptr;
      json::value in = step.contains("input") ? Substitute(step.at("input")) : json::object{};
      protocol::HttpResponse r;
      Result<json::object> decoded = protocol::DecodeJsonRequest(*model, *o, json::serialize(in));
      if (!decoded.ok()) {
        r = protocol::EncodeError(model, decoded.error(), "req-1");
      } else {
        protocol::HttpRequest http;
        CallContext ctx{"us-east-1", "000000000000", "req-1", "AKID", *model, *o, http};
        auto out = service_->Invoke(ctx, decoded.value());
        r = out.ok() ? protocol::EncodeResponse(*model, *o, out.value(), "req-1")
                     : protocol::EncodeError(model, out.error(), "req-1");
      }
      json::value body = r.body.empty() ? json::value(json::object{}) : json::parse(r.body);
      if (r.status != 200) body.as_object()["status"] = r.status;
      return body;
    }
    if (auto* ms = step.if_contains("advance_ms")) {
      clock_.Advance(ms->to_number<int64_t>());
      return nullptr;
    }
    if (step.contains("restart")) {
      Build();
      return nullptr;
    }
    ADD_FAILURE() << "unknown step " << json::serialize(step);
    return nullptr;
  }

  FakeClock clock_{1700000000000};
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<S> service_;
  std::vector<json::value> answers_;
};

}  // namespace fargo::services::golden
