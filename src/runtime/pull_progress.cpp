#include "runtime/pull_progress.h"

#include <algorithm>
#include <string_view>

#include "common/json_access.h"

namespace fargo::runtime {

namespace json = boost::json;

namespace {

// A byte count as engines send it (an integer; a fraction is cut, never thrown on).
// A byte count as the engine sent it, kept within [-1, 1 TiB] (a layer is
// far smaller; the engine's numbers are not trusted to be sane).
int64_t Bytes(const json::object& o, const char* key) {
  constexpr int64_t kMax = int64_t{1} << 40;
  auto* v = o.if_contains(key);
  if (v && v->is_double()) {
    double d = v->as_double();
    if (!(d >= -1)) return -1;  // NaN too
    return d >= static_cast<double>(kMax) ? kMax : static_cast<int64_t>(d);
  }
  return std::clamp<int64_t>(GetInt(o, key), -1, kMax);
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Statuses that speak of one layer (or blob) rather than the image.
bool IsLayerStatus(const std::string& s) {
  return s == "Pulling fs layer" || s == "Waiting" || s == "Downloading" || s == "Verifying Checksum" ||
         s == "Download complete" || s == "Extracting" || s == "Pull complete" || s == "Already exists" ||
         StartsWith(s, "Retrying in");
}

// Past the download: the layer's bytes are all there.
bool IsDownloaded(const std::string& s) {
  return s == "Verifying Checksum" || s == "Download complete" || s == "Extracting" || s == "Pull complete" ||
         s == "Already exists";
}

}  // namespace

void PullProgress::Feed(const json::object& line) {
  std::string error = GetString(line, "error");
  if (error.empty())
    if (auto* d = line.if_contains("errorDetail"); d && d->is_object()) error = GetString(d->as_object(), "message");
  if (!error.empty()) {
    if (state != State::kFailed) this->error = error;
    state = State::kFailed;
    return;
  }
  std::string status = GetString(line, "status");
  std::string layer_id = GetString(line, "id");
  if (status.empty()) return;
  if (layer_id.empty() || !IsLayerStatus(status)) {
    message = layer_id.empty() || StartsWith(status, "Pulling from") ? status : layer_id + ": " + status;
    return;
  }
  auto it = std::find_if(layers.begin(), layers.end(), [&](const Layer& l) { return l.id == layer_id; });
  if (it == layers.end()) {
    // Podman's last line: "Download complete" with the image's own id.
    if (status == "Download complete" || status == "Pull complete") {
      message = layer_id + ": " + status;
      return;
    }
    layers.push_back(Layer{layer_id, "", 0, 0, false});
    it = layers.end() - 1;
  }
  Layer& l = *it;
  l.status = status;
  if (status == "Downloading" && !l.done) {
    if (auto* d = line.if_contains("progressDetail"); d && d->is_object()) {
      const json::object& pd = d->as_object();
      int64_t total = Bytes(pd, "total");
      if (total > 0) l.total = total;  // Podman: -1 when unknown
      l.current = std::max<int64_t>(0, Bytes(pd, "current"));
      if (l.total > 0) l.current = std::min(l.current, l.total);
    }
  }
  if (IsDownloaded(status) && !l.done) {
    l.done = true;
    if (l.total > 0) l.current = l.total;
  }
}

void PullProgress::Finish(const Status& status) {
  if (status.ok()) {
    if (state != State::kFailed) state = State::kDone;
    return;
  }
  if (state != State::kFailed) error = status.error().message;
  state = State::kFailed;
}

int PullProgress::LayersDone() const {
  return static_cast<int>(std::count_if(layers.begin(), layers.end(), [](const Layer& l) { return l.done; }));
}

int64_t PullProgress::BytesDone() const {
  int64_t n = 0;
  for (const auto& l : layers)
    if (l.total > 0) n += l.current;
  return n;
}

int64_t PullProgress::BytesTotal() const {
  int64_t n = 0;
  for (const auto& l : layers) n += l.total;
  return n;
}

int PullProgress::Percent() const {
  if (state == State::kDone) return 100;
  int64_t total = 0, done = 0;
  for (const auto& l : layers)
    if (l.total > 0) {
      total += l.total;
      done += l.current;
    }
  if (total <= 0) return -1;
  return static_cast<int>(static_cast<double>(done) * 100.0 / static_cast<double>(total));
}

const char* PullProgress::StateName(State s) {
  switch (s) {
    case State::kPulling: return "pulling";
    case State::kDone: return "done";
    case State::kFailed: return "failed";
  }
  return "pulling";
}

json::object PullProgress::ToJson() const {
  json::array ls;
  for (const auto& l : layers)
    ls.push_back(json::object{{"Id", l.id}, {"Status", l.status}, {"Current", l.current}, {"Total", l.total},
                              {"Done", l.done}});
  return json::object{{"Id", id},
                      {"Image", image},
                      {"Owner", owner},
                      {"State", StateName(state)},
                      {"Message", message},
                      {"Error", error},
                      {"Percent", Percent()},
                      {"BytesDone", BytesDone()},
                      {"BytesTotal", BytesTotal()},
                      {"LayersDone", LayersDone()},
                      {"Layers", std::move(ls)},
                      {"StartedAt", started_at},
                      {"UpdatedAt", updated_at}};
}

PullProgress PullProgress::FromJson(const json::object& o) {
  PullProgress p;
  p.id = GetString(o, "Id");
  p.image = GetString(o, "Image");
  p.owner = GetString(o, "Owner");
  std::string s = GetString(o, "State");
  p.state = s == "done" ? State::kDone : s == "failed" ? State::kFailed : State::kPulling;
  p.message = GetString(o, "Message");
  p.error = GetString(o, "Error");
  if (auto* ls = o.if_contains("Layers"); ls && ls->is_array())
    for (const auto& v : ls->as_array()) {
      if (!v.is_object()) continue;
      const json::object& l = v.as_object();
      p.layers.push_back(
          Layer{GetString(l, "Id"), GetString(l, "Status"), Bytes(l, "Current"), Bytes(l, "Total"), GetBool(l, "Done")});
    }
  auto num = [&o](const char* k) {
    auto* v = o.if_contains(k);
    return v && v->is_number() ? v->to_number<double>() : 0.0;
  };
  p.started_at = num("StartedAt");
  p.updated_at = num("UpdatedAt");
  return p;
}

}  // namespace fargo::runtime
