// The sandbox ("pause") image: a root filesystem holding only the statically
// linked fargo-pause program that is embedded in this library.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/engine_client.h"

namespace fargo::runtime {

inline constexpr const char* kPauseImage = "localhost/fargo/pause:latest";

// The embedded fargo-pause executable.
std::string_view EmbeddedPauseBinary();

// A rootfs tar: /pause plus the empty directories the OCI runtime mounts over.
std::string PauseRootfsTar();

// Imports kPauseImage unless the engine already has it.
Status EnsurePauseImage(EngineClient& engine);

}  // namespace fargo::runtime
