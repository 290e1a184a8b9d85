// The awslogs pipeline against a real Docker Engine API (Docker, or Podman's
// compat service started by scripts/engine.sh start): a container's output
// arrives complete and in order, in a plain sink and through
// LogsService::IngestEvents. Skipped loudly when no engine answers or the
// stand-in image is missing (tests/images/build.sh); under CI=true that is a
// failure instead.
//
// Also the pipeline benchmark (bench/task_logs_throughput.sh):
//   FARGO_BENCH_LINES=200000 fargo_unit_tests --gtest_filter='LogPipelineEngine.*'
// prints lines/s and how long after the container started the last line
// became readable.
#include <unistd.h>

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_env.h"
#include "common/clock.h"
#include "dataplane/logs/log_pipeline.h"
#include "runtime/engine_client.h"
#include "runtime/task_sandbox.h"
#include "runtime/ulimits.h"
#include "services/logs/logs_service.h"

namespace fargo::dataplane {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kImage = "docker.io/library/debian:buster-20230411-slim";

using fargo::test_util::InCi;

int64_t LinesWanted(int64_t dflt) {
  const char* n = std::getenv("FARGO_BENCH_LINES");
  return n && *n ? std::atoll(n) : dflt;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class LogPipelineEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.emplace(runtime::EngineClient::FromEnvironment());
    Status ping = engine_->Ping();
    if (!ping.ok()) {
      std::fprintf(stderr,
                   "\n*** LogPipelineEngine tests SKIPPED: no container engine answers at %s (%s). "
                   "Run scripts/engine.sh start. ***\n\n",
                   engine_->socket_path().c_str(), ping.error().message.c_str());
      if (InCi()) FAIL() << "no container engine under CI";
      GTEST_SKIP() << "no container engine at " << engine_->socket_path();
    }
    if (!engine_->ImageInspect(kImage).ok()) {
      std::fprintf(stderr, "\n*** LogPipelineEngine tests SKIPPED: %s missing (run tests/images/build.sh) ***\n\n",
                   kImage);
      if (InCi()) FAIL() << kImage << " missing under CI";
      GTEST_SKIP() << kImage << " missing";
    }
  }

  void TearDown() override {
    for (const auto& id : containers_) (void)engine_->ContainerRemove(id, true, true);
  }

  // Creates (does not start) a container of the stand-in image running `script`.
  std::string Create(const std::string& script, bool tty = false) {
    json::object body{{"Image", kImage},
                      {"Cmd", json::array{"sh", "-c", script}},
                      {"Tty", tty},
                      {"HostConfig", json::object{{"Ulimits", runtime::UlimitsToJson(runtime::ClampUlimits(
                                                                  {}, runtime::HostLimits::Probe()))}}}};
    std::string name = "fargo-test-logs-" + std::to_string(getpid()) + "-" + std::to_string(containers_.size());
    auto id = engine_->ContainerCreate(name, body, {{runtime::kLabelManaged, "true"}});
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    if (!id.ok()) return "";
    containers_.push_back(*id);
    return *id;
  }

  // A container of `script` that ran to completion (as one that exited
  // while fargo was down).
  std::string CreateExited(const std::string& script) {
    std::string id = Create(script);
    EXPECT_TRUE(!id.empty() && engine_->ContainerStart(id).ok() && engine_->ContainerWait(id).ok());
    return id;
  }

  // Starts the container, waits for it to exit, unfollows, and waits for
  // the pipeline's follower to end.
  void RunToCompletion(LogPipeline& p, const std::string& id) {
    ASSERT_TRUE(engine_->ContainerStart(id).ok());
    auto code = engine_->ContainerWait(id);
    ASSERT_TRUE(code.ok()) << code.error().message;
    EXPECT_EQ(*code, 0);
    p.Unfollow(id);
    auto deadline = Clock::now() + 60s;
    while (p.stats().followers > 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(p.stats().followers, 0u) << "follower did not end";
  }

  std::optional<runtime::EngineClient> engine_;
  SystemClock clock_;
  std::vector<std::string> containers_;
  const runtime::AwsLogsSpec spec_{"us-east-1", "/ecs/bench", "ecs/app/task", true};
};

// Collects everything the pipeline ships.
struct Sink {
  std::mutex mu;
  std::vector<IngestedEvent> events;
  size_t batches = 0;
  Clock::time_point last_arrival;
  LogCursor cursor;  // of the last batch
  void operator()(const runtime::AwsLogsSpec&, std::vector<IngestedEvent> batch, const LogCursor& c) {
    std::lock_guard<std::mutex> lock(mu);
    ++batches;
    last_arrival = Clock::now();
    cursor = c;
    for (auto& e : batch) events.push_back(std::move(e));
  }
};

TEST_F(LogPipelineEngine, EveryLineArrivesInOrder) {
  const int64_t n = LinesWanted(100000);
  std::string id = Create("seq 1 " + std::to_string(n) + "; echo done >&2");
  ASSERT_FALSE(id.empty());
  Sink sink;
  LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> b, const LogCursor& c) {
    sink(s, std::move(b), c);
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec_, false, std::nullopt);  // before the start, as the runtime does
  auto t0 = Clock::now();
  RunToCompletion(p, id);
  p.Stop();

  std::lock_guard<std::mutex> lock(sink.mu);
  ASSERT_EQ(static_cast<int64_t>(sink.events.size()), n + 1);
  // stdout in order; the stderr line somewhere (the two are separate pipes,
  // so their interleaving is not defined).
  std::vector<std::string> out;
  int done = 0;
  for (const auto& e : sink.events) {
    if (e.message == "done") ++done;
    else out.push_back(e.message);
  }
  EXPECT_EQ(done, 1);
  ASSERT_EQ(static_cast<int64_t>(out.size()), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], std::to_string(i + 1)) << "at line " << i;
  int64_t now = clock_.NowMillis();
  EXPECT_GT(sink.events.front().timestamp_ms, now - 600000);  // engine time, not 0
  EXPECT_LE(sink.events.front().timestamp_ms, now + 1000);
  EXPECT_EQ(p.stats().events_dropped, 0u);
  double secs = Seconds(sink.last_arrival - t0);
  std::printf("[ pipeline ] %lld lines in %zu batches, last line in the sink %.3f s after start: %.0f lines/s\n",
              static_cast<long long>(n), sink.batches, secs, static_cast<double>(n) / secs);
}

// Runs a pipeline that reads `id` from the engine's log (as adoption after a
// restart does, from `resume`) until the container exited and all was read.
void ReadBack(runtime::EngineClient& engine, const fargo::Clock& clock, const std::string& id,
              const runtime::AwsLogsSpec& spec, const OutputOffsets& resume, Sink& sink) {
  LogPipeline p(engine, clock, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> b, const LogCursor& c) {
    sink(s, std::move(b), c);
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec, false, resume);
  p.Unfollow(id);
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (p.stats().followers > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(p.stats().followers, 0u) << "follower did not end";
  p.Stop();
}

std::vector<std::string> Messages(Sink& sink) {
  std::lock_guard<std::mutex> lock(sink.mu);
  std::vector<std::string> out;
  for (const auto& e : sink.events) out.push_back(e.message);
  return out;
}

// How many bytes `seq from to` prints.
int64_t SeqBytes(int64_t from, int64_t to) {
  int64_t n = 0;
  for (int64_t i = from; i <= to; ++i) n += static_cast<int64_t>(std::to_string(i).size()) + 1;
  return n;
}

std::vector<std::string> Seq(int64_t from, int64_t to) {
  std::vector<std::string> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

TEST_F(LogPipelineEngine, FromTheEngineLogWithTimes) {
  // The container has already exited, as when fargo was down while it ran:
  // its log is read back whole, each line once, in order. (It used to be
  // followed with follow=1, which Podman 4.3 answers for a finished
  // k8s-file log with about half the lines, some out of order: the resume
  // logic then repeated lines. The log is now read without follow.)
  std::string id = CreateExited("seq 1 20000");
  ASSERT_FALSE(id.empty());
  Sink sink;
  ReadBack(*engine_, clock_, id, spec_, {}, sink);
  EXPECT_EQ(Messages(sink), Seq(1, 20000));
  EXPECT_EQ(sink.cursor.offsets, (OutputOffsets{SeqBytes(1, 20000), 0}));  // the last batch's
  int64_t now = clock_.NowMillis();
  EXPECT_GT(sink.events.front().timestamp_ms, now - 600000);
  EXPECT_LE(sink.events.back().timestamp_ms, now + 1000);
}

// Adoption after a restart: what was stored (the cursor of a batch) is not
// shipped again, the rest is, including lines of the same millisecond and a
// line the cursor ends inside of.
TEST_F(LogPipelineEngine, ResumesWhereTheStoredOutputEnds) {
  std::string id =
      CreateExited("seq 1 3000; head -c 300000 /dev/zero | tr '\\0' x; echo; seq 3001 3100 >&2; seq 3101 6000");
  ASSERT_FALSE(id.empty());
  Sink all;
  ReadBack(*engine_, clock_, id, spec_, {}, all);
  std::vector<std::string> everything = Messages(all);
  ASSERT_EQ(everything.size(), 6000u + 2);  // the long line is two events
  // Resume after line 1500 (inside the first batch), inside the long line
  // and after the stderr lines (stdout and stderr have offsets of their own).
  std::string long_line(300000, 'x');
  const int64_t after_1500 = SeqBytes(1, 1500), before_long = SeqBytes(1, 3000);
  struct Case {
    OutputOffsets resume;
    std::vector<std::string> want;
  };
  std::vector<std::string> from_1501 = Seq(1501, 3000);
  from_1501.push_back(long_line.substr(0, kMaxLogEventMessageBytes));
  from_1501.push_back(long_line.substr(kMaxLogEventMessageBytes));
  for (auto& l : Seq(3001, 6000)) from_1501.push_back(l);
  std::vector<std::string> rest_of_long{long_line.substr(kMaxLogEventMessageBytes)};
  for (auto& l : Seq(3101, 6000)) rest_of_long.push_back(l);
  for (const Case& c : {Case{{after_1500, 0}, from_1501},
                        Case{{before_long + static_cast<int64_t>(kMaxLogEventMessageBytes), 500}, rest_of_long}}) {
    Sink sink;
    ReadBack(*engine_, clock_, id, spec_, c.resume, sink);
    // stdout in order; the stderr lines (3001..3100) may be anywhere.
    auto split = [](const std::vector<std::string>& lines, std::vector<std::string>* out, std::set<std::string>* err) {
      for (const auto& m : lines) {
        if (m.size() == 4 && m >= "3001" && m <= "3100") err->insert(m);
        else out->push_back(m);
      }
    };
    std::vector<std::string> got = Messages(sink), out, want_out;
    std::set<std::string> err, want_err;
    split(got, &out, &err);
    split(c.want, &want_out, &want_err);
    EXPECT_EQ(got.size(), c.want.size());
    EXPECT_EQ(out, want_out);
    EXPECT_EQ(err, want_err);
  }
}

// A restart while the container runs: the first pipeline's batches up to
// one of them are what was stored (the rest died with it); a second
// pipeline, given that batch's cursor, reads the engine's log while the
// container goes on printing (three lines per write) and ships the rest.
TEST_F(LogPipelineEngine, AdoptedWhileRunningGoesOnExactlyOnce) {
  std::string id = Create(
      "n=0; while [ $n -lt 1500 ]; do printf '%d\\n%d\\n%d\\n' $((n+1)) $((n+2)) $((n+3)); n=$((n+3)); "
      "sleep 0.01; done");
  ASSERT_FALSE(id.empty());
  std::mutex mu;
  std::vector<std::pair<std::vector<IngestedEvent>, LogCursor>> batches;
  {
    LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec&, std::vector<IngestedEvent> b, const LogCursor& c) {
      std::lock_guard<std::mutex> lock(mu);
      batches.emplace_back(std::move(b), c);
    });
    ASSERT_TRUE(p.Start().ok());
    p.Follow(id, spec_, false, std::nullopt);
    ASSERT_TRUE(engine_->ContainerStart(id).ok());
    auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (batches.size() >= 4) break;
      }
      std::this_thread::sleep_for(10ms);
    }
    p.Stop();
  }
  std::vector<std::string> stored;
  OutputOffsets resume;
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_GE(batches.size(), 4u);
    for (size_t i = 0; i < 3; ++i)
      for (auto& e : batches[i].first) stored.push_back(e.message);
    resume = batches[2].second.offsets;
    EXPECT_EQ(batches[2].second.container_id, id);
  }
  auto info = engine_->ContainerInspect(id);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->at("State").at("Status"), "running") << "the container should still run when adopted";
  Sink rest;
  LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> b, const LogCursor& c) {
    rest(s, std::move(b), c);
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec_, false, resume);
  auto code = engine_->ContainerWait(id);
  ASSERT_TRUE(code.ok());
  p.Unfollow(id);
  auto deadline = Clock::now() + 60s;
  while (p.stats().followers > 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  p.Stop();
  std::vector<std::string> all = stored;
  for (auto& m : Messages(rest)) all.push_back(m);
  EXPECT_EQ(all, Seq(1, 1500));
  std::printf("[ adopted ] %zu lines stored before, %zu shipped after adoption, in %zu batches\n", stored.size(),
              all.size() - stored.size(), rest.batches);
}

TEST_F(LogPipelineEngine, TtyPartialAndStderrLines) {
  std::string id = Create("printf 'one\\n'; printf 'par'; sleep 0.3; printf 'tial\\n'; echo two", true);
  ASSERT_FALSE(id.empty());
  Sink sink;
  LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> b, const LogCursor& c) {
    sink(s, std::move(b), c);
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec_, true, std::nullopt);
  RunToCompletion(p, id);
  p.Stop();
  std::vector<std::string> got;
  for (auto& e : sink.events) got.push_back(e.message);
  // With a TTY, a line written in pieces still arrives as one line (pieces
  // the engine stores as separate records would appear as separate lines).
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got.front(), "one");
  EXPECT_EQ(got.back(), "two");
}

TEST_F(LogPipelineEngine, StreamsWhileTheContainerRuns) {
  // Lines show up within a second, long before the container ends.
  std::string id = Create("echo first; echo err >&2; sleep 3; echo last");
  ASSERT_FALSE(id.empty());
  Sink sink;
  LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> b, const LogCursor& c) {
    sink(s, std::move(b), c);
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec_, false, std::nullopt);
  ASSERT_TRUE(engine_->ContainerStart(id).ok());
  auto t0 = Clock::now();
  size_t seen = 0;
  while (Clock::now() - t0 < 2s) {
    {
      std::lock_guard<std::mutex> lock(sink.mu);
      seen = sink.events.size();
    }
    if (seen >= 2) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(seen, 2u) << "first lines not shipped while the container runs";
  (void)engine_->ContainerWait(id);
  p.Unfollow(id);
  p.Stop();
  ASSERT_EQ(sink.events.size(), 3u);
  std::multiset<std::string> early{sink.events[0].message, sink.events[1].message};
  EXPECT_EQ(early, (std::multiset<std::string>{"first", "err"}));
  EXPECT_EQ(sink.events[2].message, "last");
}

// The pipeline into CloudWatch Logs as `fargo serve` wires it: the sink hands
// each batch to the state thread (here: one worker thread that owns the
// LogsService) and waits until it is stored.
TEST_F(LogPipelineEngine, ThroughputIntoLogsService) {
  const int64_t n = LinesWanted(100000);
  auto db = store::Store::Open(":memory:");
  ASSERT_TRUE(db.ok());
  RandomIdGenerator ids;
  services::LogsService logs(services::Env{**db, clock_, ids});
  ASSERT_TRUE(logs.Start().ok());

  // The "state thread": runs posted work in order.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> posted;
  bool quit = false;
  std::thread state([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      cv.wait(lock, [&] { return quit || !posted.empty(); });
      if (posted.empty() && quit) return;
      auto work = std::move(posted);
      posted.clear();
      lock.unlock();
      for (auto& w : work) w();
      lock.lock();
    }
  });
  auto post = [&](std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu);
    posted.push_back(std::move(fn));
    cv.notify_all();
  };

  std::string last_line = std::to_string(n);
  std::atomic<int64_t> stored{0};
  Clock::time_point visible{};
  std::string id = Create("seq 1 " + std::to_string(n));
  ASSERT_FALSE(id.empty());
  LogPipeline p(*engine_, clock_, [&](const runtime::AwsLogsSpec& s, std::vector<IngestedEvent> batch, const LogCursor& cursor) {
    std::promise<void> done;
    post([&] {
      bool has_last = !batch.empty() && batch.back().message == last_line;
      size_t count = batch.size();
      Status st = logs.IngestEvents(s.region, s.group, s.stream, s.create_group, std::move(batch), &cursor);
      EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
      stored += static_cast<int64_t>(count);
      if (has_last) visible = Clock::now();
      done.set_value();
    });
    done.get_future().wait();
  });
  ASSERT_TRUE(p.Start().ok());
  p.Follow(id, spec_, false, std::nullopt);
  auto t0 = Clock::now();
  RunToCompletion(p, id);
  p.Stop();
  {
    std::lock_guard<std::mutex> lock(mu);
    quit = true;
    cv.notify_all();
  }
  state.join();

  EXPECT_EQ(stored.load(), n);
  EXPECT_EQ(p.stats().events_dropped, 0u);
  // Readable through GetLogEvents, newest last.
  const auto* model = protocol::ModelRegistry::Instance().Get("logs");
  const auto* op = model->FindOperation("GetLogEvents");
  protocol::HttpRequest http;
  services::CallContext ctx{"us-east-1", "000000000000", "req", "AKID", *model, *op, http};
  json::object in{{"logGroupName", spec_.group}, {"logStreamName", spec_.stream}, {"limit", 1}};
  auto r = logs.Invoke(ctx, in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->at("events").as_array().size(), 1u);
  EXPECT_EQ(r->at("events").as_array()[0].at("message").as_string(), last_line);
  ASSERT_NE(visible, Clock::time_point{});
  double secs = Seconds(visible - t0);
  std::printf("[ logs     ] %lld lines stored via IngestEvents; last line visible %.3f s after start: %.0f lines/s\n",
              static_cast<long long>(n), secs, static_cast<double>(n) / secs);
}

}  // namespace
}  // namespace fargo::dataplane
