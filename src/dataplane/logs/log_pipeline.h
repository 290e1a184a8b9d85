// The awslogs log pipeline: ships the output of containers that use the
// awslogs driver into CloudWatch Logs.
//
//   engine logs stream ──> EngineLogParser ──> LineBatcher ──> BatchQueue ──> sink
//   (one follower thread per container)                    (one shipper thread)
//
// Each followed container has a follower thread. A new container (followed
// before it starts) is attached to, so its output streams live from the
// first byte and each line's time is when it was read, as with Docker's
// awslogs driver. An adopted one (after a restart of fargo), or one whose
// attach stream broke while it still runs, is read with
// `GET /containers/{id}/logs?follow=1&timestamps=1` from the engine's log
// (the engine's timestamp is then the line's time). The follower cuts the
// output into lines and batches them (a batch is shipped at 10,000 events, 1 MiB or 100 ms, whichever comes
// first). Batches wait in one bounded queue for the shipper thread, which
// hands them to the sink one at a time, in order. When the sink falls behind
// (the state thread lags) and the queue stays full, a follower drops the
// batch and counts it: a flooding container never blocks fargo nor grows its
// memory beyond the queue's bound plus one batch and two partial lines per
// container.
//
// The parts are separate classes so they can be tested without an engine.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log_event.h"
#include "common/result.h"
#include "runtime/engine_client.h"
#include "runtime/task_driver.h"

namespace fargo::dataplane {

// "2026-11-25T08:47:23Z", "2026-11-25T08:47:23.123456789Z" or with a
// "+hh:mm" / "-hh:mm" offset, as epoch milliseconds (fraction truncated).
std::optional<int64_t> ParseRfc3339Millis(std::string_view text);

// Cuts the engine's log stream (requested with timestamps=1) into lines.
//
// Without a TTY the stream is multiplexed: every frame is one record (an
// 8-byte header, then "<RFC 3339 time> <text>"); a record whose text does not
// end in '\n' is part of a longer line (the engine splits long lines, and a
// program may write a line in pieces), continued by the next record of the
// same stream. stdout and stderr are cut separately. With a TTY the stream is
// raw: every line starts with its time and ends at '\n' ("\r\n" from the
// terminal is one line end).
//
// A line is emitted once complete, with the time of its first record and
// without its line end; empty lines are skipped. A line longer than
// kMaxLogEventMessageBytes is emitted in pieces of at most that size (cut at
// UTF-8 boundaries), so a partial line never holds more than that.
//
// Resuming: records are counted, so after a broken stream the caller can
// read again from the second of the last record (the engine's `since` has
// one-second resolution) and Restart() skips what was already seen.
//
// Thread-compatible.
class EngineLogParser {
 public:
  // Receives each line; `line` is valid only during the call.
  using LineFn = std::function<void(int64_t timestamp_ms, std::string_view line)>;

  // `fallback_ms` gives the time of a record whose time cannot be parsed.
  EngineLogParser(bool tty, LineFn fn, std::function<int64_t()> fallback_ms);

  void Feed(std::string_view bytes);
  // Output that carries no records and no times (an attach stream, already
  // demultiplexed): `bytes` of `kind` read at `now_ms`. Cut into lines the
  // same way; do not mix with Feed() on one parser.
  void FeedOutput(runtime::StreamKind kind, std::string_view bytes, int64_t now_ms);
  // Emits the partial lines still held (the stream ended).
  void Flush();

  // The position after the last complete record: its time and how many
  // records carried exactly that time. {0, 0} before any.
  struct Cursor {
    int64_t timestamp_ms = 0;
    int64_t count = 0;
  };
  Cursor cursor() const { return cursor_; }
  // A new stream starts (a reconnect): framing starts over, and records up
  // to the cursor are skipped. Partial lines are kept.
  void Restart();

 private:
  enum class State { kHeader, kTime, kText };
  void BeginRecord(int kind, uint32_t size);
  // The record's time is in time_: parses it (the fallback time when it is
  // not one; returns false) and starts the record's text.
  bool EndTime();
  void Text(std::string_view bytes);
  void EndRecord();
  void Emit(int64_t timestamp_ms, std::string_view line);

  bool tty_;
  LineFn fn_;
  std::function<int64_t()> fallback_ms_;
  State state_;
  unsigned char header_[8] = {};
  size_t header_len_ = 0;
  uint32_t remaining_ = 0;  // frame bytes left (multiplexed only)
  int kind_ = 1;            // 1 stdout, 2 stderr
  std::string time_;        // the record's time text so far
  int64_t record_ms_ = 0;
  bool skipping_ = false;   // this record was already seen
  size_t record_start_ = 0; // size of the current stream's partial line when this record began
  Cursor cursor_;
  Cursor skip_until_;       // Restart(): skip records up to here
  bool skip_active_ = false;
  int64_t skip_seen_ = 0;   // records at skip_until_.timestamp_ms passed since Restart()
  struct Partial {
    std::string text;
    int64_t timestamp_ms = 0;
  };
  Partial partial_[3];  // by stream kind
};

// Limits of one batch (the awslogs driver's: a PutLogEvents call).
struct BatchLimits {
  size_t max_events = 10000;
  size_t max_bytes = 1048576;  // messages + kLogEventOverheadBytes each
  int64_t max_delay_ms = 100;  // a batch is shipped this long after its first line
};

// Collects lines into batches within BatchLimits; a full batch goes to
// `emit` at once (before the line that would overflow it). Thread-compatible.
class LineBatcher {
 public:
  using EmitFn = std::function<void(std::vector<IngestedEvent>&& batch, size_t bytes)>;
  LineBatcher(BatchLimits limits, EmitFn emit) : limits_(limits), emit_(std::move(emit)) {}

  // `now_ms` is when the line was read (starts the delay of a new batch).
  void Add(int64_t timestamp_ms, std::string_view line, int64_t now_ms);
  // True when the batch is not empty and its delay has passed.
  bool Due(int64_t now_ms) const {
    return !events_.empty() && now_ms - first_added_ms_ >= limits_.max_delay_ms;
  }
  // Hands the current batch (if any) to `emit`.
  void Flush();
  // Takes the current batch without emitting it.
  std::vector<IngestedEvent> Take(size_t* bytes);
  // Undoes Take() (the batch could not be queued). REQUIRES: nothing added since.
  void PutBack(std::vector<IngestedEvent>&& events, size_t bytes);

  size_t events() const { return events_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  BatchLimits limits_;
  EmitFn emit_;
  std::vector<IngestedEvent> events_;
  size_t bytes_ = 0;
  int64_t first_added_ms_ = 0;
};

// A batch on its way to the sink.
struct LogBatch {
  std::shared_ptr<const runtime::AwsLogsSpec> spec;
  std::vector<IngestedEvent> events;
  size_t bytes = 0;
};

// The bounded FIFO between followers and the shipper. It holds at most
// `max_batches` batches and `max_bytes` bytes (one batch larger than that is
// accepted when the queue is empty). Thread-safe.
class BatchQueue {
 public:
  BatchQueue(size_t max_batches, size_t max_bytes) : max_batches_(max_batches), max_bytes_(max_bytes) {}

  // Waits up to `wait` for room. On timeout the batch is dropped, counted,
  // and false returned.
  bool Push(LogBatch&& batch, std::chrono::milliseconds wait);
  // Queues the batch only if there is room now; otherwise leaves it
  // untouched (not counted) and returns false.
  bool TryPush(LogBatch& batch);
  // Waits up to `wait` for a batch.
  std::optional<LogBatch> Pop(std::chrono::milliseconds wait);

  size_t size() const;
  uint64_t dropped_batches() const { return dropped_batches_.load(); }
  uint64_t dropped_events() const { return dropped_events_.load(); }

 private:
  bool Fits(size_t bytes) const {
    return items_.empty() || (items_.size() < max_batches_ && bytes_ + bytes <= max_bytes_);
  }

  const size_t max_batches_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable room_, ready_;
  std::deque<LogBatch> items_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> dropped_batches_{0}, dropped_events_{0};
};

struct LogPipelineOptions {
  BatchLimits batch;
  size_t max_queued_batches = 256;
  size_t max_queued_bytes = 32u << 20;
  // How long a follower waits for room in the queue before dropping a batch:
  // short bursts are absorbed (the engine keeps the output meanwhile), a
  // sustained flood is dropped.
  std::chrono::milliseconds max_enqueue_wait{500};
  // After Unfollow, how long the follower may still read what the engine
  // has before it is cut off.
  std::chrono::milliseconds drain_timeout{5000};
  // Waiting for a created container to start; pause between reconnects.
  std::chrono::milliseconds poll_interval{50};
  // How long Follow() waits for the attach stream to be established (the
  // runtime starts the container once Follow returns).
  std::chrono::milliseconds attach_wait{2000};
  // Follow new containers through attach (false: always the engine's log;
  // slower to show lines with Podman, which polls its log files).
  bool attach = true;
};

// The runtime::LogShipper of `fargo serve`.
//
// Thread-safety: Follow, Unfollow, stats and Stop may be called from any
// thread. The sink runs on the pipeline's shipper thread only, one batch at a
// time, in the order the batches were cut (per container: in output order).
// The sink may block (e.g. until the state thread stored the batch): that is
// how the pipeline learns the state thread lags; while it blocks, batches
// queue up to the bound, beyond which they are dropped and counted.
//
// Lifetimes: `engine` and `clock` must outlive the pipeline. Stop() (also run
// by the destructor) must run while whatever the sink posts to still runs:
// it ships everything already read before returning.
class LogPipeline final : public runtime::LogShipper {
 public:
  using Sink = std::function<void(const runtime::AwsLogsSpec&, std::vector<IngestedEvent>)>;

  LogPipeline(runtime::EngineClient& engine, const Clock& clock, Sink sink, LogPipelineOptions options = {});
  ~LogPipeline() override;
  LogPipeline(const LogPipeline&) = delete;
  LogPipeline& operator=(const LogPipeline&) = delete;

  // Starts the shipper thread. Follow() before Start() is ignored.
  Status Start();
  // Ends every follower (cutting their streams), ships what they had read,
  // including partial lines, and joins all threads. Idempotent.
  void Stop();

  // Starts a follower thread for the container (ignored when it is already
  // followed, or after Stop). With since_ms == 0 it attaches to the
  // container and returns once attached (at most attach_wait), so that
  // starting the container afterwards loses nothing; with since_ms > 0
  // (adoption after a restart) it reads the engine's log from the second of
  // `since_ms` (lines of that second may be shipped twice, none are lost).
  // The follower ends by itself once the container exited and everything it
  // wrote was read, or when the container is removed.
  void Follow(const std::string& container_id, const runtime::AwsLogsSpec& logs, bool tty,
              int64_t since_ms) override;
  // The follower reads what the engine still has and ends; if its stream
  // has not ended after drain_timeout (the container still runs), it is cut
  // off. Does not block.
  void Unfollow(const std::string& container_id) override;

  struct Stats {
    uint64_t followers = 0;        // currently following
    uint64_t events_shipped = 0;   // handed to the sink
    uint64_t batches_shipped = 0;
    uint64_t events_dropped = 0;   // dropped because the queue stayed full
    uint64_t batches_dropped = 0;
  };
  Stats stats() const;

 private:
  struct Follower;
  void Run(Follower& f);
  // Streams the attach stream until it ends; false when it could not attach.
  bool RunAttached(Follower& f, EngineLogParser& parser);
  // One pass over the engine's log stream; false when cancelled.
  Status StreamOnce(Follower& f, EngineLogParser& parser, bool follow, int64_t since_s);
  void Enqueue(Follower& f, std::vector<IngestedEvent>&& events, size_t bytes);
  void ShipLoop();
  // Shipper tick: ships batches that waited long enough, cuts off followers
  // past their drain deadline, joins finished followers.
  void Tick();
  bool SleepUnlessCancelled(Follower& f, std::chrono::milliseconds d);

  runtime::EngineClient& engine_;
  const Clock& clock_;
  Sink sink_;
  const LogPipelineOptions options_;
  BatchQueue queue_;

  mutable std::mutex mu_;  // guards followers_, started_, stopping_
  std::map<std::string, std::unique_ptr<Follower>> followers_;
  bool started_ = false;
  bool stopping_ = false;
  std::atomic<bool> shipper_stop_{false};
  std::thread shipper_;
  std::atomic<uint64_t> events_shipped_{0}, batches_shipped_{0};
};

}  // namespace fargo::dataplane
