#include "cli/exec_command.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <cctype>
#include <cstdlib>

#include "dataplane/sessions/client_channel.h"

namespace fargo::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "host:port" and "/path?query" of an http:// or ws:// URL.
bool SplitUrl(const std::string& url, std::string& scheme, std::string& host, std::string& port, std::string& target) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return false;
  scheme = url.substr(0, sep);
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  host = authority.substr(0, colon);
  port = colon == std::string::npos ? (scheme == "https" || scheme == "wss" ? "443" : "80") : authority.substr(colon + 1);
  return true;
}

std::string ShellQuote(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    bool plain = !w.empty() && w.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos;
    if (plain) {
      out += w;
      continue;
    }
    out += '\'';
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

// The terminal in raw mode while the session runs (restored on scope exit).
class RawTerminal {
 public:
  RawTerminal() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    // Output raw as well: the remote PTY already turns \n into \r\n.
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

std::pair<int, int> TerminalSize() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) return {ws.ws_col, ws.ws_row};
  return {300, 100};  // as the plugin does without a terminal
}

}  // namespace

int RunDataChannel(const std::string& url, const std::string& token, bool want_exit_code);

int RunExec(const ExecOptions& opt) {
  // ---- ExecuteCommand
  std::string cluster = opt.cluster;
  if (cluster.empty() && opt.task.rfind("arn:", 0) == 0) {
    auto a = opt.task.find(":task/");
    if (a != std::string::npos) {
      std::string rest = opt.task.substr(a + 6);
      if (auto s = rest.find('/'); s != std::string::npos) cluster = rest.substr(0, s);
    }
  }
  json::object req{{"task", opt.task},
                   {"command", opt.command.empty() ? std::string("/bin/sh") : ShellQuote(opt.command)},
                   {"interactive", true}};
  if (!cluster.empty()) req["cluster"] = cluster;
  if (!opt.container.empty()) req["container"] = opt.container;
  std::string scheme, host, port, target;
  if (!SplitUrl(opt.endpoint, scheme, host, port, target) || scheme != "http") {
    std::fprintf(stderr, "fargo exec: the endpoint must be an http:// URL\n");
    return 255;
  }
  json::object session;
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> r(http::verb::post, "/", 11);
    r.set(http::field::host, host + ":" + port);
    r.set(http::field::content_type, "application/x-amz-json-1.1");
    r.set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ExecuteCommand");
    r.set(http::field::authorization, "AWS4-HMAC-SHA256 Credential=fargo/20260101/" + opt.region +
                                          "/ecs/aws4_request, SignedHeaders=host, Signature=0");
    r.body() = json::serialize(req);
    r.prepare_payload();
    http::write(stream, r);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    if (res.result_int() != 200 || ec || !v.is_object()) {
      std::string code, msg = res.body();
      if (!ec && v.is_object()) {
        if (auto* t = v.as_object().if_contains("__type"); t && t->is_string()) code = std::string(t->as_string());
        if (auto* m = v.as_object().if_contains("message"); m && m->is_string()) msg = std::string(m->as_string());
        if (auto p = code.rfind('#'); p != std::string::npos) code = code.substr(p + 1);
      }
      std::fprintf(stderr, "An error occurred (%s) when calling the ExecuteCommand operation: %s\n", code.c_str(),
                   msg.c_str());
      return 254;
    }
    session = v.as_object()["session"].as_object();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fargo exec: cannot reach fargo at %s: %s\n", opt.endpoint.c_str(), e.what());
    return 255;
  }
  return RunDataChannel(std::string(session["streamUrl"].as_string()),
                        std::string(session["tokenValue"].as_string()), true);
}

int RunDataChannel(const std::string& url, const std::string& token, bool want_exit_code) {
  std::string scheme, host, port, target;
  if (!SplitUrl(url, scheme, host, port, target) || scheme != "ws") {
    std::fprintf(stderr, "fargo exec: unsupported stream URL %s (only ws://)\n", url.c_str());
    return 255;
  }

  // ---- the data channel: one thread, async
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws(io);
  // stdin as the loop sees it; none when it cannot be polled (a regular file).
  std::optional<asio::posix::stream_descriptor> in;
  try {
    in.emplace(io, ::dup(STDIN_FILENO));
  } catch (const std::exception&) {
    in.reset();
  }
  asio::steady_timer timer(io);
  std::deque<std::string> out;
  bool writing = false, done = false;
  std::optional<int> exit_code;
  std::string closed_message;
  bool closed = false;
  std::function<void()> write_next = [&] {
    if (writing || out.empty() || done) return;
    writing = true;
    ws.async_write(asio::buffer(out.front()), [&](beast::error_code ec, size_t) {
      writing = false;
      out.pop_front();
      if (ec) return;
      write_next();
    });
  };
  auto send_text = [&](std::string s) {
    ws.text(true);
    ws.write(asio::buffer(s));
    ws.binary(true);
  };
  dataplane::sessions::ClientChannel channel(
      {[&](std::string f) {
         out.push_back(std::move(f));
         write_next();
       },
       [&](std::string_view b) {
         size_t off = 0;
         while (off < b.size()) {
           ssize_t n = ::write(STDOUT_FILENO, b.data() + off, b.size() - off);
           if (n <= 0) break;
           off += static_cast<size_t>(n);
         }
       },
       [&](const std::string& m) {
         closed = true;
         closed_message = m;
       },
       [&](int code) { exit_code = code; }},
      {});
  try {
    tcp::resolver resolver(io);
    beast::get_lowest_layer(ws).connect(resolver.resolve(host, port));
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
    ws.handshake(host + ":" + port, target);
    json::value open = json::parse(channel.OpenDataChannel(token));
    if (want_exit_code) open.as_object()["FargoExitCode"] = true;
    send_text(json::serialize(open));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fargo exec: cannot open the data channel %s: %s\n", url.c_str(), e.what());
    return 255;
  }
  RawTerminal raw;
  auto size = TerminalSize();
  channel.SendSize(size.first, size.second, NowMs());

  beast::flat_buffer rbuf;
  std::function<void()> read_ws = [&] {
    ws.async_read(rbuf, [&](beast::error_code ec, size_t) {
      if (ec) {
        done = true;
        io.stop();
        return;
      }
      std::string frame = beast::buffers_to_string(rbuf.data());
      rbuf.consume(rbuf.size());
      (void)channel.OnFrame(frame, NowMs());
      if (channel.closed()) {
        done = true;
        io.stop();
        return;
      }
      read_ws();
    });
  };
  std::array<char, 1024> ibuf;
  std::function<void()> read_in = [&] {
    if (!in) return;
    in->async_read_some(asio::buffer(ibuf), [&](beast::error_code ec, size_t n) {
      if (ec) return;  // stdin ended: the session goes on until the command ends
      std::string_view chunk(ibuf.data(), n);
      channel.SendInput(chunk == "\n" ? std::string_view("\r") : chunk, NowMs());
      read_in();
    });
  };
  std::function<void()> tick = [&] {
    timer.expires_after(std::chrono::milliseconds(100));
    timer.async_wait([&](beast::error_code ec) {
      if (ec) return;
      channel.Tick(NowMs());
      auto now_size = TerminalSize();
      if (now_size != size) {
        size = now_size;
        channel.SendSize(size.first, size.second, NowMs());
      }
      tick();
    });
  };
  read_ws();
  read_in();
  tick();
  io.run();
  if (!closed) {
    std::fprintf(stderr, "\r\nfargo exec: the data channel closed without ending the session\r\n");
    return 255;
  }
  if (!closed_message.empty()) std::fprintf(stderr, "\r\n%s\r\n", closed_message.c_str());
  return exit_code.value_or(closed_message.empty() ? 0 : 255);
}

int RunPluginCompatible(int argc, char** argv) {
  if (argc == 1) {
    std::printf("The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n");
    return 0;
  }
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("1.2.0.0\n");
    return 0;
  }
  if (argc < 7 || std::string(argv[3]) != "StartSession") {
    std::fprintf(stderr, "Invalid Operation\n");
    return 1;
  }
  std::string response = argv[1];
  if (response.rfind("AWS_SSM_START_SESSION_RESPONSE", 0) == 0) {
    const char* env = std::getenv("AWS_SSM_START_SESSION_RESPONSE");
    response = env ? env : "";
  }
  boost::system::error_code ec;
  json::value v = json::parse(response, ec);
  if (ec || !v.is_object()) {
    std::fprintf(stderr, "Cannot parse the StartSession response\n");
    return 1;
  }
  // Keys in any case, as Go's encoding/json matches them.
  std::string id, url, token;
  for (auto& [k, x] : v.as_object()) {
    std::string key(k);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!x.is_string()) continue;
    if (key == "sessionid") id = std::string(x.as_string());
    if (key == "streamurl") url = std::string(x.as_string());
    if (key == "tokenvalue") token = std::string(x.as_string());
  }
  std::printf("\nStarting session with SessionId: %s\n\n", id.c_str());
  std::fflush(stdout);
  int rc = RunDataChannel(url, token, false);
  if (rc == 0) std::printf("\n\nExiting session with sessionId: %s.\n\n", id.c_str());
  return rc == 0 ? 0 : 1;  // like the plugin: the command's status is not passed on
}

}  // namespace fargo::cli
