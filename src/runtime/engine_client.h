// EngineClient: a blocking client for the Docker Engine API over a unix
// socket, as served by Docker (20.10 and later) or by Podman's compat service.
// The API version is negotiated from the engine's `GET /version` on first use
// (see NegotiateApiVersion) unless Options::api_version fixes it.
//
// Every call blocks the calling thread (the task runtime drives it from its own
// worker thread, never from the network event loop) and opens its own
// connection, so one EngineClient may be used from several threads at once.
// Control calls are bounded by Options::timeout; streaming calls (logs, attach,
// exec output, wait, pull) run until the engine ends the stream or the caller
// cancels through a CancelToken.
//
// Failures are AwsErrors whose message is the engine's own message:
//   kEngineUnavailable (503)   socket missing / connection refused / timeout
//   kEngineNotFound (404)      no such container, image, network, volume, exec
//   kEngineConflict (409)      name in use, container running, ...
//   kEngineError (500)         any other engine failure
// An engine that rejects a request before reading all of its body (Docker
// answers 400 to a bad image import from the query alone and closes) is
// reported with its own answer, not as a broken pipe.
//   kCannotPullContainer (500) ImagePull failed (ECS's stoppedReason prefix)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/result.h"
#include "runtime/stream_demuxer.h"

namespace fargo::runtime {

inline constexpr const char* kEngineUnavailable = "EngineUnavailable";
inline constexpr const char* kEngineNotFound = "EngineNotFound";
inline constexpr const char* kEngineConflict = "EngineConflict";
inline constexpr const char* kEngineError = "EngineError";
inline constexpr const char* kCannotPullContainer = "CannotPullContainerError";

inline bool IsNotFound(const AwsError& e) { return e.code == kEngineNotFound; }

// Set from any thread to stop a streaming call; the call returns within
// ~200 ms with OkStatus().
using CancelToken = std::atomic<bool>;

using Labels = std::map<std::string, std::string>;

// One line of `POST /images/create` progress ("Pulling fs layer", ...).
using ProgressFn = std::function<void(const boost::json::object& line)>;

// The API version this client speaks (the newest it was written against), and
// the oldest an engine may offer: Docker 20.10 and Podman 4 speak 1.41.
inline constexpr const char* kPreferredApiVersion = "1.41";
inline constexpr const char* kMinimumApiVersion = "1.41";

// The version to speak with an engine whose `GET /version` answered `version`:
// kPreferredApiVersion, lowered to the engine's ApiVersion when that is older
// (refused below kMinimumApiVersion), raised to its MinAPIVersion when the
// engine no longer accepts ours. Returns "v1.41"-style path prefixes.
Result<std::string> NegotiateApiVersion(const boost::json::object& version);

struct LogsOptions {
  bool follow = true;
  bool stdout_stream = true;
  bool stderr_stream = true;
  bool timestamps = false;
  int64_t since = 0;  // epoch seconds; 0 = from the beginning
  bool tty = false;   // container has a TTY: the stream is not multiplexed
};

struct ExecSpec {
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string user;
  std::string working_dir;
  bool tty = false;
};

class EngineClient {
 public:
  struct Options {
    std::string socket_path;
    std::chrono::milliseconds timeout{120000};  // control calls
    std::string api_version{};  // "v1.41"; empty: negotiated on first use
  };

  explicit EngineClient(Options options);

  // The socket an engine is expected at: DOCKER_HOST ("unix:///path") when
  // set, else the first of /var/run/docker.sock, /run/podman/podman.sock that
  // exists (the docker path when none does). `exists` is injectable for tests.
  static std::string DiscoverSocket(const char* docker_host,
                                    const std::function<bool(const std::string&)>& exists);
  // Client for DiscoverSocket(getenv("DOCKER_HOST"), <stat>).
  static EngineClient FromEnvironment();

  const std::string& socket_path() const { return options_.socket_path; }

  // The negotiated API version ("v1.41"), asking the engine on first use.
  // Copies of a client share it; an unavailable engine makes the next call
  // ask again (it may come back as another engine).
  Result<std::string> ApiVersion();

  // ---- system
  Status Ping();
  Result<boost::json::object> Version();
  // Streams /events (filtered by labels) until cancelled; one object per event.
  Status Events(const Labels& label_filters, const std::function<void(const boost::json::object&)>& fn,
                const CancelToken* cancel);

  // ---- images (references are normalised with NormalizeImageRef)
  Result<boost::json::object> ImageInspect(std::string_view reference);
  // Pulls and reports each progress line; fails with kCannotPullContainer and
  // the engine's message when the engine reports an error in the stream.
  Status ImagePull(std::string_view reference, const ProgressFn& progress = {},
                   const CancelToken* cancel = nullptr);
  // Imports a root filesystem tar as `reference`; `changes` are Dockerfile
  // instructions ("CMD [\"sh\"]", "ENTRYPOINT [\"/pause\"]"). Docker accepts
  // only CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME and
  // WORKDIR here (400 for others, STOPSIGNAL included). Returns the image id.
  Result<std::string> ImageImportTar(std::string_view tar, std::string_view reference,
                                     const std::vector<std::string>& changes = {});
  Status ImageRemove(std::string_view reference, bool force = false);

  // ---- containers
  // `body` is the full create body (Image, Cmd, Labels, HostConfig, ...);
  // labels are merged into body.Labels. Returns the container id.
  Result<std::string> ContainerCreate(std::string_view name, const boost::json::object& body,
                                      const Labels& labels = {});
  Status ContainerStart(std::string_view id);  // already running is success
  Status ContainerStop(std::string_view id, int timeout_seconds);  // already stopped is success
  Status ContainerKill(std::string_view id, std::string_view signal = "SIGKILL");
  Status ContainerRemove(std::string_view id, bool force = true, bool volumes = true);
  Result<boost::json::object> ContainerInspect(std::string_view id);
  // The container's main process as the host sees it (State.Pid); 0 when
  // it is not running.
  Result<int> ContainerPid(std::string_view id);
  // Blocks until the container is not running; returns its exit code.
  Result<int64_t> ContainerWait(std::string_view id, const CancelToken* cancel = nullptr);
  // `all` includes stopped containers. label_filters: key=value (empty value:
  // label present).
  Result<boost::json::array> ContainerList(const Labels& label_filters, bool all = true);
  // Streams the container's log (stdout/stderr) to `fn`; with follow, runs
  // until the container exits or `cancel` is set.
  Status ContainerLogs(std::string_view id, const LogsOptions& options, const OutputFn& fn,
                       const CancelToken* cancel = nullptr);
  // Attaches to stdout/stderr (nothing is replayed) and streams until the
  // container exits. `on_attached` runs once the stream is established — start
  // the container from there to capture its output from the first byte.
  Status ContainerAttach(std::string_view id, const OutputFn& fn,
                         const std::function<void()>& on_attached = {}, bool tty = false,
                         const CancelToken* cancel = nullptr);

  // ---- exec
  Result<std::string> ExecCreate(std::string_view container_id, const ExecSpec& spec);
  // Runs the exec attached and streams its output until it ends.
  Status ExecStart(std::string_view exec_id, const OutputFn& fn, bool tty = false,
                   const CancelToken* cancel = nullptr);
  Result<boost::json::object> ExecInspect(std::string_view exec_id);

  // ---- networks
  Result<std::string> NetworkCreate(const boost::json::object& body);  // returns the id
  Result<boost::json::object> NetworkInspect(std::string_view name);
  Status NetworkRemove(std::string_view name);
  Status NetworkConnect(std::string_view network, std::string_view container,
                        const boost::json::object& endpoint_config = {});
  Result<boost::json::array> NetworkList(const Labels& label_filters);

  // ---- volumes
  Result<boost::json::object> VolumeCreate(std::string_view name, const Labels& labels);
  Status VolumeRemove(std::string_view name, bool force = true);
  Result<boost::json::array> VolumeList(const Labels& label_filters);

  // Raw JSON request for calls not wrapped above. Returns the parsed body
  // (null when empty).
  Result<boost::json::value> Call(std::string_view method, std::string_view target,
                                  const boost::json::value* body = nullptr);

  struct Response {
    int status = 0;
    std::string body;
  };
  // One request with a complete (buffered) response. `target` is relative to
  // the API version ("/containers/json").
  Result<Response> Request(std::string_view method, std::string_view target,
                           std::string_view body = {},
                           std::string_view content_type = "application/json");

  // One request whose response body is handed to `chunk` as it arrives (for a
  // hijacked 101 Upgrade response, the raw stream after the headers). An
  // error status (>= 400) reads the body and returns EngineErrorFrom(...).
  // `on_headers` runs once a success status arrived. Cancellation returns
  // OkStatus().
  Status Stream(std::string_view method, std::string_view target, std::string_view body,
                const std::function<void(std::string_view)>& chunk, const CancelToken* cancel,
                bool upgrade, const std::function<void(int status)>& on_headers = {});

 private:
  struct Negotiated;
  Result<std::string> Path(std::string_view target);
  // After an unavailable engine: negotiate again on the next call.
  void ForgetApiVersion();
  // Request() on a path that already carries its version (or none).
  Result<Response> RequestPath(std::string_view method, const std::string& path,
                               std::string_view body, std::string_view content_type);

  Options options_;
  std::shared_ptr<Negotiated> negotiated_;
};

// Builds the `filters` query value {"label":["k=v",...]} (URL-encoded).
std::string LabelFilterQuery(const Labels& label_filters);

// The AwsError for an engine error response (status + body).
AwsError EngineErrorFrom(int status, std::string_view body);

}  // namespace fargo::runtime
