// EngineClient against a scripted engine on a unix socket: API version
// negotiation, and an engine that rejects a request before reading its body
// (as Docker rejects an image import from its query alone, then closes).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/engine_client.h"

namespace fargo::runtime {
namespace {

namespace json = boost::json;

std::string HttpResponse(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// Accepts connections on a fresh socket path; for each, reads the request
// head and writes what `answer(head)` returns, then closes without reading
// the request's body. Records the heads it saw.
class ScriptedEngine {
 public:
  explicit ScriptedEngine(std::function<std::string(const std::string& head)> answer)
      : answer_(std::move(answer)) {
    path_ = "/tmp/fargo-scripted-engine-" + std::to_string(getpid()) + "-" +
            std::to_string(counter_++) + ".sock";
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedEngine() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> l(mu_);
    return heads_;
  }

 private:
  void Serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char ch;
      while (head.find("\r\n\r\n") == std::string::npos && ::read(c, &ch, 1) == 1) head += ch;
      {
        std::lock_guard<std::mutex> l(mu_);
        heads_.push_back(head);
      }
      std::string out = answer_(head);
      (void)::write(c, out.data(), out.size());
      ::close(c);  // unread body left behind, as Docker does
    }
  }

  static inline std::atomic<int> counter_{0};
  std::function<std::string(const std::string&)> answer_;
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> heads_;
};

std::string RequestLine(const std::string& head) { return head.substr(0, head.find("\r\n")); }

// A client of `socket` that speaks `version`, or negotiates when empty.
EngineClient Client(const std::string& socket, std::string version = "") {
  EngineClient::Options o;
  o.socket_path = socket;
  o.timeout = std::chrono::milliseconds(10000);
  o.api_version = std::move(version);
  return EngineClient(std::move(o));
}

TEST(RuntimeEngineClientScripted, EarlyRejectionOfALargeBodyIsTheEnginesMessage) {
  ScriptedEngine engine([](const std::string&) {
    return HttpResponse(400, R"({"message":"stopsignal is not a valid change command"})");
  });
  EngineClient c = Client(engine.path(), "v1.41");
  std::string tar(8 << 20, 'x');  // far more than the socket buffers hold
  auto r = c.ImageImportTar(tar, "localhost/fargo/pause:latest", {"STOPSIGNAL SIGTERM"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kEngineError);
  EXPECT_EQ(r.error().message, "stopsignal is not a valid change command");
}

TEST(RuntimeEngineClientScripted, EngineClosingWithoutAnswerIsUnavailable) {
  ScriptedEngine engine([](const std::string&) { return std::string(); });
  EngineClient c = Client(engine.path(), "v1.41");
  auto r = c.ImageImportTar(std::string(8 << 20, 'x'), "localhost/x:1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kEngineUnavailable);
}

TEST(RuntimeEngineClientScripted, NegotiatesTheVersionOnceFromVersion) {
  ScriptedEngine engine([](const std::string& head) {
    if (RequestLine(head) == "GET /version HTTP/1.1") {
      return HttpResponse(200, R"({"ApiVersion":"1.43","MinAPIVersion":"1.12","Version":"24.0.7"})");
    }
    return HttpResponse(200, "OK");
  });
  EngineClient c = Client(engine.path());
  ASSERT_TRUE(c.Ping().ok());
  EngineClient copy = c;
  ASSERT_TRUE(copy.Ping().ok());
  auto heads = engine.heads();
  ASSERT_EQ(heads.size(), 3u);
  EXPECT_EQ(RequestLine(heads[0]), "GET /version HTTP/1.1");
  EXPECT_EQ(RequestLine(heads[1]), "GET /v1.41/_ping HTTP/1.1");
  EXPECT_EQ(RequestLine(heads[2]), "GET /v1.41/_ping HTTP/1.1");
}

TEST(RuntimeEngineClientScripted, TooOldEngineIsRefusedWithItsVersion) {
  ScriptedEngine engine([](const std::string&) {
    return HttpResponse(200, R"({"ApiVersion":"1.39","MinAPIVersion":"1.12"})");
  });
  EngineClient c = Client(engine.path());
  auto st = c.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("1.39"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("Docker 20.10"), std::string::npos) << st.error().message;
}

TEST(RuntimeEngineClient, NegotiateApiVersion) {
  auto v = [](const char* max, const char* min) {
    json::object o{{"ApiVersion", max}};
    if (min) o["MinAPIVersion"] = min;
    auto r = NegotiateApiVersion(o);
    return r.ok() ? *r : "error: " + r.error().message;
  };
  EXPECT_EQ(v("1.41", "1.12"), "v1.41");  // Docker 20.10
  EXPECT_EQ(v("1.41", "1.24"), "v1.41");  // Podman 4
  EXPECT_EQ(v("1.50", "1.24"), "v1.41");  // Docker 28: still speaks ours
  EXPECT_EQ(v("1.52", "1.44"), "v1.44");  // Docker 29: no longer accepts 1.41
  EXPECT_EQ(v("1.41", nullptr), "v1.41");
  EXPECT_EQ(v("1.40", "1.12").substr(0, 6), "error:");
  EXPECT_EQ(v("", nullptr).substr(0, 6), "error:");
  EXPECT_EQ(v("one.two", nullptr).substr(0, 6), "error:");
}

TEST(RuntimeEngineClient, EngineProduct) {
  EXPECT_EQ(EngineProduct(json::parse(R"({"Components":[{"Name":"Podman Engine","Version":"4.3.1"}],
                                          "ApiVersion":"1.41"})").as_object()),
            "Podman");
  EXPECT_EQ(EngineProduct(json::parse(R"({"Components":[{"Name":"Engine"},{"Name":"containerd"}],
                                          "ApiVersion":"1.41"})").as_object()),
            "Docker Engine");
  EXPECT_EQ(EngineProduct(json::object{}), "Docker Engine");
}

}  // namespace
}  // namespace fargo::runtime
