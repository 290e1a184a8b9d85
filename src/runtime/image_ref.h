// ImageRef: a container image reference split into its parts and written back
// in the fully qualified form the engine stores ("docker.io/library/nginx:1.24.0").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fargo::runtime {

struct ImageRef {
  std::string registry;    // "docker.io", "localhost", "123.dkr.ecr.us-east-1.amazonaws.com"
  std::string repository;  // "library/nginx", "amazon/aws-cli"
  std::string tag;         // "1.24.0"; "latest" when neither tag nor digest was given
  std::string digest;      // "sha256:..." or empty

  // Repository with its registry: "docker.io/library/nginx".
  std::string Name() const { return registry + "/" + repository; }
  // "docker.io/library/nginx:1.24.0", "docker.io/library/nginx@sha256:..." or
  // "name:tag@digest" when both were given.
  std::string Full() const;
};

// Parses a Docker-style reference the way the Docker CLI does: the first path
// component is a registry only if it contains '.' or ':' or is "localhost";
// otherwise the registry is docker.io, whose single-component names live under
// "library/". Returns nullopt for empty or malformed references.
std::optional<ImageRef> ParseImageRef(std::string_view reference);

// ParseImageRef(reference)->Full(), or the input unchanged when it does not parse.
std::string NormalizeImageRef(std::string_view reference);

}  // namespace fargo::runtime
