// DataChannelConnection: the WebSocket a client of a session's data channel
// talks through (fargo exec, fargo port-forward, fargo as
// session-manager-plugin): dials the stream URL and sends the
// OpenDataChannel text frame (blocking, before the event loop runs), then,
// on the loop, hands every message over, sends binary frames in order
// (queued, one write at a time) and ticks every 100 ms for the channel's
// resends. Only ws:// URLs.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fargo::cli {

class DataChannelConnection {
 public:
  struct Callbacks {
    std::function<void(std::string_view frame)> frame;  // each message from the service
    std::function<void()> tick;                         // every 100 ms
    std::function<void()> end;                          // once: the connection failed or closed
  };

  explicit DataChannelConnection(boost::asio::io_context& io);

  // Dials `url`, upgrades to a WebSocket and sends `open_frame` as text.
  // Blocking. REQUIRES: the io_context is not running yet.
  Status Connect(const std::string& url, const std::string& open_frame);
  // Starts reading and ticking. REQUIRES: Connect succeeded; on the loop
  // (or before it runs). Callbacks run on the loop.
  void Start(Callbacks callbacks);
  // Queues one binary frame. REQUIRES: on the loop (or before it runs).
  void Send(std::string frame);
  // `done` once every queued frame is written (or writing failed).
  void WhenDrained(std::function<void()> done);
  // Stops reading and ticking; queued frames are dropped.
  void Stop();

  // "ws", "host", "port", "/path?query" of a URL; false when it has no "://".
  static bool SplitUrl(const std::string& url, std::string& scheme, std::string& host, std::string& port,
                       std::string& target);

 private:
  static constexpr size_t kMaskBufferBytes = 64 * 1024;  // a whole input message, masked in one send

  void Read();
  void Tick();
  void WriteNext();
  void Drained();

  boost::asio::io_context& io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer rbuf_;
  Callbacks cb_;
  std::deque<std::string> out_;
  std::function<void()> drained_;
  bool writing_ = false, stopped_ = false;
};

}  // namespace fargo::cli
