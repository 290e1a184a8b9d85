#include "cli/port_session_client.h"

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace fargo::cli {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using dataplane::sessions::ClientHandshake;
using dataplane::sessions::EncodeSmuxFrame;
using dataplane::sessions::SmuxCommand;
namespace client_flag = dataplane::sessions::client_flag;

namespace {

// The plugin's version comparison: 4 numeric components, else "not greater".
bool VersionGreater(const std::string& a, const std::string& b) {
  auto split = [](const std::string& v) {
    std::vector<long> parts;
    size_t start = 0;
    while (start <= v.size()) {
      size_t dot = v.find('.', start);
      std::string part = v.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return std::vector<long>{};
      parts.push_back(std::strtol(part.c_str(), nullptr, 10));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return parts;
  };
  std::vector<long> x = split(a), y = split(b);
  if (x.size() != 4 || y.size() != 4) return false;
  return x > y;
}

}  // namespace

PortSessionClient::PortSessionClient(asio::io_context& io, dataplane::sessions::ClientChannel& channel,
                                     Options options)
    : io_(io), channel_(channel), opt_(std::move(options)), acceptor_(io) {
  if (!opt_.print)
    opt_.print = [](const std::string& line) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    };
  if (!opt_.now_ms)
    opt_.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

PortSessionClient::~PortSessionClient() { Close(); }

bool PortSessionClient::IsPortSession(const ClientHandshake& handshake) { return handshake.session_type == "Port"; }

bool PortSessionClient::UsesMux(const ClientHandshake& handshake) {
  auto type = handshake.properties.find("type");
  return type != handshake.properties.end() && type->second == "LocalPortForwarding" &&
         VersionGreater(handshake.agent_version, "3.0.196.0");
}

void PortSessionClient::Configure(const ClientHandshake& handshake) {
  mux_ = UsesMux(handshake);
  want_port_ = 0;
  if (opt_.local_port) {
    want_port_ = *opt_.local_port;
  } else if (auto p = handshake.properties.find("localPortNumber"); p != handshake.properties.end()) {
    want_port_ = std::atoi(p->second.c_str());
  }
}

Status PortSessionClient::Start() {
  if (started_) return OkStatus();
  boost::system::error_code ec;
  auto address = asio::ip::make_address(opt_.local_address, ec);
  if (ec) return AwsError::Make("InvalidParameter", "bad local address " + opt_.local_address);
  tcp::endpoint at(address, static_cast<uint16_t>(want_port_));
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close(ec);
    return AwsError::Make("AddressInUse", "cannot listen on " + opt_.local_address + ":" +
                                              std::to_string(want_port_) + ": " + ec.message());
  }
  started_ = true;
  bound_port_ = acceptor_.local_endpoint().port();
  Print("Port " + std::to_string(bound_port_) + " opened for sessionId " + opt_.session_id + ".");
  if (mux_) Print("Waiting for connections...");
  Accept();
  return OkStatus();
}

void PortSessionClient::Accept() {
  if (closed_ || accepting_ || !acceptor_.is_open()) return;
  accepting_ = true;
  auto s = std::make_shared<Stream>(io_);
  acceptor_.async_accept(s->socket, [this, s](boost::system::error_code ec) {
    accepting_ = false;
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) Accept();
      return;
    }
    Accepted(s);
  });
}

void PortSessionClient::Accepted(const StreamPtr& s) {
  boost::system::error_code ignored;
  s->socket.set_option(tcp::no_delay(true), ignored);
  if (mux_) {
    s->id = next_id_;
    next_id_ += 2;
    streams_[s->id] = s;
    Print("Connection accepted for session [" + opt_.session_id + "]");
    SendInput(EncodeSmuxFrame(SmuxCommand::kSyn, s->id));
    ReadLocal(s);
    Accept();  // many at once
  } else {
    s->id = 0;
    streams_[0] = s;
    Print("Connection accepted for session " + opt_.session_id + ".");
    ReadLocal(s);  // the next one once this one closes
  }
}

bool PortSessionClient::Congested() const { return channel_.unacknowledged_input() >= opt_.max_unacknowledged; }

void PortSessionClient::ReadLocal(const StreamPtr& s) {
  if (s->gone || s->reading || closed_) return;
  if (Congested()) {
    s->paused = true;
    return;
  }
  s->paused = false;
  s->reading = true;
  s->buffer.resize(std::min(opt_.read_chunk, dataplane::sessions::kSmuxMaxData));
  s->socket.async_read_some(asio::buffer(s->buffer), [this, s](boost::system::error_code ec, size_t n) {
    s->reading = false;
    if (s->gone || s->remote_closed || closed_) return;
    if (ec) {
      LocalEnded(s);
      return;
    }
    std::string_view data(s->buffer.data(), n);
    if (mux_) {
      SendInput(EncodeSmuxFrame(SmuxCommand::kPsh, s->id, data));
    } else {
      SendInput(std::string(data));
    }
    ReadLocal(s);
  });
}

void PortSessionClient::LocalEnded(const StreamPtr& s) {
  if (mux_) {
    SendInput(EncodeSmuxFrame(SmuxCommand::kFin, s->id));
  } else {
    channel_.SendFlag(client_flag::kDisconnectToPort, opt_.now_ms());
  }
  Forget(s);
  if (!mux_) Accept();
}

void PortSessionClient::Forget(const StreamPtr& s) {
  s->gone = true;
  boost::system::error_code ignored;
  s->socket.close(ignored);
  auto it = streams_.find(s->id);
  if (it != streams_.end() && it->second == s) streams_.erase(it);
}

void PortSessionClient::WriteLocal(const StreamPtr& s) {
  if (s->writing || s->gone) return;
  if (s->writes.empty()) {
    if (s->remote_closed) Forget(s);
    return;
  }
  s->writing = true;
  asio::async_write(s->socket, asio::buffer(s->writes.front()), [this, s](boost::system::error_code ec, size_t) {
    s->writing = false;
    if (s->gone) return;
    s->writes.pop_front();
    if (ec) {
      s->writes.clear();
      if (s->remote_closed || closed_) {
        Forget(s);
      } else {
        LocalEnded(s);  // the local client went away: the agent closes its side
      }
      return;
    }
    WriteLocal(s);
  });
}

void PortSessionClient::OnOutput(std::string_view bytes) {
  if (closed_) return;
  if (!mux_) {
    auto it = streams_.find(0);
    if (it == streams_.end()) return;  // no local client now: dropped, as the plugin does
    it->second->writes.emplace_back(bytes);
    WriteLocal(it->second);
    return;
  }
  reader_.Append(bytes);
  for (;;) {
    auto next = reader_.Next();
    if (!next.ok()) {
      Print("Connection to destination port failed: " + next.error().message);
      Close();
      return;
    }
    if (!next->has_value()) return;
    dataplane::sessions::SmuxFrame f = std::move(**next);
    auto it = streams_.find(f.stream_id);
    if (it == streams_.end()) continue;  // unknown stream: ignored, as smux does
    StreamPtr s = it->second;
    switch (f.command) {
      case SmuxCommand::kPsh:
        if (!f.data.empty()) s->writes.push_back(std::move(f.data));
        WriteLocal(s);
        break;
      case SmuxCommand::kFin:
        s->remote_closed = true;
        streams_.erase(it);  // its id is done; the socket closes once written
        WriteLocal(s);
        break;
      default:
        break;  // SYN (agents open none), NOP, UPD
    }
  }
}

void PortSessionClient::OnFlag(uint32_t flag) {
  if (flag == client_flag::kConnectToPortError) Print("\nConnection to destination port failed, check SSM Agent logs.");
}

void PortSessionClient::OnProgress() {
  if (closed_ || Congested()) return;
  std::vector<StreamPtr> paused;
  for (auto& [id, s] : streams_)
    if (s->paused) paused.push_back(s);
  for (auto& s : paused) ReadLocal(s);
}

void PortSessionClient::Terminate() {
  if (closed_) return;
  channel_.SendFlag(client_flag::kTerminateSession, opt_.now_ms());
  Close();
}

void PortSessionClient::Close() {
  closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, s] : streams_) {
    s->gone = true;
    s->socket.close(ignored);
  }
  streams_.clear();
}

void PortSessionClient::SendInput(std::string bytes) { channel_.SendOwnedInput(std::move(bytes), opt_.now_ms()); }

void PortSessionClient::Print(const std::string& line) { opt_.print(line); }

}  // namespace fargo::cli
