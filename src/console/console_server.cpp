#include "console/console_server.h"

#include <chrono>

#include "console/console_assets.h"

namespace fargo::console {
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

constexpr auto kProbeEvery = std::chrono::milliseconds(250);
constexpr auto kPingAfter = std::chrono::seconds(15);

const ConsoleAsset* FindAsset(const std::string& name) {
  for (const ConsoleAsset& a : ConsoleAssets())
    if (name == a.name) return &a;
  return nullptr;
}

std::string TypeOf(const std::string& name) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

void SecurityHeaders(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
                         "style-src 'self' 'unsafe-inline'; "
                         "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace

std::string SseMessage(uint64_t id, const std::string& event, const std::string& data, int retry_ms) {
  return "retry: " + std::to_string(retry_ms) + "\nid: " + std::to_string(id) + "\nevent: " + event +
         "\ndata: " + data + "\n\n";
}

// What the network threads, the state thread and the probe timer share.
struct ConsoleServer::Shared {
  struct Waiter {
    uint64_t seen;
    Reply reply;
    std::chrono::steady_clock::time_point since;
  };
  Shared(boost::asio::io_context& io, Post p, Probe pr)
      : timer(boost::asio::make_strand(io)), post(std::move(p)), probe(std::move(pr)) {}

  boost::asio::steady_timer timer;
  Post post;
  Probe probe;
  std::mutex mu;
  bool stopped = false;
  bool scheduled = false;
  uint64_t last_probe = 0;  // state thread
  bool probed = false;      // state thread
  uint64_t version = 1;     // mu; starts at 1 so a fresh page's 0 is behind
  std::vector<Waiter> waiters;

  // Answers the waiters behind `version` (and old ones with a ping).
  void Wake(bool all) {
    std::vector<Waiter> due;
    uint64_t v;
    {
      std::lock_guard<std::mutex> l(mu);
      v = version;
      auto now = std::chrono::steady_clock::now();
      std::vector<Waiter> keep;
      for (auto& w : waiters) {
        if (all || w.seen < v || now - w.since > kPingAfter)
          due.push_back(std::move(w));
        else
          keep.push_back(std::move(w));
      }
      waiters.swap(keep);
    }
    for (auto& w : due) {
      HttpResponse r;
      r.headers.emplace_back("Content-Type", "text/event-stream");
      r.headers.emplace_back("Cache-Control", "no-store");
      r.body = w.seen < v ? SseMessage(v, "change", "{\"version\":" + std::to_string(v) + "}", 50)
                          : SseMessage(v, "ping", "{}", 50);
      w.reply(std::move(r));
    }
  }
};

ConsoleServer::ConsoleServer(boost::asio::io_context& io, Post post, Probe probe, std::string token)
    : guard_(std::move(token)),
      shared_(std::make_shared<Shared>(io, std::move(post), std::move(probe))) {}

ConsoleServer::~ConsoleServer() { Stop(); }

void ConsoleServer::Stop() {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    if (shared_->stopped) return;
    shared_->stopped = true;
  }
  boost::asio::post(shared_->timer.get_executor(), [s = shared_] { s->timer.cancel(); });
  shared_->Wake(true);
}

void ConsoleServer::Schedule(const std::shared_ptr<Shared>& s) {
  // On the timer's strand, with `scheduled` set.
  s->timer.expires_after(kProbeEvery);
  s->timer.async_wait([s](const boost::system::error_code& ec) {
    if (ec) return;
    s->post([s] {
      uint64_t now = s->probe();
      bool changed = s->probed && now != s->last_probe;
      s->last_probe = now;
      s->probed = true;
      bool again;
      {
        std::lock_guard<std::mutex> l(s->mu);
        if (changed) ++s->version;
        again = !s->stopped && !s->waiters.empty();
        s->scheduled = again;
      }
      s->Wake(false);
      if (again) boost::asio::post(s->timer.get_executor(), [s] { Schedule(s); });
    });
  });
}

bool ConsoleServer::Handle(const HttpRequest& req, Reply reply) {
  if (ConsoleGuard::IsConsolePage(req.path)) {
    Page(req, std::move(reply));
    return true;
  }
  if (req.path == "/_fargo/console/events") {
    Events(req, std::move(reply));
    return true;
  }
  return false;
}

void ConsoleServer::Page(const HttpRequest& req, Reply reply) const {
  HttpResponse r;
  if (req.path == "/_fargo") {
    r.status = 301;
    r.headers.emplace_back("Location", "/_fargo/");
    return reply(std::move(r));
  }
  std::string name = req.path.substr(req.path.rfind('/') + 1);
  if (name.empty()) name = "index.html";
  const ConsoleAsset* a = FindAsset(name);
  if (!a || (req.method != "GET" && req.method != "HEAD")) {
    r.status = 404;
    r.headers.emplace_back("Content-Type", "text/plain");
    r.body = "not found\n";
    return reply(std::move(r));
  }
  r.headers.emplace_back("Content-Type", TypeOf(name));
  SecurityHeaders(r);
  r.body = std::string(a->bytes());
  if (name == "index.html") {
    const std::string mark = "{{FARGO_CONSOLE_TOKEN}}";
    if (size_t at = r.body.find(mark); at != std::string::npos) r.body.replace(at, mark.size(), guard_.token());
  }
  reply(std::move(r));
}

void ConsoleServer::Events(const HttpRequest& req, Reply reply) {
  uint64_t seen = 0;
  if (const std::string* id = req.Header("last-event-id")) seen = std::strtoull(id->c_str(), nullptr, 10);
  bool schedule = false, queued = false;
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    if (!shared_->stopped) {
      shared_->waiters.push_back({seen, std::move(reply), std::chrono::steady_clock::now()});
      queued = true;
      schedule = !shared_->scheduled;
      shared_->scheduled = true;
    }
  }
  if (queued) {
    shared_->Wake(false);
    if (schedule) boost::asio::post(shared_->timer.get_executor(), [s = shared_] { Schedule(s); });
    return;
  }
  HttpResponse r;
  r.status = 503;
  reply(std::move(r));
}

}  // namespace fargo::console
