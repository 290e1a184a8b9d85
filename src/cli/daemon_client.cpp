#include "cli/daemon_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace fargo::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

DaemonClient::DaemonClient(std::string endpoint, std::string region, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), region_(std::move(region)), timeout_(timeout) {}

DaemonClient::Answer DaemonClient::Send(const std::string& method, const std::string& path,
                                        const std::map<std::string, std::string>& headers,
                                        const std::string& body) const {
  Answer out;
  std::string rest = endpoint_;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  std::string host = rest, port = "80";
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req(http::string_to_verb(method), path, 11);
    req.set(http::field::host, rest);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(512 * 1024 * 1024);
    http::read(stream, buf, parser);
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.raw = std::move(res.body());
    boost::system::error_code ec;
    json::value v = json::parse(out.raw, ec);
    if (!ec && v.is_object()) out.body = v.as_object();
    if (out.status >= 300) {
      auto* m = out.body.if_contains("message");
      if (!m) m = out.body.if_contains("Message");
      out.error = m && m->is_string() ? std::string(m->as_string()) : out.raw;
      if (auto* t = out.body.if_contains("__type"); t && t->is_string())
        out.error = std::string(t->as_string()) + ": " + out.error;
    }
  } catch (const boost::system::system_error& e) {
    out.status = 0;
    out.reason = e.code().message();
  } catch (const std::exception& e) {
    out.status = 0;
    out.reason = e.what();
  }
  if (out.status == 0)
    out.error = "fargo does not answer at " + endpoint_ + " (" + out.reason + "); is `fargo serve` running?";
  return out;
}

DaemonClient::Answer DaemonClient::Call(const std::string& method, const std::string& path,
                                        const json::object* body) const {
  return Send(method, path, {{"Content-Type", "application/json"}}, body ? json::serialize(*body) : std::string());
}

std::string DaemonClient::Authorization(const std::string& region, const std::string& service,
                                        std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y%m%d", &tm);
  return "AWS4-HMAC-SHA256 Credential=test/" + std::string(date) + "/" + region + "/" + service +
         "/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + std::string(64, '0');
}

std::string DaemonClient::FormEscape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

std::string AmzDate(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

AwsError Unanswered(const DaemonClient::Answer& a) {
  return AwsError::Make(a.status == 0 ? "Unreachable" : "HttpError", a.error, a.status == 0 ? 503 : a.status);
}

}  // namespace

Result<json::object> DaemonClient::Json(const std::string& signing_name, const std::string& target,
                                        const json::object& input) const {
  auto now = std::chrono::system_clock::now();
  Answer a = Send("POST", "/",
                  {{"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", target},
                   {"X-Amz-Date", AmzDate(now)},
                   {"Authorization", Authorization(region_, signing_name, now)}},
                  json::serialize(input));
  if (a.status == 200) return std::move(a.body);
  if (a.status == 0 || a.body.empty()) return Unanswered(a);
  std::string code;
  if (auto* t = a.body.if_contains("__type"); t && t->is_string()) code = std::string(t->as_string());
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  std::string message;
  for (const char* k : {"message", "Message"})
    if (auto* m = a.body.if_contains(k); m && m->is_string()) message = std::string(m->as_string());
  return AwsError::Make(code, message, a.status);
}

Result<std::unique_ptr<pugi::xml_document>> DaemonClient::Query(const std::string& signing_name,
                                                                const std::string& action,
                                                                const std::string& version,
                                                                const std::map<std::string, std::string>& params) const {
  std::string body = "Action=" + FormEscape(action) + "&Version=" + FormEscape(version);
  for (const auto& [k, v] : params) body += "&" + FormEscape(k) + "=" + FormEscape(v);
  auto now = std::chrono::system_clock::now();
  Answer a = Send("POST", "/",
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                   {"X-Amz-Date", AmzDate(now)},
                   {"Authorization", Authorization(region_, signing_name, now)}},
                  body);
  if (a.status == 0) return Unanswered(a);
  auto doc = std::make_unique<pugi::xml_document>();
  if (!doc->load_buffer(a.raw.data(), a.raw.size()))
    return AwsError::Make("HttpError", "not XML (HTTP " + std::to_string(a.status) + "): " + a.raw, a.status);
  if (a.status != 200) {
    pugi::xml_node err = doc->select_node("//Error").node();
    return AwsError::Make(err.child_value("Code"), err.child_value("Message"), a.status);
  }
  return std::move(doc);
}

}  // namespace fargo::cli
