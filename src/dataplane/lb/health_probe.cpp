#include "dataplane/lb/health_probe.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>

#include "dataplane/lb/listener_tls.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Probe : std::enable_shared_from_this<Probe> {
  Probe(asio::io_context& io, std::function<void(CheckResult)> d) : socket(io), timer(io), done(std::move(d)) {}
  tcp::socket socket;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  // HTTPS checks
  asio::steady_timer timer;
  asio::streambuf response;
  std::string request;
  std::string matcher;
  std::function<void(CheckResult)> done;

  void Finish(CheckOutcome outcome, int code = 0) {
    if (!done) return;
    auto d = std::move(done);
    done = nullptr;
    boost::system::error_code ignored;
    timer.cancel();
    socket.close(ignored);
    d(CheckResult{outcome, code});
  }
};

}  // namespace

int ParseStatusLine(const std::string& line) {
  if (line.rfind("HTTP/", 0) != 0) return 0;
  size_t sp = line.find(' ');
  if (sp == std::string::npos || sp + 4 > line.size()) return 0;
  int code = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

namespace {

// Sends the check's request on `stream` and judges the status line.
template <class Stream>
void Exchange(const std::shared_ptr<Probe>& p, Stream& stream) {
  asio::async_write(stream, asio::buffer(p->request), [p, &stream](boost::system::error_code ec, size_t) {
    if (!p->done) return;
    if (ec) return p->Finish(CheckOutcome::kFailed);
    asio::async_read_until(stream, p->response, "\r\n", [p](boost::system::error_code ec, size_t n) {
      if (!p->done) return;
      if (ec) return p->Finish(CheckOutcome::kFailed);
      std::string line(asio::buffers_begin(p->response.data()), asio::buffers_begin(p->response.data()) + n);
      int code = ParseStatusLine(line);
      if (code == 0) return p->Finish(CheckOutcome::kFailed);
      if (MatcherAccepts(p->matcher, code)) return p->Finish(CheckOutcome::kPassed);
      p->Finish(CheckOutcome::kCodeMismatch, code);
    });
  });
}

}  // namespace

void ProbeTarget(asio::io_context& io, const asio::ip::address& source, const tcp::endpoint& target,
                 const services::elbv2::HealthCheckPlan& hc, std::function<void(CheckResult)> done) {
  auto p = std::make_shared<Probe>(io, std::move(done));
  boost::system::error_code ec;
  p->socket.open(tcp::v4(), ec);
  if (!ec && !source.is_unspecified()) p->socket.bind(tcp::endpoint(source, 0), ec);
  if (ec) {
    asio::post(io, [p] { p->Finish(CheckOutcome::kFailed); });
    return;
  }
  p->timer.expires_after(std::chrono::seconds(hc.timeout_s > 0 ? hc.timeout_s : 5));
  p->timer.async_wait([p](boost::system::error_code ec) {
    if (!ec) p->Finish(CheckOutcome::kTimeout);
  });
  bool http = hc.protocol == "HTTP" || hc.protocol == "HTTPS";
  bool https = hc.protocol == "HTTPS";
  if (http) {
    p->matcher = hc.matcher;
    p->request = "GET " + hc.path + " HTTP/1.1\r\nHost: " + target.address().to_string() + ":" +
                 std::to_string(target.port()) + "\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  }
  p->socket.async_connect(target, [p, http, https](boost::system::error_code ec) {
    if (!p->done) return;
    if (ec) return p->Finish(CheckOutcome::kFailed);
    if (!http) return p->Finish(CheckOutcome::kPassed);
    if (!https) return Exchange(p, p->socket);
    // HTTPS: a TLS handshake, the target's certificate not verified (as ELB).
    p->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(p->socket, TargetTlsContext());
    p->tls->async_handshake(asio::ssl::stream_base::client, [p](boost::system::error_code ec) {
      if (!p->done) return;
      if (ec) return p->Finish(CheckOutcome::kFailed);
      Exchange(p, *p->tls);
    });
  });
}

}  // namespace fargo::dataplane::lb
