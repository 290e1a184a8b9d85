#include "cli/serve.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <future>
#include <memory>
#include <thread>
#include <cstdlib>
#include <sys/stat.h>
#include <climits>
#include <cstdlib>

#include "common/clock.h"
#include "common/strings.h"
#include "dataplane/endpoints/task_endpoints.h"
#include "dataplane/logs/log_pipeline.h"
#include "runtime/engine_check.h"
#include "runtime/engine_client.h"
#include "runtime/task_runner.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "services/ecs/ecs_service.h"
#include "services/logs/logs_service.h"
#include "services/registry.h"
#include "services/sts/sts_service.h"
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

namespace {

// A name for this fargo that stays the same across restarts on one data
// directory: the runtime labels its tasks with it.
std::string InstanceId(const std::string& data_dir) {
  char buf[PATH_MAX];
  std::string path = ::realpath(data_dir.c_str(), buf) ? std::string(buf) : data_dir;
  uint64_t h = Fnv1a(path);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string ErrorBody(const std::string& code, const std::string& message) {
  return boost::json::serialize(boost::json::object{{"code", code}, {"message", message}});
}

// One request of a task to 169.254.170.2. REQUIRES: on the state thread.
void AnswerTaskEndpoint(services::EcsService& ecs, services::StsService& sts, dataplane::TaskEndpoints::Kind kind,
                        const std::string& id, const std::string& subpath,
                        const dataplane::TaskEndpoints::Reply& reply) {
  if (kind == dataplane::TaskEndpoints::Kind::kCredentials) {
    auto target = ecs.TaskCredentials(id);
    if (!target) return reply(404, ErrorBody("NotFound", "no task has the credentials id " + id));
    auto issued = sts.IssueRoleCredentials(target->role_arn, runtime::TaskIdOf(target->task_arn), 6 * 3600);
    if (!issued.ok()) return reply(500, ErrorBody(issued.error().code, issued.error().message));
    return reply(200, boost::json::serialize(services::ContainerCredentialsBody(*issued, target->role_arn)));
  }
  auto meta = ecs.TaskMetadata(id, subpath);
  if (!meta.ok()) return reply(404, ErrorBody(meta.error().code, meta.error().message));
  reply(200, boost::json::serialize(*meta));
}

}  // namespace

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
  services::EcsService* ecs = nullptr;
  services::StsService* sts = nullptr;
  services::LogsService* logs = nullptr;
  for (auto& s : services::MakeServices(env)) {
    if (auto* l = dynamic_cast<services::LogsService*>(s.get())) logs = l;
    if (auto* e = dynamic_cast<services::EcsService*>(s.get())) ecs = e;
    if (auto* t = dynamic_cast<services::StsService*>(s.get())) sts = t;
    gateway.AddService(std::move(s));
  }

  // The task runtime: reports cross to the state thread by Post.
  runtime::EngineClient engine = runtime::EngineClient::FromEnvironment();
  runtime::TaskRunner::Options runner_options;
  runner_options.instance = InstanceId(dir);
  // awslogs: each batch is stored on the state thread; the pipeline waits
  // for that, which is how it notices a lagging state thread.
  dataplane::LogPipeline log_pipeline(
      engine, clock, [&gateway, logs](const runtime::AwsLogsSpec& spec, std::vector<IngestedEvent> events) {
        auto batch = std::make_shared<std::vector<IngestedEvent>>(std::move(events));
        auto done = std::make_shared<std::promise<void>>();
        auto stored = done->get_future();
        gateway.Post([logs, spec, batch, done] {
          Status st = logs->IngestEvents(spec.region, spec.group, spec.stream, spec.create_group, std::move(*batch));
          if (!st.ok()) {
            std::fprintf(stderr, "fargo: awslogs %s/%s: %s\n", spec.group.c_str(), spec.stream.c_str(),
                         st.error().message.c_str());
          }
          done->set_value();
        });
        // Bounded: a state thread that is gone (shutdown) never answers.
        if (stored.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
          std::fprintf(stderr, "fargo: awslogs %s/%s: a batch was not stored in time\n", spec.group.c_str(),
                       spec.stream.c_str());
        }
      });
  (void)log_pipeline.Start();
  runtime::TaskRunner runner(
      engine, clock, &log_pipeline,
      [&gateway, ecs](const runtime::TaskReport& r) { gateway.Post([ecs, r] { ecs->ApplyTaskReport(r); }); },
      [](const std::string& line) { std::fprintf(stderr, "fargo: %s\n", line.c_str()); }, runner_options);
  ecs->SetTaskDriver(&runner);
  runner.Start();

  if (auto st = gateway.Start(); !st.ok()) {
    std::fprintf(stderr, "fargo: cannot start: %s\n", st.error().message.c_str());
    return 1;
  }
  if (Status ping = engine.Ping(); ping.ok()) {
    std::fprintf(stderr, "fargo: container engine at %s\n", engine.socket_path().c_str());
    // What fargo relies on in the engine, checked off this thread: each
    // problem is one line here and the stopped reason of the tasks it blocks.
    runner.SetEngineFacts(std::async(std::launch::async, [&engine, &runner, instance = runner_options.instance] {
                            runtime::EngineCheck check(engine, {{}, instance},
                                                       [&runner] { return runner.fabric().Probe(); });
                            runtime::EngineFacts f = check.Run();
                            if (f.reachable)
                              std::fprintf(stderr, "fargo: container engine is %s %s (API %s)\n", f.engine.c_str(),
                                           f.version.c_str(), f.api_version.c_str());
                            for (const std::string& p : f.Problems())
                              std::fprintf(stderr, "fargo: engine problem: %s\n", p.c_str());
                            return f;
                          }).share());
  } else {
    std::fprintf(stderr, "fargo: no container engine answers at %s (%s): tasks will fail to start\n",
                 engine.socket_path().c_str(), ping.error().message.c_str());
  }
  // Tasks that ran before a restart are adopted; fargo's other tasks go.
  gateway.Post([ecs, logs, &runner] {
    std::vector<runtime::TaskPlan> live = ecs->LiveTaskPlans();
    for (auto& plan : live)
      for (auto& c : plan.containers)
        if (c.awslogs)
          c.awslogs->resume_after_ms = logs->LastEventTimestamp(c.awslogs->region, c.awslogs->group, c.awslogs->stream);
    runner.Adopt(live);
    ecs->ResumeStops();
  });

  // The task endpoints on 169.254.170.2: answers come from the state thread.
  dataplane::TaskEndpointsOptions ep_options;
  ep_options.address = opt.task_endpoints_address;
  ep_options.port = opt.task_endpoints_port;
  dataplane::TaskEndpoints endpoints(
      ep_options, [&gateway, ecs, sts](dataplane::TaskEndpoints::Kind kind, int version, std::string id,
                                       std::string subpath, dataplane::TaskEndpoints::Reply reply) {
        gateway.Post([=] { AnswerTaskEndpoint(*ecs, *sts, kind, id, subpath, reply); });
      });
  bool endpoints_up = false;
  if (!ep_options.address.empty()) {
    Status local = ep_options.address == "169.254.170.2" ? dataplane::EnsureLocalAddress(ep_options.address)
                                                        : OkStatus();
    Status st = local.ok() ? endpoints.Start() : local;
    endpoints_up = st.ok();
    if (st.ok()) {
      std::fprintf(stderr, "fargo: task endpoints on http://%s:%u\n", ep_options.address.c_str(),
                   static_cast<unsigned>(endpoints.port()));
    } else {
      std::fprintf(stderr, "fargo: task metadata and credentials endpoints are off: %s\n",
                   st.error().message.c_str());
    }
  }

  boost::asio::io_context io(2);
  boost::json::array names;
  for (const auto& n : gateway.ServiceNames()) names.emplace_back(n);
  std::string health = boost::json::serialize(boost::json::object{{"status", "running"},
                                                                 {"version", FARGO_VERSION},
                                                                 {"services", names},
                                                                 {"instance", runner_options.instance}});
  auto local = [&health](const protocol::HttpRequest& req) -> std::optional<protocol::HttpResponse> {
    if (req.path != "/_fargo/health") return std::nullopt;
    protocol::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = health;
    return r;
  };
  server::HttpServer http(io, gateway, local);
  auto port = http.Start(opt.host, opt.port);
  if (!port.ok()) {
    std::fprintf(stderr, "fargo: %s\n", port.error().message.c_str());
    if (endpoints_up) endpoints.Stop();
    runner.Shutdown();
    log_pipeline.Stop();
    gateway.Stop();
    return 1;
  }
  std::fprintf(stderr, "fargo %s listening on http://%s:%u (data: %s)\n", FARGO_VERSION,
               opt.host.c_str(), static_cast<unsigned>(*port), dir.c_str());
  // Tasks reach the same APIs next to their endpoints (every container gets
  // AWS_ENDPOINT_URL), as tasks on Fargate reach AWS: an init container
  // copies its files from fargo's S3 with its task role's credentials.
  server::HttpServer task_api(io, gateway, local);
  bool task_api_up = false;
  if (endpoints_up) {
    auto p = task_api.Start(ep_options.address, opt.task_api_port);
    task_api_up = p.ok();
    if (p.ok()) {
      std::fprintf(stderr, "fargo: tasks reach the AWS APIs at http://%s:%u\n", ep_options.address.c_str(),
                   static_cast<unsigned>(*p));
    } else {
      std::fprintf(stderr, "fargo: tasks cannot reach the AWS APIs: %s\n", p.error().message.c_str());
    }
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    std::fprintf(stderr, "fargo: shutting down\n");
    http.Stop();
    if (task_api_up) task_api.Stop();
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
  // Reverse order of start-up. Tasks keep running in the engine; the next
  // start adopts them.
  if (endpoints_up) endpoints.Stop();
  runner.Shutdown();
  log_pipeline.Stop();
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
