// TarWriter: builds a POSIX ustar archive in memory, enough to describe a tiny
// root filesystem for `POST /images/create?fromSrc=-`.
#pragma once

#include <string>
#include <string_view>

namespace fargo::runtime {

class TarWriter {
 public:
  // Paths are relative ("pause", "etc/passwd"), at most 100 bytes.
  void AddDirectory(std::string_view path, int mode = 0755);
  void AddFile(std::string_view path, std::string_view content, int mode = 0644);
  void AddSymlink(std::string_view path, std::string_view target);

  // The archive with its two terminating zero blocks. The writer stays usable.
  std::string Finish() const;

 private:
  void AddHeader(std::string_view path, char type, int mode, size_t size,
                 std::string_view link = {});
  std::string data_;
};

}  // namespace fargo::runtime
