// A listening unix socket at a fresh path, for the fakes of a container
// engine's API (tests/unit/runtime, tests/unit/cli): closed and unlinked
// with it; Accept() returns -1 once Close() was called.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace fargo::test_util {

class UnixListener {
 public:
  explicit UnixListener(const std::string& stem) {
    path_ = "/tmp/" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".sock";
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
  }
  ~UnixListener() {
    Close();
    ::unlink(path_.c_str());
  }
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  const std::string& path() const { return path_; }
  int Accept() { return ::accept(fd_, nullptr, nullptr); }
  // Wakes a thread blocked in Accept().
  void Close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }

  // The request head (through the blank line) read from `c` byte by byte,
  // so that nothing of the body is consumed.
  static std::string ReadHead(int c) {
    std::string head;
    char ch;
    while (head.find("\r\n\r\n") == std::string::npos && ::read(c, &ch, 1) == 1) head += ch;
    return head;
  }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
  int fd_ = -1;
};

}  // namespace fargo::test_util
