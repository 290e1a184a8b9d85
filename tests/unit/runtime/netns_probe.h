// Test helpers for network namespaces: a process in a namespace of its own
// (a stand-in for a task's sandbox), a one-byte TCP server inside a
// namespace, and a connection made from inside one. Need root.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/netns.h"

namespace fargo::test_util {
using runtime::OpenProcessNetns;
using runtime::RunInNetns;
using runtime::UniqueFd;
}  // namespace fargo::test_util

extern char** environ;

namespace fargo::test_util {

// A process in a new network namespace (`unshare -n sleep`), killed on scope exit.
class ProcessNetns {
 public:
  ProcessNetns() {
    const char* argv[] = {"unshare", "-n", "sleep", "120", nullptr};
    if (posix_spawnp(&pid_, "unshare", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = 0;
    struct stat mine {};
    stat("/proc/self/ns/net", &mine);
    // Wait until the child is in its own namespace.
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      struct stat theirs {};
      if (stat(("/proc/" + std::to_string(pid_) + "/ns/net").c_str(), &theirs) == 0 && theirs.st_ino != mine.st_ino)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~ProcessNetns() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int pid() const { return pid_; }
  int NetnsFd() {
    if (!fd_.valid()) {
      auto fd = OpenProcessNetns(pid_);
      if (fd.ok()) fd_ = std::move(*fd);
    }
    return fd_.get();
  }

 private:
  pid_t pid_ = 0;
  UniqueFd fd_;
};

// A TCP server inside a namespace that answers every connection with `reply`.
class NetnsServer {
 public:
  NetnsServer(int netns_fd, const std::string& ip, int port, char reply) : reply_(reply) {
    Status st = RunInNetns(netns_fd, [&]() -> Status {
      fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0)
        return AwsError::Make("Test", "cannot listen on " + ip + ": " + strerror(errno), 500);
      return OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st.error().message;
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        (void)!write(c, &reply_, 1);
        close(c);
      }
    });
  }
  ~NetnsServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

 private:
  int fd_ = -1;
  char reply_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Connects from inside a namespace (from its address `from` when given):
// the byte answered, '-' when nothing answered within `timeout_ms` (a
// drop), '!' when refused or unreachable.
inline char Ask(int netns_fd, const std::string& ip, int port, int timeout_ms = 1000, const std::string& from = "") {
  char got = '-';
  (void)RunInNetns(netns_fd, [&]() -> Status {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (!from.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      inet_pton(AF_INET, from.c_str(), &src.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) got = '!';
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (rc != 0 && errno != EINPROGRESS) got = '!';
    pollfd p{fd, POLLIN, 0};
    if (got == '-' && poll(&p, 1, timeout_ms) > 0) {
      char c;
      got = read(fd, &c, 1) == 1 ? c : '!';
    }
    close(fd);
    return OkStatus();
  });
  return got;
}

}  // namespace fargo::test_util
