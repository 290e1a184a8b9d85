// Service: one AWS service's operation handlers over its own typed state.
// Handlers receive validated data and return data or an AwsError; the
// gateway and the codecs do everything wire-related.
//
// Threading: every Service method runs on the state thread, one call at a
// time, so services keep plain (unsynchronised) state.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/json_access.h"
#include "common/result.h"
#include "protocol/http_types.h"
#include "protocol/model.h"
#include "store/store.h"

namespace fargo::services {

namespace json = boost::json;

// What every service is built with. All references outlive the services.
struct Env {
  store::Store& store;
  const Clock& clock;
  IdGenerator& ids;
  std::string account = "000000000000";
};

struct CallContext {
  std::string region;
  std::string account;
  std::string request_id;
  std::string access_key;
  const protocol::ServiceModel& model;
  const protocol::Operation& op;
  const protocol::HttpRequest& http;
};

class Service {
 public:
  virtual ~Service() = default;
  // The model key this service implements ("logs", "iam", ...).
  virtual std::string name() const = 0;
  // Loads durable state. Called once, before any Invoke.
  virtual Status Start() { return OkStatus(); }
  // Periodic upkeep (expiry, state transitions), called about once a second.
  virtual void Tick() {}
  virtual void Stop() {}
  // A model-driven operation (JSON, query, EC2 query).
  virtual Result<json::object> Invoke(CallContext& ctx, json::object& input) = 0;
  // A sink for the body of `head` when the service takes it streamed (bulk
  // uploads), else null (the body arrives in memory). Called on a network
  // thread before the body is read: may read only what is fixed after Start.
  virtual std::unique_ptr<protocol::BodySink> OpenBodySink(const protocol::HttpRequest& head) const {
    (void)head;
    return nullptr;
  }
  // A REST operation (S3): the service reads the raw request itself.
  virtual Result<protocol::HttpResponse> InvokeRest(CallContext& ctx) {
    (void)ctx;
    return AwsError::Make("NotImplemented", "REST is not served by " + name(), 501);
  }
};

// Maps operation names to member functions of a service.
template <typename T>
class HandlerTable {
 public:
  using Fn = Result<json::object> (T::*)(CallContext&, json::object&);
  HandlerTable(std::initializer_list<std::pair<const std::string, Fn>> init) : table_(init) {}

  Result<json::object> Dispatch(T* self, CallContext& ctx, json::object& input) const {
    auto it = table_.find(ctx.op.name);
    if (it == table_.end())
      return AwsError::Make("NotImplemented",
                            "fargo does not implement " + ctx.model.service() + ":" + ctx.op.name + " yet",
                            501);
    return (self->*it->second)(ctx, input);
  }

 private:
  std::unordered_map<std::string, Fn> table_;
};

// Handler data is read with common/json_access.h (GetString, GetInt, ...).

}  // namespace fargo::services
