// fargo: AWS ECS Fargate on your own machine.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/serve.h"

int main(int argc, char** argv) {
  CLI::App app{"fargo: AWS ECS Fargate on your own machine"};
  app.require_subcommand(1);

  fargo::cli::ServeOptions serve;
  auto* s = app.add_subcommand("serve", "run the fargo daemon (all AWS APIs on one port)");
  s->add_option("--host", serve.host, "address to listen on")->capture_default_str();
  s->add_option("--port", serve.port, "port to listen on")->capture_default_str();
  s->add_option("--data-dir", serve.data_dir, "where state is kept")->capture_default_str();
  s->add_option("--account", serve.account, "the AWS account id fargo answers as")->capture_default_str();
  s->add_option("--region", serve.region, "region for unsigned requests")->capture_default_str();
  s->add_option("--task-endpoints", serve.task_endpoints_address,
                 "address of the tasks' metadata and credentials endpoints (\"\" = off)")
      ->capture_default_str();
  s->add_option("--task-endpoints-port", serve.task_endpoints_port, "their port")->capture_default_str();
  s->callback([&] { std::exit(fargo::cli::RunServe(serve)); });

  std::string endpoint = "http://127.0.0.1:4566";
  auto* tf = app.add_subcommand("terraform-override",
                                "print a provider block pointing the AWS provider at fargo");
  tf->add_option("--endpoint", endpoint, "fargo's URL")->capture_default_str();
  tf->callback([&] { std::exit(fargo::cli::PrintTerraformOverride(endpoint)); });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
