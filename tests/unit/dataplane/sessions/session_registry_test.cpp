// Sessions as the registry keeps them: bounded per owner (ECS's quota per
// container), and ended when nobody connects, by Terminate, or by their
// owner's end, each reporting once whether a shell ever ran; an idle one
// ends with AWS's words.
#include "dataplane/sessions/session_registry.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <mutex>

namespace fargo::dataplane::sessions {
namespace {

// A target no test opens (no client connects).
class NeverOpened final : public SessionTarget {
 public:
  std::unique_ptr<SessionStream> Open(Events) override {
    ADD_FAILURE() << "opened";
    return nullptr;
  }
};

// A shell that prints a prompt and ends when closed.
class Shell final : public SessionTarget {
 public:
  class Stream final : public SessionStream {
   public:
    explicit Stream(Events ev) : ev_(std::move(ev)) {}
    void Write(std::string) override {}
    void Resize(int, int) override {}
    void Close() override {
      if (!closed_.exchange(true)) ev_.exited(-1, "");
    }
    Events ev_;
    std::atomic<bool> closed_{false};
  };
  std::unique_ptr<SessionStream> Open(Events ev) override {
    ev.output("# ");
    return std::make_unique<Stream>(std::move(ev));
  }
};

// The client's connection: what it was sent.
class Peer final : public SessionPeer {
 public:
  void Send(std::string frame) override {
    std::lock_guard<std::mutex> lock(mu);
    frames.push_back(std::move(frame));
  }
  void Close(int, std::string) override { closed = true; }
  // The Output of the channel_closed it got, if any.
  std::optional<std::string> ClosedWith() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& f : frames) {
      auto m = DecodeSessionMessage(f);
      if (m.ok() && m->message_type == "channel_closed")
        return std::string(boost::json::parse(m->payload).as_object().at("Output").as_string());
    }
    return std::nullopt;
  }
  std::mutex mu;
  std::vector<std::string> frames;
  std::atomic<bool> closed{false};
};

struct Fixture : ::testing::Test {
  boost::asio::io_context io;
  std::vector<Session::Ended> ended;
  Session::Options Opts(const std::string& id, std::chrono::milliseconds grace = std::chrono::seconds(60)) {
    Session::Options o;
    o.id = id;
    o.target = std::make_shared<NeverOpened>();
    o.reconnect_grace = grace;
    o.ended = [this](Session::Ended e) { ended.push_back(std::move(e)); };
    return o;
  }
  void RunFor(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }
};

using SessionRegistryTest = Fixture;

TEST_F(SessionRegistryTest, SessionsPerOwnerAreBounded) {
  SessionRegistry reg(io.get_executor(), {2});
  EXPECT_TRUE(reg.Add("task/app", "t1", Opts("s1")).ok());
  EXPECT_TRUE(reg.Add("task/app", "t2", Opts("s2")).ok());
  Status third = reg.Add("task/app", "t3", Opts("s3"));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "SessionLimitExceeded");
  EXPECT_TRUE(reg.Add("task/sidecar", "t4", Opts("s4")).ok());  // another container
  EXPECT_EQ(reg.live(), 3u);
  // One ends: there is room again.
  EXPECT_TRUE(reg.Terminate("s1", ""));
  RunFor(std::chrono::milliseconds(200));
  EXPECT_EQ(reg.live(), 2u);
  EXPECT_TRUE(reg.Add("task/app", "t5", Opts("s5")).ok());
}

TEST_F(SessionRegistryTest, ASessionNobodyConnectsToEndsAfterItsGrace) {
  SessionRegistry reg(io.get_executor(), {});
  ASSERT_TRUE(reg.Add("task/app", "tok", Opts("s1", std::chrono::milliseconds(100))).ok());
  RunFor(std::chrono::milliseconds(500));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].session_id, "s1");
  EXPECT_FALSE(ended[0].started);
  EXPECT_EQ(reg.live(), 0u);
  EXPECT_EQ(reg.Claim("s1", "tok"), nullptr);
}

TEST_F(SessionRegistryTest, TokensAndTheOwnersEnd) {
  SessionRegistry reg(io.get_executor(), {});
  ASSERT_TRUE(reg.Add("task-a/app", "tok", Opts("s1")).ok());
  ASSERT_TRUE(reg.Add("task-b/app", "tok2", Opts("s2")).ok());
  ASSERT_TRUE(reg.Add("task-a/sidecar", "tok3", Opts("s3")).ok());
  ASSERT_TRUE(reg.Add("task-ab/app", "tok4", Opts("s4")).ok());
  EXPECT_EQ(reg.Claim("s1", "wrong"), nullptr);
  EXPECT_EQ(reg.Claim("s1", ""), nullptr);
  EXPECT_NE(reg.Claim("s1", "tok"), nullptr);
  reg.TerminateOwner("task-a", "The task stopped.");  // the task: each of its containers' sessions
  RunFor(std::chrono::milliseconds(200));
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].session_id == "s1" ? ended[1].session_id : ended[0].session_id, "s3");
  EXPECT_EQ(reg.live(), 2u);
  EXPECT_FALSE(reg.Terminate("s1", ""));
}

TEST_F(SessionRegistryTest, AnIdleSessionEndsWithAWSsMessage) {
  SessionRegistry reg(io.get_executor(), {});
  Session::Options o = Opts("s1");
  o.target = std::make_shared<Shell>();
  o.idle_timeout = std::chrono::milliseconds(200);
  ASSERT_TRUE(reg.Add("task/app", "tok", std::move(o)).ok());
  auto peer = std::make_shared<Peer>();
  reg.Claim("s1", "tok")->Attach(peer, false);
  RunFor(std::chrono::milliseconds(100));
  EXPECT_FALSE(peer->ClosedWith());  // not idle long enough yet
  RunFor(std::chrono::milliseconds(2500));
  EXPECT_EQ(peer->ClosedWith(), "Your session timed out due to inactivity and has been terminated.");
  EXPECT_TRUE(peer->closed);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_TRUE(ended[0].started);
  EXPECT_EQ(ended[0].transcript, "# ");
}

}  // namespace
}  // namespace fargo::dataplane::sessions
