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
// attach stream broke while it still runs, is read from the engine's log,
// `GET /containers/{id}/logs?timestamps=1&since=...` every log_poll_interval
// (the engine's timestamp is then the line's time). Every line carries its
// output offsets (see EngineLogParser), and each batch the offsets past its
// last line: the sink stores them with the batch, and a restarted fargo
// resumes exactly there, so each line is stored once. The follower cuts the
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
// Positions: every byte of output has an offset in its stream (stdout or
// stderr, counted from the container's first byte), the same in the attach
// stream and in the engine's log. Each line is emitted with the offsets just
// past it (its line end included): stored with the line, they say where a
// restarted fargo resumes. Bytes before consumed() (handled already, or
// stored before a restart: SkipTo) are skipped wherever they show up again,
// so reading a log again from an earlier point repeats nothing.
//
// Reading the engine's log again (a broken stream, the next poll): a read
// starts at a Window, a `since` second and the offsets of its first byte.
// Engine times have one-second resolution (Podman) or nanoseconds (Docker);
// within one stream they do not go back, so the parser remembers the offset
// of the first record of each recent second, and NextWindow() starts a
// second before the newest record seen (so records of both streams around
// that second are in the read; the engine's `since` is inclusive to the
// second on both).
//
// Thread-compatible.
class EngineLogParser {
 public:
  // Receives each line; `line` is valid only during the call. `after`: the
  // offsets just past it.
  using LineFn = std::function<void(int64_t timestamp_ms, std::string_view line, const OutputOffsets& after)>;

  // `fallback_ms` gives the time of a record whose time cannot be parsed.
  EngineLogParser(bool tty, LineFn fn, std::function<int64_t()> fallback_ms);

  void Feed(std::string_view bytes);
  // Output that carries no records and no times (an attach stream, already
  // demultiplexed): `bytes` of `kind` read at `now_ms`. Cut into lines the
  // same way. Reads of the engine's log may follow (Restart() first).
  void FeedOutput(runtime::StreamKind kind, std::string_view bytes, int64_t now_ms);
  // Emits the partial lines still held (the stream ended).
  void Flush();

  // Output up to `offsets` was stored before (adoption after a restart): it
  // is skipped. REQUIRES: nothing fed yet.
  void SkipTo(const OutputOffsets& offsets);
  // Just past the last byte handled (emitted, held in a partial line, or
  // skipped).
  OutputOffsets consumed() const { return {consumed_[1], consumed_[2]}; }
  // Just past the last line emitted (or skipped).
  OutputOffsets emitted() const { return {emitted_[1], emitted_[2]}; }

  // Where a read of the engine's log starts: `since_s` (unix seconds; 0:
  // from the container's first byte) and the offsets of the first byte the
  // read returns.
  struct Window {
    int64_t since_s = 0;
    OutputOffsets start;
  };
  // The window of the next read; it covers every byte not yet consumed.
  Window NextWindow() const;
  // A new read of the engine's log starts at `w`: framing starts over,
  // bytes before consumed() are skipped, partial lines are kept.
  void Restart(const Window& w);

 private:
  enum class State { kHeader, kTime, kText };
  void BeginRecord(int kind, uint32_t size);
  // The record's time is in time_: parses it (the fallback time when it is
  // not one; returns false) and starts the record's text.
  bool EndTime();
  void Text(std::string_view bytes);
  void EndRecord();
  // Emits `line` of stream `kind`, which spans [start, end) of the stream
  // (`end` past its line end).
  void Emit(int kind, int64_t timestamp_ms, std::string_view line, int64_t start, int64_t end);

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
  int64_t record_sec_ = 0;  // the current record's second; 0 when it has no engine time
  // By stream kind (index 1 stdout, 2 stderr):
  int64_t pos_[3] = {};       // offset of the next byte of the current read
  int64_t consumed_[3] = {};  // see consumed()
  int64_t emitted_[3] = {};   // see emitted()
  std::map<int64_t, int64_t> second_start_[3];  // second -> offset of its first record
  int64_t newest_sec_ = 0;                      // of any record read
  struct Partial {
    std::string text;
    int64_t timestamp_ms = 0;
    int64_t start = 0;  // offset of text[0]
  };
  Partial partial_[3];
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

  // `now_ms` is when the line was read (starts the delay of a new batch);
  // `after`: the output offsets just past the line.
  void Add(int64_t timestamp_ms, std::string_view line, int64_t now_ms, const OutputOffsets& after = {});
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
  // The offsets just past the last line added: while `emit` runs or before
  // Take(), those of the batch's last line.
  const OutputOffsets& offsets() const { return offsets_; }
  size_t bytes() const { return bytes_; }

 private:
  BatchLimits limits_;
  EmitFn emit_;
  std::vector<IngestedEvent> events_;
  size_t bytes_ = 0;
  int64_t first_added_ms_ = 0;
  OutputOffsets offsets_;
};

// A batch on its way to the sink.
struct LogBatch {
  std::shared_ptr<const runtime::AwsLogsSpec> spec;
  std::vector<IngestedEvent> events;
  size_t bytes = 0;
  LogCursor cursor;  // the container, and the offsets just past the batch
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
  // A follower reading an exited container's log for the last time (it
  // ends by itself) is cut off only this much later than drain_timeout.
  std::chrono::milliseconds final_read_timeout{60000};
  // Waiting for a created container to start; pause between reconnects.
  std::chrono::milliseconds poll_interval{50};
  // Pause between two reads of a running container's log (adopted after a
  // restart, or after its attach stream broke), or twice as long as the
  // last read took, whichever is longer. The log is read, never followed:
  // Podman's follow=1 reader loses and reorders lines.
  std::chrono::milliseconds log_poll_interval{250};
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
  // `cursor`: the container and the output offsets just past the batch;
  // storing it with the events is what makes a restart repeat nothing.
  using Sink = std::function<void(const runtime::AwsLogsSpec&, std::vector<IngestedEvent>, const LogCursor& cursor)>;

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
  // followed, or after Stop). Without `resume` it attaches to the container
  // and returns once attached (at most attach_wait), so that starting the
  // container afterwards loses nothing; with `resume` (adoption after a
  // restart: the offsets stored with its last batch) it reads the engine's
  // log and ships what comes after those offsets.
  // The follower ends by itself once the container exited and everything it
  // wrote was read, or when the container is removed.
  void Follow(const std::string& container_id, const runtime::AwsLogsSpec& logs, bool tty,
              const std::optional<OutputOffsets>& resume) override;
  // The follower reads what the engine still has and ends; if its stream
  // has not ended after drain_timeout (the container still runs), it is cut
  // off. Does not block.
  void Unfollow(const std::string& container_id) override;
  bool Following(const std::string& container_id) const override;

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
  // Streams the attach stream until it ends (f.attached: it was established).
  Status RunAttached(Follower& f, EngineLogParser& parser);
  // One read of the engine's log (not followed), from the parser's next window.
  Status ReadLog(Follower& f, EngineLogParser& parser);
  // The container's state ("running", "exited", ...); "" when it is gone,
  // an error when the engine does not answer.
  Result<std::string> ContainerStatus(const std::string& id);
  void Enqueue(Follower& f, std::vector<IngestedEvent>&& events, size_t bytes, const OutputOffsets& offsets);
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
