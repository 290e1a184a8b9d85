// TLS on the load balancers with real sockets on the host's loopback:
// ListenerTls's certificate choice by server name (SNI), the listener's
// security policy (versions and ciphers a client gets), an NLB TLS
// listener terminating TLS and relaying plain TCP (or re-encrypting to a
// TLS target), an ALB HTTPS listener running its rules with
// X-Forwarded-Proto https and streaming large bodies both ways, and HTTPS
// health checks.
#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "dataplane/lb/health_probe.h"
#include "dataplane/lb/http_listener.h"
#include "dataplane/lb/listener_on_loop.h"
#include "dataplane/lb/listener_tls.h"
#include "dataplane/lb/tcp_listener.h"
#include "server/tls/tls_authority.h"
#include "temp_dir.h"

namespace fargo::dataplane::lb {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using services::elbv2::ListenerCertificate;

// fargo's CA in a temporary folder, and certificates it issues.
class Ca {
 public:
  Ca() {
    auto ca = server::tls::TlsAuthority::LoadOrCreate(dir_.str() + "/ca", "test");
    EXPECT_TRUE(ca.ok());
    ca_ = std::move(*ca);
  }
  ListenerCertificate Cert(const std::string& arn, std::vector<std::string> names,
                           const std::string& key_algorithm = "EC_prime256v1") {
    auto c = ca_->IssueCertificate(names, key_algorithm);
    EXPECT_TRUE(c.ok());
    return ListenerCertificate{arn, c->cert_pem, c->key_pem, c->chain_pem};
  }
  const std::string& pem() const { return ca_->CaPem(); }

 private:
  test_util::TempDir dir_;
  std::unique_ptr<server::tls::TlsAuthority> ca_;
};

// Blocking servers, one thread per connection, until destroyed.
class Server {
 public:
  using Handler = std::function<void(tcp::socket)>;
  explicit Server(Handler h) : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), handler_(std::move(h)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket s(io_);
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        std::thread(handler_, std::move(s)).detach();
      }
    });
  }
  ~Server() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(endpoint(), ec);
    thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Answers each line with "echo:" and the line, until the client ends.
template <class Stream>
void EchoLines(Stream& s) {
  asio::streambuf buf;
  boost::system::error_code ec;
  for (;;) {
    size_t n = asio::read_until(s, buf, '\n', ec);
    if (ec) return;
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
    buf.consume(n);
    asio::write(s, asio::buffer("echo:" + line), ec);
    if (ec) return;
  }
}

// One HTTP request answered: 200 with the request's headers as the body
// ("Name: value" lines) on `ok_path`, else 404.
template <class Stream>
void AnswerHttp(Stream& s, const std::string& ok_path) {
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  boost::system::error_code ec;
  http::read(s, buf, req, ec);
  if (ec) return;
  http::response<http::string_body> res(req.target() == ok_path ? http::status::ok : http::status::not_found, 11);
  for (const auto& f : req) res.body() += std::string(f.name_string()) + ": " + std::string(f.value()) + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  http::write(s, res, ec);
}

// A target's own TLS server context for `cert`, and a handler that
// handshakes on it before running `then`.
ssl::context ServerContext(const ListenerCertificate& cert) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.use_certificate_chain(asio::buffer(cert.cert_pem));
  ctx.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  return ctx;
}
Server::Handler OverTls(ssl::context& ctx, std::function<void(ssl::stream<tcp::socket>&)> then) {
  return [&ctx, then](tcp::socket s) {
    ssl::stream<tcp::socket> tls(std::move(s), ctx);
    boost::system::error_code ec;
    tls.handshake(ssl::stream_base::server, ec);
    if (!ec) then(tls);
  };
}

struct Backend final : ListenerBackend {
  tcp::endpoint target;
  std::optional<tcp::endpoint> Pick(const std::string&, uint64_t) override { return target; }
  void CountConnection(int) override {}
};

template <class L>
using Balancer = ListenerOnLoop<L>;

// A client TLS stream to the listener that verifies against fargo's CA
// and sends `sni`; returns the CN of the certificate it was served.
class TlsClient {
 public:
  TlsClient(const std::string& ca_pem, uint16_t port, const std::string& sni) : ctx_(ssl::context::tls_client), stream_(io_, ctx_) {
    ctx_.add_certificate_authority(asio::buffer(ca_pem));
    ctx_.set_verify_mode(ssl::verify_peer);
    if (!sni.empty()) SSL_set_tlsext_host_name(stream_.native_handle(), sni.c_str());
    stream_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_.handshake(ssl::stream_base::client, ec_);
  }
  bool ok() const { return !ec_; }
  std::string ServedName() {
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    if (!cert) return "";
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }
  ssl::stream<tcp::socket>& stream() { return stream_; }

 private:
  asio::io_context io_;
  ssl::context ctx_;
  ssl::stream<tcp::socket> stream_;
  boost::system::error_code ec_;
};

TEST(ListenerTls, ChoosesTheCertificateCoveringTheServerNameElseTheDefault) {
  Ca ca;
  auto tls = ListenerTls::Make({ca.Cert("default", {"app.example.com"}), ca.Cert("wild", {"*.api.example.com"}),
                                ca.Cert("exact", {"www.example.com", "example.com"})}, "");
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_EQ((*tls)->Choose("app.example.com"), 0u);
  EXPECT_EQ((*tls)->Choose("v1.api.example.com"), 1u);
  EXPECT_EQ((*tls)->Choose("example.com"), 2u);
  EXPECT_EQ((*tls)->Choose("a.b.api.example.com"), 0u);  // a wildcard covers one label
  EXPECT_EQ((*tls)->Choose("unknown.test"), 0u);
  EXPECT_EQ((*tls)->Choose(""), 0u);
  EXPECT_FALSE(ListenerTls::Make({}, "").ok());
  EXPECT_FALSE(ListenerTls::Make({ListenerCertificate{"bad", "not a pem", "nor this", ""}}, "").ok());
}

// What a client limited to TLS versions [min, max] (and to `ciphers` below
// TLS 1.3, when given) gets from a server handshaking on `tls`: the version
// and cipher negotiated, or nothing when the handshake fails. The client
// allows everything OpenSSL can do (security level 0), so what it is
// refused is the server's policy.
struct Negotiated {
  bool ok = false;
  std::string version, cipher;
};
Negotiated Handshake(ListenerTls& tls, int min, int max, const std::string& ciphers = "") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread server([&] {
    tcp::socket s(io);
    acceptor.accept(s);
    ssl::stream<tcp::socket&> stream(s, tls.context());
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (!ec) asio::write(stream, asio::buffer("x", 1), ec);  // the client reads it: both ends done
  });
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), min);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), max);
  if (!ciphers.empty()) SSL_CTX_set_cipher_list(ctx.native_handle(), (ciphers + ":@SECLEVEL=0").c_str());
  ssl::stream<tcp::socket> client(io, ctx);
  client.next_layer().connect(acceptor.local_endpoint());
  boost::system::error_code ec;
  client.handshake(ssl::stream_base::client, ec);
  char byte = 0;
  if (!ec) asio::read(client, asio::buffer(&byte, 1), ec);
  Negotiated out;
  if (!ec && byte == 'x') {
    out.ok = true;
    out.version = SSL_get_version(client.native_handle());
    out.cipher = SSL_get_cipher_name(client.native_handle());
  }
  client.next_layer().close();
  server.join();
  return out;
}

TEST(ListenerTls, Tls13OnlyPolicyRefusesTls12AndAcceptsTls13) {
  Ca ca;
  auto tls = ListenerTls::Make({ca.Cert("default", {"app.example.com"})}, "ELBSecurityPolicy-TLS13-1-3-2021-06");
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_FALSE(Handshake(**tls, TLS1_2_VERSION, TLS1_2_VERSION).ok);
  Negotiated n = Handshake(**tls, TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(n.ok);
  EXPECT_EQ(n.version, "TLSv1.3");
  EXPECT_EQ(n.cipher, "TLS_AES_128_GCM_SHA256");  // the policy's first
}

TEST(ListenerTls, DefaultPolicyIs2016WithTls10To12AndItsCiphers) {
  Ca ca;
  auto tls = ListenerTls::Make({ca.Cert("default", {"app.example.com"}, "RSA_2048")}, "");
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  Negotiated n = Handshake(**tls, TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(n.ok);
  EXPECT_EQ(n.version, "TLSv1.2");  // no TLS 1.3 in ELBSecurityPolicy-2016-08
  EXPECT_EQ(n.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_FALSE(Handshake(**tls, TLS1_3_VERSION, TLS1_3_VERSION).ok);
  // TLS 1.0 works despite OpenSSL 3's default security level.
  Negotiated old = Handshake(**tls, TLS1_VERSION, TLS1_VERSION);
  ASSERT_TRUE(old.ok);
  EXPECT_EQ(old.version, "TLSv1");
  // A cipher of no policy: refused.
  EXPECT_FALSE(Handshake(**tls, TLS1_2_VERSION, TLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256").ok);
}

TEST(ListenerTls, PolicyCiphersAndVersionsBoundWhatClientsGet) {
  Ca ca;
  auto cert = ca.Cert("default", {"app.example.com"}, "RSA_2048");
  // Forward secrecy with AEAD only: plain RSA key exchange and CBC refused.
  auto fs = ListenerTls::Make({cert}, "ELBSecurityPolicy-FS-1-2-Res-2020-10");
  ASSERT_TRUE(fs.ok()) << fs.error().message;
  EXPECT_FALSE(Handshake(**fs, TLS1_2_VERSION, TLS1_2_VERSION, "AES128-GCM-SHA256").ok);
  EXPECT_FALSE(Handshake(**fs, TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256").ok);
  EXPECT_EQ(Handshake(**fs, TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384").cipher,
            "ECDHE-RSA-AES256-GCM-SHA384");
  // The 2016 list over TLS 1.2 only: TLS 1.1 refused, plain RSA taken.
  auto ext = ListenerTls::Make({cert}, "ELBSecurityPolicy-TLS-1-2-Ext-2018-06");
  ASSERT_TRUE(ext.ok()) << ext.error().message;
  EXPECT_FALSE(Handshake(**ext, TLS1_1_VERSION, TLS1_1_VERSION).ok);
  EXPECT_EQ(Handshake(**ext, TLS1_2_VERSION, TLS1_2_VERSION, "AES128-GCM-SHA256").cipher, "AES128-GCM-SHA256");
  // TLS 1.3 and TLS 1.2 for the recommended policy.
  auto rec = ListenerTls::Make({cert}, "ELBSecurityPolicy-TLS13-1-2-2021-06");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(Handshake(**rec, TLS1_2_VERSION, TLS1_3_VERSION).version, "TLSv1.3");
  EXPECT_EQ(Handshake(**rec, TLS1_2_VERSION, TLS1_2_VERSION).cipher, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_FALSE(Handshake(**rec, TLS1_1_VERSION, TLS1_1_VERSION).ok);
}

TEST(TlsListener, TerminatesTlsWithTheSniCertificateAndRelaysPlainTcp) {
  Ca ca;
  Server target([](tcp::socket s) { EchoLines(s); });
  Backend backend;
  backend.target = target.endpoint();
  ListenerConfig config;
  auto tls = ListenerTls::Make({ca.Cert("default", {"nlb.example.com"}), ca.Cert("sni", {"other.example.com"})}, "");
  ASSERT_TRUE(tls.ok());
  config.tls = *tls;
  Balancer<TcpListener> lb(backend, config);

  for (const std::string name : {"nlb.example.com", "other.example.com"}) {
    TlsClient client(ca.pem(), lb.port(), name);
    ASSERT_TRUE(client.ok()) << name;  // verified against fargo's CA, for that name
    EXPECT_EQ(client.ServedName(), name);
    asio::write(client.stream(), asio::buffer(std::string("hello\n")));
    asio::streambuf buf;
    size_t n = asio::read_until(client.stream(), buf, '\n');
    EXPECT_EQ(std::string(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n), "echo:hello\n");
  }
  // No name: the default certificate.
  TlsClient anonymous(ca.pem(), lb.port(), "");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous.ServedName(), "nlb.example.com");
}

TEST(TlsListener, ReEncryptsToTlsTargetsWithoutVerifyingThem) {
  Ca ca;
  // The target's certificate is its own business: self-made names, not checked.
  ssl::context target_ctx = ServerContext(ca.Cert("target", {"target.internal"}));
  Server target(OverTls(target_ctx, [](ssl::stream<tcp::socket>& s) { EchoLines(s); }));
  Backend backend;
  backend.target = target.endpoint();
  ListenerConfig config;
  config.tls = *ListenerTls::Make({ca.Cert("default", {"nlb.example.com"})}, "");
  config.tls_to_target = true;
  Balancer<TcpListener> lb(backend, config);
  TlsClient client(ca.pem(), lb.port(), "nlb.example.com");
  ASSERT_TRUE(client.ok());
  asio::write(client.stream(), asio::buffer(std::string("over tls\n")));
  asio::streambuf buf;
  size_t n = asio::read_until(client.stream(), buf, '\n');
  EXPECT_EQ(std::string(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n), "echo:over tls\n");
}

// An HTTPS listener for alb.example.com forwarding everything.
ListenerConfig HttpsForwarding(Ca& ca) {
  ListenerConfig config;
  services::elbv2::RulePlan forward;
  forward.action.type = "forward";
  forward.action.target_groups.push_back({"tg", 1});
  config.rules = std::make_shared<const std::vector<services::elbv2::RulePlan>>(std::vector{forward});
  config.tls = *ListenerTls::Make({ca.Cert("default", {"alb.example.com"})}, "");
  return config;
}

TEST(HttpsListener, RunsTheRulesOverTlsWithForwardedProtoHttps) {
  Ca ca;
  Server target([](tcp::socket s) { AnswerHttp(s, "/page"); });
  Backend backend;
  backend.target = target.endpoint();
  Balancer<HttpListener> lb(backend, HttpsForwarding(ca));

  TlsClient client(ca.pem(), lb.port(), "alb.example.com");
  ASSERT_TRUE(client.ok());
  http::request<http::string_body> req{http::verb::get, "/page", 11};
  req.set(http::field::host, "alb.example.com");
  http::write(client.stream(), req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(client.stream(), buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("X-Forwarded-Proto: https\n"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("X-Forwarded-Port: " + std::to_string(lb.port()) + "\n"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("X-Forwarded-For: 127.0.0.1\n"), std::string::npos) << res.body();
}

TEST(HttpsListener, StreamsLargeBodiesBothWaysOverTls) {
  Ca ca;
  // The target answers a request's body back, whole.
  Server target([](tcp::socket s) {
    beast::flat_buffer buf;
    http::request_parser<http::string_body> req;
    req.body_limit(boost::none);
    boost::system::error_code ec;
    http::read(s, buf, req, ec);
    if (ec) return;
    http::response<http::string_body> res(http::status::ok, 11);
    res.body() = req.get().body();
    res.keep_alive(false);
    res.prepare_payload();
    http::write(s, res, ec);
  });
  Backend backend;
  backend.target = target.endpoint();
  Balancer<HttpListener> lb(backend, HttpsForwarding(ca));

  TlsClient client(ca.pem(), lb.port(), "alb.example.com");
  ASSERT_TRUE(client.ok());
  std::string body(12 << 20, 0);  // many chunks, and more than Beast's default limits
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i % 251);
  http::request<http::string_body> req{http::verb::post, "/echo", 11};
  req.set(http::field::host, "alb.example.com");
  req.body() = body;
  req.prepare_payload();
  http::write(client.stream(), req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> res;
  res.body_limit(boost::none);
  http::read(client.stream(), buf, res);
  EXPECT_EQ(res.get().result_int(), 200);
  EXPECT_EQ(res.get().body().size(), body.size());
  EXPECT_TRUE(res.get().body() == body);
}

CheckResult Probe(const tcp::endpoint& target, const std::string& protocol, const std::string& path,
                  const std::string& matcher) {
  asio::io_context io;
  services::elbv2::HealthCheckPlan hc;
  hc.protocol = protocol;
  hc.path = path;
  hc.matcher = matcher;
  hc.timeout_s = 5;
  std::optional<CheckResult> out;
  ProbeTarget(io, asio::ip::address(), target, hc, [&](CheckResult r) { out = r; });
  io.run();
  EXPECT_TRUE(out.has_value());
  return out.value_or(CheckResult{CheckOutcome::kFailed, 0});
}

TEST(HealthProbe, HttpsChecksHandshakeWithoutVerifyingThenMatchTheStatus) {
  Ca ca;
  ssl::context ctx = ServerContext(ca.Cert("target", {"self.internal"}));
  Server https(OverTls(ctx, [](ssl::stream<tcp::socket>& s) { AnswerHttp(s, "/health"); }));
  Server plain([](tcp::socket s) { AnswerHttp(s, "/health"); });

  EXPECT_EQ(Probe(https.endpoint(), "HTTPS", "/health", "200").outcome, CheckOutcome::kPassed);
  CheckResult mismatch = Probe(https.endpoint(), "HTTPS", "/missing", "200");
  EXPECT_EQ(mismatch.outcome, CheckOutcome::kCodeMismatch);
  EXPECT_EQ(mismatch.http_code, 404);
  // A target that does not speak TLS fails an HTTPS check (it passed as TCP before).
  EXPECT_EQ(Probe(plain.endpoint(), "HTTPS", "/health", "200").outcome, CheckOutcome::kFailed);
  EXPECT_EQ(Probe(plain.endpoint(), "HTTP", "/health", "200").outcome, CheckOutcome::kPassed);
}

}  // namespace
}  // namespace fargo::dataplane::lb
