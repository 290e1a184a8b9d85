#include "cli/serve.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <thread>
#include <cstdlib>
#include <sys/stat.h>

#include "common/clock.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "services/registry.h"
#include "store/store.h"

#ifndef FARGO_VERSION
#define FARGO_VERSION "0.0.0"
#endif

namespace fargo::cli {

std::string ServeOptions::DefaultDataDir() {
  if (const char* x = std::getenv("FARGO_DATA_DIR")) return x;
  if (const char* x = std::getenv("XDG_DATA_HOME")) return std::string(x) + "/fargo";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.local/share/fargo";
  return ".fargo";
}

int RunServe(const ServeOptions& opt) {
  std::string dir = opt.data_dir;
  // Create parents of the data directory (mkdir -p).
  for (size_t i = 1; i < dir.size(); ++i)
    if (dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0755);
  auto store = store::Store::Open(dir);
  if (!store.ok()) {
    std::fprintf(stderr, "fargo: %s\n", store.error().message.c_str());
    return 1;
  }
  (*store)->StartCheckpointer();
  SystemClock clock;
  RandomIdGenerator ids;
  services::Env env{**store, clock, ids, opt.account};
  server::Gateway gateway(clock, ids, opt.account, opt.region);
  for (auto& s : services::MakeServices(env)) gateway.AddService(std::move(s));
  if (auto st = gateway.Start(); !st.ok()) {
    std::fprintf(stderr, "fargo: cannot start: %s\n", st.error().message.c_str());
    return 1;
  }

  boost::asio::io_context io(2);
  boost::json::array names;
  for (const auto& n : gateway.ServiceNames()) names.emplace_back(n);
  std::string health = boost::json::serialize(boost::json::object{
      {"status", "running"}, {"version", FARGO_VERSION}, {"services", names}});
  server::HttpServer http(io, gateway, [&health](const protocol::HttpRequest& req)
                                           -> std::optional<protocol::HttpResponse> {
    if (req.path != "/_fargo/health") return std::nullopt;
    protocol::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = health;
    return r;
  });
  auto port = http.Start(opt.host, opt.port);
  if (!port.ok()) {
    std::fprintf(stderr, "fargo: %s\n", port.error().message.c_str());
    gateway.Stop();
    return 1;
  }
  std::fprintf(stderr, "fargo %s listening on http://%s:%u (data: %s)\n", FARGO_VERSION,
               opt.host.c_str(), static_cast<unsigned>(*port), dir.c_str());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    std::fprintf(stderr, "fargo: shutting down\n");
    http.Stop();
    io.stop();
  });
  // Two network threads: connections are strands, and requests are decoded
  // there, so parsing overlaps with the state thread's work.
  std::thread second([&io] {
    pthread_setname_np(pthread_self(), "fargo-net");
    io.run();
  });
  io.run();
  second.join();
  // Reverse order of start-up.
  gateway.Stop();
  (*store)->StopCheckpointer();
  return 0;
}

int PrintTerraformOverride(const std::string& endpoint) {
  static const char* kServices[] = {"cloudwatchlogs", "ec2", "ecs", "elbv2", "iam", "s3", "ssm", "sts"};
  std::printf("# fargo: point the AWS provider at %s\n", endpoint.c_str());
  std::printf("provider \"aws\" {\n");
  std::printf("  access_key                  = \"test\"\n");
  std::printf("  secret_key                  = \"test\"\n");
  std::printf("  skip_credentials_validation = true\n");
  std::printf("  skip_requesting_account_id  = true\n");
  std::printf("  skip_metadata_api_check     = true\n");
  std::printf("  s3_use_path_style           = true\n\n");
  std::printf("  endpoints {\n");
  for (const char* s : kServices) std::printf("    %-14s = \"%s\"\n", s, endpoint.c_str());
  std::printf("  }\n}\n");
  return 0;
}

}  // namespace fargo::cli
