// Transport-neutral HTTP request/response, as the codecs see them.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fargo::protocol {

// A request body that was streamed to a file instead of memory (bulk
// uploads), with what was computed while it arrived. The file is durable
// (fsynced) when the request reaches the state thread; it is removed with
// the last reference unless a handler takes it (clears `path`).
struct StagedBody {
  std::string path;                             // "" when the body is empty
  int64_t size = 0;                             // decoded bytes
  std::map<std::string, std::string> digests;   // raw digests by name ("md5", "crc32", "crc32c")
  std::map<std::string, std::string> trailers;  // framing trailers, names lower-cased
  std::optional<AwsError> error;                // the body was refused (framing, I/O)

  StagedBody() = default;
  StagedBody(const StagedBody&) = delete;
  StagedBody& operator=(const StagedBody&) = delete;
  ~StagedBody() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

struct HttpRequest;

// Receives a request body piece by piece. The server calls Write and Finish
// on a blocking-work thread (never the event loop, never the state thread),
// one call at a time, in body order. Errors are recorded in the StagedBody,
// so the service answers them as it answers any other.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void Write(std::string_view data) = 0;
  // End of the body: makes it durable and sets `req.staged`.
  virtual void Finish(HttpRequest& req) = 0;
};

// A response body served from a file: the server streams `length` bytes at
// `offset` of `fd`, which it closes when done.
struct FileBody {
  int fd = -1;
  int64_t offset = 0;
  int64_t length = 0;

  FileBody(int fd_in, int64_t offset_in, int64_t length_in) : fd(fd_in), offset(offset_in), length(length_in) {}
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  ~FileBody() {
    if (fd >= 0) ::close(fd);
  }
};

struct HttpRequest {
  std::string method;
  std::string path;    // decoded path, no query
  std::string raw_path;  // path as sent (still percent-encoded)
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::shared_ptr<StagedBody> staged;  // set instead of `body` when a BodySink took it

  const std::string* Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpResponse;

// A response that needs blocking work first (e.g. joining the parts of a
// multipart upload): the gateway runs `work` on its blocking pool, then
// `finish` on the state thread, whose result is the response.
struct DeferredResponse {
  std::function<void()> work;
  std::function<HttpResponse()> finish;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<FileBody> file;  // when set, the body (`body` is then empty)
  std::shared_ptr<DeferredResponse> deferred;  // when set, the real response comes from it
};

// Runs a deferred response to its end on the calling thread (tests,
// in-process callers); other responses are returned as they are.
inline HttpResponse Resolve(HttpResponse resp) {
  while (resp.deferred) {
    auto d = std::move(resp.deferred);
    d->work();
    resp = d->finish();
  }
  return resp;
}

}  // namespace fargo::protocol
