// PortConnection: one connection of a port session to its destination, on
// a thread of its own: it dials (PortDialer), then writes what it is given
// (kept while the dial is under way) and hands what it reads, in pieces of
// at most `read_chunk` bytes, to `data` (which may block: the session's
// back-pressure), until the destination closes it, Finish (what it was
// given written first) or Close.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dataplane/sessions/input_backlog.h"
#include "dataplane/sessions/port_dialer.h"

namespace fargo::dataplane::sessions {

class PortConnection {
 public:
  enum class End {
    kDialFailed,  // the dial's error
    kEof,         // the destination closed or failed (its error, "" for EOF)
    kClosed,      // Finish or Close
  };
  struct Options {
    std::shared_ptr<PortDialer> dialer;
    std::string host;
    uint16_t port = 0;
    size_t read_chunk = 16 * 1024;
    std::function<void(std::string bytes)> data;                   // its thread
    std::function<void(End end, const std::string& error)> ended;  // its thread, once, last
    // Bytes given and not written yet are counted here (added by Send,
    // released as written or dropped), if set. It must outlive the connection.
    InputBacklog* backlog = nullptr;
  };

  explicit PortConnection(Options options);  // starts its thread
  // Close, and joins its thread.
  ~PortConnection();
  PortConnection(const PortConnection&) = delete;
  PortConnection& operator=(const PortConnection&) = delete;

  // Bytes for the destination. False (nothing taken) once it ended.
  bool Send(std::string bytes);
  // Writes what it holds, then closes; reads nothing more.
  void Finish();
  // Closes at once (what it holds is dropped).
  void Close();

 private:
  void Run();
  // The loop of a dialed connection: its end and error.
  std::pair<End, std::string> Pump(int fd);
  void Wake();

  Options opt_;
  int wake_ = -1;
  std::mutex mu_;
  static constexpr size_t kMaxWriteBuffers = 64;  // per sendmsg

  std::deque<std::string> queued_;  // given, not yet taken by the thread
  bool finishing_ = false, closing_ = false, ended_ = false;
  // The dialed socket while the thread pumps it (-1 otherwise), and whether
  // the thread holds bytes not yet written: Send writes itself only when
  // nothing is queued or held before it.
  int direct_fd_ = -1;
  bool thread_writing_ = false;
  std::thread thread_;
};

}  // namespace fargo::dataplane::sessions
