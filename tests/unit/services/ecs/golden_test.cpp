// Golden ECS scenarios: each tests/data/golden/ecs/*.json file is a recorded
// sequence of steps against one EcsService (the fake clock, sequential ids
// and fake runtime of ecs_fixture.h make every id and timestamp the same on
// each run). A step's answer must equal its "expect" member exactly, member
// order included: these files are the proof that ECS's wire shape holds.
//
// Steps (one kind per step):
//   {"call": op, "input": {...}}        an ECS operation; expect = the encoded response body
//                                       (or {"error": code, "message": ...})
//   {"report": who, "status": s, ...}   runtime reports for tasks; who = N (the Nth launched
//                                       plan), "launched" (every one not STOPPED yet) or
//                                       "stopped" (every one ECS asked to stop); optional
//                                       "stopCode", "stoppedReason", "exitCode", "health"
//   {"advance_ms": n}                   the clock moves on and ECS ticks
//   {"metadata": N, "container": i, "subpath": p}   the task metadata v4 document of the Nth
//                                       launched task's container i
//   {"credentials": N}                  who the Nth launched task's credentials stand for
//   {"plan": N}                         the Nth launched plan in its stored JSON form
//   {"exec_request": N}                 what the Nth accepted ExecuteCommand handed the session layer
//   {"restart": true}                   ECS is built again over the same store, as a
//                                       restart of fargo does (what follows must not tell)
// Strings "$task:N" / "$taskid:N" in inputs stand for the Nth launched task's
// ARN / id, "$run:N" for the Nth task ARN RunTask answered.
//
// FARGO_GOLDEN_RECORD=1 rewrites every "expect" from today's code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataplane/endpoints/task_metadata.h"
#include "ecs_fixture.h"
#include "protocol/codec.h"

namespace fargo::services {
namespace {

std::vector<std::string> Scenarios() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FARGO_TEST_DATA) + "/golden/ecs"))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Indented JSON, member order kept (so the files read and diff well).
void Pretty(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) return void(out += "{}");
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
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) return void(out += "[]");
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

class EcsGolden : public EcsFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string TaskArn(size_t n) { return n < driver_.launched.size() ? driver_.launched[n].task_arn : "?"; }

  json::value Substitute(const json::value& v) {
    if (v.is_string()) {
      std::string s(v.as_string());
      auto num = [&](size_t at) { return static_cast<size_t>(std::atoi(s.c_str() + at)); };
      if (s.rfind("$task:", 0) == 0) return json::string(TaskArn(num(6)));
      if (s.rfind("$taskid:", 0) == 0) {
        std::string arn = TaskArn(num(8));
        return json::string(arn.substr(arn.rfind('/') + 1));
      }
      if (s.rfind("$run:", 0) == 0) return json::string(num(5) < run_.size() ? run_[num(5)] : "?");
      return v;
    }
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

  void FeedReport(const std::string& arn, const json::object& step) {
    runtime::TaskReport r = Report(arn, std::string(step.at("status").as_string()));
    if (auto* v = step.if_contains("stopCode")) r.stop_code = v->as_string();
    if (auto* v = step.if_contains("stoppedReason")) r.stopped_reason = v->as_string();
    if (auto* v = step.if_contains("health")) {
      r.health_status = v->as_string();
      for (auto& c : r.containers) c.health_status = r.health_status;
    }
    if (auto* v = step.if_contains("exitCode"))
      for (auto& c : r.containers) c.exit_code = v->to_number<int64_t>();
    ecs_->ApplyTaskReport(r);
  }

  json::value Step(const json::object& step) {
    if (auto* op = step.if_contains("call")) {
      const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get("ecs");
      const protocol::Operation* o = model->FindOperation(op->as_string());
      EXPECT_NE(o, nullptr) << op->as_string();
      json::object in = step.contains("input") ? Substitute(step.at("input")).as_object() : json::object{};
      auto r = Call(std::string(op->as_string()), in);
      if (!r.ok()) return json::object{{"error", r.error().code}, {"message", r.error().message}};
      if (op->as_string() == "RunTask")
        for (auto& t : r.value()["tasks"].as_array()) run_.push_back(std::string(t.at("taskArn").as_string()));
      return json::parse(protocol::EncodeResponse(*model, *o, r.value(), "req-1").body);
    }
    if (auto* who = step.if_contains("report")) {
      std::vector<std::string> arns;
      if (who->is_number()) {
        arns.push_back(TaskArn(who->to_number<size_t>()));
      } else if (who->as_string() == "stopped") {
        arns = driver_.stopped;
      } else {
        for (auto& p : driver_.launched) arns.push_back(p.task_arn);
      }
      for (auto& arn : arns) {
        if (who->is_string() && who->as_string() == "launched") {
          json::object d = Describe(arn);
          if (d.empty() || d.at("lastStatus") == "STOPPED") continue;
        }
        FeedReport(arn, step);
      }
      return nullptr;
    }
    if (auto* ms = step.if_contains("advance_ms")) {
      Advance(ms->to_number<int64_t>());
      return nullptr;
    }
    if (auto* n = step.if_contains("metadata")) {
      std::string arn = TaskArn(n->to_number<size_t>());
      std::string token = arn.substr(arn.rfind('/') + 1) + "-" +
                          std::to_string(step.contains("container") ? step.at("container").to_number<int>() : 0);
      auto m = ecs_->TaskMetadata(token);
      Result<json::value> r = dataplane::MetadataNotFound();
      if (m)
        r = dataplane::RenderTaskMetadata(
            *m, step.contains("subpath") ? std::string(step.at("subpath").as_string()) : std::string(),
            clock_.NowSeconds());
      if (!r.ok()) return json::object{{"error", r.error().code}, {"message", r.error().message}};
      return r.value();
    }
    if (auto* n = step.if_contains("credentials")) {
      std::string id;
      for (auto& e : driver_.launched.at(n->to_number<size_t>()).containers.at(0).spec.env)
        if (e.rfind("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/", 0) == 0) id = e.substr(55);
      auto t = ecs_->TaskCredentials(id);
      if (!t) return nullptr;
      return json::object{{"region", t->region}, {"account", t->account}, {"roleArn", t->role_arn},
                          {"taskArn", t->task_arn}};
    }
    if (auto* n = step.if_contains("plan")) return runtime::ToJson(driver_.launched.at(n->to_number<size_t>()));
    if (auto* n = step.if_contains("exec_request")) {
      const ecs::ExecCommandRequest& r = exec_requests_.at(n->to_number<size_t>());
      json::array env;
      for (auto& e : r.env) env.push_back(json::string(e));
      return json::object{{"taskArn", r.task_arn}, {"container", r.container_name}, {"runtimeId", r.runtime_id},
                          {"command", r.command}, {"user", r.user}, {"env", env}, {"logging", r.logging},
                          {"logGroup", r.log_group}, {"logRegion", r.log_region}, {"s3Bucket", r.s3_bucket},
                          {"s3Prefix", r.s3_prefix}, {"sessionId", r.session_id}};
    }
    if (step.contains("restart")) {
      MakeService();
      return nullptr;
    }
    ADD_FAILURE() << "unknown step " << json::serialize(step);
    return nullptr;
  }

  std::vector<std::string> run_;
};

TEST_P(EcsGolden, ResponsesMatch) {
  std::ifstream f(GetParam());
  std::stringstream ss;
  ss << f.rdbuf();
  json::object file = json::parse(ss.str()).as_object();
  bool record = std::getenv("FARGO_GOLDEN_RECORD") != nullptr;
  json::array& steps = file.at("steps").as_array();
  for (size_t i = 0; i < steps.size(); ++i) {
    json::object& step = steps[i].as_object();
    json::value got = Step(step);
    if (record) {
      if (got.is_null()) step.erase("expect");
      else step["expect"] = got;
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
    std::ofstream(GetParam()) << out << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Ecs, EcsGolden, ::testing::ValuesIn(Scenarios()), [](const auto& info) {
  std::string n = std::filesystem::path(info.param).stem().string();
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

}  // namespace
}  // namespace fargo::services
