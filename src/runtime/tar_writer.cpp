#include "runtime/tar_writer.h"

#include <cstdio>
#include <cstring>

namespace fargo::runtime {
namespace {

void PutOctal(char* field, size_t width, uint64_t value) {
  // width includes the terminating NUL.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

void PutString(char* field, size_t width, std::string_view s) {
  std::memcpy(field, s.data(), std::min(width, s.size()));
}

}  // namespace

void TarWriter::AddHeader(std::string_view path, char type, int mode, size_t size,
                          std::string_view link) {
  char h[512] = {};
  PutString(h + 0, 100, path);
  PutOctal(h + 100, 8, static_cast<uint64_t>(mode));
  PutOctal(h + 108, 8, 0);   // uid
  PutOctal(h + 116, 8, 0);   // gid
  PutOctal(h + 124, 12, size);
  PutOctal(h + 136, 12, 0);  // mtime
  h[156] = type;
  PutString(h + 157, 100, link);
  std::memcpy(h + 257, "ustar", 6);  // magic "ustar\0"
  std::memcpy(h + 263, "00", 2);     // version
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  data_.append(h, sizeof h);
}

void TarWriter::AddDirectory(std::string_view path, int mode) {
  std::string p(path);
  if (p.empty() || p.back() != '/') p += '/';
  AddHeader(p, '5', mode, 0);
}

void TarWriter::AddFile(std::string_view path, std::string_view content, int mode) {
  AddHeader(path, '0', mode, content.size());
  data_.append(content);
  data_.append((512 - content.size() % 512) % 512, '\0');
}

void TarWriter::AddSymlink(std::string_view path, std::string_view target) {
  AddHeader(path, '2', 0777, 0, target);
}

std::string TarWriter::Finish() const { return data_ + std::string(1024, '\0'); }

}  // namespace fargo::runtime
