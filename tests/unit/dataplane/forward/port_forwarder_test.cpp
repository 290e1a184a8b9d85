// PortForwarder: a listener on the host whose connections are made inside a
// named network namespace. The server answers on the namespace's own
// loopback, where the host has nothing: only a connection opened inside the
// namespace reaches it. Needs root (CI runs as root).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test_env.h"

#include "dataplane/forward/port_forwarder.h"
#include "runtime/netns.h"

namespace fargo::dataplane {
namespace {

// Connects to 127.0.0.1:port from the calling thread's namespace and reads
// what the peer says first ("" when refused or closed).
std::string Ask(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

class PortForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FARGO_REQUIRE_ROOT();
    ns_ = "fargo-test-forward-" + std::to_string(getpid());
    ASSERT_TRUE(runtime::CreateNamedNetns(ns_).ok());
    auto fd = runtime::OpenNamedNetns(ns_);
    ASSERT_TRUE(fd.ok());
    // A server on the namespace's loopback, on a port taken from inside it.
    int listener = -1;
    ASSERT_TRUE(runtime::RunInNetns(fd->get(), [&]() -> Status {
                  listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                  sockaddr_in a{};
                  a.sin_family = AF_INET;
                  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                  if (bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener, 16) != 0)
                    return AwsError::Make("InternalError", "server", 500);
                  socklen_t len = sizeof a;
                  getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
                  port_ = ntohs(a.sin_port);
                  return OkStatus();
                }).ok());
    listener_ = listener;
    server_ = std::thread([this] {
      for (;;) {
        int c = accept(listener_, nullptr, nullptr);
        if (c < 0) return;
        (void)!write(c, "inside", 6);
        close(c);
      }
    });
  }
  void TearDown() override {
    if (listener_ >= 0) {
      shutdown(listener_, SHUT_RDWR);
      close(listener_);
    }
    if (server_.joinable()) server_.join();
    if (!ns_.empty()) (void)runtime::RemoveNamedNetns(ns_);
  }

  std::string ns_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::thread server_;
};

TEST_F(PortForwarderTest, RelaysIntoTheNamespace) {
  PortForwarder forwarder;
  auto f = forwarder.Open({ns_, "127.0.0.1", port_}, "127.0.0.1", 0);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->listen_host, "127.0.0.1");
  ASSERT_NE(f->listen_port, 0);
  EXPECT_EQ(Ask(f->listen_port), "inside");
  EXPECT_EQ(Ask(f->listen_port), "inside");  // every connection, not just one
  ASSERT_EQ(forwarder.List().size(), 1u);
  ASSERT_TRUE(forwarder.Close(f->id).ok());
  EXPECT_EQ(Ask(f->listen_port), "");
  EXPECT_TRUE(forwarder.List().empty());
}

TEST_F(PortForwarderTest, EndsWhenItsLeaseRunsOut) {
  PortForwarder forwarder(std::chrono::milliseconds(1500));
  auto f = forwarder.Open({ns_, "127.0.0.1", port_}, "127.0.0.1", 0);
  ASSERT_TRUE(f.ok()) << f.error().message;
  for (int i = 0; i < 4; ++i) {  // renewed: past its first lease
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ASSERT_TRUE(forwarder.Renew(f->id).ok());
  }
  EXPECT_EQ(Ask(f->listen_port), "inside");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // not renewed
  EXPECT_EQ(Ask(f->listen_port), "");
  EXPECT_EQ(forwarder.Renew(f->id).error().code, "NotFound");
}

TEST_F(PortForwarderTest, NamesWhatItCannotDo) {
  PortForwarder forwarder;
  EXPECT_EQ(forwarder.Open({"fargo-test-no-such-ns", "10.0.1.5", 80}, "127.0.0.1", 0).error().code, "NotFound");
  EXPECT_EQ(forwarder.Open({ns_, "not-an-ip", 80}, "127.0.0.1", 0).error().code, "InvalidParameter");
  auto f = forwarder.Open({ns_, "127.0.0.1", port_}, "127.0.0.1", 0);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(forwarder.Open({ns_, "127.0.0.1", port_}, "127.0.0.1", f->listen_port).error().code, "AddressInUse");
}

}  // namespace
}  // namespace fargo::dataplane
