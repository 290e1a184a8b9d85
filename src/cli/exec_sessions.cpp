#include "cli/exec_sessions.h"

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/post.hpp>

#include "common/strings.h"
#include "dataplane/sessions/engine_exec_target.h"
#include "dataplane/sessions/netns_dialer.h"
#include "dataplane/sessions/port_target.h"
#include "runtime/netns.h"
#include "dataplane/sessions/session_log.h"

namespace fargo::cli {
namespace sessions = dataplane::sessions;

namespace {

// The VPC's DNS at its fixed link-local address (169.254.169.253).
constexpr uint32_t kVpcResolverLinkLocal = 0xA9FEA9FD;

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

ExecSessions::ExecSessions(server::Gateway& gateway, runtime::EngineClient& engine, services::EcsService& ecs,
                           services::SsmService& ssm, services::LogsService& logs)
    : gateway_(gateway),
      engine_(engine),
      logs_(logs),
      ssm_(ssm),
      loop_thread_([this] {
        pthread_setname_np(pthread_self(), "fargo-sessions");
        loop_.run();
      }),
      registry_(loop_.get_executor(), {kSessionsPerContainer}),
      server_(registry_, &loop_) {
  if (const char* t = std::getenv("FARGO_EXEC_STREAM_URL")) url_template_ = t;
  if (const char* m = std::getenv("FARGO_PORT_SESSIONS")) port_basic_mode_ = std::string(m) == "basic";
  ecs.SetExecCommandStarter(
      [this](const services::ecs::ExecCommandRequest& r) -> Result<services::ecs::ExecCommandSession> {
        sessions::EngineExecTarget::Spec spec{r.runtime_id, r.command, r.user, r.env};
        sessions::Session::Options o;
        o.id = r.session_id;
        o.target = std::make_shared<sessions::EngineExecTarget>(engine_, spec);
        o.ended = [this, r](sessions::Session::Ended e) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            urls_.erase(e.session_id);
          }
          if (!e.started || r.logging == "NONE") return;  // no shell ran: nothing to log
          if (!r.s3_bucket.empty()) {
            std::string text;
            for (auto& line : sessions::TranscriptLines(e.transcript)) text += line + "\n";
            boost::asio::post(uploads_, [this, r, text = std::move(text)]() mutable {
              PutObject(r, sessions::S3LogKey(r.s3_prefix, r.session_id), std::move(text));
            });
          }
          if (!r.log_group.empty())
            gateway_.Post([this, r, t = std::move(e.transcript)] { Log(r, t); });
        };
        Status st = registry_.Add(r.task_arn + "/" + r.container_name, r.token, std::move(o));
        if (!st.ok()) {
          if (st.error().code == "SessionLimitExceeded")
            return AwsError::Make("TargetNotConnectedException",
                                  "The execute command failed because the maximum number of sessions for the "
                                  "container was reached. Close a session and try again.");
          return st.error();
        }
        std::string url = StreamUrl(r.host, r.region, r.session_id);
        std::lock_guard<std::mutex> lock(mu_);
        urls_[r.session_id] = url;
        return services::ecs::ExecCommandSession{url};
      });
  // A stopped task's sessions end (those of its containers: "<task ARN>/<container>").
  ecs.SetExecSessionEnder([this](const std::string& task_arn) { registry_.TerminateOwner(task_arn, "The task stopped."); });
  services::SsmService::SessionHooks hooks;
  hooks.resume = [this](const std::string& id,
                        const std::string& token) -> std::optional<std::pair<std::string, std::string>> {
    if (!registry_.Renew(id, token)) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = urls_.find(id);
    return std::make_pair(token, it == urls_.end() ? std::string() : it->second);
  };
  hooks.terminate = [this](const std::string& id) { return registry_.Terminate(id, ""); };
  hooks.start = [this](const services::SsmService::SessionStart& s) { return StartSsmSession(s); };
  ssm.SetSessionHooks(std::move(hooks));
}

ExecSessions::~ExecSessions() {
  loop_work_.reset();
  loop_.stop();
  loop_thread_.join();
  uploads_.join();
}

Result<std::string> ExecSessions::StartSsmSession(const services::SsmService::SessionStart& s) {
  std::shared_ptr<sessions::SessionTarget> target;
  if (s.session_type == "Port") {
    sessions::PortTarget::Spec spec;
    auto prop = [&s](const char* k) {
      auto it = s.properties.find(k);
      return it == s.properties.end() ? std::string() : it->second;
    };
    if (!prop("host").empty()) spec.host = prop("host");
    spec.port = static_cast<uint16_t>(std::strtoul(prop("portNumber").c_str(), nullptr, 10));
    spec.properties = s.properties;
    spec.mux = !port_basic_mode_;
    // The target's namespace is its container's (a task's containers and an
    // instance share their pause container's); names go to the VPC's DNS
    // at its fixed link-local address.
    auto open_netns = [engine = engine_, container = s.container]() mutable -> Result<runtime::UniqueFd> {
      FARGO_ASSIGN_OR_RETURN(int pid, engine.ContainerPid(container));
      if (pid <= 0) return AwsError::Make("TargetNotRunning", "the target is not running");
      return runtime::OpenProcessNetns(pid);
    };
    target = std::make_shared<sessions::PortTarget>(
        spec, std::make_shared<sessions::NetnsDialer>(std::move(open_netns), kVpcResolverLinkLocal));
  } else {
    // The default shell document runs sh, as the SSM agent does on Linux.
    std::string command = s.session_type == "InteractiveCommands" ? s.command : "sh";
    target = std::make_shared<sessions::EngineExecTarget>(
        engine_, sessions::EngineExecTarget::Spec{s.container, command, s.user, s.env});
  }
  sessions::Session::Options o;
  o.id = s.session_id;
  o.target = std::move(target);
  if (s.session_type == "Port") o.max_transcript = 0;  // smux bytes: nothing to log
  o.ended = [this](sessions::Session::Ended e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      urls_.erase(e.session_id);
    }
    gateway_.Post([this, id = e.session_id] { ssm_.SessionEnded(id); });
  };
  FARGO_TRY(registry_.Add(s.owner, s.token, std::move(o)));
  std::string url = StreamUrl(s.host, s.region, s.session_id);
  std::lock_guard<std::mutex> lock(mu_);
  urls_[s.session_id] = url;
  return url;
}

std::string ExecSessions::StreamUrl(const std::string& host, const std::string& region, const std::string& id) const {
  if (url_template_.empty())
    return "ws://" + (host.empty() ? std::string("127.0.0.1:4566") : host) + "/v1/data-channel/" + id +
           "?role=publish_subscribe";
  return ReplaceAll(ReplaceAll(ReplaceAll(url_template_, "{host}", host), "{region}", region), "{id}", id);
}

void ExecSessions::Log(const services::ecs::ExecCommandRequest& r, const std::string& transcript) {
  // As the SSM agent uploads an ECS Exec transcript: after the session, in
  // events of whole lines, to a stream named by the session id.
  std::vector<IngestedEvent> events;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  for (auto& line : sessions::TranscriptLines(transcript)) events.push_back({now, std::move(line)});
  std::string region = r.log_region.empty() ? r.region : r.log_region;
  Status st = logs_.IngestEvents(region, r.log_group, r.session_id, false, std::move(events));
  if (!st.ok())
    std::fprintf(stderr, "fargo: exec session %s: log to %s: %s\n", r.session_id.c_str(), r.log_group.c_str(),
                 st.error().message.c_str());
}

void ExecSessions::PutObject(const services::ecs::ExecCommandRequest& r, const std::string& key, std::string body) {
  protocol::HttpRequest req;
  req.method = "PUT";
  req.path = "/" + r.s3_bucket + "/" + key;
  req.raw_path = "/" + r.s3_bucket + "/" + UrlEncode(key, true);
  req.headers["host"] = "s3." + r.region + ".amazonaws.com";
  req.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=fargo/20260101/" + r.region +
                                 "/s3/aws4_request, SignedHeaders=host, Signature=0";
  req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  req.headers["content-type"] = "text/plain; charset=utf-8";
  req.headers["content-length"] = std::to_string(body.size());
  if (auto sink = gateway_.OpenBodySink(req)) {
    sink->Write(body);
    sink->Finish(req);
  } else {
    req.body = std::move(body);
  }
  std::string where = "s3://" + r.s3_bucket + "/" + key, id = r.session_id;
  gateway_.Handle(std::move(req), [where, id](protocol::HttpResponse resp) {
    resp = protocol::Resolve(std::move(resp));
    if (resp.status >= 300)
      std::fprintf(stderr, "fargo: exec session %s: log to %s: HTTP %d %s\n", id.c_str(), where.c_str(),
                   resp.status, resp.body.substr(0, 300).c_str());
  });
}

}  // namespace fargo::cli
