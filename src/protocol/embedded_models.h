// The gzipped service models linked into the binary (see models/ and
// cmake/EmbedModels.cmake).
#pragma once

#include <cstddef>
#include <vector>

namespace fargo::protocol {

struct EmbeddedModel {
  const char* service;
  const unsigned char* data;
  size_t size;
};

const std::vector<EmbeddedModel>& EmbeddedModels();

}  // namespace fargo::protocol
