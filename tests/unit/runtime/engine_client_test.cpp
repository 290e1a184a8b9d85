// EngineClient against a scripted engine on a unix socket: API version
// negotiation, and an engine that rejects a request before reading its body
// (as Docker rejects an image import from its query alone, then closes).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <optional>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "runtime/engine_client.h"
#include "runtime/task_runner.h"
#include "unix_listener.h"

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
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedEngine() {
    listener_.Close();
    thread_.join();
  }
  const std::string& path() const { return listener_.path(); }
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> l(mu_);
    return heads_;
  }

 private:
  void Serve() {
    for (;;) {
      int c = listener_.Accept();
      if (c < 0) return;
      std::string head = test_util::UnixListener::ReadHead(c);
      {
        std::lock_guard<std::mutex> l(mu_);
        heads_.push_back(head);
      }
      std::string out = answer_(head);
      (void)::write(c, out.data(), out.size());
      ::close(c);  // unread body left behind, as Docker does
    }
  }

  test_util::UnixListener listener_{"fargo-scripted-engine"};
  std::function<std::string(const std::string&)> answer_;
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

// A task whose sandbox the engine refuses stops with the engine's message as
// its reason, and fargo's log says the same: here the engine refuses the
// sandbox image's import before reading its body, as Docker refused it.
TEST(RuntimeEngineClientScripted, EngineRefusalIsTheTasksStoppedReason) {
  ScriptedEngine engine([](const std::string& head) {
    std::string line = RequestLine(head);
    if (line == "GET /version HTTP/1.1") return HttpResponse(200, R"({"ApiVersion":"1.41","MinAPIVersion":"1.12"})");
    if (line.rfind("GET /v1.41/networks/fargo-vpc-0scripted ", 0) == 0) {
      return HttpResponse(200, R"({"Name":"fargo-vpc-0scripted","IPAM":{"Config":[{"Subnet":"10.9.0.0/16"}]}})");
    }
    if (line.rfind("POST /v1.41/images/create?fromSrc=-", 0) == 0) {
      return HttpResponse(400, R"({"message":"the engine refuses this import"})");
    }
    return HttpResponse(404, R"({"message":"not scripted"})");
  });
  EngineClient client = Client(engine.path());
  SystemClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<TaskReport> stopped;
  std::vector<std::string> log;
  TaskRunner runner(
      client, clock, nullptr,
      [&](const TaskReport& r) {
        std::lock_guard<std::mutex> l(mu);
        if (r.last_status == "STOPPED" && !stopped) stopped = r;
        cv.notify_all();
      },
      [&](const std::string& line) {
        std::lock_guard<std::mutex> l(mu);
        log.push_back(line);
      },
      TaskRunner::Options{});
  runner.Start();
  TaskPlan plan;
  plan.task_arn = "arn:aws:ecs:eu-west-1:000000000000:task/default/0123456789abcdef0123456789abcdef";
  plan.region = "eu-west-1";
  plan.sandbox.task_arn = plan.task_arn;
  plan.sandbox.cluster = "default";
  plan.sandbox.vpc.vpc_id = "vpc-0scripted";
  plan.sandbox.vpc.cidr = "10.9.0.0/16";
  plan.sandbox.subnet_id = "subnet-0scripted";
  plan.sandbox.subnet_cidr = "10.9.1.0/24";
  ContainerPlan c;
  c.spec.name = "main";
  c.spec.image = "debian:buster-20230411-slim";
  plan.containers.push_back(c);
  runner.Launch(plan);
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, std::chrono::seconds(20), [&] { return stopped.has_value(); });
  }
  runner.Shutdown();
  ASSERT_TRUE(stopped) << "the task never stopped";
  EXPECT_EQ(stopped->stop_code, "TaskFailedToStart");
  EXPECT_EQ(stopped->stopped_reason,
            "ResourceInitializationError: unable to create the task's network: importing the sandbox image "
            "localhost/fargo/pause:latest: the engine refuses this import");
  std::lock_guard<std::mutex> l(mu);
  bool logged = false;
  for (const auto& line : log) logged |= line.find("the engine refuses this import") != std::string::npos;
  EXPECT_TRUE(logged) << "fargo's log does not carry the engine's message";
}

}  // namespace
}  // namespace fargo::runtime
