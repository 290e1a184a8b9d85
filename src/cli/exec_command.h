// fargo exec: a shell (or a command) in a task's container, through the
// same ECS Exec sessions as `aws ecs execute-command` (so it is logged the
// same way), with fargo's own client of the data channel instead of the
// session-manager-plugin; its exit status is the command's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fargo::cli {

struct ExecOptions {
  std::string task;       // id or ARN
  std::string cluster;    // default: the ARN's, else "default"
  std::string container;  // needed for tasks of several containers
  std::vector<std::string> command;  // default /bin/sh
  std::string endpoint = "http://127.0.0.1:4566";
  std::string region = "us-east-1";
};

int RunExec(const ExecOptions& options);

// Port sessions send their input in messages of up to this many bytes (the
// plugin's 1024 is for terminals; fargo's server takes frames up to 64 KiB).
inline constexpr size_t kPortInputChunk = 60 * 1024;

// One session's data channel, as fargo's client runs it.
struct SessionStreamOptions {
  std::string url, token;  // the StartSession/ExecuteCommand answer's streamUrl and tokenValue
  std::string session_id;
  // A shell at once, the terminal raw (fargo exec, ecs execute-command);
  // else the session's type is the handshake's (a "Port" one forwards a
  // local port, see port_session_client.h), or a shell at its first output.
  bool shell_first = true;
  bool want_exit_code = false;     // fargo's ExitCode message (fargo exec's status)
  bool plugin_messages = false;    // "Exiting session with sessionId: ..." as the plugin prints it
  std::optional<int> local_port;   // port sessions: instead of the handshake's localPortNumber
  std::string local_address = "127.0.0.1";  // port sessions: where they listen
};

// Runs the session to its end: the shell's exit status (255 when the
// channel broke); port sessions 0 when it ended (channel_closed, Ctrl-C),
// 1 when it failed (the local port taken, the channel broken).
int RunSessionStream(const SessionStreamOptions& options);

// The same client with the session-manager-plugin's command line (what the
// aws CLI runs: <session JSON> <region> StartSession <profile> <target JSON>
// <endpoint>), for `fargo` installed under that name where the real plugin
// is not available. Like the plugin, exits 0 whatever the command's status.
// `aws ecs execute-command` (argv[5] without DocumentName) gets a shell at
// once; `aws ssm start-session` a session of the handshake's type (a "Port"
// one listens on its localPortNumber).
int RunPluginCompatible(int argc, char** argv);

}  // namespace fargo::cli
