#include "cli/pull_command.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <thread>

#include "cli/daemon_client.h"
#include "cli/views.h"

namespace fargo::cli {

namespace json = boost::json;
using runtime::PullProgress;

namespace {

std::string Mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string Layers(const PullProgress& p) {
  return std::to_string(p.LayersDone()) + "/" + std::to_string(p.layers.size()) + " layers";
}

// "[=========>          ]" for a percentage.
std::string Bar(int percent, int width) {
  int full = percent < 0 ? 0 : percent * width / 100;
  std::string s = "[";
  for (int i = 0; i < width; ++i) s += i < full ? '=' : i == full ? '>' : ' ';
  return s + "]";
}

std::string Line(const PullProgress& p) {
  std::string amount = PullAmountText(p);
  std::string s = "pulling " + p.image;
  if (!amount.empty()) s += ": " + amount + (p.Percent() >= 0 ? " (" + Layers(p) + ")" : "");
  else if (!p.message.empty()) s += ": " + p.message;
  return s;
}

std::string Final(const PullProgress& p) {
  std::string s = "pulled " + p.image;
  if (!p.layers.empty()) s += " (" + std::to_string(p.layers.size()) + " layers, " + Mb(p.BytesTotal()) + " MB)";
  return s;
}

}  // namespace

std::string PullStepKey(const PullProgress& p) {
  int pct = p.Percent();
  return std::string(PullProgress::StateName(p.state)) + "|" + std::to_string(p.LayersDone()) + "/" +
         std::to_string(p.layers.size()) + "|" + std::to_string(pct < 0 ? -1 : pct / 10) + "|" +
         (p.layers.empty() ? p.message : "");
}

int FollowPull(const std::function<Result<PullProgress>()>& poll, PullOutput mode, FILE* out, FILE* err,
               std::chrono::milliseconds interval) {
  std::string last_key, last_json;
  bool bar_shown = false;
  for (;;) {
    Result<PullProgress> r = poll();
    if (!r.ok()) {
      if (bar_shown) std::fputs("\n", out);
      std::fprintf(err, "fargo pull: %s\n", r.error().message.c_str());
      return 1;
    }
    const PullProgress& p = *r;
    bool ended = p.state != PullProgress::State::kPulling;
    switch (mode) {
      case PullOutput::kJson: {
        json::object o = p.ToJson();
        o.erase("UpdatedAt");  // a change of time alone is no news
        std::string s = json::serialize(o);
        if (s != last_json) {
          std::fprintf(out, "%s\n", json::serialize(p.ToJson()).c_str());
          last_json = s;
        }
        break;
      }
      case PullOutput::kLines: {
        std::string key = PullStepKey(p);
        if (key != last_key && !ended) std::fprintf(out, "%s\n", Line(p).c_str());
        last_key = key;
        if (ended && p.state == PullProgress::State::kDone) std::fprintf(out, "%s\n", Final(p).c_str());
        break;
      }
      case PullOutput::kBar: {
        if (!ended) {
          std::string amount = PullAmountText(p);
          std::fprintf(out, "\r\033[K%s %s %s", p.image.c_str(), Bar(p.Percent(), 30).c_str(),
                       amount.empty() ? p.message.c_str() : amount.c_str());
          bar_shown = true;
        } else {
          if (bar_shown) std::fputs("\r\033[K", out);
          if (p.state == PullProgress::State::kDone) std::fprintf(out, "%s\n", Final(p).c_str());
        }
        break;
      }
    }
    std::fflush(out);
    if (ended) {
      if (p.state == PullProgress::State::kDone) return 0;
      std::fprintf(err, "fargo pull: %s: %s\n", p.image.c_str(), p.error.c_str());
      return 1;
    }
    std::this_thread::sleep_for(interval);
  }
}

int RunPull(const PullOptions& opt) {
  DaemonClient client(opt.endpoint, opt.region, std::chrono::seconds(10));
  json::object in{{"Image", opt.image}};
  DaemonClient::Answer a = client.Call("POST", "/_fargo/pulls", &in);
  if (a.status == 0) {
    std::fprintf(stderr, "fargo pull: fargo is not running at %s (%s)\n", opt.endpoint.c_str(), a.reason.c_str());
    return 1;
  }
  if (a.status != 200 && a.status != 202) {
    std::fprintf(stderr, "fargo pull: %s\n", a.error.empty() ? a.raw.c_str() : a.error.c_str());
    return 1;
  }
  std::string id;
  if (auto* v = a.body.if_contains("Id"); v && v->is_string()) id = std::string(v->as_string());
  auto poll = [&client, &id]() -> Result<PullProgress> {
    DaemonClient::Answer g = client.Call("GET", "/_fargo/pulls/" + id);
    if (g.status == 0) return AwsError::Make("Unreachable", "fargo stopped answering: " + g.reason, 503);
    if (g.status != 200) return AwsError::Make("HttpError", g.error.empty() ? g.raw : g.error, g.status);
    return PullProgress::FromJson(g.body);
  };
  PullOutput mode = opt.json ? PullOutput::kJson : ::isatty(::fileno(stdout)) ? PullOutput::kBar : PullOutput::kLines;
  return FollowPull(poll, mode, stdout, stderr);
}

}  // namespace fargo::cli
