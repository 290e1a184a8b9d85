// A client that speaks raw bytes to a listener on 127.0.0.1, for the tests
// of what a connection does with them (limits, timeouts, closes).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace fargo::test_util {

// A connected socket whose reads give up after `wait`.
inline int ConnectLoopback(uint16_t port, std::chrono::milliseconds wait = std::chrono::seconds(3)) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Sends `text` on `fd` (as much as the peer takes), then reads until the
// peer closes or the read times out. `closed` says whether the peer closed.
inline std::string SendAndReadAll(int fd, const std::string& text, bool* closed = nullptr) {
  for (size_t sent = 0; sent < text.size();) {
    ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before all is sent
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  bool eof = false;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) eof = true;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  if (closed) *closed = eof;
  return out;
}

}  // namespace fargo::test_util
