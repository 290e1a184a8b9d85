#include "dataplane/sessions/session_server.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <deque>
#include <unistd.h>

namespace fargo::dataplane::sessions {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

template <class Stream>
class Connection final : public SessionPeer, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, SessionRegistry& registry, std::string id)
      : ws_(std::move(stream)), registry_(registry), id_(std::move(id)) {}

  void Run(server::WebSocketHandoff::Request req) {
    ws_.read_message_max(kMaxFrame);
    // One WebSocket frame per message: beast would otherwise cut each
    // message into 4 KiB frames, a system call each.
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->ws_.async_read(self->buf_, [self](beast::error_code ec, size_t) { self->OnOpen(ec); });
    });
  }

  void Send(std::string frame) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)]() mutable {
      if (self->closing_) return;
      self->out_.push_back(std::move(frame));
      if (self->out_.size() == 1) self->WriteNext();
    });
  }

  void Close(int code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)] {
      self->close_code_ = code;
      self->close_reason_ = reason;
      self->close_after_writes_ = true;
      if (self->out_.empty()) self->DoClose();
    });
  }

 private:
  void OnOpen(beast::error_code ec) {
    if (ec) return;
    std::string text = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    boost::system::error_code jec;
    boost::json::value v = boost::json::parse(text, jec);
    std::string token;
    bool exit_code = false;
    if (!jec && v.is_object()) {
      if (const auto* t = v.as_object().if_contains("TokenValue"); t && t->is_string()) token = std::string(t->as_string());
      if (const auto* e = v.as_object().if_contains("FargoExitCode"); e && e->is_bool()) exit_code = e->as_bool();
    }
    if (!ws_.got_text() || token.empty()) return Refuse("request to open data channel does not contain token");
    session_ = registry_.Claim(id_, token);
    if (!session_) return Refuse("The session token is not valid.");
    ws_.binary(true);
    session_->Attach(this->shared_from_this(), exit_code);
    Read();
  }

  void Refuse(const std::string& why) {
    closing_ = true;
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, why),
                    [self = this->shared_from_this()](beast::error_code) {});
  }

  void Read() {
    ws_.async_read(buf_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->closing_ = true;
        if (self->session_) self->session_->Detach(self);
        return;
      }
      std::string frame = beast::buffers_to_string(self->buf_.data());
      self->buf_.consume(self->buf_.size());
      self->session_->OnFrame(self, std::move(frame));
      self->Read();
    });
  }

  void WriteNext() {
    ws_.async_write(asio::buffer(out_.front()), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->out_.pop_front();
      if (ec) {
        self->out_.clear();
        self->closing_ = true;
        return;
      }
      if (!self->out_.empty()) return self->WriteNext();
      if (self->close_after_writes_) self->DoClose();
    });
  }

  void DoClose() {
    if (closing_) return;
    closing_ = true;
    websocket::close_reason r(static_cast<websocket::close_code>(close_code_));
    r.reason = close_reason_;
    ws_.async_close(r, [self = this->shared_from_this()](beast::error_code) {});
  }

  websocket::stream<Stream> ws_;
  SessionRegistry& registry_;
  std::string id_;
  beast::flat_buffer buf_;
  std::shared_ptr<Session> session_;
  std::deque<std::string> out_;
  bool closing_ = false, close_after_writes_ = false;
  int close_code_ = 1000;
  std::string close_reason_;
};

}  // namespace

std::string SessionServer::SessionIdOf(const std::string& target) {
  static const std::string kPrefix = "/v1/data-channel/";
  if (target.rfind(kPrefix, 0) != 0) return "";
  std::string id = target.substr(kPrefix.size());
  id = id.substr(0, id.find('?'));
  if (id.empty() || id.size() > 128 || id.find('/') != std::string::npos) return "";
  return id;
}

std::shared_ptr<server::WebSocketHandoff> SessionServer::Handoff() {
  auto h = std::make_shared<server::WebSocketHandoff>();
  h->wants = [](const std::string& target) { return !SessionIdOf(target).empty(); };
  h->plain = [this](beast::tcp_stream stream, server::WebSocketHandoff::Request req) {
    std::string id = SessionIdOf(std::string(req.target()));
    if (loop_) {
      // The socket, nothing pending on it, re-registered with the loop.
      boost::system::error_code ec;
      auto protocol = stream.socket().local_endpoint(ec).protocol();
      int fd = ec ? -1 : stream.socket().release(ec);
      if (ec || fd < 0) return;  // the client is gone: nothing to serve
      asio::ip::tcp::socket moved(*loop_);
      moved.assign(protocol, fd, ec);
      if (ec) {
        ::close(fd);
        return;
      }
      // The connection starts on its new loop.
      asio::post(*loop_, [this, id, req = std::move(req), moved = std::move(moved)]() mutable {
        std::make_shared<Connection<beast::tcp_stream>>(beast::tcp_stream(std::move(moved)), registry_, id)
            ->Run(std::move(req));
      });
      return;
    }
    std::make_shared<Connection<beast::tcp_stream>>(std::move(stream), registry_, id)->Run(std::move(req));
  };
  h->tls = [this](beast::ssl_stream<beast::tcp_stream> stream, server::WebSocketHandoff::Request req) {
    std::string id = SessionIdOf(std::string(req.target()));
    std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), registry_, id)
        ->Run(std::move(req));
  };
  return h;
}

}  // namespace fargo::dataplane::sessions
