// Session logs as the SSM agent writes them at a session's end: the
// transcript in lines (CloudWatch Logs events, in a stream named by the
// session id; the same lines, newline-ended, as the S3 object), and the S3
// object's key, the agent's path.Join(s3KeyPrefix, sessionId + ".log").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fargo::dataplane::sessions {

// The transcript's lines: split at "\n", a trailing "\r" dropped, empty
// lines left out, each at most `max_line` bytes.
std::vector<std::string> TranscriptLines(std::string_view transcript, size_t max_line = 256 * 1024 - 26);

// "<prefix>/<session id>.log" as Go's path.Join makes it: no doubled or
// trailing slashes of the prefix, "." and ".." resolved, "" prefix: the
// name alone.
std::string S3LogKey(std::string_view prefix, std::string_view session_id);

}  // namespace fargo::dataplane::sessions
