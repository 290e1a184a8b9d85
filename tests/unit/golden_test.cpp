// Data-driven wire tests: every tests/data/golden/*.json case names a
// service and operation and pairs wire text with handler data.
//   "decode": the wire request must decode to exactly `data` (or to `error`).
//   "encode": `data` must serialize to exactly `wire`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/codec.h"
#include "protocol/model.h"

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

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, WireMatches) {
  std::ifstream f(GetParam());
  std::stringstream ss;
  ss << f.rdbuf();
  json::object c = json::parse(ss.str()).as_object();
  const ServiceModel* model = ModelRegistry::Instance().Get(c.at("service").as_string());
  ASSERT_NE(model, nullptr);
  const Operation* op = model->FindOperation(c.at("operation").as_string());
  ASSERT_NE(op, nullptr);
  std::string wire(c.at("wire").as_string());
  if (c.at("direction") == "decode") {
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
  } else {
    HttpResponse resp = EncodeResponse(*model, *op, c.at("data").as_object(), "req-1");
    EXPECT_EQ(resp.body, wire);
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
