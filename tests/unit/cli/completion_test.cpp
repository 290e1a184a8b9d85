#include "cli/completion.h"

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

std::vector<CommandSpec> Specs() {
  return {{"ps", "tasks", {"--cluster", "--all", "-a"}, {}}, {"completion", "a script", {"--help"}, {"bash", "zsh"}}};
}

TEST(CliCompletion, BashCompletesCommandsThenTheirOptions) {
  std::string s = CompletionScript("bash", Specs());
  EXPECT_NE(s.find("compgen -W \"ps completion --help\""), std::string::npos) << s;
  EXPECT_NE(s.find("ps) COMPREPLY=($(compgen -W \"--cluster --all -a\""), std::string::npos) << s;
  EXPECT_NE(s.find("completion) COMPREPLY=($(compgen -W \"--help bash zsh\""), std::string::npos) << s;
  EXPECT_NE(s.find("complete -o default -F _fargo fargo"), std::string::npos);
}

TEST(CliCompletion, ZshDescribesCommands) {
  std::string s = CompletionScript("zsh", Specs());
  EXPECT_EQ(s.rfind("#compdef fargo\n", 0), 0u);
  EXPECT_NE(s.find("'ps:tasks'"), std::string::npos) << s;
  EXPECT_NE(s.find("ps) compadd -- --cluster --all -a ;;"), std::string::npos) << s;
  EXPECT_NE(s.find("compdef _fargo fargo"), std::string::npos);
}

TEST(CliCompletion, OtherShellsGetNothing) { EXPECT_EQ(CompletionScript("fish", Specs()), ""); }

}  // namespace
}  // namespace fargo::cli
