#include "cli/data_channel_connection.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace fargo::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

DataChannelConnection::DataChannelConnection(asio::io_context& io) : io_(io), ws_(io), timer_(io) {}

bool DataChannelConnection::SplitUrl(const std::string& url, std::string& scheme, std::string& host,
                                     std::string& port, std::string& target) {
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

Status DataChannelConnection::Connect(const std::string& url, const std::string& open_frame) {
  std::string scheme, host, port, target;
  if (!SplitUrl(url, scheme, host, port, target) || scheme != "ws")
    return AwsError::Make("InvalidParameter", "unsupported stream URL " + url + " (only ws://)");
  try {
    tcp::resolver resolver(io_);
    beast::get_lowest_layer(ws_).connect(resolver.resolve(host, port));
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ws_.handshake(host + ":" + port, target);
    // One message, one frame (beast would split those over 4 KiB; shell
    // messages never are, port sessions' 16 KiB ones would).
    ws_.auto_fragment(false);
    // A client masks what it sends, and beast masks through a buffer of
    // this size, one send per buffer: 4 KiB by default, eight system calls
    // for one 32 KiB input message.
    ws_.write_buffer_bytes(kMaskBufferBytes);
    ws_.text(true);
    ws_.write(asio::buffer(open_frame));
    ws_.binary(true);
  } catch (const std::exception& e) {
    return AwsError::Make("ConnectionFailed", "cannot open the data channel " + url + ": " + e.what());
  }
  return OkStatus();
}

void DataChannelConnection::Start(Callbacks callbacks) {
  cb_ = std::move(callbacks);
  Read();
  Tick();
}

void DataChannelConnection::Read() {
  ws_.async_read(rbuf_, [this](beast::error_code ec, size_t) {
    if (stopped_) return;
    if (ec) {
      stopped_ = true;
      timer_.cancel();
      if (cb_.end) cb_.end();
      return;
    }
    std::string frame = beast::buffers_to_string(rbuf_.data());
    rbuf_.consume(rbuf_.size());
    if (cb_.frame) cb_.frame(frame);
    if (!stopped_) Read();
  });
}

void DataChannelConnection::Tick() {
  timer_.expires_after(std::chrono::milliseconds(100));
  timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopped_) return;
    if (cb_.tick) cb_.tick();
    if (!stopped_) Tick();
  });
}

void DataChannelConnection::Send(std::string frame) {
  if (stopped_) return;
  out_.push_back(std::move(frame));
  WriteNext();
}

void DataChannelConnection::WriteNext() {
  if (writing_ || stopped_) return;
  if (out_.empty()) {
    Drained();
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(out_.front()), [this](beast::error_code ec, size_t) {
    writing_ = false;
    if (!out_.empty()) out_.pop_front();
    if (ec) {
      out_.clear();
      Drained();
      return;
    }
    WriteNext();
  });
}

void DataChannelConnection::Drained() {
  if (!drained_) return;
  auto done = std::move(drained_);
  drained_ = nullptr;
  done();
}

void DataChannelConnection::WhenDrained(std::function<void()> done) {
  drained_ = std::move(done);
  if (!writing_ && (out_.empty() || stopped_)) Drained();
}

void DataChannelConnection::Stop() {
  stopped_ = true;
  timer_.cancel();
  if (!writing_) out_.clear();  // (the one being written is cleared when its write fails)
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

}  // namespace fargo::cli
