// Shell completion: `fargo completion bash|zsh` prints a script completing
// fargo's subcommands and their options (made from the command line's own
// definition, so a new option completes by itself), and the names of
// clusters, services and tasks, asked of the running fargo (`fargo __names`,
// with the line's --endpoint, --region and --cluster).
//   bash: source <(fargo completion bash)
//   zsh:  source <(fargo completion zsh)   (or save it as _fargo in $fpath)
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fargo::cli {

struct CommandSpec {
  std::string name, description;
  std::vector<std::string> options;  // "--cluster", "-f", ...
  std::vector<std::string> words;    // fixed positional values ("bash", "zsh")
  // Kinds of names its positional takes from the running fargo ("tasks",
  // "services"), listed by `fargo __names KIND` as the line is completed.
  std::vector<std::string> names;
};

// The options whose value is a name from the running fargo, and its kind.
inline const std::vector<std::pair<std::string, std::string>>& NameOptions() {
  static const std::vector<std::pair<std::string, std::string>> kOptions{{"--cluster", "clusters"},
                                                                         {"--task", "tasks"}};
  return kOptions;
}

// The script for `shell` ("bash" or "zsh"); "" for another shell.
std::string CompletionScript(const std::string& shell, const std::vector<CommandSpec>& commands);

}  // namespace fargo::cli
