#include "dataplane/sessions/engine_exec_target.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>

#include <atomic>
#include <cerrno>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace fargo::dataplane::sessions {
namespace {
namespace json = boost::json;

// POST /exec/{id}/start attached, on a connection of its own that the
// engine then hands over (a hijacked stream: 101 from Docker, 200 from
// Podman). Returns the connected socket and what came after the headers.
Result<std::pair<int, std::string>> StartHijacked(runtime::EngineClient& engine, const std::string& exec_id) {
  FARGO_ASSIGN_OR_RETURN(std::string version, engine.ApiVersion());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return AwsError::Make(runtime::kEngineUnavailable, std::strerror(errno), 503);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, engine.socket_path().c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return AwsError::Make(runtime::kEngineUnavailable, "container engine is unavailable: " + why, 503);
  }
  std::string body = R"({"Detach":false,"Tty":true})";
  std::string req = "POST /" + version + "/exec/" + exec_id +
                    "/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: fargo\r\nContent-Type: application/json\r\n"
                    "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::write(fd, req.data() + off, req.size() - off);
    if (n <= 0) {
      ::close(fd);
      return AwsError::Make(runtime::kEngineUnavailable, "container engine closed the exec connection", 503);
    }
    off += static_cast<size_t>(n);
  }
  std::string got;
  char buf[4096];
  size_t end;
  while ((end = got.find("\r\n\r\n")) == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0 || got.size() > 64 * 1024) {
      ::close(fd);
      return AwsError::Make(runtime::kEngineUnavailable, "no answer from the container engine", 503);
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      ::close(fd);
      return AwsError::Make(runtime::kEngineUnavailable, "container engine closed the exec connection", 503);
    }
    got.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  if (auto sp = got.find(' '); sp != std::string::npos) status = std::atoi(got.c_str() + sp + 1);
  std::string rest = got.substr(end + 4);
  if (status >= 400 || status == 0) {
    ::close(fd);
    return runtime::EngineErrorFrom(status ? status : 500, rest);
  }
  return std::make_pair(fd, rest);
}

// One exec: its thread creates and starts it, then moves bytes both ways
// between the exec's connection and the session, and applies sizes.
class EngineExecStream final : public SessionStream {
 public:
  EngineExecStream(runtime::EngineClient engine, EngineExecTarget::Spec spec, SessionTarget::Events events)
      : engine_(std::move(engine)), spec_(std::move(spec)), events_(std::move(events)) {
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { Run(); });
  }
  ~EngineExecStream() override {
    Close();
    if (thread_.joinable()) thread_.join();
    if (wake_ >= 0) ::close(wake_);
  }

  void Write(std::string bytes) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      input_.push_back(std::move(bytes));
    }
    Wake();
  }
  void Resize(int rows, int cols) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_ = std::make_pair(rows, cols);
    }
    Wake();
  }
  void Close() override {
    closing_ = true;
    Wake();
  }

 private:
  void Wake() {
    uint64_t one = 1;
    if (wake_ >= 0) (void)!::write(wake_, &one, sizeof one);
  }

  void Run() {
    int code = -1;
    std::string error;
    Exec(code, error);
    if (events_.exited) events_.exited(code, error);
  }

  void Exec(int& code, std::string& error) {
    std::vector<std::string> cmd = SplitCommandLine(spec_.command);
    if (cmd.empty()) {
      error = "The command is empty.";
      return;
    }
    std::vector<std::string> env = spec_.env;
    bool has_lang = false;
    for (auto& e : env) has_lang |= e.rfind("LANG=", 0) == 0;
    env.push_back("TERM=xterm-256color");
    if (!has_lang) env.push_back("LANG=C.UTF-8");
    json::array jcmd, jenv;
    for (auto& c : cmd) jcmd.push_back(json::string(c));
    for (auto& e : env) jenv.push_back(json::string(e));
    json::value body = json::object{{"Cmd", jcmd}, {"Env", jenv}, {"AttachStdin", true}, {"AttachStdout", true},
                                    {"AttachStderr", true}, {"Tty", true}};
    if (!spec_.user.empty()) body.as_object()["User"] = spec_.user;
    auto created = engine_.Call("POST", "/containers/" + spec_.container_id + "/exec", &body);
    if (!created.ok()) {
      error = created.error().message;
      return;
    }
    std::string id;
    if (created->is_object())
      if (const auto* v = created->as_object().if_contains("Id"); v && v->is_string()) id = std::string(v->as_string());
    if (id.empty()) {
      error = "The container engine did not create the exec.";
      return;
    }
    auto hs = StartHijacked(engine_, id);
    if (!hs.ok()) {
      error = hs.error().message;
      return;
    }
    int fd = hs->first;
    if (!hs->second.empty() && events_.output) events_.output(std::move(hs->second));
    std::optional<std::pair<int, int>> applied;
    std::string pending;  // input not written yet
    char buf[4096];
    for (;;) {
      std::optional<std::pair<int, int>> size;
      {
        std::lock_guard<std::mutex> lock(mu_);
        while (!input_.empty()) {
          pending += input_.front();
          input_.pop_front();
        }
        if (size_ && size_ != applied) size = size_;
      }
      if (size) {
        (void)engine_.Request("POST", "/exec/" + id + "/resize?h=" + std::to_string(size->first) +
                                          "&w=" + std::to_string(size->second));
        applied = size;
      }
      if (closing_) break;
      pollfd p[2] = {{fd, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0}, {wake_, POLLIN, 0}};
      int r = ::poll(p, 2, 1000);
      if (r < 0 && errno != EINTR) break;
      if (p[1].revents & POLLIN) {
        uint64_t n;
        (void)!::read(wake_, &n, sizeof n);
      }
      if (!pending.empty() && (p[0].revents & POLLOUT)) {
        ssize_t w = ::write(fd, pending.data(), pending.size());
        if (w > 0) pending.erase(0, static_cast<size_t>(w));
      }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        if (events_.output) events_.output(std::string(buf, static_cast<size_t>(n)));
      }
    }
    ::close(fd);
    // The exit code: the engine may need a moment to record it.
    for (int i = 0; i < 50; ++i) {
      auto got = engine_.Call("GET", "/exec/" + id + "/json");
      if (!got.ok() || !got->is_object()) break;
      const json::object* in = &got->as_object();
      const auto* running = in->if_contains("Running");
      if (running && running->is_bool() && running->as_bool() && !closing_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      if (const auto* c = in->if_contains("ExitCode"); c && c->is_int64()) code = static_cast<int>(c->as_int64());
      break;
    }
  }

  runtime::EngineClient engine_;
  EngineExecTarget::Spec spec_;
  SessionTarget::Events events_;
  int wake_ = -1;
  std::mutex mu_;
  std::deque<std::string> input_;
  std::optional<std::pair<int, int>> size_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<SessionStream> EngineExecTarget::Open(Events events) {
  return std::make_unique<EngineExecStream>(engine_, spec_, std::move(events));
}

std::vector<std::string> SplitCommandLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else cur.push_back(c);
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) cur.push_back(line[++i]);
      else cur.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur.push_back(line[++i]);
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

}  // namespace fargo::dataplane::sessions
