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
#include <memory>

#include "cli/data_channel_connection.h"
#include "cli/port_session_client.h"
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
  if (!DataChannelConnection::SplitUrl(opt.endpoint, scheme, host, port, target) || scheme != "http") {
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
  SessionStreamOptions stream;
  stream.url = std::string(session["streamUrl"].as_string());
  stream.token = std::string(session["tokenValue"].as_string());
  if (auto* id = session.if_contains("sessionId"); id && id->is_string()) stream.session_id = std::string(id->as_string());
  stream.want_exit_code = true;
  return RunSessionStream(stream);
}

int RunSessionStream(const SessionStreamOptions& opt) {
  namespace ds = dataplane::sessions;
  asio::io_context io;
  DataChannelConnection connection(io);
  // stdin as the loop sees it; none when it cannot be polled (a regular file).
  std::optional<asio::posix::stream_descriptor> in;
  std::optional<RawTerminal> raw;
  std::pair<int, int> size{0, 0};
  bool shell = false;  // the terminal is the session's
  std::optional<asio::signal_set> signals;
  std::unique_ptr<PortSessionClient> port;
  std::optional<int> exit_code;
  std::string closed_message;
  bool closed = false, terminated = false, failed = false;
  std::function<void()> attach_shell, finish_after_drain, watch_signals;
  auto finish = [&] {
    connection.Stop();
    io.stop();
  };

  ds::ClientChannel::Options channel_options;
  if (!opt.shell_first) channel_options.input_chunk = kPortInputChunk;
  ds::ClientChannel channel(
      {[&](std::string f) { connection.Send(std::move(f)); },
       [&](std::string_view b) {
         if (port) {
           port->OnOutput(b);
           return;
         }
         if (!shell) attach_shell();  // output first: a shell without a handshake, as the plugin decides
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
       [&](int code) { exit_code = code; },
       [&](const ds::ClientHandshake& hs) {
         if (!PortSessionClient::IsPortSession(hs)) return true;  // a shell
         if (opt.shell_first || port) return false;                // fargo exec asks for a shell only
         PortSessionClient::Options po;
         po.session_id = opt.session_id;
         po.local_port = opt.local_port;
         po.local_address = opt.local_address;
         // One local read fills one input message: PSH header and data.
         po.read_chunk = kPortInputChunk - ds::kSmuxHeaderSize;
         port = std::make_unique<PortSessionClient>(io, channel, po);
         port->Configure(hs);
         return true;
       },
       [&](const std::string& customer_message) {
         if (!customer_message.empty()) std::printf("%s\n", customer_message.c_str());
         if (!port) {
           if (!shell) attach_shell();
           return;
         }
         if (Status st = port->Start(); !st.ok()) {
           std::fprintf(stderr, "%s\n", st.error().message.c_str());
           failed = true;
           channel.SendFlag(ds::client_flag::kTerminateSession, NowMs());
           finish_after_drain();
           return;
         }
         watch_signals();
       },
       [&](uint32_t flag) {
         if (port) port->OnFlag(flag);
       }},
      channel_options);

  // After Ctrl-C or a failure: what was sent goes out (at most 1 s), then the end.
  asio::steady_timer drain_timer(io);
  finish_after_drain = [&] {
    drain_timer.expires_after(std::chrono::seconds(1));
    drain_timer.async_wait([&](beast::error_code ec) {
      if (!ec) finish();
    });
    connection.WhenDrained([&] { finish(); });
  };
  // Port sessions: Ctrl-C (and SIGTERM, SIGQUIT) ends the session with Flag 2.
  watch_signals = [&] {
    signals.emplace(io, SIGINT, SIGTERM, SIGQUIT);
    signals->async_wait([&](beast::error_code ec, int) {
      if (ec || !port) return;
      std::printf("\n\nTerminate signal received, exiting.\n");
      std::fflush(stdout);
      terminated = true;
      port->Terminate();
      finish_after_drain();
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
  attach_shell = [&] {
    shell = true;
    try {
      in.emplace(io, ::dup(STDIN_FILENO));
    } catch (const std::exception&) {
      in.reset();
    }
    raw.emplace();
    size = TerminalSize();
    channel.SendSize(size.first, size.second, NowMs());
    read_in();
  };

  json::value open = json::parse(channel.OpenDataChannel(opt.token));
  if (opt.want_exit_code) open.as_object()["FargoExitCode"] = true;
  if (Status st = connection.Connect(opt.url, json::serialize(open)); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", opt.shell_first ? "fargo exec" : "fargo", st.error().message.c_str());
    return 255;
  }
  if (opt.shell_first) attach_shell();

  connection.Start({[&](std::string_view frame) {
                      (void)channel.OnFrame(frame, NowMs());
                      if (port) port->OnProgress();
                      if (channel.closed()) finish();
                    },
                    [&] {
                      channel.Tick(NowMs());
                      if (!shell) return;
                      auto now_size = TerminalSize();
                      if (now_size != size) {
                        size = now_size;
                        channel.SendSize(size.first, size.second, NowMs());
                      }
                    },
                    [&] { io.stop(); }});
  io.run();
  raw.reset();
  if (port) {
    port->Close();
    if (terminated) {
      std::printf("\nExiting session with sessionId: %s.\n\n", opt.session_id.c_str());
      return 0;
    }
    if (failed) return 1;
    if (!closed) {
      std::fprintf(stderr, "\nfargo: the data channel closed without ending the session %s\n", opt.session_id.c_str());
      return 1;
    }
    if (closed_message.empty()) {
      std::printf("\n\nExiting session with sessionId: %s.\n\n", opt.session_id.c_str());
    } else {
      std::printf("\n\nSessionId: %s : %s\n\n", opt.session_id.c_str(), closed_message.c_str());
    }
    return 0;
  }
  if (failed) return 1;
  if (!closed) {
    std::fprintf(stderr, "\r\nfargo exec: the data channel closed without ending the session\r\n");
    return 255;
  }
  if (!closed_message.empty()) std::fprintf(stderr, "\r\n%s\r\n", closed_message.c_str());
  int rc = exit_code.value_or(closed_message.empty() ? 0 : 255);
  if (rc == 0 && opt.plugin_messages) std::printf("\n\nExiting session with sessionId: %s.\n\n", opt.session_id.c_str());
  return rc;
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
  // argv[5] is the StartSession request (`aws ssm start-session`) or just
  // {"Target": ...} (`aws ecs execute-command`, a shell at once). With a
  // DocumentName the session's type is the handshake's, as the plugin
  // decides it: "Port" forwards a local port.
  bool shell_first = true;
  json::value request = json::parse(argv[5], ec);
  if (!ec && request.is_object() && request.as_object().contains("DocumentName")) shell_first = false;
  std::printf("\nStarting session with SessionId: %s\n\n", id.c_str());
  std::fflush(stdout);
  SessionStreamOptions stream;
  stream.url = url;
  stream.token = token;
  stream.session_id = id;
  stream.shell_first = shell_first;
  stream.plugin_messages = true;
  int rc = RunSessionStream(stream);
  return rc == 0 ? 0 : 1;  // like the plugin: the command's status is not passed on
}

}  // namespace fargo::cli
