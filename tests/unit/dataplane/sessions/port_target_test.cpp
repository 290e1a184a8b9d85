// Port forwarding sessions as the session-manager-plugin sees them: a real
// Session with a PortTarget, driven by a client that speaks the data
// channel in raw frames (handshake, acks, smux v1 frames in its input),
// against loopback servers (echo, banner, source, sink) dialed by a test
// dialer. Mux: concurrent streams, 10 parallel 10 MB transfers intact, a
// refused dial answered by ConnectToPortError then FIN, the client's FIN,
// bad frames; basic: one connection, DisconnectToPort and the lazy re-dial;
// back-pressure: output waits for a client that stopped acknowledging.
#include "dataplane/sessions/port_target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "dataplane/sessions/reliable_sender.h"
#include "dataplane/sessions/session.h"
#include "dataplane/sessions/smux_frame.h"

namespace fargo::dataplane::sessions {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Deterministic bytes of stream `seed` (xorshift), and their FNV-1a hash.
std::string Pattern(uint64_t seed, size_t n) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x >> 56);
  }
  return s;
}
uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}
constexpr uint64_t kFnvStart = 0xcbf29ce484222325ull;

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A server on 127.0.0.1 (an ephemeral port): each connection handled by
// `serve` on a thread of its own, closed when it returns; it counts the
// connections and their ends.
class TcpServer {
 public:
  explicit TcpServer(std::function<void(int fd, TcpServer& self)> serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listener_, 64), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_ = std::thread([this] {
      for (;;) {
        int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        ++accepted_;
        fds_.push_back(c);
        threads_.emplace_back([this, c] {
          serve_(c, *this);
          ::shutdown(c, SHUT_RDWR);  // the handler's end closes the connection (the fd is closed last)
          std::lock_guard<std::mutex> l(mu_);
          ++ended_;
          cv_.notify_all();
        });
      }
    });
  }
  ~TcpServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    accept_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    for (int fd : fds_) ::close(fd);
  }
  uint16_t port() const { return port_; }
  int accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  // Waits until `n` connections ended (their handler returned).
  bool WaitEnded(int n, std::chrono::milliseconds d = 5s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [&] { return ended_ >= n; });
  }
  // What handlers report (a sink's bytes).
  void Note(std::string s) {
    std::lock_guard<std::mutex> lock(mu_);
    notes_.push_back(std::move(s));
    cv_.notify_all();
  }
  std::vector<std::string> notes() {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }

 private:
  std::function<void(int, TcpServer&)> serve_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread accept_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  std::vector<int> fds_;
  std::vector<std::string> notes_;
  int accepted_ = 0, ended_ = 0;
};

void Echo(int fd, TcpServer&) {
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    if (!WriteAll(fd, std::string_view(buf, static_cast<size_t>(n)))) return;
}
void BannerThenEcho(int fd, TcpServer& s) {
  if (WriteAll(fd, "BANNER\n")) Echo(fd, s);
}
// Reads until EOF and notes what it got.
void Sink(int fd, TcpServer& s) {
  std::string got;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  s.Note(got);
}

// Dials 127.0.0.1 (whatever the host), as a task's localhost would be.
class LoopbackDialer final : public PortDialer {
 public:
  Result<runtime::UniqueFd> Dial(const std::string& host, uint16_t port) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      hosts.push_back(host + ":" + std::to_string(port));
    }
    runtime::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return AwsError::Make(errno == ECONNREFUSED ? "ConnectionRefused" : "ConnectionFailed", std::strerror(errno));
    return fd;
  }
  size_t dials() {
    std::lock_guard<std::mutex> lock(mu);
    return hosts.size();
  }
  std::mutex mu;
  std::vector<std::string> hosts;
};

// The target under test, counting its live streams (so that a test ends
// only once every thread of it did).
class Counted final : public SessionTarget {
 public:
  Counted(std::shared_ptr<SessionTarget> t, std::shared_ptr<std::atomic<int>> live)
      : t_(std::move(t)), live_(std::move(live)) {}
  std::optional<Handshake> handshake() const override { return t_->handshake(); }
  size_t output_chunk() const override { return t_->output_chunk(); }
  std::unique_ptr<SessionStream> Open(Events ev) override {
    class Stream final : public SessionStream {
     public:
      Stream(std::unique_ptr<SessionStream> s, std::shared_ptr<std::atomic<int>> live)
          : s_(std::move(s)), live_(std::move(live)) {
        ++*live_;
      }
      ~Stream() override {
        s_.reset();
        --*live_;
      }
      void Write(std::string b) override { s_->Write(std::move(b)); }
      void Resize(int r, int c) override { s_->Resize(r, c); }
      void Flag(uint32_t f) override { s_->Flag(f); }
      bool Backlogged() override { return s_->Backlogged(); }
      void Close() override { s_->Close(); }

     private:
      std::unique_ptr<SessionStream> s_;
      std::shared_ptr<std::atomic<int>> live_;
    };
    return std::make_unique<Stream>(t_->Open(std::move(ev)), live_);
  }

 private:
  std::shared_ptr<SessionTarget> t_;
  std::shared_ptr<std::atomic<int>> live_;
};

// The plugin's side, in raw frames: the handshake answered, output taken in
// sequence and acknowledged (unless paused: then frames wait unread, as
// when the plugin's local socket is full), input numbered and resent.
class Client final : public SessionPeer, public std::enable_shared_from_this<Client> {
 public:
  struct Flagged {
    uint32_t flag;
    size_t after_frames;  // smux frames seen before it
  };

  void Send(std::string frame) override {
    std::lock_guard<std::mutex> lock(mu);
    if (paused) {
      held_bytes += frame.size();
      held.push_back(std::move(frame));
    } else {
      Process(frame);
    }
    cv.notify_all();
  }
  void Close(int, std::string) override {
    std::lock_guard<std::mutex> lock(mu);
    peer_closed = true;
    cv.notify_all();
  }

  void SetPaused(bool p) {
    std::lock_guard<std::mutex> lock(mu);
    paused = p;
    if (!p) {
      for (auto& f : held) Process(f);
      held.clear();
      held_bytes = 0;
    }
    cv.notify_all();
  }

  // Input (smux frames in mux mode) in messages of at most `chunk` bytes,
  // waiting while `window` messages are unacknowledged.
  void SendInput(std::string_view bytes, size_t chunk = 16 * 1024, size_t window = 256) {
    while (!bytes.empty()) {
      size_t n = std::min(bytes.size(), chunk);
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, 10s, [&] { return in.unacknowledged() < window || closed_with; });
      SendLocked(PayloadType::kOutput, std::string(bytes.substr(0, n)));
      bytes.remove_prefix(n);
    }
  }
  void SendFlag(uint32_t flag) {
    std::string p(4, '\0');
    p[3] = static_cast<char>(flag);
    std::lock_guard<std::mutex> lock(mu);
    SendLocked(PayloadType::kFlag, p);
  }
  void Tick() {
    std::lock_guard<std::mutex> lock(mu);
    if (auto f = in.Due(NowMs(), true)) session->OnFrame(shared_from_this(), std::move(*f));
  }

  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds d = 10s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return pred(); });
  }

  std::shared_ptr<Session> session;
  std::mutex mu;
  std::condition_variable cv;
  ReliableSender in{"input_stream_data"};
  bool paused = false, peer_closed = false, handshake_complete = false;
  std::deque<std::string> held;
  size_t held_bytes = 0;
  int64_t expected = 0;
  std::map<int64_t, SessionMessage> later;
  json::value handshake_request;
  std::vector<PayloadType> types;  // of the output messages, in order
  size_t largest_output = 0;
  std::string raw;  // every Output payload (basic mode)
  SmuxReader smux;
  bool smux_error = false;
  size_t smux_frames = 0;
  std::map<uint32_t, std::string> data;  // smux PSH data by stream (unless hashing)
  std::map<uint32_t, std::pair<size_t, uint64_t>> hashed;  // streams whose data is only counted and hashed
  std::set<uint32_t> fins;
  std::vector<Flagged> flags;
  std::optional<std::string> closed_with;

 private:
  void SendLocked(PayloadType type, std::string payload) {
    session->OnFrame(shared_from_this(), in.Next(type, std::move(payload), NowMs()));
  }

  void Process(const std::string& frame) {
    auto m = DecodeSessionMessage(frame);
    ASSERT_TRUE(m.ok());
    if (m->message_type == "acknowledge") {
      if (auto seq = AckedSequence(m->payload)) in.Acknowledge(*seq, NowMs());
      return;
    }
    if (m->message_type == "channel_closed") {
      closed_with = std::string(json::parse(m->payload).as_object().at("Output").as_string());
      return;
    }
    if (m->message_type != "output_stream_data") return;
    if (m->sequence_number < expected) return;
    session->OnFrame(shared_from_this(), EncodeAckOf(*m, NowMs()));
    later.emplace(m->sequence_number, std::move(*m));
    for (auto it = later.find(expected); it != later.end(); it = later.find(expected)) {
      Deliver(it->second);
      later.erase(it);
      ++expected;
    }
  }

  void Deliver(const SessionMessage& m) {
    types.push_back(m.payload_type);
    switch (m.payload_type) {
      case PayloadType::kHandshakeRequest: {
        handshake_request = json::parse(m.payload);
        json::object action{{"ActionType", "SessionType"}, {"ActionStatus", 1}, {"ActionResult", nullptr}, {"Error", ""}};
        json::object resp{{"ClientVersion", "1.2.0.0"}, {"ProcessedClientActions", json::array{action}}, {"Errors", nullptr}};
        SendLocked(PayloadType::kHandshakeResponse, json::serialize(resp));
        return;
      }
      case PayloadType::kHandshakeComplete:
        handshake_complete = true;
        return;
      case PayloadType::kFlag: {
        uint32_t f = 0;
        for (char c : m.payload) f = (f << 8) | static_cast<uint8_t>(c);
        flags.push_back({f, smux_frames});
        return;
      }
      case PayloadType::kOutput:
        largest_output = std::max(largest_output, m.payload.size());
        raw += m.payload;
        smux.Append(m.payload);
        while (!smux_error) {
          auto f = smux.Next();
          if (!f.ok()) {
            smux_error = true;
            break;
          }
          if (!*f) break;
          ++smux_frames;
          SmuxFrame& fr = **f;
          if (fr.command == SmuxCommand::kFin) fins.insert(fr.stream_id);
          if (fr.command != SmuxCommand::kPsh) continue;
          if (auto h = hashed.find(fr.stream_id); h != hashed.end()) {
            h->second.first += fr.data.size();
            h->second.second = Fnv(h->second.second, fr.data);
          } else {
            data[fr.stream_id] += fr.data;
          }
        }
        return;
      default:
        return;
    }
  }
};

// One session with a port target and a client attached to it, the event
// loop on a thread of its own, the client's resend tick on another.
class Harness {
 public:
  Harness(PortTarget::Spec spec, std::shared_ptr<PortDialer> dialer, size_t max_in_flight = 4 * 1024 * 1024)
      : Harness(std::make_shared<PortTarget>(std::move(spec), std::move(dialer)), max_in_flight) {}
  explicit Harness(std::shared_ptr<SessionTarget> target, size_t max_in_flight = 4 * 1024 * 1024) {
    Session::Options o;
    o.id = "port-session-0123";
    o.target = std::make_shared<Counted>(std::move(target), live);
    o.max_output_in_flight = max_in_flight;
    o.max_transcript = 0;
    o.ended = [this](Session::Ended e) {
      std::lock_guard<std::mutex> lock(mu);
      ended = std::move(e);
      cv.notify_all();
    };
    session = std::make_shared<Session>(io.get_executor(), std::move(o));
    client->session = session;
    loop = std::thread([this] { io.run(); });
    ticker = std::thread([this] {
      while (!stop) {
        client->Tick();
        std::this_thread::sleep_for(20ms);
      }
    });
    session->Start();
    session->Attach(client, false);
  }
  ~Harness() {
    session->Terminate("");
    {
      std::unique_lock<std::mutex> lock(mu);
      EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return ended.has_value(); }));
    }
    for (int i = 0; i < 1000 && *live > 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(*live, 0) << "a stream's threads did not end";
    stop = true;
    ticker.join();
    work.reset();
    loop.join();
  }
  bool WaitEnded(std::chrono::milliseconds d = 10s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return ended.has_value(); });
  }
  bool Handshaken() {
    return client->WaitFor([&] { return client->handshake_complete; });
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::shared_ptr<std::atomic<int>> live = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<Client> client = std::make_shared<Client>();
  std::shared_ptr<Session> session;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Session::Ended> ended;
  std::atomic<bool> stop{false};
  std::thread loop, ticker;
};

std::string Syn(uint32_t sid) { return EncodeSmuxFrame(SmuxCommand::kSyn, sid); }
std::string Fin(uint32_t sid) { return EncodeSmuxFrame(SmuxCommand::kFin, sid); }
// PSH frames of at most 32 KiB (the plugin's smux MaxFrameSize).
std::string Psh(uint32_t sid, std::string_view data) {
  std::string out;
  do {
    size_t n = std::min<size_t>(data.size(), 32768);
    out += EncodeSmuxFrame(SmuxCommand::kPsh, sid, data.substr(0, n));
    data.remove_prefix(n);
  } while (!data.empty());
  return out;
}

PortTarget::Spec MuxSpec(uint16_t port) {
  PortTarget::Spec s;
  s.port = port;
  s.properties = {{"portNumber", std::to_string(port)}, {"type", "LocalPortForwarding"}, {"localPortNumber", "0"}};
  return s;
}

TEST(PortTargetTest, HandshakeSaysPortItsPropertiesAndTheModesAgentVersion) {
  TcpServer server(Echo);
  auto dialer = std::make_shared<LoopbackDialer>();
  for (bool mux : {true, false}) {
    PortTarget::Spec spec = MuxSpec(server.port());
    spec.mux = mux;
    spec.host = "db.internal";
    spec.properties["host"] = "db.internal";
    Harness h(spec, dialer);
    ASSERT_TRUE(h.Handshaken());
    std::lock_guard<std::mutex> lock(h.client->mu);
    const json::object& req = h.client->handshake_request.as_object();
    EXPECT_EQ(req.at("AgentVersion").as_string(), mux ? "3.3.0.0" : "3.0.196.0");
    const json::object& action = req.at("RequestedClientActions").as_array().at(0).as_object();
    EXPECT_EQ(action.at("ActionType").as_string(), "SessionType");
    const json::object& params = action.at("ActionParameters").as_object();
    EXPECT_EQ(params.at("SessionType").as_string(), "Port");
    json::object props{{"portNumber", std::to_string(server.port())},
                       {"type", "LocalPortForwarding"},
                       {"localPortNumber", "0"},
                       {"host", "db.internal"}};
    EXPECT_EQ(params.at("Properties").as_object(), props);  // every value a string
  }
  // Basic mode dialed at once (the destination given); mux dials only for a SYN.
  ASSERT_EQ(dialer->dials(), 1u);
  EXPECT_EQ(dialer->hosts[0], "db.internal:" + std::to_string(server.port()));
}

TEST(PortTargetTest, MuxStreamsRunConcurrentlyEachWithItsBannerAndEchoes) {
  TcpServer server(BannerThenEcho);
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  // Three streams opened at once; data for them follows at once (kept until dialed).
  c.SendInput(Syn(3) + Syn(5) + Syn(7) + Psh(3, "three") + Psh(5, "five") + Psh(7, "seven"));
  EXPECT_TRUE(c.WaitFor([&] {
    return c.data[3] == "BANNER\nthree" && c.data[5] == "BANNER\nfive" && c.data[7] == "BANNER\nseven";
  })) << c.data[3] << "|" << c.data[5] << "|" << c.data[7];
  EXPECT_EQ(server.accepted(), 3);
  // Frames split across messages anywhere are put back together.
  std::string more = Psh(5, "-again") + Psh(3, "-more");
  for (char ch : more) c.SendInput(std::string_view(&ch, 1));
  EXPECT_TRUE(c.WaitFor([&] { return c.data[5] == "BANNER\nfive-again" && c.data[3] == "BANNER\nthree-more"; }));
  // NOP and frames of streams nobody opened are ignored.
  c.SendInput(EncodeSmuxFrame(SmuxCommand::kNop, 0) + Psh(99, "lost") + Fin(99) + Psh(7, "!"));
  EXPECT_TRUE(c.WaitFor([&] { return c.data[7] == "BANNER\nseven!"; }));
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_FALSE(c.data.count(99));
  EXPECT_TRUE(c.flags.empty());
  EXPECT_TRUE(c.fins.empty());
  EXPECT_FALSE(c.closed_with);
}

TEST(PortTargetTest, TenParallelTenMegabyteTransfersArriveIntact) {
  TcpServer server(Echo);
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  constexpr size_t kSize = 10 * 1024 * 1024, kStreams = 10, kPiece = 20000;
  std::vector<std::string> sent;
  std::vector<uint64_t> want;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    for (uint32_t i = 0; i < kStreams; ++i) c.hashed[3 + 2 * i] = {0, kFnvStart};
  }
  std::string syns;
  for (uint32_t i = 0; i < kStreams; ++i) {
    syns += Syn(3 + 2 * i);
    sent.push_back(Pattern(i, kSize));
    want.push_back(Fnv(kFnvStart, sent.back()));
  }
  c.SendInput(syns);
  // Interleaved as the plugin's smux session writes its streams.
  for (size_t off = 0; off < kSize; off += kPiece) {
    std::string batch;
    for (uint32_t i = 0; i < kStreams; ++i)
      batch += Psh(3 + 2 * i, std::string_view(sent[i]).substr(off, std::min(kPiece, kSize - off)));
    c.SendInput(batch);
  }
  EXPECT_TRUE(c.WaitFor(
      [&] {
        for (uint32_t i = 0; i < kStreams; ++i)
          if (c.hashed[3 + 2 * i].first < kSize) return false;
        return true;
      },
      120s));
  std::lock_guard<std::mutex> lock(c.mu);
  for (uint32_t i = 0; i < kStreams; ++i) {
    EXPECT_EQ(c.hashed[3 + 2 * i].first, kSize) << "stream " << 3 + 2 * i;
    EXPECT_EQ(c.hashed[3 + 2 * i].second, want[i]) << "stream " << 3 + 2 * i;
  }
  // In messages far larger than a shell's, each within the frame limit.
  EXPECT_GT(c.largest_output, 1024u);
  EXPECT_LE(c.largest_output, PortTarget::kOutputChunk);
  EXPECT_FALSE(c.closed_with);
}

TEST(PortTargetTest, WhatTheDestinationSendsThenItsCloseBecomePshThenFin) {
  const std::string payload = Pattern(42, 10 * 1024 * 1024);
  TcpServer server([&](int fd, TcpServer&) { WriteAll(fd, payload); });
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput(Syn(3));
  EXPECT_TRUE(c.WaitFor([&] { return c.fins.count(3) > 0; }, 60s));
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_EQ(c.data[3].size(), payload.size());
  EXPECT_TRUE(c.data[3] == payload);
  EXPECT_LE(c.largest_output, PortTarget::kOutputChunk);
}

TEST(PortTargetTest, ARefusedDialIsAnsweredWithConnectToPortErrorThenFin) {
  int port;
  {
    TcpServer gone(Echo);  // a port nobody listens on any more
    port = gone.port();
  }
  auto dialer = std::make_shared<LoopbackDialer>();
  Harness h(MuxSpec(static_cast<uint16_t>(port)), dialer);
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput(Syn(3) + Psh(3, "for nobody"));
  EXPECT_TRUE(c.WaitFor([&] { return c.fins.count(3) > 0; }));
  {
    std::lock_guard<std::mutex> lock(c.mu);
    ASSERT_EQ(c.flags.size(), 1u);
    EXPECT_EQ(c.flags[0].flag, kFlagConnectToPortError);
    EXPECT_EQ(c.flags[0].after_frames, 0u);  // the flag first, then the FIN
    EXPECT_EQ(c.smux_frames, 1u);
    EXPECT_FALSE(c.data.count(3));
  }
  // The session goes on: another stream, another try.
  c.SendInput(Syn(5));
  EXPECT_TRUE(c.WaitFor([&] { return c.fins.count(5) > 0; }));
  EXPECT_EQ(dialer->dials(), 2u);
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_EQ(c.flags.size(), 2u);
  EXPECT_FALSE(c.closed_with);
}

TEST(PortTargetTest, TheClientsFinClosesTheConnectionAfterWhatWasSentToIt) {
  TcpServer server(Sink);
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput(Syn(3) + Psh(3, "last words") + Fin(3) + Psh(3, "after the end"));
  ASSERT_TRUE(server.WaitEnded(1));
  EXPECT_EQ(server.notes(), std::vector<std::string>{"last words"});
  // The client forgot the stream: nothing is sent for it.
  std::this_thread::sleep_for(200ms);
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_TRUE(c.fins.empty());
  EXPECT_EQ(c.smux_frames, 0u);
}

TEST(PortTargetTest, ABadSmuxFrameEndsTheSessionWithAMessage) {
  TcpServer server(Echo);
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput(Syn(3) + Psh(3, "x"));
  EXPECT_TRUE(c.WaitFor([&] { return c.data[3] == "x"; }));
  c.SendInput(std::string("\x02\x00\x00\x00\x03\x00\x00\x00", 8));  // smux version 2
  ASSERT_TRUE(h.WaitEnded());
  std::lock_guard<std::mutex> lock(c.mu);
  ASSERT_TRUE(c.closed_with);
  EXPECT_NE(c.closed_with->find("smux"), std::string::npos) << *c.closed_with;
  EXPECT_TRUE(server.WaitEnded(1));  // its connections closed
}

TEST(PortTargetTest, TerminateSessionFlagEndsItAndClosesTheConnections) {
  TcpServer server(Echo);
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput(Syn(3) + Psh(3, "x") + Syn(5) + Psh(5, "y"));
  EXPECT_TRUE(c.WaitFor([&] { return c.data[3] == "x" && c.data[5] == "y"; }));
  c.SendFlag(kFlagTerminateSession);
  ASSERT_TRUE(h.WaitEnded());
  EXPECT_EQ(c.closed_with, "");
  EXPECT_TRUE(server.WaitEnded(2));
  EXPECT_TRUE(h.ended->started);
}

TEST(PortTargetTest, OutputWaitsForAClientThatStoppedAcknowledging) {
  const std::string payload = Pattern(7, 10 * 1024 * 1024);
  TcpServer server([&](int fd, TcpServer&) { WriteAll(fd, payload); });
  constexpr size_t kInFlight = 256 * 1024;
  Harness h(MuxSpec(server.port()), std::make_shared<LoopbackDialer>(), kInFlight);
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SetPaused(true);  // frames wait unread, nothing acknowledged
  c.SendInput(Syn(3));
  std::this_thread::sleep_for(1500ms);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    // At most the limit and one message more (plus resends of the oldest).
    size_t distinct = 0;
    std::set<int64_t> seqs;
    for (const std::string& f : c.held) {
      auto m = DecodeSessionMessage(f);
      if (m.ok() && m->message_type == "output_stream_data" && seqs.insert(m->sequence_number).second)
        distinct += m->payload.size();
    }
    EXPECT_GT(distinct, 0u);
    EXPECT_LE(distinct, kInFlight + PortTarget::kOutputChunk);
    EXPECT_FALSE(c.closed_with);
    EXPECT_FALSE(c.peer_closed);
  }
  EXPECT_FALSE(h.ended);
  c.SetPaused(false);
  EXPECT_TRUE(c.WaitFor([&] { return c.fins.count(3) > 0; }, 60s));
  std::lock_guard<std::mutex> lock(c.mu);
  EXPECT_TRUE(c.data[3] == payload) << c.data[3].size();
  EXPECT_FALSE(c.closed_with);
}

// A stream that takes no input while told it is backlogged.
class Clogged final : public SessionTarget {
 public:
  class Stream final : public SessionStream {
   public:
    Stream(Clogged& t, Events ev) : t_(t), ev_(std::move(ev)) {}
    void Write(std::string b) override {
      std::lock_guard<std::mutex> lock(t_.mu);
      t_.got += b;
    }
    void Resize(int, int) override {}
    bool Backlogged() override { return t_.full; }
    void Close() override { ev_.exited(-1, ""); }

   private:
    Clogged& t_;
    Events ev_;
  };
  std::unique_ptr<SessionStream> Open(Events ev) override { return std::make_unique<Stream>(*this, std::move(ev)); }
  std::string Got() {
    std::lock_guard<std::mutex> lock(mu);
    return got;
  }
  std::atomic<bool> full{true};
  std::mutex mu;
  std::string got;
};

TEST(PortTargetTest, InputABackloggedStreamCannotTakeIsLeftForTheClientToResend) {
  auto target = std::make_shared<Clogged>();
  Harness h(target);
  Client& c = *h.client;
  c.SendInput("abc");
  std::this_thread::sleep_for(400ms);  // resent meanwhile, never taken
  EXPECT_EQ(target->Got(), "");
  {
    std::lock_guard<std::mutex> lock(c.mu);
    EXPECT_EQ(c.in.unacknowledged(), 1u);
    EXPECT_FALSE(c.closed_with);
  }
  target->full = false;
  EXPECT_TRUE(c.WaitFor([&] { return c.in.unacknowledged() == 0; }, 5s));
  EXPECT_EQ(target->Got(), "abc");  // once
}

PortTarget::Spec BasicSpec(uint16_t port) {
  PortTarget::Spec s = MuxSpec(port);
  s.mux = false;
  return s;
}

TEST(PortTargetTest, BasicModeMovesRawBytesAndRedialsAfterDisconnectToPort) {
  TcpServer server(BannerThenEcho);
  auto dialer = std::make_shared<LoopbackDialer>();
  Harness h(BasicSpec(server.port()), dialer);
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  // Dialed at once: the banner comes before any input.
  EXPECT_TRUE(c.WaitFor([&] { return c.raw == "BANNER\n"; }));
  c.SendInput("ping");
  EXPECT_TRUE(c.WaitFor([&] { return c.raw == "BANNER\nping"; }));
  // The local client went away: the destination's connection closes...
  c.SendFlag(kFlagDisconnectToPort);
  ASSERT_TRUE(server.WaitEnded(1));
  EXPECT_EQ(dialer->dials(), 1u);
  // ...and the next input dials again (lazily, as the SSM agent does).
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(dialer->dials(), 1u);
  c.SendInput("pong");
  EXPECT_TRUE(c.WaitFor([&] { return c.raw == "BANNER\npingBANNER\npong"; })) << c.raw;
  EXPECT_EQ(dialer->dials(), 2u);
  EXPECT_EQ(server.accepted(), 2);
  std::lock_guard<std::mutex> lock(c.mu);
  // Nothing but output after the handshake (the plugin writes every payload into its socket).
  ASSERT_GE(c.types.size(), 2u);
  EXPECT_EQ(c.types[0], PayloadType::kHandshakeRequest);
  EXPECT_EQ(c.types[1], PayloadType::kHandshakeComplete);
  for (size_t i = 2; i < c.types.size(); ++i) EXPECT_EQ(c.types[i], PayloadType::kOutput);
}

TEST(PortTargetTest, BasicModeRedialsAfterTheDestinationClosed) {
  TcpServer server([](int fd, TcpServer&) {
    char buf[64];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) WriteAll(fd, "got " + std::string(buf, static_cast<size_t>(n)) + "\n");
  });  // one answer, then it closes
  auto dialer = std::make_shared<LoopbackDialer>();
  Harness h(BasicSpec(server.port()), dialer);
  ASSERT_TRUE(h.Handshaken());
  Client& c = *h.client;
  c.SendInput("a");
  EXPECT_TRUE(c.WaitFor([&] { return c.raw == "got a\n"; }));
  ASSERT_TRUE(server.WaitEnded(1));
  std::this_thread::sleep_for(100ms);
  c.SendInput("b");
  EXPECT_TRUE(c.WaitFor([&] { return c.raw == "got a\ngot b\n"; })) << c.raw;
  EXPECT_EQ(dialer->dials(), 2u);
  EXPECT_FALSE(c.closed_with);
}

TEST(PortTargetTest, BasicModeEndsTheSessionWhenTheFirstDialFails) {
  int port;
  {
    TcpServer gone(Echo);
    port = gone.port();
  }
  Harness h(BasicSpec(static_cast<uint16_t>(port)), std::make_shared<LoopbackDialer>());
  ASSERT_TRUE(h.WaitEnded());
  std::lock_guard<std::mutex> lock(h.client->mu);
  ASSERT_TRUE(h.client->closed_with);
  EXPECT_NE(h.client->closed_with->find("Unable to connect to localhost:" + std::to_string(port)), std::string::npos)
      << *h.client->closed_with;
  EXPECT_TRUE(h.client->flags.empty());
}

}  // namespace
}  // namespace fargo::dataplane::sessions
