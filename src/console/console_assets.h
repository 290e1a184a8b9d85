// The console's files, embedded in the binary at build time
// (cmake/EmbedConsole.cmake, from src/console/assets/).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace fargo::console {

struct ConsoleAsset {
  const char* name;  // "index.html", "app.js", ...
  const unsigned char* data;
  size_t size;

  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

const std::vector<ConsoleAsset>& ConsoleAssets();

}  // namespace fargo::console
