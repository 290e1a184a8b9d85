#include "dataplane/sessions/session_log.h"

namespace fargo::dataplane::sessions {

std::vector<std::string> TranscriptLines(std::string_view transcript, size_t max_line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < transcript.size()) {
    size_t nl = transcript.find('\n', start);
    std::string_view line =
        transcript.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line.substr(0, max_line));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string S3LogKey(std::string_view prefix, std::string_view session_id) {
  // path.Join(prefix, name) = path.Clean(prefix + "/" + name) for a non-empty prefix.
  std::string joined = prefix.empty() ? std::string() : std::string(prefix) + "/";
  joined += session_id;
  joined += ".log";
  bool rooted = !joined.empty() && joined[0] == '/';
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!rooted) parts.push_back(part);
      continue;
    }
    parts.push_back(part);
  }
  std::string key = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) key += '/';
    key += parts[i];
  }
  return key;
}

}  // namespace fargo::dataplane::sessions
