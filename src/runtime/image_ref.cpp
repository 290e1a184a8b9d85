#include "runtime/image_ref.h"

#include <cctype>

namespace fargo::runtime {
namespace {

bool IsRegistryComponent(std::string_view c) {
  return c.find('.') != std::string_view::npos || c.find(':') != std::string_view::npos ||
         c == "localhost";
}

bool ValidRepository(std::string_view repo) {
  if (repo.empty() || repo.front() == '/' || repo.back() == '/') return false;
  for (char ch : repo) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isupper(c)) return false;
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/')) return false;
  }
  return repo.find("//") == std::string_view::npos;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (char ch : tag) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::string ImageRef::Full() const {
  std::string out = Name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::optional<ImageRef> ParseImageRef(std::string_view reference) {
  if (reference.empty()) return std::nullopt;
  ImageRef ref;
  std::string_view rest = reference;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (ref.digest.find(':') == std::string::npos) return std::nullopt;
  }
  // The tag is after the last ':' that follows the last '/'.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!ValidTag(ref.tag)) return std::nullopt;
  }
  size_t first = rest.find('/');
  if (first != std::string_view::npos && IsRegistryComponent(rest.substr(0, first))) {
    ref.registry = std::string(rest.substr(0, first));
    ref.repository = std::string(rest.substr(first + 1));
  } else {
    ref.registry = "docker.io";
    ref.repository = std::string(rest);
  }
  if (ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io") {
    ref.registry = "docker.io";
  }
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (!ValidRepository(ref.repository)) return std::nullopt;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string NormalizeImageRef(std::string_view reference) {
  auto ref = ParseImageRef(reference);
  return ref ? ref->Full() : std::string(reference);
}

}  // namespace fargo::runtime
