#include "cli/completion.h"

#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

std::vector<CommandSpec> Specs() {
  return {{"ps", "tasks", {"--cluster", "--all", "-a", "--endpoint"}, {}, {}},
          {"logs", "output", {"--cluster", "--follow"}, {}, {"services", "tasks"}},
          {"completion", "a script", {"--help"}, {"bash", "zsh"}, {}}};
}

// What bash offers for `line` (words, the last one being completed), with
// `fargo` a function answering `__names KIND ARGS...` as the daemon would.
std::string BashOffers(const std::string& line) {
  std::string probe = CompletionScript("bash", Specs()) +
                      "fakefargo() { [[ $1 == __names ]] || return 1; shift; local kind=$1; shift\n"
                      "  case $kind in clusters) echo people; echo other ;;\n"
                      "    services) echo \"web-$*\" ;; tasks) echo 0123abc; echo 0456def ;; esac; }\n"
                      "COMP_WORDS=(fakefargo " + line + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                      "_fargo; echo \"${COMPREPLY[*]}\"\n";
  std::string path = ::testing::TempDir() + "/completion_probe.sh";
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), std::fclose);
  std::fputs(probe.c_str(), f.get());
  f.reset();
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(("bash " + path).c_str(), "r"), pclose);
  std::string out;
  char buf[512];
  while (p && std::fgets(buf, sizeof buf, p.get())) out += buf;
  return out;
}

TEST(CliCompletion, BashCompletesCommandsThenTheirOptions) {
  EXPECT_EQ(BashOffers("p"), "ps\n");
  EXPECT_EQ(BashOffers("ps --a"), "--all\n");
  EXPECT_EQ(BashOffers("completion z"), "zsh\n");
}

TEST(CliCompletion, BashCompletesNamesFromTheRunningFargo) {
  // An option's value: the clusters.
  EXPECT_EQ(BashOffers("ps --cluster p"), "people\n");
  // A positional taking names: services and tasks, asked with the line's
  // endpoint, region and cluster; options still complete as options.
  EXPECT_EQ(BashOffers("logs --endpoint http://x:1 --cluster people \"\""),
            "--cluster --follow web---endpoint http://x:1 --cluster people 0123abc 0456def\n");
  EXPECT_EQ(BashOffers("logs 04"), "0456def\n");
  EXPECT_EQ(BashOffers("logs --f"), "--follow\n");
}

TEST(CliCompletion, ZshDescribesCommandsAndAsksForNames) {
  std::string s = CompletionScript("zsh", Specs());
  EXPECT_EQ(s.rfind("#compdef fargo\n", 0), 0u);
  EXPECT_NE(s.find("'ps:tasks'"), std::string::npos) << s;
  EXPECT_NE(s.find("ps) compadd -- --cluster --all -a --endpoint ;;"), std::string::npos) << s;
  EXPECT_NE(s.find("--cluster) compadd -- ${(f)\"$(_fargo_names clusters)\"}; return ;;"), std::string::npos) << s;
  EXPECT_NE(s.find("$words[1] __names $1 $args"), std::string::npos) << s;
  EXPECT_NE(s.find("compdef _fargo fargo"), std::string::npos);
}

TEST(CliCompletion, OtherShellsGetNothing) { EXPECT_EQ(CompletionScript("fish", Specs()), ""); }

}  // namespace
}  // namespace fargo::cli
