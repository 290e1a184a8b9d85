// Data-driven wire tests: every tests/data/golden/*.json case names a
// service and pairs wire text with what it means.
//   "decode": the wire request must decode to exactly `data` (or to `error`).
//   "encode": `data` must serialize to exactly `wire`.
//   "error":  `error` {code, message, status} must serialize to exactly
//             `wire` (the protocol's error body) with that status.
//   "rest":   REST-XML (S3), which has no model codec: the `setup` requests,
//             then `request`, are served by the service over a fresh store;
//             the last response must have `status` and exactly `wire`.
// Requests are {method, path, query: {k: v}, headers: {k: v}, body}.
// A new case may leave out `wire` (and `status`): FARGO_GOLDEN_UPDATE=1 fills
// them in from what the code produces, for review. Existing wire is never
// rewritten.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/codec.h"
#include "protocol/model.h"
#include "services/s3/s3_service.h"
#include "store/store.h"

namespace fargo::protocol {
namespace json = boost::json;

namespace {

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FARGO_TEST_DATA) + "/golden"))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string Str(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

HttpRequest RequestOf(const json::object& spec) {
  HttpRequest r;
  r.method = Str(spec, "method");
  r.path = r.raw_path = Str(spec, "path");
  if (auto* q = spec.if_contains("query"))
    for (const auto& kv : q->as_object()) r.query.emplace(kv.key(), kv.value().as_string());
  if (auto* h = spec.if_contains("headers"))
    for (const auto& kv : h->as_object()) r.headers[std::string(kv.key())] = kv.value().as_string();
  if (!r.headers.count("host")) r.headers["host"] = "localhost:4566";
  r.body = Str(spec, "body");
  return r;
}

// Serves `c`'s requests with S3 over a fresh in-memory store, fixed clock and
// ids; returns the last response.
HttpResponse ServeRest(const json::object& c) {
  auto store = store::Store::Open(":memory:");
  EXPECT_TRUE(store.ok());
  FakeClock clock(1700000000000);
  SequentialIdGenerator ids;
  services::S3Service s3(services::Env{*store.value(), clock, ids, "000000000000"});
  EXPECT_TRUE(s3.Start().ok());
  static const Operation kRest{};
  std::vector<json::object> requests;
  if (auto* setup = c.if_contains("setup"))
    for (const auto& s : setup->as_array()) requests.push_back(s.as_object());
  requests.push_back(c.at("request").as_object());
  HttpResponse last;
  for (const auto& spec : requests) {
    HttpRequest http = RequestOf(spec);
    services::CallContext ctx{"us-east-1", "000000000000", "req-1", "AKID", *ModelRegistry::Instance().Get("s3"),
                              kRest, http};
    auto r = s3.InvokeRest(ctx);
    EXPECT_TRUE(r.ok());
    if (r.ok()) last = Resolve(std::move(r).value());
  }
  return last;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, WireMatches) {
  std::ifstream f(GetParam());
  std::stringstream ss;
  ss << f.rdbuf();
  json::object c = json::parse(ss.str()).as_object();
  const ServiceModel* model = ModelRegistry::Instance().Get(c.at("service").as_string());
  ASSERT_NE(model, nullptr);
  std::string direction(c.at("direction").as_string());
  const Operation* op = nullptr;
  if (direction == "decode" || direction == "encode") {
    op = model->FindOperation(c.at("operation").as_string());
    ASSERT_NE(op, nullptr);
  }
  std::string wire = Str(c, "wire");
  if (direction == "decode") {
    Result<json::object> r = model->protocol() == Protocol::kJson
                                 ? DecodeJsonRequest(*model, *op, wire)
                                 : DecodeQueryRequest(*model, *op, ParseForm(wire));
    if (auto* err = c.if_contains("error")) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, err->as_object().at("code").as_string());
      EXPECT_EQ(r.error().message, err->as_object().at("message").as_string());
    } else {
      ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
      EXPECT_EQ(json::value(r.value()), c.at("data"))  // member order does not matter
          << json::serialize(r.value());
    }
    return;
  }
  HttpResponse resp;
  if (direction == "encode") {
    resp = EncodeResponse(*model, *op, c.at("data").as_object(), "req-1");
  } else if (direction == "error") {
    const auto& e = c.at("error").as_object();
    resp = EncodeError(model, AwsError::Make(Str(e, "code"), Str(e, "message"), e.at("status").to_number<int>()),
                       "req-1");
  } else {
    ASSERT_EQ(direction, "rest");
    resp = ServeRest(c);
  }
  if (!c.contains("wire") && std::getenv("FARGO_GOLDEN_UPDATE")) {
    c["wire"] = resp.body;
    if (direction == "rest") c["status"] = resp.status;
    std::ofstream(GetParam()) << json::serialize(c) << "\n";
    return;
  }
  EXPECT_EQ(resp.body, wire);
  if (direction == "error") {
    EXPECT_EQ(resp.status, c.at("error").at("status").to_number<int>());
  }
  if (direction == "rest") {
    EXPECT_EQ(resp.status, c.at("status").to_number<int>());
  }
}

INSTANTIATE_TEST_SUITE_P(Wire, Golden, ::testing::ValuesIn(GoldenFiles()),
                         [](const auto& info) {
                           std::string n = std::filesystem::path(info.param).stem().string();
                           for (auto& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace fargo::protocol
