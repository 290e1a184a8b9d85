// Ulimits for containers. The OCI runtime applies a container's rlimits with
// setrlimit() inside the container's user namespace; asking for more than the
// host allows fails container start ("error setting rlimit type 7: operation
// not permitted"). Every container fargo creates therefore carries explicit
// ulimits clamped to what this host grants.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace fargo::runtime {

// One ulimit in the engine's form; -1 means unlimited.
struct Ulimit {
  std::string name;  // "nofile", "nproc", "core", ... (Docker's names)
  int64_t soft = 0;
  int64_t hard = 0;
  bool operator==(const Ulimit&) const = default;
};

// The highest hard limit the host grants per ulimit name; a missing name or -1
// means unlimited.
struct HostLimits {
  std::map<std::string, int64_t> hard;

  // Reads getrlimit() for every name Docker knows. nproc is additionally
  // capped at kMaxNproc, above which runc fails in nested user namespaces.
  static HostLimits Probe();
  int64_t Max(std::string_view name) const;
};

inline constexpr int64_t kMaxNproc = 32768;
// What a container gets when the task asks for nothing (Fargate's defaults,
// before clamping).
inline constexpr int64_t kDefaultNofile = 65535;
inline constexpr int64_t kDefaultNproc = kMaxNproc;

// The RLIMIT_* constant for a Docker ulimit name, or nullopt if unknown.
std::optional<int> RlimitResource(std::string_view name);

// Returns `requested` with every soft/hard value clamped to the host's maximum
// (unlimited counts as larger than anything), soft <= hard, unknown names
// dropped, and nofile/nproc added with defaults when absent. Output is sorted
// by name so the result is deterministic.
std::vector<Ulimit> ClampUlimits(const std::vector<Ulimit>& requested, const HostLimits& host);

// HostConfig.Ulimits JSON: [{"Name":..,"Soft":..,"Hard":..}, ...].
boost::json::array UlimitsToJson(const std::vector<Ulimit>& ulimits);

}  // namespace fargo::runtime
