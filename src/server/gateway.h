// Gateway: turns an HTTP request into a service call and back. Owns the
// state thread on which all service work (and all SQLite access) happens, so
// the network event loop never blocks.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "protocol/http_types.h"
#include "protocol/router.h"
#include "services/service.h"

namespace fargo::server {

class Gateway {
 public:
  // REQUIRES: clock and ids outlive the gateway.
  Gateway(const Clock& clock, IdGenerator& ids, std::string account, std::string default_region);
  ~Gateway();

  // Takes ownership. REQUIRES: before Start().
  void AddService(std::unique_ptr<services::Service> service);

  // Starts every service (loading its state) and the state thread.
  Status Start();
  // Drains queued calls, stops services in reverse order, joins the thread.
  void Stop();

  // Handles one request: routing and decoding on the calling thread, the
  // service call on the state thread; `done` is called (on either) with the
  // response. Thread-safe.
  void Handle(protocol::HttpRequest req, std::function<void(protocol::HttpResponse)> done);

  // The most body bytes the operation `head` (a request whose body is not
  // read yet) addresses accepts: S3 takes 5 GiB in one PUT, an API call far
  // less. Any thread.
  uint64_t MaxRequestBody(const protocol::HttpRequest& head) const;
  // The answer to a request that cannot reach a service (too large, not
  // HTTP, an internal failure), shaped as the service `head` addresses
  // answers errors, by the codecs. Any thread.
  protocol::HttpResponse Reject(const protocol::HttpRequest& head, const AwsError& error) const;
  // The error for a body over MaxRequestBody(head), as AWS words it.
  AwsError BodyTooLarge(const protocol::HttpRequest& head, uint64_t size) const;
  // The sink for `head`'s body when its service streams it (bulk uploads),
  // else null. Thread-safe; called before the body is read.
  std::unique_ptr<protocol::BodySink> OpenBodySink(const protocol::HttpRequest& head) const;

  // Runs `fn` on the state thread (tests, shutdown hooks).
  void Post(std::function<void()> fn);

  std::vector<std::string> ServiceNames() const;

 private:
  struct PreparedCall {
    protocol::HttpRequest http;
    std::string request_id;
    const protocol::ServiceModel* model = nullptr;
    protocol::Route route;
    services::Service* service = nullptr;
    // One arena for the decoded input: freeing a 1,000-event batch is then
    // a few frees, not thousands, on the state thread.
    boost::json::storage_ptr storage = boost::json::make_shared_resource<boost::json::monotonic_resource>();
    boost::json::object input{storage};  // same storage: moving the decoded input in is free
  };
  // Any thread. Returns a response when the call ends before reaching a
  // service (unknown operation, bad input).
  std::optional<protocol::HttpResponse> Prepare(PreparedCall& call) const;
  // REQUIRES: on the state thread.
  protocol::HttpResponse Execute(PreparedCall& call);
  // The NotImplemented answer to a request for a service fargo does not serve.
  static protocol::HttpResponse Unserved(const protocol::UnservedRoute& u, const std::string& request_id);
  // Sends `resp` to `done`, first running its deferred work (if any) on the
  // blocking pool and its finish on the state thread.
  void Complete(protocol::HttpResponse resp, std::function<void(protocol::HttpResponse)> done);
  void ScheduleTick();

  const Clock& clock_;
  IdGenerator& ids_;
  std::string account_;
  std::string default_region_;
  protocol::Router router_;
  std::vector<std::unique_ptr<services::Service>> services_;
  boost::asio::io_context state_io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<boost::asio::steady_timer> tick_;
  std::thread state_thread_;
  boost::asio::thread_pool blocking_{1};  // deferred work of responses (file copies)
};

}  // namespace fargo::server
