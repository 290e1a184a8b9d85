// fargo pull IMAGE: pulls an image through the running daemon's container
// engine (POST /_fargo/pulls, then GET /_fargo/pulls/<id> until it ends) and
// shows its progress: one updating bar on a terminal, a plain line per step
// otherwise (each layer done, each 10% of the bytes), one JSON object per
// change with --json (PullProgress::ToJson, the last one the final state).
// Exits 0 once pulled, 1 with the engine's message when the pull fails or
// fargo does not answer.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "cli/people_commands.h"
#include "common/result.h"
#include "runtime/pull_progress.h"

namespace fargo::cli {

struct PullOptions : PeopleOptions {
  std::string image;
};

int RunPull(const PullOptions& options);

enum class PullOutput { kBar, kLines, kJson };

// Follows one pull: asks `poll` every `interval` until the pull ends (or
// `poll` fails), writing progress to `out` and the failure to `err` as
// "fargo pull: <message>". Returns the exit status (0 pulled, 1 otherwise).
int FollowPull(const std::function<Result<runtime::PullProgress>()>& poll, PullOutput mode, FILE* out, FILE* err,
               std::chrono::milliseconds interval = std::chrono::milliseconds(200));

// The step a plain line is printed for: changes with each layer done, each
// 10% of the bytes, the state, and the image-level message until the
// first layer shows.
std::string PullStepKey(const runtime::PullProgress& p);

}  // namespace fargo::cli
