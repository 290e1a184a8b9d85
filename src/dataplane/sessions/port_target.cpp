#include "dataplane/sessions/port_target.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "dataplane/sessions/input_backlog.h"
#include "dataplane/sessions/port_connection.h"
#include "dataplane/sessions/smux_frame.h"

namespace fargo::dataplane::sessions {
namespace {

using End = PortConnection::End;

// One port session's stream. Input (smux frames or raw bytes) and flags are
// handled on the caller's thread (the session's strand), in order: nothing
// there blocks (a connection's Send writes without blocking or queues; a
// dial is a new connection's own thread). A control thread takes the
// connections' ends and a corrupt stream's failure, and destroys (joins)
// what ended, never holding the state's lock meanwhile.
class PortStream final : public SessionStream {
 public:
  PortStream(PortTarget::Spec spec, std::shared_ptr<PortDialer> dialer, SessionTarget::Events events)
      : spec_(std::move(spec)), dialer_(std::move(dialer)), events_(std::move(events)) {
    if (!spec_.mux) {
      std::lock_guard<std::mutex> lock(state_mu_);
      current_ = initial_ = Dial(0);  // the SSM agent dials at once in basic mode
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~PortStream() override {
    Close();
    if (thread_.joinable()) thread_.join();
  }

  void Write(std::string bytes) override {
    std::string fatal;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (stopped_) return;
      fatal = spec_.mux ? Demux(bytes) : Forward(std::move(bytes));
      if (!fatal.empty()) stopped_ = true;
    }
    if (!fatal.empty()) {
      Item it;
      it.kind = Item::kFatal;
      it.error = std::move(fatal);
      Push(std::move(it));
    }
  }
  void Resize(int, int) override {}
  void Flag(uint32_t flag) override {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (stopped_) return;
    // Basic mode: the client's local connection closed; the next input dials again.
    if (!spec_.mux && flag == kFlagDisconnectToPort && current_) {
      conns_.at(current_).conn->Finish();
      current_ = 0;
    }
  }
  bool Backlogged() override { return backlog_.Full(); }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    cv_.notify_all();
  }

 private:
  // What the control thread is told.
  struct Item {
    enum Kind { kEnded, kFatal } kind = kEnded;
    uint64_t key = 0;  // kEnded: the connection
    End end = End::kClosed;
    std::string error;
  };
  struct Connection {
    std::unique_ptr<PortConnection> conn;
    uint32_t sid = 0;  // mux
    // Mux: the client closed the stream (nothing more is sent for it).
    std::shared_ptr<std::atomic<bool>> client_closed = std::make_shared<std::atomic<bool>>(false);
  };

  void Push(Item it) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(std::move(it));
    cv_.notify_all();
  }

  void Output(std::string bytes) {
    if (events_.output) events_.output(std::move(bytes));
  }

  void Run() {
    std::string fatal;
    for (;;) {
      std::deque<Item> items;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !items_.empty(); });
        if (closing_) break;
        items.swap(items_);
      }
      for (Item& it : items) {
        fatal = Handle(it);
        if (!fatal.empty()) break;
      }
      if (!fatal.empty()) break;
    }
    std::map<uint64_t, Connection> conns;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      stopped_ = true;
      conns.swap(conns_);
      by_sid_.clear();
    }
    for (auto& [key, c] : conns) c.conn->Close();
    // A connection's thread may be waiting to hand over output: the session
    // releases it once told of the end.
    if (!fatal.empty() && events_.exited) events_.exited(-1, fatal);
    conns.clear();
    if (fatal.empty() && events_.exited) events_.exited(-1, "");
  }

  // A new connection to the destination (`sid`: its smux stream, mux only).
  // REQUIRES: state_mu_ held.
  uint64_t Dial(uint32_t sid) {
    uint64_t key = ++last_key_;
    Connection c;
    c.sid = sid;
    PortConnection::Options o;
    o.dialer = dialer_;
    o.host = spec_.host;
    o.port = spec_.port;
    o.backlog = &backlog_;
    if (spec_.mux) {
      o.read_chunk = PortTarget::kOutputChunk - kSmuxHeaderSize;  // one PSH frame per message
      o.data = [this, sid](std::string b) { Output(EncodeSmuxFrame(SmuxCommand::kPsh, sid, b)); };
      o.ended = [this, sid, key, closed = c.client_closed](End end, const std::string& error) {
        if (!closed->load()) {
          if (end == End::kDialFailed) {
            // As the SSM agent: the flag (the plugin says the dial failed), then the stream's close.
            if (events_.flag) events_.flag(kFlagConnectToPortError);
            Output(EncodeSmuxFrame(SmuxCommand::kFin, sid));
          } else if (end == End::kEof) {
            Output(EncodeSmuxFrame(SmuxCommand::kFin, sid));
          }
        }
        Ended(key, end, error);
      };
    } else {
      o.read_chunk = PortTarget::kOutputChunk;
      o.data = [this](std::string b) { Output(std::move(b)); };
      o.ended = [this, key](End end, const std::string& error) { Ended(key, end, error); };
    }
    c.conn = std::make_unique<PortConnection>(std::move(o));
    conns_.emplace(key, std::move(c));
    return key;
  }

  void Ended(uint64_t key, End end, const std::string& error) {
    Item it;
    it.kind = Item::kEnded;
    it.key = key;
    it.end = end;
    it.error = error;
    Push(std::move(it));
  }

  // One item (control thread); a fatal error ends the stream.
  std::string Handle(Item& it) {
    if (it.kind == Item::kFatal) return it.error;
    std::map<uint64_t, Connection>::node_type gone;  // destroyed (joined) after the lock
    std::lock_guard<std::mutex> lock(state_mu_);
    auto found = conns_.find(it.key);
    if (found == conns_.end()) return "";
    std::string fatal;
    if (spec_.mux) {
      auto sid = by_sid_.find(found->second.sid);
      if (sid != by_sid_.end() && sid->second == it.key) by_sid_.erase(sid);
    } else if (it.key == current_) {
      current_ = 0;
      if (it.key == initial_ && it.end == End::kDialFailed)
        fatal = "Unable to connect to " + spec_.host + ":" + std::to_string(spec_.port) + ": " + it.error;
    }
    gone = conns_.extract(found);  // its thread has ended: the join is immediate
    return fatal;
  }

  // REQUIRES: state_mu_ held (as for Demux).
  std::string Forward(std::string bytes) {
    if (bytes.empty()) return "";
    if (current_ && conns_.at(current_).conn->Send(bytes)) return "";
    current_ = Dial(0);  // dialed lazily after a disconnect or the destination's close
    conns_.at(current_).conn->Send(std::move(bytes));
    return "";
  }

  std::string Demux(const std::string& bytes) {
    reader_.Append(bytes);
    for (;;) {
      auto next = reader_.Next();
      if (!next.ok()) return "The port forwarding stream is corrupt (" + next.error().message + ").";
      if (!*next) return "";
      SmuxFrame& f = **next;
      auto found = by_sid_.find(f.stream_id);
      switch (f.command) {
        case SmuxCommand::kSyn:
          if (found == by_sid_.end()) by_sid_.emplace(f.stream_id, Dial(f.stream_id));
          break;
        case SmuxCommand::kPsh:
          if (found != by_sid_.end() && !f.data.empty()) conns_.at(found->second).conn->Send(std::move(f.data));
          break;
        case SmuxCommand::kFin:
          if (found != by_sid_.end()) {
            Connection& c = conns_.at(found->second);
            c.client_closed->store(true);
            c.conn->Finish();
            by_sid_.erase(found);
          }
          break;
        case SmuxCommand::kNop:
        case SmuxCommand::kUpd:
          break;
      }
    }
  }

  PortTarget::Spec spec_;
  std::shared_ptr<PortDialer> dialer_;
  SessionTarget::Events events_;
  // The bytes the connections hold for their destinations.
  InputBacklog backlog_{PortTarget::kMaxBacklog, [this] {
    if (events_.ready) events_.ready();
  }};

  // The control thread's queue.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> items_;
  bool closing_ = false;

  // The stream's state: input and flags (the caller's thread), ends (the
  // control thread).
  std::mutex state_mu_;
  bool stopped_ = false;  // a corrupt stream, or the end: input is dropped
  SmuxReader reader_;
  std::map<uint64_t, Connection> conns_;
  std::map<uint32_t, uint64_t> by_sid_;  // mux: the client's open streams
  uint64_t last_key_ = 0, current_ = 0, initial_ = 0;  // basic: the connection now, the first one
  std::thread thread_;
};

}  // namespace

std::optional<Handshake> PortTarget::handshake() const {
  Handshake h;
  h.session_type = "Port";
  h.properties = spec_.properties;
  h.agent_version = spec_.mux ? "3.3.0.0" : "3.0.196.0";
  return h;
}

std::unique_ptr<SessionStream> PortTarget::Open(Events events) {
  return std::make_unique<PortStream>(spec_, dialer_, std::move(events));
}

}  // namespace fargo::dataplane::sessions
