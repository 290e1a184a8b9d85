// Test helpers for the load balancers' listeners: a free loopback port, and
// a listener of type L opened on 127.0.0.1 with a loop thread of its own.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "dataplane/lb/listener.h"

namespace fargo::dataplane::lb {

// A loopback port nothing listens on (right now).
inline uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

template <class L>
class ListenerOnLoop {
 public:
  // REQUIRES: `backend` outlives this.
  ListenerOnLoop(ListenerBackend& backend, ListenerConfig config) : config_(std::move(config)) {
    config_.address = "127.0.0.1";
    config_.port = FreePort();
    auto opened = L::Open(io_, backend, config_);
    EXPECT_TRUE(opened.ok());
    listener_ = std::move(*opened);
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  ~ListenerOnLoop() {
    boost::asio::post(io_, [this] { listener_.reset(); });
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return config_.port; }
  // Changes the listener's configuration on its loop, as the VPC's balancer
  // applies a new plan, and returns once it is applied.
  void Update(const std::function<void(ListenerConfig&)>& change) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      ListenerConfig c = config_;
      change(c);
      listener_->Update(c);
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  boost::asio::io_context io_;
  ListenerConfig config_;
  std::unique_ptr<L> listener_;
  std::thread thread_;
};

}  // namespace fargo::dataplane::lb
