// Shell completion: `fargo completion bash|zsh` prints a script completing
// fargo's subcommands and their options (made from the command line's own
// definition, so a new option completes by itself).
//   bash: source <(fargo completion bash)
//   zsh:  source <(fargo completion zsh)   (or save it as _fargo in $fpath)
#pragma once

#include <string>
#include <vector>

namespace fargo::cli {

struct CommandSpec {
  std::string name, description;
  std::vector<std::string> options;  // "--cluster", "-f", ...
  std::vector<std::string> words;    // fixed positional values ("bash", "zsh")
};

// The script for `shell` ("bash" or "zsh"); "" for another shell.
std::string CompletionScript(const std::string& shell, const std::vector<CommandSpec>& commands);

}  // namespace fargo::cli
