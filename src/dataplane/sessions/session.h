// Session: one live session — its data channel (DataChannel), what it runs
// (a SessionStream of its SessionTarget, opened when the first client
// connects, or once it completed the handshake the target asks for) and
// the client connected now (a SessionPeer; a dropped one may be replaced by
// a resumed one, and the channel goes on where it was: everything
// unacknowledged is sent again). Everything runs on the session's strand;
// the public calls post to it.
//
// Back-pressure: the target's threads block in their output while more
// than `max_output_in_flight` bytes are unacknowledged (OutputGate), so a
// fast stream waits for a slow client instead of piling up; input the
// stream is too backlogged for is left unacknowledged (the client resends).
//
// The end: when the command exits, the session waits until the client
// acknowledged all output (at most 2 s), sends the exit code to clients that
// asked for it (fargo exec), then channel_closed, closes the connection and
// reports the transcript. Terminate (the task stopped, TerminateSession, too
// much unacknowledged output, no input or output for the idle timeout, a
// handshake not completed in time or refused by the client) ends it the
// same way with a message. A session nobody is connected to (never, or no
// more) ends after its reconnect grace.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dataplane/sessions/data_channel.h"
#include "dataplane/sessions/output_gate.h"
#include "dataplane/sessions/session_peer.h"
#include "dataplane/sessions/session_target.h"

namespace fargo::dataplane::sessions {

class Session : public std::enable_shared_from_this<Session> {
 public:
  struct Ended {
    std::string session_id;
    int exit_code = -1;
    std::string transcript;  // the raw output, as the client saw it
    bool started = false;    // a client connected and the target was opened
  };
  struct Options {
    std::string id;
    std::shared_ptr<SessionTarget> target;
    std::chrono::milliseconds reconnect_grace{std::chrono::seconds(60)};
    // No input or output for this long ends it (ECS Exec: 20 minutes, fixed).
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(20)};
    size_t max_transcript = 16 * 1024 * 1024;
    // Output bytes unacknowledged (or on their way) before the target's
    // threads wait in `output`.
    size_t max_output_in_flight = 4 * 1024 * 1024;
    // The client must answer the target's handshake within this (the SSM
    // agent's 15 s).
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(15)};
    std::function<void(Ended)> ended;  // once, on the strand
  };

  Session(boost::asio::any_io_executor executor, Options options);
  // Closes the stream and joins its threads: not on an event loop (the
  // session's own end hands the stream to a thread of its own).
  ~Session();
  const std::string& id() const { return opt_.id; }
  // Starts its clock: a session no client connects to ends after its
  // reconnect grace, as one whose client went away.
  void Start();

  // A client that showed the session's token; replaces the one before.
  // `exit_code`: it wants the exit code (a PayloadType ExitCode message).
  void Attach(std::shared_ptr<SessionPeer> peer, bool exit_code);
  void OnFrame(std::shared_ptr<SessionPeer> from, std::string frame);
  void Detach(std::shared_ptr<SessionPeer> peer);
  // Ends it; `message` is what the client prints ("" = a normal end).
  void Terminate(std::string message);

 private:
  int64_t NowMs() const;
  void Tick();
  void Finish();
  void Send(std::string frame);
  void OpenStream();
  // Tells the gate what the channel holds unacknowledged now.
  void UpdateGate(size_t handed = 0);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  Options opt_;
  DataChannel channel_;
  std::shared_ptr<SessionPeer> peer_;
  bool wants_exit_code_ = false;
  std::shared_ptr<OutputGate> gate_;
  std::unique_ptr<SessionStream> stream_;
  std::string transcript_;
  bool exited_ = false, finished_ = false, ticking_ = false, started_ = false;
  int exit_code_ = -1;
  std::string end_message_;
  std::chrono::steady_clock::time_point end_by_, detached_since_, last_activity_;
  bool idle_ending_ = false;
  bool handshake_started_ = false;
  std::chrono::steady_clock::time_point handshake_by_;
};

}  // namespace fargo::dataplane::sessions
