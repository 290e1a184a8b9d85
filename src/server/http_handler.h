// HttpHandler: what the connections of an HttpListener serve. Each server of
// fargo implements it once (the API gateway's HttpServer, the task
// endpoints); the HTTP/1.1 connection itself (reading, limits, keep-alive,
// idle timeout, writing) is HttpListener's, the same for all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "protocol/http_types.h"

namespace fargo::server {

// Why a request ended before reaching HttpHandler::Handle.
enum class HttpFailure {
  kHeaderTooLarge,  // header section over HttpListenerOptions::max_header_bytes
  kBodyTooLarge,    // body over HttpHandler::MaxRequestBody
  kMalformed,       // bytes the HTTP/1.1 parser refuses
  kInternal,        // an exception while serving the request
};

// Called on the connection's executor (the server's event loop) unless said
// otherwise; no call may block.
class HttpHandler {
 public:
  // Answers the request; see Handle.
  using Respond = std::function<void(protocol::HttpResponse)>;

  virtual ~HttpHandler() = default;

  // The most body bytes the request `head` (its body not read yet) accepts.
  virtual uint64_t MaxRequestBody(const protocol::HttpRequest& head) const = 0;
  // A sink that takes `head`'s body as it arrives (its Write/Finish run on
  // the listener's file pool), or null: the body is read into `body`.
  // REQUIRES: a non-null sink only with HttpListenerOptions::file_threads > 0.
  virtual std::unique_ptr<protocol::BodySink> OpenBodySink(const protocol::HttpRequest& head) const {
    return nullptr;
  }
  // The answer to a request that ended early (`head` is empty for
  // kHeaderTooLarge and kMalformed); the connection closes after it. nullopt:
  // it closes without an answer. `size` is the refused body size
  // (kBodyTooLarge), `detail` what went wrong (kMalformed, kInternal).
  virtual std::optional<protocol::HttpResponse> Reject(const protocol::HttpRequest& head, HttpFailure why,
                                                       uint64_t size, const std::string& detail) const = 0;
  // Serves one request. `respond` must be called exactly once, from any
  // thread, at any time; the connection reads its next request after that.
  // A response with a `file` body is sent from the file (needs file_threads).
  virtual void Handle(protocol::HttpRequest req, Respond respond) = 0;
};

}  // namespace fargo::server
