#include "dataplane/logs/log_pipeline.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <future>

namespace fargo::dataplane {

// ---------------------------------------------------------------- time

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> ParseRfc3339Millis(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t p = 19;
  int64_t ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int scale = 100, n = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh, om;
    if (!Digits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2, &om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[p] == '+' ? 1 : -1);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + sec - offset_s;
  return secs * 1000 + ms;
}

// ---------------------------------------------------------------- EngineLogParser

namespace {
// A record's time is at most "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+hh:mm".
constexpr size_t kMaxTimeText = 40;
}  // namespace

EngineLogParser::EngineLogParser(bool tty, LineFn fn, std::function<int64_t()> fallback_ms)
    : tty_(tty),
      fn_(std::move(fn)),
      fallback_ms_(std::move(fallback_ms)),
      state_(tty ? State::kTime : State::kHeader) {}

void EngineLogParser::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (state_ == State::kHeader) {
      size_t take = std::min(bytes.size(), sizeof header_ - header_len_);
      std::memcpy(header_ + header_len_, bytes.data(), take);
      header_len_ += take;
      bytes.remove_prefix(take);
      if (header_len_ < sizeof header_) return;
      header_len_ = 0;
      uint32_t size = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
                      (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
      BeginRecord(header_[0] == 2 ? 2 : 1, size);
      continue;
    }
    // The bytes of the current record available now.
    size_t avail = tty_ ? bytes.size() : std::min<size_t>(bytes.size(), remaining_);
    std::string_view here = bytes.substr(0, avail);
    if (state_ == State::kTime) {
      size_t space = here.find_first_of(tty_ ? " \n" : " ");
      if (space != std::string_view::npos && here[space] == '\n') {
        // A raw line without a time in front: all of it is text.
        std::string text = std::move(time_);
        time_.clear();
        text.append(here.substr(0, space + 1));
        bytes.remove_prefix(space + 1);
        EndTime();
        Text(text);
        EndRecord();
        continue;
      }
      size_t take = space == std::string_view::npos ? avail : space + 1;
      time_.append(here.data(), space == std::string_view::npos ? avail : space);
      bytes.remove_prefix(take);
      if (!tty_) remaining_ -= static_cast<uint32_t>(take);
      if (space != std::string_view::npos) {
        if (!EndTime()) {
          // Not a time: the record has none, all of it is text.
          std::string text = std::move(time_);
          time_.clear();
          text.push_back(' ');
          Text(text);
        }
        time_.clear();
      } else if (time_.size() > kMaxTimeText || (!tty_ && remaining_ == 0)) {
        std::string text = std::move(time_);
        time_.clear();
        EndTime();
        Text(text);
      }
      if (!tty_ && remaining_ == 0 && state_ == State::kText) EndRecord();
      continue;
    }
    // kText
    if (tty_) {
      size_t nl = here.find('\n');
      size_t take = nl == std::string_view::npos ? avail : nl + 1;
      Text(here.substr(0, take));
      bytes.remove_prefix(take);
      if (nl != std::string_view::npos) EndRecord();
    } else {
      Text(here);
      bytes.remove_prefix(avail);
      remaining_ -= static_cast<uint32_t>(avail);
      if (remaining_ == 0) EndRecord();
    }
  }
}

void EngineLogParser::FeedOutput(runtime::StreamKind kind, std::string_view bytes, int64_t now_ms) {
  kind_ = kind == runtime::StreamKind::kStderr ? 2 : 1;
  record_ms_ = now_ms;
  record_sec_ = 0;
  Text(bytes);
}

void EngineLogParser::BeginRecord(int kind, uint32_t size) {
  kind_ = kind;
  remaining_ = size;
  time_.clear();
  state_ = size == 0 ? State::kHeader : State::kTime;
}

bool EngineLogParser::EndTime() {
  auto ms = ParseRfc3339Millis(time_);
  record_ms_ = ms ? *ms : fallback_ms_();
  record_sec_ = 0;
  if (ms && *ms >= 1000) {
    record_sec_ = *ms / 1000;
    second_start_[kind_].emplace(record_sec_, pos_[kind_]);
    newest_sec_ = std::max(newest_sec_, record_sec_);
  }
  state_ = State::kText;
  return ms.has_value();
}

void EngineLogParser::EndRecord() { state_ = tty_ ? State::kTime : State::kHeader; }

void EngineLogParser::Text(std::string_view bytes) {
  const int k = kind_;
  // Already handled (a log read again from an earlier point).
  if (pos_[k] < consumed_[k]) {
    size_t skip = static_cast<size_t>(std::min<int64_t>(consumed_[k] - pos_[k], static_cast<int64_t>(bytes.size())));
    bytes.remove_prefix(skip);
    pos_[k] += static_cast<int64_t>(skip);
  }
  Partial& p = partial_[k];
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (p.text.empty()) {
        p.timestamp_ms = record_ms_;
        p.start = pos_[k];
      }
      p.text.append(bytes);
      pos_[k] += static_cast<int64_t>(bytes.size());
      consumed_[k] = pos_[k];
      // Bounded: a line too long for one event goes out in pieces.
      while (p.text.size() > kMaxLogEventMessageBytes) {
        size_t cut = Utf8CutPoint(p.text, kMaxLogEventMessageBytes);
        emitted_[k] = p.start + static_cast<int64_t>(cut);
        fn_(p.timestamp_ms, std::string_view(p.text).substr(0, cut), emitted());
        p.text.erase(0, cut);
        p.start += static_cast<int64_t>(cut);
      }
      return;
    }
    std::string_view line = bytes.substr(0, nl);
    int64_t end = pos_[k] + static_cast<int64_t>(nl) + 1;
    if (p.text.empty()) {
      Emit(k, record_ms_, line, pos_[k], end);
    } else {
      p.text.append(line);
      std::string text = std::move(p.text);
      p.text.clear();
      Emit(k, p.timestamp_ms, text, p.start, end);
    }
    pos_[k] = consumed_[k] = end;
    bytes.remove_prefix(nl + 1);
  }
}

void EngineLogParser::Emit(int kind, int64_t timestamp_ms, std::string_view line, int64_t start, int64_t end) {
  if (tty_ && !line.empty() && line.back() == '\r') line.remove_suffix(1);
  emitted_[kind] = start;
  while (!line.empty()) {
    std::string_view piece = line.substr(0, Utf8CutPoint(line, kMaxLogEventMessageBytes));
    line.remove_prefix(piece.size());
    emitted_[kind] = line.empty() ? end : emitted_[kind] + static_cast<int64_t>(piece.size());
    fn_(timestamp_ms, piece, emitted());
  }
  emitted_[kind] = end;  // an empty line is skipped, not repeated
}

void EngineLogParser::Flush() {
  for (int k : {1, 2}) {
    Partial& p = partial_[k];
    if (p.text.empty()) continue;
    std::string text = std::move(p.text);
    p.text.clear();
    Emit(k, p.timestamp_ms, text, p.start, p.start + static_cast<int64_t>(text.size()));
  }
}

void EngineLogParser::SkipTo(const OutputOffsets& offsets) {
  consumed_[1] = emitted_[1] = offsets.stdout_bytes;
  consumed_[2] = emitted_[2] = offsets.stderr_bytes;
}

EngineLogParser::Window EngineLogParser::NextWindow() const {
  if (newest_sec_ == 0) return {};  // no record read yet: from the first byte
  int64_t since = newest_sec_ - 1;
  // A record cut off mid-way is read again from its start.
  bool mid_record = tty_ ? state_ != State::kTime || !time_.empty() : state_ != State::kHeader || header_len_ > 0;
  if (mid_record && record_sec_ > 0) since = std::min(since, record_sec_);
  Window w{since, {}};
  int64_t* start[3] = {nullptr, &w.start.stdout_bytes, &w.start.stderr_bytes};
  for (int k : {1, 2}) {
    // The stream's first record at or after `since`; none read yet: the
    // stream's next byte.
    auto it = second_start_[k].lower_bound(since);
    *start[k] = it != second_start_[k].end() ? it->second : pos_[k];
  }
  return w;
}

void EngineLogParser::Restart(const Window& w) {
  state_ = tty_ ? State::kTime : State::kHeader;
  header_len_ = 0;
  remaining_ = 0;
  time_.clear();
  record_sec_ = 0;
  pos_[1] = w.start.stdout_bytes;
  pos_[2] = w.start.stderr_bytes;
  for (int k : {1, 2}) second_start_[k].erase(second_start_[k].begin(), second_start_[k].lower_bound(w.since_s));
}

// ---------------------------------------------------------------- LineBatcher

void LineBatcher::Add(int64_t timestamp_ms, std::string_view line, int64_t now_ms, const OutputOffsets& after) {
  size_t cost = line.size() + kLogEventOverheadBytes;
  if (!events_.empty() && (events_.size() >= limits_.max_events || bytes_ + cost > limits_.max_bytes)) Flush();
  if (events_.empty()) first_added_ms_ = now_ms;
  events_.push_back(IngestedEvent{timestamp_ms, std::string(line)});
  bytes_ += cost;
  offsets_ = after;
  if (events_.size() >= limits_.max_events || bytes_ >= limits_.max_bytes) Flush();
}

void LineBatcher::Flush() {
  if (events_.empty()) return;
  size_t bytes = 0;
  std::vector<IngestedEvent> batch = Take(&bytes);
  emit_(std::move(batch), bytes);
}

std::vector<IngestedEvent> LineBatcher::Take(size_t* bytes) {
  *bytes = bytes_;
  bytes_ = 0;
  std::vector<IngestedEvent> out = std::move(events_);
  events_.clear();
  return out;
}

void LineBatcher::PutBack(std::vector<IngestedEvent>&& events, size_t bytes) {
  events_ = std::move(events);
  bytes_ = bytes;
}

// ---------------------------------------------------------------- BatchQueue

bool BatchQueue::Push(LogBatch&& batch, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!room_.wait_for(lock, wait, [&] { return Fits(batch.bytes); })) {
    dropped_batches_.fetch_add(1);
    dropped_events_.fetch_add(batch.events.size());
    return false;
  }
  bytes_ += batch.bytes;
  items_.push_back(std::move(batch));
  ready_.notify_one();
  return true;
}

bool BatchQueue::TryPush(LogBatch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Fits(batch.bytes)) return false;
  bytes_ += batch.bytes;
  items_.push_back(std::move(batch));
  ready_.notify_one();
  return true;
}

std::optional<LogBatch> BatchQueue::Pop(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!ready_.wait_for(lock, wait, [&] { return !items_.empty(); })) return std::nullopt;
  LogBatch b = std::move(items_.front());
  items_.pop_front();
  bytes_ -= b.bytes;
  room_.notify_all();
  return b;
}

size_t BatchQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

// ---------------------------------------------------------------- LogPipeline

struct LogPipeline::Follower {
  std::string id;
  std::shared_ptr<const runtime::AwsLogsSpec> spec;
  bool tty = false;
  std::optional<OutputOffsets> resume;  // adopted: what was stored before
  std::atomic<bool> attached{false};
  runtime::CancelToken cancel{false};
  std::atomic<bool> unfollowed{false};
  std::atomic<bool> done{false};
  std::atomic<bool> final_read{false};  // reading the exited container's log one last time
  std::chrono::steady_clock::time_point drain_deadline;  // guarded by LogPipeline::mu_
  std::mutex mu;                                          // guards batcher
  std::optional<LineBatcher> batcher;
  std::promise<void> ready;  // set once attached (or not attaching)
  bool ready_set = false;    // follower thread only
  void SetReady() {
    if (!ready_set) ready.set_value();
    ready_set = true;
  }
  int64_t now_ms = 0;  // when the chunk being parsed was read; guarded by mu
  // Follower thread only.
  uint64_t dropped_events = 0;
  int64_t last_drop_log_ms = 0;
  std::thread thread;
};

LogPipeline::LogPipeline(runtime::EngineClient& engine, const Clock& clock, Sink sink, LogPipelineOptions options)
    : engine_(engine),
      clock_(clock),
      sink_(std::move(sink)),
      options_(options),
      queue_(options.max_queued_batches, options.max_queued_bytes) {}

LogPipeline::~LogPipeline() { Stop(); }

Status LogPipeline::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return OkStatus();
  started_ = true;
  shipper_ = std::thread([this] { ShipLoop(); });
  return OkStatus();
}

void LogPipeline::Stop() {
  std::vector<std::unique_ptr<Follower>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, f] : followers_) {
      f->cancel = true;
      all.push_back(std::move(f));
    }
    followers_.clear();
  }
  // Followers ship what they read (the shipper still runs), then end.
  for (auto& f : all)
    if (f->thread.joinable()) f->thread.join();
  shipper_stop_ = true;
  if (shipper_.joinable()) shipper_.join();
}

void LogPipeline::Follow(const std::string& container_id, const runtime::AwsLogsSpec& logs, bool tty,
                         const std::optional<OutputOffsets>& resume) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    auto it = followers_.find(container_id);
    if (it != followers_.end()) {
      if (!it->second->done) return;
      it->second->thread.join();  // already ended: returns at once
      followers_.erase(it);
    }
  }
  auto f = std::make_unique<Follower>();
  f->id = container_id;
  f->spec = std::make_shared<const runtime::AwsLogsSpec>(logs);
  f->tty = tty;
  f->resume = resume;
  Follower* fp = f.get();
  f->batcher.emplace(options_.batch, [this, fp](std::vector<IngestedEvent>&& events, size_t bytes) {
    Enqueue(*fp, std::move(events), bytes, fp->batcher->offsets());
  });
  std::future<void> ready = f->ready.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    if (followers_.count(container_id)) return;
    f->thread = std::thread([this, fp] { Run(*fp); });
    followers_.emplace(container_id, std::move(f));
  }
  // Outside the lock: the runtime starts the container once this returns.
  ready.wait_for(options_.attach_wait);
}

void LogPipeline::Unfollow(const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = followers_.find(container_id);
  if (it == followers_.end() || it->second->unfollowed) return;
  it->second->drain_deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  it->second->unfollowed = true;
}

bool LogPipeline::Following(const std::string& container_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = followers_.find(container_id);
  return it != followers_.end() && !it->second->done;
}

LogPipeline::Stats LogPipeline::stats() const {
  Stats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.followers = followers_.size();
  }
  s.events_shipped = events_shipped_.load();
  s.batches_shipped = batches_shipped_.load();
  s.events_dropped = queue_.dropped_events();
  s.batches_dropped = queue_.dropped_batches();
  return s;
}

bool LogPipeline::SleepUnlessCancelled(Follower& f, std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!f.cancel) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now,
                                                                              std::chrono::milliseconds(10)));
  }
  return false;
}

Result<std::string> LogPipeline::ContainerStatus(const std::string& id) {
  auto info = engine_.ContainerInspect(id);
  if (!info.ok()) {
    if (runtime::IsNotFound(info.error())) return std::string();
    return info.error();
  }
  if (const auto* state = info->if_contains("State"); state && state->is_object())
    if (const auto* st = state->as_object().if_contains("Status"); st && st->is_string())
      return std::string(st->as_string());
  return std::string("unknown");
}

Status LogPipeline::ReadLog(Follower& f, EngineLogParser& parser) {
  EngineLogParser::Window w = parser.NextWindow();
  parser.Restart(w);
  std::string target = "/containers/" + f.id + "/logs?follow=0&stdout=1&stderr=1&timestamps=1";
  if (w.since_s > 0) target += "&since=" + std::to_string(w.since_s);
  return engine_.Stream(
      "GET", target, {},
      [&](std::string_view chunk) {
        std::lock_guard<std::mutex> lock(f.mu);
        f.now_ms = clock_.NowMillis();
        parser.Feed(chunk);
        if (f.batcher->Due(f.now_ms)) f.batcher->Flush();
      },
      &f.cancel, false);
}

void LogPipeline::Run(Follower& f) {
  // One parser for the attach stream and the log reads after it: they share
  // the output offsets, so a log read ships only what the attach stream had
  // not.
  EngineLogParser parser(
      f.tty,
      [&f](int64_t ts, std::string_view line, const OutputOffsets& after) { f.batcher->Add(ts, line, f.now_ms, after); },
      [this] { return clock_.NowMillis(); });
  if (f.resume) {
    parser.SkipTo(*f.resume);
  } else if (options_.attach) {
    Status attach = RunAttached(f, parser);
    if (f.attached) {
      // The attach stream ended: normally the container exited and
      // everything it wrote came through. If it still runs (the engine
      // dropped the stream, or restarted), or the stream broke, go on from
      // its log.
      auto status = ContainerStatus(f.id);
      // An engine that is restarting answers again shortly.
      while (!status.ok() && !f.cancel && !f.unfollowed) {
        SleepUnlessCancelled(f, options_.poll_interval * 4);
        status = ContainerStatus(f.id);
      }
      if (f.cancel || (attach.ok() && status.ok() && *status != "running")) {
        f.SetReady();
        std::lock_guard<std::mutex> lock(f.mu);
        parser.Flush();
        f.batcher->Flush();
        f.done = true;
        return;
      }
    }
  }
  f.SetReady();
  // Read the engine's log until the container has exited and a read after
  // that got everything. Each read covers what was not consumed yet.
  while (!f.cancel) {
    auto status = ContainerStatus(f.id);
    if (!status.ok()) {  // the engine does not answer (restarting?)
      if (f.unfollowed) break;
      SleepUnlessCancelled(f, options_.poll_interval * 4);
      continue;
    }
    if (status->empty()) break;  // removed
    if (*status == "created" || *status == "configured" || *status == "initialized") {
      if (f.unfollowed) break;  // it will not start any more
      SleepUnlessCancelled(f, options_.poll_interval);
      continue;
    }
    bool last = *status != "running" && *status != "paused" && *status != "restarting";
    f.final_read = last;
    auto started = std::chrono::steady_clock::now();
    Status st = ReadLog(f, parser);
    if (f.cancel || (last && st.ok())) break;
    // The engine reads the whole log file for each read (Podman filters by
    // time as it goes): a long log is read less often.
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    SleepUnlessCancelled(f, st.ok() ? std::max(options_.log_poll_interval, 2 * took) : options_.poll_interval * 4);
  }
  {
    std::lock_guard<std::mutex> lock(f.mu);
    parser.Flush();
    f.batcher->Flush();
  }
  f.done = true;
}

Status LogPipeline::RunAttached(Follower& f, EngineLogParser& parser) {
  return engine_.ContainerAttach(
      f.id,
      [&](runtime::StreamKind kind, std::string_view bytes) {
        std::lock_guard<std::mutex> lock(f.mu);
        f.now_ms = clock_.NowMillis();
        parser.FeedOutput(kind, bytes, f.now_ms);
        if (f.batcher->Due(f.now_ms)) f.batcher->Flush();
      },
      [&] {
        f.attached = true;
        f.SetReady();
      },
      f.tty, &f.cancel);
}

void LogPipeline::Enqueue(Follower& f, std::vector<IngestedEvent>&& events, size_t bytes,
                          const OutputOffsets& offsets) {
  size_t n = events.size();
  if (queue_.Push(LogBatch{f.spec, std::move(events), bytes, LogCursor{f.id, offsets}}, options_.max_enqueue_wait))
    return;
  f.dropped_events += n;
  int64_t now = clock_.NowMillis();
  if (f.last_drop_log_ms == 0 || now - f.last_drop_log_ms >= 1000) {
    f.last_drop_log_ms = now;
    std::fprintf(stderr,
                 "fargo: logs: CloudWatch Logs is not keeping up with container %.12s (%s %s); "
                 "%" PRIu64 " events dropped so far\n",
                 f.id.c_str(), f.spec->group.c_str(), f.spec->stream.c_str(), f.dropped_events);
  }
}

void LogPipeline::ShipLoop() {
  const auto tick_every = std::max(std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(options_.batch.max_delay_ms / 4));
  auto next_tick = std::chrono::steady_clock::now();
  while (true) {
    std::optional<LogBatch> b = queue_.Pop(tick_every);
    if (b) {
      size_t n = b->events.size();
      try {
        sink_(*b->spec, std::move(b->events), b->cursor);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fargo: logs: shipping to %s failed: %s\n", b->spec->group.c_str(), e.what());
      }
      events_shipped_ += n;
      batches_shipped_ += 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (!b || now >= next_tick) {
      Tick();
      next_tick = now + tick_every;
    }
    if (shipper_stop_ && queue_.size() == 0) break;
  }
}

void LogPipeline::Tick() {
  int64_t now_ms = clock_.NowMillis();
  auto now = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Follower>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = followers_.begin(); it != followers_.end();) {
      Follower& f = *it->second;
      if (f.done) {
        finished.push_back(std::move(it->second));
        it = followers_.erase(it);
        continue;
      }
      auto deadline = f.drain_deadline + (f.final_read ? options_.final_read_timeout : std::chrono::milliseconds(0));
      if (f.unfollowed && !f.cancel && now >= deadline) f.cancel = true;
      // A follower busy parsing ships its own batches; an idle one (blocked
      // reading the engine) gets its waiting batch shipped from here. Never
      // wait for room: this thread is the one that makes it.
      std::unique_lock<std::mutex> fl(f.mu, std::try_to_lock);
      if (fl && f.batcher->Due(now_ms)) {
        LogBatch b{f.spec, {}, 0, LogCursor{f.id, f.batcher->offsets()}};
        b.events = f.batcher->Take(&b.bytes);
        if (!queue_.TryPush(b)) f.batcher->PutBack(std::move(b.events), b.bytes);
      }
      ++it;
    }
  }
  for (auto& f : finished) f->thread.join();
}

}  // namespace fargo::dataplane
