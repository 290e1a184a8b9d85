// Drives a model-driven service the way a real request does: query-form (or
// JSON) wire text decoded by the model's codec, the handler, then the result
// or error encoded back to the wire. Tests assert on what a client reads.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "protocol/codec.h"
#include "protocol/model.h"
#include "services/service.h"
#include "store/store.h"

namespace fargo::services {

template <typename S>
class WireFixture : public ::testing::Test {
 protected:
  static constexpr const char* kAccount = "000000000000";

  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    Restart();
  }

  // (Re)builds the service over the same store, as a restart of fargo does.
  void Restart() {
    service_ = std::make_unique<S>(Env{*store_, clock_, ids_, kAccount});
    ASSERT_TRUE(service_->Start().ok());
  }

  // One call: `wire` is the form body (query protocols) or JSON document
  // (JSON 1.1) of operation `op`.
  protocol::HttpResponse Call(const std::string& op, const std::string& wire) {
    const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get(service_->name());
    const protocol::Operation* o = model->FindOperation(op);
    EXPECT_NE(o, nullptr) << op;
    if (!o) return {};
    Result<json::object> in = model->protocol() == protocol::Protocol::kJson
                                  ? protocol::DecodeJsonRequest(*model, *o, wire)
                                  : protocol::DecodeQueryRequest(*model, *o, protocol::ParseForm(wire));
    if (!in.ok()) return protocol::EncodeError(model, in.error(), "req-1");
    CallContext ctx{"us-east-1", kAccount, "req-1", "AKID", *model, *o, http_};
    auto out = service_->Invoke(ctx, in.value());
    if (!out.ok()) return protocol::EncodeError(model, out.error(), "req-1");
    return protocol::EncodeResponse(*model, *o, out.value(), "req-1");
  }

  // Expects the AWS error a client would read: status, code and (if given) message.
  static void ExpectError(const protocol::HttpResponse& r, int status, const std::string& code,
                          const std::string& message = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(Tag(r.body, "Code"), code) << r.body;
    if (!message.empty()) {
      EXPECT_EQ(Tag(r.body, "Message"), message);
    }
  }

  // The text of the first <tag>...</tag> in `body` as a client reads it
  // (entities resolved), "" if none.
  static std::string Tag(const std::string& body, const std::string& tag) {
    auto b = body.find("<" + tag + ">");
    if (b == std::string::npos) return "";
    b += tag.size() + 2;
    std::string text = body.substr(b, body.find("</" + tag + ">", b) - b), out;
    for (size_t i = 0; i < text.size(); ++i) {
      bool replaced = false;
      for (const auto& [entity, ch] : {std::pair<const char*, char>{"&apos;", '\''}, {"&quot;", '"'},
                                       {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}}) {
        if (text.compare(i, std::strlen(entity), entity) == 0) {
          out.push_back(ch);
          i += std::strlen(entity) - 1;
          replaced = true;
          break;
        }
      }
      if (!replaced) out.push_back(text[i]);
    }
    return out;
  }

  FakeClock clock_{1700000000000};
  SequentialIdGenerator ids_;
  protocol::HttpRequest http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<S> service_;
};

}  // namespace fargo::services
