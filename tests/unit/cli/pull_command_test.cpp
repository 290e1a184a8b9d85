// fargo pull's follower against a fake engine that streams its progress
// slowly: the engine client's pull feeds a PullRegistry (as the daemon's
// does) while FollowPull polls it, as `fargo pull` polls GET /_fargo/pulls/<id>.
#include "cli/pull_command.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli/views.h"
#include "runtime/engine_client.h"
#include "runtime/pull_registry.h"
#include "unix_listener.h"

namespace fargo::cli {
namespace {

using runtime::PullProgress;

// An engine on a unix socket that answers `POST .../images/create` with a
// chunked 200 whose chunks are `lines`, one each `pause`; or, with `status`
// other than 200, that status and `lines[0]` as its body (Docker's answer
// when the registry cannot be reached).
class SlowPullEngine {
 public:
  SlowPullEngine(std::vector<std::string> lines, std::chrono::milliseconds pause, int status = 200)
      : lines_(std::move(lines)), pause_(pause), status_(status) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~SlowPullEngine() {
    listener_.Close();
    thread_.join();
  }
  runtime::EngineClient Client() const {
    return runtime::EngineClient({listener_.path(), std::chrono::milliseconds(5000), "v1.41"});
  }
  std::string request() const { return request_; }

 private:
  static void Write(int c, const std::string& s) { (void)!::write(c, s.data(), s.size()); }
  void Serve() {
    int c = listener_.Accept();
    if (c < 0) return;
    std::string head = test_util::UnixListener::ReadHead(c);
    request_ = head.substr(0, head.find("\r\n"));
    if (status_ != 200) {
      Write(c, "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(lines_[0].size()) + "\r\n\r\n" + lines_[0]);
    } else {
      Write(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (const auto& l : lines_) {
        std::this_thread::sleep_for(pause_);
        std::string body = l + "\n";
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", body.size());
        Write(c, size + body + "\r\n");
      }
      Write(c, "0\r\n\r\n");
    }
    ::close(c);
  }

  test_util::UnixListener listener_{"fargo-slow-pull"};
  std::vector<std::string> lines_;
  std::chrono::milliseconds pause_;
  int status_;
  std::string request_;
  std::thread thread_;
};

const std::vector<std::string> kAlpine = {
    R"({"status":"Pulling from library/alpine","id":"3.20"})",
    R"({"status":"Pulling fs layer","progressDetail":{},"id":"aaaaaaaaaaaa"})",
    R"({"status":"Pulling fs layer","progressDetail":{},"id":"bbbbbbbbbbbb"})",
    R"({"status":"Downloading","progressDetail":{"current":1000000,"total":4000000},"id":"aaaaaaaaaaaa"})",
    R"({"status":"Downloading","progressDetail":{"current":500000,"total":1000000},"id":"bbbbbbbbbbbb"})",
    R"({"status":"Downloading","progressDetail":{"current":3000000,"total":4000000},"id":"aaaaaaaaaaaa"})",
    R"({"status":"Download complete","progressDetail":{},"id":"bbbbbbbbbbbb"})",
    R"({"status":"Download complete","progressDetail":{},"id":"aaaaaaaaaaaa"})",
    R"({"status":"Pull complete","progressDetail":{},"id":"aaaaaaaaaaaa"})",
    R"({"status":"Pull complete","progressDetail":{},"id":"bbbbbbbbbbbb"})",
    R"({"status":"Status: Downloaded newer image for alpine:3.20"})",
};

struct Followed {
  int exit = -1;
  std::vector<std::string> out;
  std::string err;
  PullProgress final;
};

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0, nl;
  while ((nl = s.find('\n', start)) != std::string::npos) {
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::string Slurp(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

// Pulls `image` from `engine` on a thread, as the daemon does, and follows it.
Followed PullAndFollow(SlowPullEngine& engine, const std::string& image, PullOutput mode) {
  runtime::PullRegistry registry;
  std::string id = registry.Begin(image, "");
  std::thread puller([&] {
    runtime::EngineClient client = engine.Client();
    Status st = client.ImagePull(image, [&](const boost::json::object& l) { registry.Feed(id, l); });
    registry.Finish(id, st);
  });
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  Followed f;
  f.exit = FollowPull(
      [&]() -> Result<PullProgress> {
        auto p = registry.Get(id);
        if (!p) return AwsError::Make("HttpError", "no pull " + id, 404);
        return *p;
      },
      mode, out, err, std::chrono::milliseconds(5));
  puller.join();
  f.out = SplitLines(Slurp(out));
  f.err = Slurp(err);
  f.final = *registry.Get(id);
  return f;
}

TEST(PullCommand, PlainLinesFollowTheEnginesProgressToTheEnd) {
  SlowPullEngine engine(kAlpine, std::chrono::milliseconds(40));
  Followed f = PullAndFollow(engine, "docker.io/library/alpine:3.20", PullOutput::kLines);
  EXPECT_EQ(engine.request(), "POST /v1.41/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=3.20 HTTP/1.1");
  EXPECT_EQ(f.exit, 0);
  EXPECT_EQ(f.err, "");
  // Each step once, in order: a line per layer seen or done and per 10% of
  // the bytes (the 40 ms between the engine's lines outlast the 5 ms poll;
  // a busy machine may still merge two steps, never reorder or repeat them).
  std::vector<std::string> want = {
      "pulling docker.io/library/alpine:3.20",
      "pulling docker.io/library/alpine:3.20: Pulling from library/alpine",
      "pulling docker.io/library/alpine:3.20: 0/1 layers",
      "pulling docker.io/library/alpine:3.20: 0/2 layers",
      "pulling docker.io/library/alpine:3.20: 25% 1.0/4.0 MB (0/2 layers)",
      "pulling docker.io/library/alpine:3.20: 30% 1.5/5.0 MB (0/2 layers)",
      "pulling docker.io/library/alpine:3.20: 70% 3.5/5.0 MB (0/2 layers)",
      "pulling docker.io/library/alpine:3.20: 80% 4.0/5.0 MB (1/2 layers)",
      "pulling docker.io/library/alpine:3.20: 100% 5.0/5.0 MB (2/2 layers)",
      "pulled docker.io/library/alpine:3.20 (2 layers, 5.0 MB)",
  };
  ASSERT_GE(f.out.size(), 6u);
  EXPECT_EQ(f.out.front(), want.front());
  EXPECT_EQ(f.out.back(), want.back());
  size_t at = 0;
  for (const auto& line : f.out) {
    while (at < want.size() && want[at] != line) ++at;
    EXPECT_LT(at, want.size()) << "out of order or unexpected: " << line;
    ++at;
  }
  EXPECT_EQ(f.final.state, PullProgress::State::kDone);
  EXPECT_EQ(f.final.LayersDone(), 2);
  EXPECT_EQ(f.final.BytesDone(), 5000000);
}

TEST(PullCommand, AFailedPullExitsNonZeroWithTheEnginesMessage) {
  SlowPullEngine engine(
      {R"({"progressDetail":{},"errorDetail":{"message":"initializing source docker://busybox:latest: pinging container registry registry-1.docker.io: no such host"},"error":"initializing source docker://busybox:latest: pinging container registry registry-1.docker.io: no such host"})"},
      std::chrono::milliseconds(40));
  Followed f = PullAndFollow(engine, "docker.io/library/busybox:latest", PullOutput::kLines);
  EXPECT_EQ(f.exit, 1);
  // Only the start shows: the engine's first line is its error.
  EXPECT_EQ(f.out, std::vector<std::string>{"pulling docker.io/library/busybox:latest"});
  EXPECT_EQ(f.err,
            "fargo pull: docker.io/library/busybox:latest: initializing source docker://busybox:latest: pinging "
            "container registry registry-1.docker.io: no such host\n");
  EXPECT_EQ(f.final.state, PullProgress::State::kFailed);
}

TEST(PullCommand, AnEngineRefusingThePullUpFrontFailsItToo) {
  // Docker answers 500 before any progress when the registry is unreachable.
  SlowPullEngine engine({R"({"message":"Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"})"},
                        std::chrono::milliseconds(0), 500);
  Followed f = PullAndFollow(engine, "docker.io/library/busybox:latest", PullOutput::kLines);
  EXPECT_EQ(f.exit, 1);
  EXPECT_EQ(f.err,
            "fargo pull: docker.io/library/busybox:latest: Get \"https://registry-1.docker.io/v2/\": dial tcp: "
            "lookup registry-1.docker.io: no such host\n");
}

TEST(PullCommand, JsonIsOneObjectPerChangeEndingWithTheFinalState) {
  SlowPullEngine engine(kAlpine, std::chrono::milliseconds(20));
  Followed f = PullAndFollow(engine, "docker.io/library/alpine:3.20", PullOutput::kJson);
  EXPECT_EQ(f.exit, 0);
  ASSERT_GE(f.out.size(), 3u);
  for (const auto& l : f.out) EXPECT_TRUE(boost::json::parse(l).is_object()) << l;
  boost::json::object last = boost::json::parse(f.out.back()).as_object();
  EXPECT_EQ(last.at("State"), "done");
  EXPECT_EQ(last.at("Percent"), 100);
  EXPECT_EQ(last.at("BytesTotal"), 5000000);
}

TEST(PullCommand, TheBarRewritesOneLineAndEndsWithTheResult) {
  SlowPullEngine engine(kAlpine, std::chrono::milliseconds(20));
  Followed f = PullAndFollow(engine, "docker.io/library/alpine:3.20", PullOutput::kBar);
  EXPECT_EQ(f.exit, 0);
  ASSERT_EQ(f.out.size(), 1u);  // one line, redrawn in place
  EXPECT_NE(f.out[0].find("\r\033[K"), std::string::npos);
  EXPECT_NE(f.out[0].find("=>"), std::string::npos);  // the bar grew
  EXPECT_EQ(f.out[0].substr(f.out[0].rfind("\r\033[K") + 4), "pulled docker.io/library/alpine:3.20 (2 layers, 5.0 MB)");
}

TEST(PullCommand, AmountText) {
  PullProgress p;
  EXPECT_EQ(PullAmountText(p), "");
  p.layers.push_back({"a", "Pulling fs layer", 0, 0, false});
  EXPECT_EQ(PullAmountText(p), "0/1 layers");
  p.layers[0] = {"a", "Downloading", 12100000, 26800000, false};
  EXPECT_EQ(PullAmountText(p), "45% 12.1/26.8 MB");
}

}  // namespace
}  // namespace fargo::cli
