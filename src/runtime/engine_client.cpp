#include "runtime/engine_client.h"

#include <poll.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>
#include <optional>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/strings.h"
#include "runtime/image_ref.h"

namespace fargo::runtime {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// A unix stream socket whose reads give up at a deadline or when a cancel
// token is set. Models Beast's SyncReadStream / SyncWriteStream.
class DeadlineSocket {
 public:
  using executor_type = asio::local::stream_protocol::socket::executor_type;

  DeadlineSocket(asio::io_context& io, Clock::time_point deadline, const CancelToken* cancel)
      : socket_(io), deadline_(deadline), cancel_(cancel) {}

  asio::local::stream_protocol::socket& socket() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }
  bool timed_out() const { return timed_out_; }
  // Something (an answer, or the peer's close) is waiting to be read.
  bool readable() {
    pollfd pfd{socket_.native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) > 0;
  }
  bool cancelled() const { return cancelled_; }

  template <class Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    for (;;) {
      if (cancel_ && cancel_->load()) {
        cancelled_ = true;
        ec = asio::error::operation_aborted;
        return 0;
      }
      int slice = 200;
      if (deadline_ != Clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now())
                        .count();
        if (left <= 0) {
          timed_out_ = true;
          ec = asio::error::timed_out;
          return 0;
        }
        slice = static_cast<int>(std::min<int64_t>(left, slice));
      }
      pollfd pfd{socket_.native_handle(), POLLIN, 0};
      int r = ::poll(&pfd, 1, slice);
      if (r < 0 && errno != EINTR) {
        ec = boost::system::error_code(errno, boost::system::system_category());
        return 0;
      }
      if (r > 0) return socket_.read_some(buffers, ec);
    }
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    return socket_.write_some(buffers, ec);
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {
    return socket_.write_some(buffers);
  }

 private:
  asio::local::stream_protocol::socket socket_;
  Clock::time_point deadline_;
  const CancelToken* cancel_;
  bool timed_out_ = false;
  bool cancelled_ = false;
};

AwsError Unavailable(const std::string& socket, const std::string& what) {
  return AwsError::Make(kEngineUnavailable,
                        "container engine at unix://" + socket + " is unavailable: " + what, 503);
}

http::verb VerbOf(std::string_view method) {
  return http::string_to_verb(beast::string_view(method.data(), method.size()));
}

http::request<http::string_body> MakeRequest(std::string_view method, const std::string& path,
                                             std::string_view body, std::string_view content_type,
                                             bool upgrade) {
  http::request<http::string_body> req{VerbOf(method), path, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "fargo");
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = std::string(body);
  }
  if (upgrade) {
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "tcp");
  } else {
    req.keep_alive(false);
  }
  req.prepare_payload();
  return req;
}

std::string Q(std::string_view v) { return UrlEncode(v); }

// Connects `s` to the engine's socket and writes one request. An engine may
// answer (and close) before it has read the whole body: writing stops when an
// answer is waiting, and a failed write is followed by a look for that answer.
// `answered` tells the caller to read the engine's response; on OkStatus()
// without it the request went out whole.
Status Send(DeadlineSocket& s, const std::string& socket_path,
            const http::request<http::string_body>& req, bool* answered) {
  *answered = false;
  boost::system::error_code ec;
  s.socket().connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec) return Unavailable(socket_path, ec.message());
  http::request_serializer<http::string_body> sr(req);
  http::write_header(s, sr, ec);
  const std::string& body = req.body();
  static constexpr size_t kSlice = 64 * 1024;
  for (size_t off = 0; !ec && off < body.size();) {
    if (off > 0 && s.readable()) break;
    off += s.write_some(asio::buffer(body.data() + off, std::min(kSlice, body.size() - off)), ec);
  }
  if (s.readable()) {
    *answered = true;
    return OkStatus();
  }
  if (ec) return Unavailable(socket_path, ec.message());
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------- transport

struct EngineClient::Negotiated {
  std::mutex mu;
  std::string version;  // "v1.41"; empty until negotiated
};

EngineClient::EngineClient(Options options)
    : options_(std::move(options)), negotiated_(std::make_shared<Negotiated>()) {}

namespace {

// "1.41" -> {1, 41}; nullopt when not of that form.
std::optional<std::pair<int, int>> ParseApiVersion(std::string_view v) {
  auto dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size()) return std::nullopt;
  int major = 0, minor = 0;
  for (char c : v.substr(0, dot)) {
    if (c < '0' || c > '9') return std::nullopt;
    major = major * 10 + (c - '0');
  }
  for (char c : v.substr(dot + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    minor = minor * 10 + (c - '0');
  }
  return std::make_pair(major, minor);
}

}  // namespace

Result<std::string> NegotiateApiVersion(const json::object& version) {
  auto field = [&](const char* key) -> std::string {
    auto* v = version.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto preferred = *ParseApiVersion(kPreferredApiVersion);
  auto minimum = *ParseApiVersion(kMinimumApiVersion);
  auto engine_max = ParseApiVersion(field("ApiVersion"));
  if (!engine_max) {
    return AwsError::Make(kEngineError,
                          "the engine's /version names no API version (ApiVersion \"" +
                              field("ApiVersion") + "\")",
                          500);
  }
  if (*engine_max < minimum) {
    return AwsError::Make(kEngineError,
                          "the engine speaks Docker Engine API " + field("ApiVersion") +
                              "; fargo needs " + kMinimumApiVersion +
                              " or later (Docker 20.10+, Podman 4+)",
                          500);
  }
  auto pick = std::min(preferred, *engine_max);
  if (auto engine_min = ParseApiVersion(field("MinAPIVersion")); engine_min && pick < *engine_min) {
    pick = *engine_min;
  }
  return "v" + std::to_string(pick.first) + "." + std::to_string(pick.second);
}

Result<std::string> EngineClient::ApiVersion() {
  if (!options_.api_version.empty()) return options_.api_version;
  {
    std::lock_guard<std::mutex> l(negotiated_->mu);
    if (!negotiated_->version.empty()) return negotiated_->version;
  }
  // `/version` is served unversioned by every engine.
  FARGO_ASSIGN_OR_RETURN(Response r, RequestPath("GET", "/version", {}, "application/json"));
  if (r.status >= 400) return EngineErrorFrom(r.status, r.body);
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    return AwsError::Make(kEngineError, "the engine's /version is not a JSON object", 500);
  }
  FARGO_ASSIGN_OR_RETURN(std::string picked, NegotiateApiVersion(v.as_object()));
  std::lock_guard<std::mutex> l(negotiated_->mu);
  negotiated_->version = picked;
  return picked;
}

std::string EngineClient::DiscoverSocket(const char* docker_host,
                                         const std::function<bool(const std::string&)>& exists) {
  if (docker_host && *docker_host) {
    std::string_view h(docker_host);
    if (StartsWith(h, "unix://")) return std::string(h.substr(7));
    if (StartsWith(h, "/")) return std::string(h);
  }
  for (const char* p : {"/var/run/docker.sock", "/run/podman/podman.sock"}) {
    if (exists(p)) return p;
  }
  return "/var/run/docker.sock";
}

EngineClient EngineClient::FromEnvironment() {
  Options o;
  o.socket_path = DiscoverSocket(std::getenv("DOCKER_HOST"), [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
  });
  return EngineClient(std::move(o));
}

void EngineClient::ForgetApiVersion() {
  std::lock_guard<std::mutex> l(negotiated_->mu);
  negotiated_->version.clear();
}

Result<std::string> EngineClient::Path(std::string_view target) {
  FARGO_ASSIGN_OR_RETURN(std::string version, ApiVersion());
  return "/" + version + std::string(target);
}

AwsError EngineErrorFrom(int status, std::string_view body) {
  std::string message;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (auto* m = v.as_object().if_contains("message"); m && m->is_string()) {
      message = std::string(m->as_string());
    }
  }
  if (message.empty()) message = std::string(body.substr(0, 512));
  if (message.empty()) message = "engine answered HTTP " + std::to_string(status);
  if (status == 404) return AwsError::Make(kEngineNotFound, message, 404);
  if (status == 409) return AwsError::Make(kEngineConflict, message, 409);
  return AwsError::Make(kEngineError, message, 500);
}

Result<EngineClient::Response> EngineClient::Request(std::string_view method,
                                                     std::string_view target,
                                                     std::string_view body,
                                                     std::string_view content_type) {
  FARGO_ASSIGN_OR_RETURN(std::string path, Path(target));
  return RequestPath(method, path, body, content_type);
}

Result<EngineClient::Response> EngineClient::RequestPath(std::string_view method,
                                                         const std::string& path,
                                                         std::string_view body,
                                                         std::string_view content_type) {
  asio::io_context io;
  DeadlineSocket s(io, Clock::now() + options_.timeout, nullptr);
  bool answered = false;
  Status sent = Send(s, options_.socket_path, MakeRequest(method, path, body, content_type, false),
                     &answered);
  if (!sent.ok()) {
    ForgetApiVersion();
    return sent.error();
  }
  boost::system::error_code ec;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  http::read(s, buf, parser, ec);
  // An engine that answered early may close without a complete body.
  if (ec && !(answered && parser.is_header_done())) {
    ForgetApiVersion();
    return Unavailable(options_.socket_path,
                       s.timed_out() ? "timed out waiting for " + std::string(method) + " " + path
                       : answered   ? "it closed the connection before answering " +
                                        std::string(method) + " " + path
                                    : ec.message());
  }
  Response r;
  r.status = static_cast<int>(parser.get().result_int());
  r.body = std::move(parser.get().body());
  return r;
}

Status EngineClient::Stream(std::string_view method, std::string_view target,
                            std::string_view body,
                            const std::function<void(std::string_view)>& chunk,
                            const CancelToken* cancel, bool upgrade,
                            const std::function<void(int)>& on_headers) {
  asio::io_context io;
  // Headers must arrive within the control timeout; the body may take forever.
  DeadlineSocket s(io, Clock::time_point::max(), cancel);
  FARGO_ASSIGN_OR_RETURN(std::string path, Path(target));
  bool answered = false;
  Status sent = Send(s, options_.socket_path,
                     MakeRequest(method, path, body, "application/json", upgrade), &answered);
  if (!sent.ok()) {
    ForgetApiVersion();
    return sent.error();
  }
  boost::system::error_code ec;

  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(s, buf, parser, ec);
  if (s.cancelled()) return OkStatus();
  if (ec) {
    ForgetApiVersion();
    return Unavailable(options_.socket_path, ec.message());
  }
  int status = static_cast<int>(parser.get().result_int());

  std::string error_body;
  auto deliver = [&](std::string_view piece) {
    if (status >= 400) {
      error_body.append(piece);
    } else if (!piece.empty()) {
      chunk(piece);
    }
  };
  if (status < 400 && on_headers) on_headers(status);

  static constexpr size_t kChunk = 256 * 1024;
  std::string tmp(kChunk, '\0');
  if (status == 101) {
    // Hijacked connection: bytes after the headers are the raw stream.
    auto leftover = buf.data();
    deliver(std::string_view(static_cast<const char*>(leftover.data()), leftover.size()));
    buf.consume(buf.size());
    for (;;) {
      size_t n = s.read_some(asio::buffer(tmp.data(), tmp.size()), ec);
      if (n) deliver(std::string_view(tmp.data(), n));
      if (ec) break;
    }
  } else {
    while (!parser.is_done()) {
      parser.get().body().data = tmp.data();
      parser.get().body().size = tmp.size();
      // read_some: hand over what arrived, not only full buffers (a followed
      // log trickles in a line at a time).
      http::read_some(s, buf, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      size_t n = tmp.size() - parser.get().body().size;
      if (n) deliver(std::string_view(tmp.data(), n));
      if (ec) break;
    }
  }
  if (s.cancelled()) return OkStatus();
  if (status >= 400) return EngineErrorFrom(status, error_body);
  if (ec && ec != asio::error::eof && ec != http::error::end_of_stream &&
      ec != http::error::partial_message && ec != asio::error::connection_reset) {
    return Unavailable(options_.socket_path, ec.message());
  }
  return OkStatus();
}

Result<json::value> EngineClient::Call(std::string_view method, std::string_view target,
                                       const json::value* body) {
  std::string payload = body ? json::serialize(*body) : std::string();
  FARGO_ASSIGN_OR_RETURN(Response r, Request(method, target, payload));
  if (r.status >= 400) return EngineErrorFrom(r.status, r.body);
  if (r.body.empty()) return json::value(nullptr);
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return json::value(json::string(r.body));
  return v;
}

std::string LabelFilterQuery(const Labels& label_filters) {
  json::array labels;
  for (const auto& [k, v] : label_filters) labels.push_back(json::string(v.empty() ? k : k + "=" + v));
  json::object f;
  if (!labels.empty()) f["label"] = std::move(labels);
  return Q(json::serialize(f));
}

namespace {

Result<json::object> AsObject(Result<json::value> v) {
  if (!v.ok()) return v.error();
  if (!v->is_object()) return AwsError::Make(kEngineError, "engine answered a non-object", 500);
  return std::move(v->as_object());
}

Result<json::array> AsArray(Result<json::value> v) {
  if (!v.ok()) return v.error();
  if (v->is_null()) return json::array();
  if (!v->is_array()) return AwsError::Make(kEngineError, "engine answered a non-array", 500);
  return std::move(v->as_array());
}

Status AsStatus(Result<json::value> v) {
  if (!v.ok()) return v.error();
  return OkStatus();
}

std::string IdOf(const json::object& o) {
  for (const char* k : {"Id", "ID", "id"}) {
    if (auto* v = o.if_contains(k); v && v->is_string()) return std::string(v->as_string());
  }
  return {};
}

// Streams a multiplexed/raw output body into `fn` via a StreamDemuxer.
std::function<void(std::string_view)> Demux(StreamDemuxer& d) {
  return [&d](std::string_view piece) { d.Feed(piece); };
}

}  // namespace

// ---------------------------------------------------------------- system

Status EngineClient::Ping() {
  FARGO_ASSIGN_OR_RETURN(Response r, Request("GET", "/_ping"));
  if (r.status != 200) return EngineErrorFrom(r.status, r.body);
  return OkStatus();
}

Result<json::object> EngineClient::Version() { return AsObject(Call("GET", "/version")); }

Status EngineClient::Events(const Labels& label_filters,
                            const std::function<void(const json::object&)>& fn,
                            const CancelToken* cancel) {
  std::string pending;
  return Stream(
      "GET", "/events?filters=" + LabelFilterQuery(label_filters), {},
      [&](std::string_view piece) {
        pending.append(piece);
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          boost::system::error_code ec;
          json::value v = json::parse(std::string_view(pending).substr(0, nl), ec);
          pending.erase(0, nl + 1);
          if (!ec && v.is_object()) fn(v.as_object());
        }
      },
      cancel, false);
}

// ---------------------------------------------------------------- images

Result<json::object> EngineClient::ImageInspect(std::string_view reference) {
  return AsObject(Call("GET", "/images/" + Q(NormalizeImageRef(reference)) + "/json"));
}

Status EngineClient::ImagePull(std::string_view reference, const ProgressFn& progress,
                               const CancelToken* cancel) {
  auto ref = ParseImageRef(reference);
  if (!ref) {
    return AwsError::Make(kCannotPullContainer,
                          "invalid reference format: " + std::string(reference), 500);
  }
  std::string target = "/images/create?fromImage=" + Q(ref->Name());
  target += ref->digest.empty() ? "&tag=" + Q(ref->tag) : "&tag=" + Q(ref->digest);
  std::string pending;
  std::string error;
  auto line = [&](std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return;
    const json::object& o = v.as_object();
    if (auto* e = o.if_contains("error"); e && e->is_string() && error.empty()) {
      error = std::string(e->as_string());
    } else if (auto* d = o.if_contains("errorDetail"); d && d->is_object() && error.empty()) {
      if (auto* m = d->as_object().if_contains("message"); m && m->is_string()) {
        error = std::string(m->as_string());
      }
    }
    if (progress) progress(o);
  };
  Status st = Stream(
      "POST", target, {},
      [&](std::string_view piece) {
        pending.append(piece);
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          line(std::string_view(pending).substr(0, nl));
          pending.erase(0, nl + 1);
        }
      },
      cancel, false);
  if (!pending.empty()) line(pending);
  if (!st.ok()) {
    if (st.error().code == kEngineUnavailable) return st;
    return AwsError::Make(kCannotPullContainer, st.error().message, 500);
  }
  if (!error.empty()) return AwsError::Make(kCannotPullContainer, error, 500);
  if (cancel && cancel->load()) return AwsError::Make(kCannotPullContainer, "pull cancelled", 500);
  return OkStatus();
}

Result<std::string> EngineClient::ImageImportTar(std::string_view tar, std::string_view reference,
                                                 const std::vector<std::string>& changes) {
  std::string target = "/images/create?fromSrc=-&repo=" + Q(NormalizeImageRef(reference));
  for (const auto& c : changes) target += "&changes=" + Q(c);
  FARGO_ASSIGN_OR_RETURN(Response r, Request("POST", target, tar, "application/x-tar"));
  if (r.status >= 400) return EngineErrorFrom(r.status, r.body);
  // The body is a progress stream; the last object carries the id or an error.
  std::string id;
  for (const auto& text : Split(r.body, '\n')) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    if (auto* e = o.if_contains("error"); e && e->is_string()) {
      return AwsError::Make(kEngineError, std::string(e->as_string()), 500);
    }
    for (const char* k : {"id", "status"}) {
      if (auto* s = o.if_contains(k); s && s->is_string() && StartsWith(s->as_string(), "sha256:")) {
        id = std::string(s->as_string());
      }
    }
  }
  if (id.empty()) {
    FARGO_ASSIGN_OR_RETURN(json::object img, ImageInspect(reference));
    id = IdOf(img);
  }
  return id;
}

Status EngineClient::ImageRemove(std::string_view reference, bool force) {
  return AsStatus(Call("DELETE", "/images/" + Q(NormalizeImageRef(reference)) +
                                     (force ? "?force=1" : "")));
}

// ---------------------------------------------------------------- containers

Result<std::string> EngineClient::ContainerCreate(std::string_view name, const json::object& body,
                                                  const Labels& labels) {
  json::value b = body;
  json::object& o = b.as_object();
  if (!labels.empty()) {
    json::value& l = o["Labels"];
    if (!l.is_object()) l = json::object();
    for (const auto& [k, v] : labels) l.as_object()[k] = v;
  }
  std::string target = "/containers/create";
  if (!name.empty()) target += "?name=" + Q(name);
  FARGO_ASSIGN_OR_RETURN(json::object r, AsObject(Call("POST", target, &b)));
  return IdOf(r);
}

Status EngineClient::ContainerStart(std::string_view id) {
  FARGO_ASSIGN_OR_RETURN(Response r, Request("POST", "/containers/" + Q(id) + "/start"));
  if (r.status >= 400) return EngineErrorFrom(r.status, r.body);
  return OkStatus();  // 204, or 304 already started
}

Status EngineClient::ContainerStop(std::string_view id, int timeout_seconds) {
  // The engine answers only after the grace period (plus the kill).
  EngineClient longer(*this);  // shares the negotiated version
  longer.options_.timeout = std::max(options_.timeout,
                                     std::chrono::milliseconds((timeout_seconds + 30) * 1000LL));
  FARGO_ASSIGN_OR_RETURN(
      Response r, longer.Request("POST", "/containers/" + Q(id) + "/stop?t=" + std::to_string(timeout_seconds)));
  if (r.status >= 400) return EngineErrorFrom(r.status, r.body);
  return OkStatus();  // 204, or 304 already stopped
}

Status EngineClient::ContainerKill(std::string_view id, std::string_view signal) {
  return AsStatus(Call("POST", "/containers/" + Q(id) + "/kill?signal=" + Q(signal)));
}

Status EngineClient::ContainerRemove(std::string_view id, bool force, bool volumes) {
  return AsStatus(Call("DELETE", "/containers/" + Q(id) + "?force=" + (force ? "1" : "0") +
                                     "&v=" + (volumes ? "1" : "0")));
}

Result<json::object> EngineClient::ContainerInspect(std::string_view id) {
  return AsObject(Call("GET", "/containers/" + Q(id) + "/json"));
}

Result<int> EngineClient::ContainerPid(std::string_view id) {
  FARGO_ASSIGN_OR_RETURN(json::object info, ContainerInspect(id));
  if (const auto* state = info.if_contains("State"); state && state->is_object())
    if (const auto* p = state->as_object().if_contains("Pid"); p && p->is_int64() && p->as_int64() > 0)
      return static_cast<int>(p->as_int64());
  return 0;
}

Result<int64_t> EngineClient::ContainerWait(std::string_view id, const CancelToken* cancel) {
  std::string body;
  FARGO_TRY(Stream("POST", "/containers/" + Q(id) + "/wait?condition=not-running", {},
                   [&](std::string_view piece) { body.append(piece); }, cancel, false));
  if (cancel && cancel->load()) return AwsError::Make(kEngineError, "wait cancelled", 500);
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return AwsError::Make(kEngineError, "bad wait response: " + body, 500);
  const json::object& o = v.as_object();
  if (auto* e = o.if_contains("Error"); e && e->is_object()) {
    if (auto* m = e->as_object().if_contains("Message"); m && m->is_string() && !m->as_string().empty()) {
      return AwsError::Make(kEngineError, std::string(m->as_string()), 500);
    }
  }
  auto* code = o.if_contains("StatusCode");
  if (!code || !code->is_number()) return AwsError::Make(kEngineError, "bad wait response: " + body, 500);
  return code->to_number<int64_t>();
}

Result<json::array> EngineClient::ContainerList(const Labels& label_filters, bool all) {
  return AsArray(Call("GET", std::string("/containers/json?all=") + (all ? "1" : "0") +
                                 "&filters=" + LabelFilterQuery(label_filters)));
}

Status EngineClient::ContainerLogs(std::string_view id, const LogsOptions& o, const OutputFn& fn,
                                   const CancelToken* cancel) {
  std::string target = "/containers/" + Q(id) + "/logs?follow=" + (o.follow ? "1" : "0") +
                       "&stdout=" + (o.stdout_stream ? "1" : "0") +
                       "&stderr=" + (o.stderr_stream ? "1" : "0") +
                       "&timestamps=" + (o.timestamps ? "1" : "0");
  if (o.since > 0) target += "&since=" + std::to_string(o.since);
  StreamDemuxer d(fn, o.tty);
  return Stream("GET", target, {}, Demux(d), cancel, false);
}

Status EngineClient::ContainerAttach(std::string_view id, const OutputFn& fn,
                                     const std::function<void()>& on_attached, bool tty,
                                     const CancelToken* cancel) {
  StreamDemuxer d(fn, tty);
  return Stream("POST", "/containers/" + Q(id) + "/attach?stream=1&stdout=1&stderr=1&logs=0", {},
                Demux(d), cancel, true, [&](int) {
                  if (on_attached) on_attached();
                });
}

// ---------------------------------------------------------------- exec

Result<std::string> EngineClient::ExecCreate(std::string_view container_id, const ExecSpec& spec) {
  json::object body;
  json::array cmd;
  for (const auto& c : spec.cmd) cmd.push_back(json::string(c));
  body["Cmd"] = std::move(cmd);
  if (!spec.env.empty()) {
    json::array env;
    for (const auto& e : spec.env) env.push_back(json::string(e));
    body["Env"] = std::move(env);
  }
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["Tty"] = spec.tty;
  json::value b = std::move(body);
  FARGO_ASSIGN_OR_RETURN(json::object r,
                         AsObject(Call("POST", "/containers/" + Q(container_id) + "/exec", &b)));
  return IdOf(r);
}

Status EngineClient::ExecStart(std::string_view exec_id, const OutputFn& fn, bool tty,
                               const CancelToken* cancel) {
  StreamDemuxer d(fn, tty);
  std::string body = json::serialize(json::object{{"Detach", false}, {"Tty", tty}});
  return Stream("POST", "/exec/" + Q(exec_id) + "/start", body, Demux(d), cancel, true);
}

Result<json::object> EngineClient::ExecInspect(std::string_view exec_id) {
  return AsObject(Call("GET", "/exec/" + Q(exec_id) + "/json"));
}

// ---------------------------------------------------------------- networks

Result<std::string> EngineClient::NetworkCreate(const json::object& body) {
  json::value b = body;
  FARGO_ASSIGN_OR_RETURN(json::object r, AsObject(Call("POST", "/networks/create", &b)));
  return IdOf(r);
}

Result<json::object> EngineClient::NetworkInspect(std::string_view name) {
  return AsObject(Call("GET", "/networks/" + Q(name)));
}

Status EngineClient::NetworkRemove(std::string_view name) {
  return AsStatus(Call("DELETE", "/networks/" + Q(name)));
}

Status EngineClient::NetworkConnect(std::string_view network, std::string_view container,
                                    const json::object& endpoint_config) {
  json::value b = json::object{{"Container", std::string(container)},
                               {"EndpointConfig", endpoint_config}};
  return AsStatus(Call("POST", "/networks/" + Q(network) + "/connect", &b));
}

Result<json::array> EngineClient::NetworkList(const Labels& label_filters) {
  return AsArray(Call("GET", "/networks?filters=" + LabelFilterQuery(label_filters)));
}

// ---------------------------------------------------------------- volumes

Result<json::object> EngineClient::VolumeCreate(std::string_view name, const Labels& labels) {
  json::object l;
  for (const auto& [k, v] : labels) l[k] = v;
  json::value b = json::object{{"Name", std::string(name)}, {"Driver", "local"}, {"Labels", l}};
  return AsObject(Call("POST", "/volumes/create", &b));
}

Status EngineClient::VolumeRemove(std::string_view name, bool force) {
  return AsStatus(Call("DELETE", "/volumes/" + Q(name) + (force ? "?force=1" : "")));
}

Result<json::array> EngineClient::VolumeList(const Labels& label_filters) {
  FARGO_ASSIGN_OR_RETURN(json::object r,
                         AsObject(Call("GET", "/volumes?filters=" + LabelFilterQuery(label_filters))));
  if (auto* v = r.if_contains("Volumes"); v && v->is_array()) return v->as_array();
  return json::array();
}

}  // namespace fargo::runtime
