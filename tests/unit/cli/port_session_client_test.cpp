// fargo's port-forwarding client against an agent played in the test (its
// data channel frame by frame, and an smux echo server behind it), over
// real loopback connections: the handshake answered Success with a
// ClientVersion that turns keepalive off, the plugin's lines, many
// connections at once each echoed, 10 MB intact, a stream the agent cannot
// connect (Flag 3 + FIN) closing only its own connection, basic mode (raw
// bytes, one connection at a time, Flag 1 at its end), reading bounded by
// the acknowledgements, Ctrl-C sending Flag 2.
#include "cli/port_session_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "dataplane/sessions/client_channel.h"
#include "dataplane/sessions/reliable_sender.h"
#include "dataplane/sessions/session_message.h"
#include "dataplane/sessions/smux_frame.h"

namespace fargo::cli {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
namespace ds = dataplane::sessions;
using tcp = asio::ip::tcp;

// The agent's side: the handshake, acks, and an smux (or raw, basic) echo.
class FakeAgent {
 public:
  std::function<void(std::string)> to_client;
  bool mux = true;
  std::set<uint32_t> fail_streams;  // SYN answered with Flag 3 + FIN
  bool hold_acks = false;           // acknowledgements kept back
  // What the agent saw (read on the loop).
  std::string handshake_response;
  std::vector<uint32_t> flags;
  std::set<uint32_t> opened, closed_by_client;
  std::string raw_input;  // basic mode
  std::vector<std::string> held;

  void StartHandshake(const std::string& agent_version, const json::object& properties) {
    json::object params{{"SessionType", "Port"}, {"Properties", properties}};
    json::object req{{"AgentVersion", agent_version},
                     {"RequestedClientActions",
                      json::array{json::object{{"ActionType", "SessionType"}, {"ActionParameters", params}}}}};
    to_client(out_.Next(ds::PayloadType::kHandshakeRequest, json::serialize(req), 1));
  }

  void ReleaseAcks() {
    hold_acks = false;
    for (auto& a : held) to_client(std::move(a));
    held.clear();
  }

  void OnFrame(const std::string& frame) {
    auto m = ds::DecodeSessionMessage(frame);
    ASSERT_TRUE(m.ok());
    if (m->message_type == ds::message_type::kAcknowledge) {
      if (auto seq = ds::AckedSequence(m->payload)) out_.Acknowledge(*seq, 1);
      return;
    }
    if (m->message_type != ds::message_type::kInputStreamData) return;
    ASSERT_EQ(m->sequence_number, expected_) << "in order, no loss in memory";
    ++expected_;
    std::string ack = ds::EncodeAckOf(*m, 1);
    if (hold_acks) {
      held.push_back(std::move(ack));
    } else {
      to_client(std::move(ack));
    }
    switch (m->payload_type) {
      case ds::PayloadType::kHandshakeResponse:
        handshake_response = m->payload;
        Send(ds::PayloadType::kHandshakeComplete, R"({"HandshakeTimeToComplete":1000000,"CustomerMessage":""})");
        break;
      case ds::PayloadType::kFlag: {
        uint32_t f = 0;
        for (char c : m->payload) f = (f << 8) | static_cast<uint8_t>(c);
        flags.push_back(f);
        break;
      }
      case ds::PayloadType::kOutput:
        if (mux) {
          Smux(m->payload);
        } else {
          raw_input += m->payload;
          Output(m->payload);
        }
        break;
      default:
        break;
    }
  }

 private:
  void Send(ds::PayloadType type, const std::string& payload) { to_client(out_.Next(type, payload, 1)); }
  // Output in 1024-byte messages, as the agent reads: frames span them.
  void Output(std::string_view bytes) {
    while (!bytes.empty()) {
      size_t n = std::min<size_t>(bytes.size(), 1024);
      Send(ds::PayloadType::kOutput, std::string(bytes.substr(0, n)));
      bytes.remove_prefix(n);
    }
  }
  void Smux(std::string_view bytes) {
    reader_.Append(bytes);
    for (;;) {
      auto f = reader_.Next();
      ASSERT_TRUE(f.ok());
      if (!f->has_value()) return;
      ds::SmuxFrame frame = std::move(**f);
      switch (frame.command) {
        case ds::SmuxCommand::kSyn:
          opened.insert(frame.stream_id);
          if (fail_streams.count(frame.stream_id)) {
            Send(ds::PayloadType::kFlag, std::string("\0\0\0\3", 4));
            Output(ds::EncodeSmuxFrame(ds::SmuxCommand::kFin, frame.stream_id));
          }
          break;
        case ds::SmuxCommand::kPsh:
          Output(ds::EncodeSmuxFrame(ds::SmuxCommand::kNop, 0));  // ignored by the client
          Output(ds::EncodeSmuxFrame(ds::SmuxCommand::kPsh, frame.stream_id, frame.data));
          break;
        case ds::SmuxCommand::kFin:
          closed_by_client.insert(frame.stream_id);
          break;
        default:
          break;
      }
    }
  }

  ds::ReliableSender out_{std::string(ds::message_type::kOutputStreamData)};
  int64_t expected_ = 0;
  ds::SmuxReader reader_;
};

// The client wired as fargo's runner wires it, both sides on one loop
// (frames posted, as a WebSocket would deliver them), the loop on a thread.
class Harness {
 public:
  explicit Harness(const std::string& agent_version, size_t max_unacknowledged = 64)
      : channel_({[this](std::string f) {
                    asio::post(io_, [this, f = std::move(f)] { agent.OnFrame(f); });
                  },
                  [this](std::string_view b) { port_->OnOutput(b); },
                  [](const std::string&) {},
                  {},
                  [this, max_unacknowledged](const ds::ClientHandshake& hs) {
                    if (!PortSessionClient::IsPortSession(hs)) return false;
                    PortSessionClient::Options o;
                    o.session_id = "user-0123456789abcdef0";
                    o.max_unacknowledged = max_unacknowledged;
                    o.print = [this](const std::string& line) {
                      std::lock_guard<std::mutex> l(mu_);
                      printed_.push_back(line);
                    };
                    port_ = std::make_unique<PortSessionClient>(io_, channel_, o);
                    port_->Configure(hs);
                    return true;
                  },
                  [this](const std::string&) { EXPECT_TRUE(port_->Start().ok()); },
                  [this](uint32_t f) { port_->OnFlag(f); }},
                 {.input_chunk = 16 * 1024}),
        guard_(asio::make_work_guard(io_)) {
    agent.to_client = [this](std::string f) {
      asio::post(io_, [this, f = std::move(f)] {
        ASSERT_TRUE(channel_.OnFrame(f, 1).ok());
        if (port_) port_->OnProgress();
      });
    };
    agent_version_ = agent_version;
    agent.mux = agent_version != "3.0.196.0";  // (the tests' two versions)
    loop_ = std::thread([this] { io_.run(); });
  }
  // Runs `f` on the loop and returns its result.
  template <typename F>
  auto OnLoop(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  ~Harness() {
    OnLoop([this] {
      if (port_) port_->Close();
      return 0;
    });
    guard_.reset();
    io_.stop();
    loop_.join();
  }

  // The handshake, until the client listens; its port.
  int Start(json::object properties = {{"portNumber", "80"}, {"type", "LocalPortForwarding"},
                                       {"localPortNumber", "0"}}) {
    OnLoop([&] {
      agent.StartHandshake(agent_version_, properties);
      return 0;
    });
    for (int i = 0; i < 500; ++i) {
      int port = OnLoop([this] { return port_ ? port_->local_port() : 0; });
      if (port) return port;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "the client never listened";
    return 0;
  }

  std::vector<std::string> Printed() {
    std::lock_guard<std::mutex> l(mu_);
    return printed_;
  }
  PortSessionClient& port() { return *port_; }
  ds::ClientChannel& channel() { return channel_; }

  FakeAgent agent;

 private:
  asio::io_context io_;
  ds::ClientChannel channel_;
  std::unique_ptr<PortSessionClient> port_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread loop_;
  std::string agent_version_;
  std::mutex mu_;
  std::vector<std::string> printed_;
};

// A local client (blocking, 10 s receive timeout so a bug fails, not hangs).
class Local {
 public:
  explicit Local(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
    timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void Write(const std::string& s) { asio::write(socket_, asio::buffer(s)); }
  std::string Read(size_t n) {
    std::string out(n, '\0');
    boost::system::error_code ec;
    size_t got = asio::read(socket_, asio::buffer(out), ec);
    out.resize(got);
    return out;
  }
  // True when the other side closed (EOF, or reset) before any byte.
  bool Closed() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  void Close() { socket_.close(); }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

TEST(PortSessionClient, ModeIsThePluginsChoice) {
  ds::ClientHandshake hs{"Port", "3.3.0.0", {{"type", "LocalPortForwarding"}}};
  EXPECT_TRUE(PortSessionClient::UsesMux(hs));
  hs.agent_version = "3.0.196.0";  // not above
  EXPECT_FALSE(PortSessionClient::UsesMux(hs));
  hs.agent_version = "3.0.196.1";
  EXPECT_TRUE(PortSessionClient::UsesMux(hs));
  hs.agent_version = "3.3.0";  // 3 components: the plugin's comparison fails
  EXPECT_FALSE(PortSessionClient::UsesMux(hs));
  hs.agent_version = "3.3.0.0";
  hs.properties.clear();  // no type: standard stream forwarding, not mux
  EXPECT_FALSE(PortSessionClient::UsesMux(hs));
  EXPECT_TRUE(PortSessionClient::IsPortSession(hs));
  EXPECT_FALSE(PortSessionClient::IsPortSession({"InteractiveCommands", "3.3.0.0", {}}));
}

TEST(PortSessionClient, HandshakeIsAnsweredAndThePluginsLinesPrinted) {
  Harness h("3.3.0.0");
  int port = h.Start();
  json::object r = json::parse(h.OnLoop([&] { return h.agent.handshake_response; })).as_object();
  EXPECT_EQ(r["ClientVersion"].as_string(), "1.2.650.0");
  EXPECT_EQ(r["ProcessedClientActions"].as_array()[0].as_object()["ActionStatus"].as_int64(), 1);
  EXPECT_TRUE(h.OnLoop([&] { return h.port().mux(); }));
  Local a(port);
  a.Write("x");
  EXPECT_EQ(a.Read(1), "x");
  auto lines = h.Printed();
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "Port " + std::to_string(port) + " opened for sessionId user-0123456789abcdef0.");
  EXPECT_EQ(lines[1], "Waiting for connections...");
  EXPECT_EQ(lines[2], "Connection accepted for session [user-0123456789abcdef0]");
}

TEST(PortSessionClient, ListensOnThePropertiesLocalPort) {
  // A free port, found by binding and closing.
  asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int free_port = probe.local_endpoint().port();
  probe.close();
  Harness h("3.3.0.0");
  int port = h.Start({{"portNumber", "80"}, {"type", "LocalPortForwarding"},
                      {"localPortNumber", std::to_string(free_port)}});
  EXPECT_EQ(port, free_port);
}

TEST(PortSessionClient, ThreeConnectionsAtOnceAreEachEchoed) {
  Harness h("3.3.0.0");
  int port = h.Start();
  Local a(port), b(port), c(port);
  // Interleaved: each stream's bytes stay its own.
  a.Write("alpha-1 ");
  b.Write("bravo-1 ");
  c.Write("charlie-1 ");
  EXPECT_EQ(c.Read(10), "charlie-1 ");
  b.Write("bravo-2");
  a.Write("alpha-2");
  EXPECT_EQ(a.Read(15), "alpha-1 alpha-2");
  EXPECT_EQ(b.Read(15), "bravo-1 bravo-2");
  EXPECT_EQ(h.OnLoop([&] { return h.agent.opened; }), (std::set<uint32_t>{3, 5, 7}));
  EXPECT_EQ(h.OnLoop([&] { return h.port().connections(); }), 3u);
  // Closing one sends its FIN; the others go on.
  b.Close();
  for (int i = 0; i < 200 && h.OnLoop([&] { return h.agent.closed_by_client.size(); }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(h.OnLoop([&] { return h.agent.closed_by_client; }), (std::set<uint32_t>{5}));
  a.Write("more");
  EXPECT_EQ(a.Read(4), "more");
}

TEST(PortSessionClient, TenMegabytesArriveIntact) {
  Harness h("3.3.0.0");
  int port = h.Start();
  Local a(port);
  const std::string data = RandomBytes(10 * 1024 * 1024, 7);
  std::string echoed;
  std::thread reader([&] { echoed = a.Read(data.size()); });
  a.Write(data);
  reader.join();
  ASSERT_EQ(echoed.size(), data.size());
  EXPECT_EQ(Fnv1a(echoed), Fnv1a(data));
  EXPECT_TRUE(echoed == data);
}

TEST(PortSessionClient, ReadingWaitsForAcknowledgements) {
  Harness h("3.3.0.0", /*max_unacknowledged=*/4);
  int port = h.Start();
  Local a(port);
  a.Write("x");
  EXPECT_EQ(a.Read(1), "x");
  h.OnLoop([&] {
    h.agent.hold_acks = true;
    return 0;
  });
  const std::string data = RandomBytes(1024 * 1024, 11);
  std::string echoed;
  std::thread reader([&] { echoed = a.Read(data.size()); });
  std::thread writer([&] { a.Write(data); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Nothing acknowledged: the client stopped reading at its bound.
  EXPECT_EQ(h.OnLoop([&] { return h.channel().unacknowledged_input(); }), 4u);
  EXPECT_EQ(h.OnLoop([&] { return h.agent.held.size(); }), 4u);
  h.OnLoop([&] {
    h.agent.ReleaseAcks();
    return 0;
  });
  writer.join();
  reader.join();
  EXPECT_TRUE(echoed == data);
}

TEST(PortSessionClient, AConnectionTheAgentCannotMakeClosesAlone) {
  Harness h("3.3.0.0");
  int port = h.Start();
  h.OnLoop([&] {
    h.agent.fail_streams.insert(5);
    return 0;
  });
  Local a(port);
  a.Write("1");
  EXPECT_EQ(a.Read(1), "1");
  Local b(port);  // stream 5: Flag 3, FIN
  EXPECT_TRUE(b.Closed());
  a.Write("2");
  EXPECT_EQ(a.Read(1), "2");
  auto lines = h.Printed();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "\nConnection to destination port failed, check SSM Agent logs."),
            lines.end());
  EXPECT_EQ(h.OnLoop([&] { return h.port().connections(); }), 1u);
}

TEST(PortSessionClient, BasicModeIsRawBytesOneConnectionAtATime) {
  Harness h("3.0.196.0");
  int port = h.Start();
  EXPECT_FALSE(h.OnLoop([&] { return h.port().mux(); }));
  {
    Local a(port);
    a.Write("hello");
    EXPECT_EQ(a.Read(5), "hello");
    a.Close();
  }
  for (int i = 0; i < 200 && h.OnLoop([&] { return h.agent.flags.size(); }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(h.OnLoop([&] { return h.agent.flags; }), std::vector<uint32_t>{1});  // DisconnectToPort
  Local b(port);  // the next one, accepted after the first closed
  b.Write("again");
  EXPECT_EQ(b.Read(5), "again");
  EXPECT_EQ(h.OnLoop([&] { return h.agent.raw_input; }), "helloagain");  // no smux framing
  auto lines = h.Printed();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "Connection accepted for session user-0123456789abcdef0."), 2);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "Waiting for connections..."), 0);
}

TEST(PortSessionClient, CtrlCSendsTerminateSessionAndClosesEverything) {
  Harness h("3.3.0.0");
  int port = h.Start();
  Local a(port);
  a.Write("x");
  EXPECT_EQ(a.Read(1), "x");
  h.OnLoop([&] {
    h.port().Terminate();
    return 0;
  });
  EXPECT_TRUE(a.Closed());
  for (int i = 0; i < 200 && h.OnLoop([&] { return h.agent.flags.size(); }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(h.OnLoop([&] { return h.agent.flags; }), std::vector<uint32_t>{2});
  // No longer listening.
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace fargo::cli
