// fargo: AWS ECS Fargate on your own machine.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/completion.h"
#include "cli/pull_command.h"
#include "cli/people_commands.h"

#include "cli/exec_command.h"
#include "cli/port_forward_command.h"
#include "cli/serve.h"
#include "cli/vpc_commands.h"

int main(int argc, char** argv) {
  // Installed (linked) as session-manager-plugin: fargo's own client of the
  // data channel, with the plugin's command line.
  std::string self = argv[0];
  if (self.substr(self.rfind('/') + 1) == "session-manager-plugin")
    return fargo::cli::RunPluginCompatible(argc, argv);
  CLI::App app{"fargo: AWS ECS Fargate on your own machine"};
  app.require_subcommand(1);

  fargo::cli::ServeOptions serve;
  auto* s = app.add_subcommand("serve", "run the fargo daemon (all AWS APIs on one port)");
  s->add_option("--host", serve.host, "address to listen on")->capture_default_str();
  s->add_option("--port", serve.port, "port to listen on")->capture_default_str();
  s->add_option("--data-dir", serve.data_dir, "where state is kept")->capture_default_str();
  s->add_option("--account", serve.account, "the AWS account id fargo answers as")->capture_default_str();
  s->add_option("--region", serve.region, "region for unsigned requests")->capture_default_str();
  s->add_option("--scale-waits", serve.scale_waits,
                "scale AWS's fixed load balancer waits (health check intervals, deregistration "
                "delays) by this factor, e.g. 0.01 for a fast development loop; 1 behaves as AWS")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1.0));
  s->add_option("--task-endpoints", serve.task_endpoints_address,
                 "address of the tasks' metadata and credentials endpoints (\"\" = off)")
      ->capture_default_str();
  s->add_option("--task-endpoints-port", serve.task_endpoints_port, "their port")->capture_default_str();
  s->callback([&] { std::exit(fargo::cli::RunServe(serve)); });

  s->add_option("--task-https-port", serve.task_https_port,
                 "port of the tasks' HTTPS for the AWS names (they reach it at 169.254.170.3:443)")
      ->capture_default_str();

  std::string ca_dir = fargo::cli::ServeOptions::DefaultDataDir();
  auto* ca = app.add_subcommand("ca", "print fargo's certificate authority (PEM), which signs the certificates tasks "
                                      "are served over HTTPS; made on first use");
  ca->add_option("--data-dir", ca_dir, "the data directory of `fargo serve`")->capture_default_str();
  ca->callback([&] { std::exit(fargo::cli::PrintCa(ca_dir)); });

  std::string endpoint = "http://127.0.0.1:4566";
  auto* tf = app.add_subcommand("terraform-override",
                                "print a provider block pointing the AWS provider at fargo");
  tf->add_option("--endpoint", endpoint, "fargo's URL")->capture_default_str();
  tf->callback([&] { std::exit(fargo::cli::PrintTerraformOverride(endpoint)); });

  fargo::cli::PortForwardOptions pf;
  auto* f = app.add_subcommand("port-forward",
                               "reach a port of a target through Session Manager (TARGET: i-... or "
                               "ecs:<cluster>_<task-id>_<runtime-id>, as `aws ssm start-session`), or an address "
                               "inside a VPC (--vpc/--remote, --task/--port): fargo listens on 127.0.0.1:<local> "
                               "and forwards each connection");
  f->add_option("target", pf.target, "Session Manager target: i-... or ecs:<cluster>_<task-id>_<runtime-id>");
  f->add_option("--host", pf.host, "with TARGET: the remote host the target connects to (default: its localhost)");
  f->add_option("--document-name", pf.document_name,
                "with TARGET: the SSM document (default: AWS-StartPortForwardingSessionToRemoteHost with --host, "
                "else AWS-StartPortForwardingSession)");
  f->add_option("--vpc", pf.vpc, "the VPC (with --remote)");
  f->add_option("--remote", pf.remote, "ADDRESS:PORT inside the VPC (with --vpc)");
  f->add_option("--task", pf.task, "a task ARN or id (with --port): its address");
  f->add_option("--port", pf.port, "the target's or task's port (with TARGET or --task)");
  f->add_option("--local,--local-port", pf.local, "local port (0: any free one)")->capture_default_str();
  f->add_option("--address", pf.address, "local address (loopback)")->capture_default_str();
  f->add_option("--region", pf.region, "the VPC's or task's region (default: fargo's)");
  f->add_option("--endpoint", pf.endpoint, "fargo's URL")->capture_default_str();
  f->callback([&] {
    if (!pf.target.empty() && (!pf.vpc.empty() || !pf.remote.empty() || !pf.task.empty())) {
      std::fprintf(stderr, "fargo port-forward: a TARGET goes without --vpc, --remote and --task\n");
      std::exit(2);
    }
    std::exit(pf.target.empty() ? fargo::cli::RunPortForward(pf) : fargo::cli::RunSsmPortForward(pf));
  });

  fargo::cli::RouteOptions route;
  auto* r = app.add_subcommand("route",
                               "opt-in: route one VPC's CIDR blocks from this host (refused if they overlap a host "
                               "route or another routed VPC)");
  r->add_option("action", route.action, "add | delete | list")->required()->check(CLI::IsMember({"add", "delete", "list"}));
  r->add_option("vpc", route.vpc, "the VPC id");
  r->add_option("--region", route.region, "the VPC's region (default: fargo's)");
  r->add_option("--endpoint", route.endpoint, "fargo's URL")->capture_default_str();
  r->callback([&] { std::exit(fargo::cli::RunRoute(route)); });

  // The commands for people: what runs, read through fargo's AWS APIs.
  auto common = [](CLI::App* c, fargo::cli::PeopleOptions& o, bool cluster) {
    c->add_option("--endpoint", o.endpoint, "fargo's URL")->capture_default_str();
    c->add_option("--region", o.region, "the region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)")
        ->capture_default_str();
    c->add_flag("--json", o.json, "JSON for scripts instead of a table");
    if (cluster) c->add_option("--cluster", o.cluster, "only this cluster (default: all)");
  };
  fargo::cli::PeopleOptions status_opt;
  auto* st = app.add_subcommand("status", "is fargo running, where, its engine, version, data, memory, resources");
  common(st, status_opt, false);
  st->callback([&] { std::exit(fargo::cli::RunStatus(status_opt)); });

  fargo::cli::PsOptions ps_opt;
  auto* ps = app.add_subcommand("ps", "tasks as a table (running ones unless --all), like docker ps");
  common(ps, ps_opt, true);
  ps->add_flag("-a,--all", ps_opt.all, "stopped tasks too");
  ps->callback([&] { std::exit(fargo::cli::RunPs(ps_opt)); });

  fargo::cli::PullOptions pull_opt;
  auto* pl = app.add_subcommand("pull", "pull an image through fargo's container engine, showing its progress");
  common(pl, pull_opt, false);
  pl->add_option("image", pull_opt.image, "the image reference (alpine:3.20, public.ecr.aws/...)")->required();
  pl->callback([&] { std::exit(fargo::cli::RunPull(pull_opt)); });

  fargo::cli::PeopleOptions services_opt;
  auto* sv = app.add_subcommand("services", "ECS services: desired/pending/running, rollouts, task definition");
  common(sv, services_opt, true);
  sv->callback([&] { std::exit(fargo::cli::RunServices(services_opt)); });

  fargo::cli::PeopleOptions lbs_opt;
  auto* lb = app.add_subcommand("lbs", "load balancers, listeners, target groups and their targets' health");
  common(lb, lbs_opt, false);
  lb->callback([&] { std::exit(fargo::cli::RunLbs(lbs_opt)); });

  fargo::cli::LogsOptions logs_opt;
  auto* lg = app.add_subcommand("logs", "a task's or a service's container output (CloudWatch Logs, awslogs)");
  common(lg, logs_opt, true);
  lg->add_option("target", logs_opt.target, "a task id or ARN, or a service name")->required();
  lg->add_option("-c,--container", logs_opt.container, "only this container");
  lg->add_flag("-f,--follow", logs_opt.follow, "keep printing new output (Ctrl-C stops)");
  lg->add_option("--since", logs_opt.since, "only output of the last 30s, 5m, 1h30m, ...");
  lg->callback([&] { std::exit(fargo::cli::RunLogs(logs_opt)); });

  std::string names_kind;
  fargo::cli::PeopleOptions names_opt;
  auto* nm = app.add_subcommand("__names", "names for the completion scripts: clusters | services | tasks");
  nm->group("");  // not in --help
  common(nm, names_opt, true);
  nm->add_option("kind", names_kind, "clusters | services | tasks")->required()->check(
      CLI::IsMember({"clusters", "services", "tasks"}));
  nm->callback([&] { std::exit(fargo::cli::RunNames(names_kind, names_opt)); });

  std::string shell;
  auto* cp = app.add_subcommand("completion", "print a shell completion script: source <(fargo completion bash)");
  cp->add_option("shell", shell, "bash | zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  cp->callback([&] {
    std::vector<fargo::cli::CommandSpec> specs;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name().rfind("__", 0) == 0) continue;  // for the scripts themselves
      fargo::cli::CommandSpec spec{sub->get_name(), sub->get_description(), {}, {}, {}};
      for (const CLI::Option* o : sub->get_options()) {
        if (!o->nonpositional()) continue;
        for (const auto& l : o->get_lnames()) spec.options.push_back("--" + l);
        for (const auto& n : o->get_snames()) spec.options.push_back("-" + n);
      }
      if (sub->get_name() == "completion") spec.words = {"bash", "zsh"};
      if (sub->get_name() == "route") spec.words = {"add", "delete", "list"};
      if (sub->get_name() == "logs") spec.names = {"services", "tasks"};
      if (sub->get_name() == "exec") spec.names = {"tasks"};
      specs.push_back(std::move(spec));
    }
    std::fputs(fargo::cli::CompletionScript(shell, specs).c_str(), stdout);
    std::exit(0);
  });

  fargo::cli::ExecOptions exec;
  auto* x = app.add_subcommand("exec",
                               "a shell (or COMMAND) in a task's container, through the same ECS Exec sessions as "
                               "`aws ecs execute-command`; exits with the command's status");
  x->add_option("task", exec.task, "the task id or ARN")->required();
  x->add_option("--cluster", exec.cluster, "the task's cluster (default: the ARN's, else \"default\")");
  x->add_option("--container", exec.container, "the container (needed when the task has several)");
  x->add_option("--endpoint", exec.endpoint, "fargo's URL")->capture_default_str();
  x->add_option("--region", exec.region, "the task's region")->capture_default_str();
  x->add_option("command", exec.command, "the command (after --; default /bin/sh)");
  x->callback([&] { std::exit(fargo::cli::RunExec(exec)); });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
