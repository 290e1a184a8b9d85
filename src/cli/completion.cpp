#include "cli/completion.h"

namespace fargo::cli {

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// For a single-quoted zsh string.
std::string Quote(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else if (c == ':') out += "\\:";
    else out += c;
  }
  return out;
}

std::string Bash(const std::vector<CommandSpec>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  std::string s =
      "# bash completion for fargo: source <(fargo completion bash)\n"
      "_fargo_names() {  # KIND: names from the running fargo, with the line's endpoint, region, cluster\n"
      "  local args=() i\n"
      "  for ((i = 1; i + 1 < COMP_CWORD; i++)); do\n"
      "    case \"${COMP_WORDS[i]}\" in --endpoint|--region|--cluster) args+=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i+1]}\") ;; esac\n"
      "  done\n"
      "  \"${COMP_WORDS[0]}\" __names \"$1\" \"${args[@]}\" 2>/dev/null\n"
      "}\n"
      "_fargo() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"\" i w\n"
      "  case \"$prev\" in\n";
  for (const auto& [option, kind] : NameOptions())
    s += "    " + option + ") COMPREPLY=($(compgen -W \"$(_fargo_names " + kind + ")\" -- \"$cur\")); return ;;\n";
  s += "  esac\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n"
       "  done\n"
       "  case \"$cmd\" in\n"
       "    \"\") COMPREPLY=($(compgen -W \"" + Join(names) + " --help\" -- \"$cur\")) ;;\n";
  for (const auto& c : commands) {
    std::vector<std::string> words = c.options;
    words.insert(words.end(), c.words.begin(), c.words.end());
    s += "    " + c.name + ") w=\"" + Join(words) + "\"";
    if (!c.names.empty()) {
      s += "; [[ \"$cur\" == -* ]] || w+=\"";
      for (const auto& kind : c.names) s += " $(_fargo_names " + kind + ")";
      s += "\"";
    }
    s += "; COMPREPLY=($(compgen -W \"$w\" -- \"$cur\")) ;;\n";
  }
  s += "  esac\n"
       "}\n"
       "complete -o default -F _fargo fargo\n";
  return s;
}

std::string Zsh(const std::vector<CommandSpec>& commands) {
  std::string s =
      "#compdef fargo\n"
      "# zsh completion for fargo: source <(fargo completion zsh), or save as _fargo in $fpath\n"
      "_fargo_names() {  # KIND: names from the running fargo, with the line's endpoint, region, cluster\n"
      "  local -a args; local i\n"
      "  for ((i = 2; i + 1 < CURRENT; i++)); do\n"
      "    case $words[i] in --endpoint|--region|--cluster) args+=($words[i] $words[i+1]) ;; esac\n"
      "  done\n"
      "  $words[1] __names $1 $args 2>/dev/null\n"
      "}\n"
      "_fargo() {\n"
      "  local -a commands\n"
      "  case $words[CURRENT-1] in\n";
  for (const auto& [option, kind] : NameOptions())
    s += "    " + option + ") compadd -- ${(f)\"$(_fargo_names " + kind + ")\"}; return ;;\n";
  s += "  esac\n"
      "  commands=(\n";
  for (const auto& c : commands) s += "    '" + Quote(c.name) + ":" + Quote(c.description) + "'\n";
  s += "  )\n"
       "  if (( CURRENT == 2 )); then\n"
       "    _describe -t commands 'fargo command' commands\n"
       "    return\n"
       "  fi\n"
       "  case $words[2] in\n";
  for (const auto& c : commands) {
    std::vector<std::string> words = c.options;
    words.insert(words.end(), c.words.begin(), c.words.end());
    s += "    " + c.name + ") compadd -- " + Join(words);
    if (!c.names.empty()) {
      s += "; [[ $PREFIX == -* ]] || {";
      for (const auto& kind : c.names) s += " compadd -- ${(f)\"$(_fargo_names " + kind + ")\"};";
      s += " }";
    }
    s += " ;;\n";
  }
  s += "  esac\n"
       "}\n"
       "if [[ \"${funcstack[1]}\" == _fargo ]]; then _fargo \"$@\"; else compdef _fargo fargo; fi\n";
  return s;
}

}  // namespace

std::string CompletionScript(const std::string& shell, const std::vector<CommandSpec>& commands) {
  if (shell == "bash") return Bash(commands);
  if (shell == "zsh") return Zsh(commands);
  return "";
}

}  // namespace fargo::cli
