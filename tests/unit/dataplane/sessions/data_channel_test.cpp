// The two sides of a data channel talking in memory: output and input in
// order, the plugin's "not ready" drop recovered by retransmission,
// duplicates and reordering, terminal sizes, channel_closed, and garbage
// refused without harm.
#include "dataplane/sessions/data_channel.h"

#include <gtest/gtest.h>

#include <deque>

#include "dataplane/sessions/client_channel.h"

namespace fargo::dataplane::sessions {
namespace {

struct Pair {
  std::deque<std::string> to_client, to_server;
  std::string shell_got, client_got, closed_with = "<open>";
  std::vector<std::pair<int, int>> sizes;
  bool shell_ready = true;
  int takes_left = -1;  // how many more inputs the shell takes while ready (-1: any)
  DataChannel server{"ecs-execute-command-0123", {[this](std::string f) { to_client.push_back(std::move(f)); },
                                                   [this](std::string_view b) {
                                                     if (!shell_ready || takes_left == 0) return false;
                                                     if (takes_left > 0) --takes_left;
                                                     shell_got.append(b);
                                                     return true;
                                                   },
                                                   [this](int r, int c) { sizes.emplace_back(r, c); }}};
  ClientChannel client;
  explicit Pair(ClientChannel::Options o)
      : client({[this](std::string f) { to_server.push_back(std::move(f)); },
                [this](std::string_view b) { client_got.append(b); },
                [this](const std::string& m) { closed_with = m; }},
               o) {}
  // Delivers everything in flight, both ways, until quiet.
  void Pump(int64_t now) {
    while (!to_client.empty() || !to_server.empty()) {
      while (!to_client.empty()) {
        std::string f = std::move(to_client.front());
        to_client.pop_front();
        ASSERT_TRUE(client.OnFrame(f, now).ok());
      }
      while (!to_server.empty()) {
        std::string f = std::move(to_server.front());
        to_server.pop_front();
        ASSERT_TRUE(server.OnFrame(f, now).ok());
      }
    }
  }
};

TEST(DataChannel, ShellOutputAndInputArriveInOrder) {
  Pair p({});
  p.client.SendSize(300, 100, 1);
  p.server.SendOutput("$ ", 1);
  p.Pump(1);
  p.client.SendInput("echo hi\r", 2);
  p.Pump(2);
  p.server.SendOutput("echo hi\r\nhi\r\n$ ", 3);
  p.Pump(3);
  EXPECT_EQ(p.shell_got, "echo hi\r");
  EXPECT_EQ(p.client_got, "$ echo hi\r\nhi\r\n$ ");
  ASSERT_EQ(p.sizes.size(), 1u);
  EXPECT_EQ(p.sizes[0], std::make_pair(100, 300));
  EXPECT_TRUE(p.server.all_acknowledged());
  EXPECT_TRUE(p.client.all_acknowledged());
}

TEST(DataChannel, OutputTheClientDroppedIsResentUntilAcknowledged) {
  Pair p({.drop_first_output = true});
  p.server.SendOutput("$ ", 0);
  p.Pump(0);
  EXPECT_EQ(p.client_got, "");
  EXPECT_FALSE(p.server.all_acknowledged());
  p.server.Tick(100);  // before the 200 ms timeout: nothing
  EXPECT_TRUE(p.to_client.empty());
  p.server.Tick(250);
  p.Pump(250);
  EXPECT_EQ(p.client_got, "$ ");
  EXPECT_TRUE(p.server.all_acknowledged());
}

TEST(DataChannel, InputNotReadyIsResentByTheClient) {
  Pair p({});
  p.shell_ready = false;
  p.client.SendInput("a", 0);
  p.Pump(0);
  EXPECT_EQ(p.shell_got, "");
  p.shell_ready = true;
  p.client.Tick(300);
  p.Pump(300);
  EXPECT_EQ(p.shell_got, "a");
  // Due again only once acknowledged ones are gone: nothing more to send.
  p.client.Tick(2000);
  EXPECT_TRUE(p.to_server.empty());
}

// Input held while the target is not ready is acknowledged only once handed
// over, so nothing held can be lost behind the client's window: the second
// message arrives while the first waits; the first is taken on its resend
// but the second is refused again, and RetryInput (the target ready again)
// hands it over without waiting for the client.
TEST(DataChannel, InputHeldWhileNotReadyIsAcknowledgedOnlyOnceHandedOver) {
  Pair p({});
  p.shell_ready = false;
  p.client.SendInput("1", 0);
  p.client.SendInput("2", 0);
  p.Pump(0);
  EXPECT_EQ(p.shell_got, "");
  EXPECT_EQ(p.client.unacknowledged_input(), 2u);
  p.shell_ready = true;
  p.takes_left = 1;
  p.client.Tick(300);  // resends
  p.Pump(300);
  EXPECT_EQ(p.shell_got, "1");
  EXPECT_EQ(p.client.unacknowledged_input(), 1u);  // "2" is held, not acknowledged
  p.takes_left = -1;
  p.server.RetryInput(310);
  p.Pump(310);
  EXPECT_EQ(p.shell_got, "12");
  EXPECT_EQ(p.client.unacknowledged_input(), 0u);
}

TEST(DataChannel, DuplicatesAreDroppedAndReorderedInputIsPutBackInOrder) {
  Pair p({});
  std::vector<std::string> frames;
  ClientChannel c({[&](std::string f) { frames.push_back(std::move(f)); }, {}, {}}, {});
  c.SendInput("1", 0);
  c.SendInput("2", 0);
  c.SendInput("3", 0);
  ASSERT_TRUE(p.server.OnFrame(frames[2], 0).ok());
  ASSERT_TRUE(p.server.OnFrame(frames[0], 0).ok());
  ASSERT_TRUE(p.server.OnFrame(frames[0], 0).ok());  // a resend
  ASSERT_TRUE(p.server.OnFrame(frames[1], 0).ok());
  EXPECT_EQ(p.shell_got, "123");
  EXPECT_EQ(p.server.expected_input(), 3);
  // Every one acknowledged (the duplicate again): four acks.
  EXPECT_EQ(p.to_client.size(), 4u);
}

TEST(DataChannel, LargeOutputIsChunked) {
  Pair p({});
  p.server.SendOutput(std::string(2500, 'x'), 0);
  EXPECT_EQ(p.to_client.size(), 3u);
  p.Pump(0);
  EXPECT_EQ(p.client_got, std::string(2500, 'x'));
}

TEST(DataChannel, ChannelClosedCarriesItsMessage) {
  Pair p({});
  ASSERT_TRUE(p.client.OnFrame(p.server.ClosedFrame("", 1), 1).ok());
  EXPECT_TRUE(p.client.closed());
  EXPECT_EQ(p.closed_with, "");
  Pair q({});
  ASSERT_TRUE(q.client.OnFrame(q.server.ClosedFrame("Task stopped.", 1), 1).ok());
  EXPECT_EQ(q.closed_with, "Task stopped.");
}

TEST(DataChannel, HandshakeForSessionsThatNeedOne) {
  Pair p({});
  p.server.StartHandshake(0, Handshake{"Port", {{"portNumber", "80"}, {"type", "LocalPortForwarding"}}});
  p.Pump(0);
  // Request (seq 0) and Complete (seq 1) both acknowledged; the response too.
  EXPECT_TRUE(p.server.all_acknowledged());
  EXPECT_TRUE(p.client.all_acknowledged());
  EXPECT_EQ(p.client.expected_output(), 2);
  p.server.SendOutput("x", 1);
  p.Pump(1);
  EXPECT_EQ(p.client_got, "x");
}

// A raw input message of the client.
std::string Input(int64_t seq, PayloadType type, std::string payload) {
  SessionMessage m;
  m.message_type = "input_stream_data";
  m.created_date_ms = 1;
  m.sequence_number = seq;
  m.payload_type = type;
  m.payload = std::move(payload);
  return EncodeSessionMessage(m);
}

TEST(DataChannel, HandshakeRequestCarriesTypePropertiesAndAgentVersion) {
  std::vector<std::string> sent;
  DataChannel server("s", {[&](std::string f) { sent.push_back(std::move(f)); }, [](std::string_view) { return true; }});
  server.StartHandshake(0, Handshake{"Port", {{"portNumber", "5432"}, {"type", "LocalPortForwarding"}}, "3.0.196.0"});
  ASSERT_EQ(sent.size(), 1u);
  auto m = DecodeSessionMessage(sent[0]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->payload_type, PayloadType::kHandshakeRequest);
  EXPECT_EQ(m->payload,
            R"({"AgentVersion":"3.0.196.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":)"
            R"({"SessionType":"Port","Properties":{"portNumber":"5432","type":"LocalPortForwarding"}}}]})");
  // Shell types carry null Properties, as the SSM agent sends them.
  sent.clear();
  DataChannel shell("s", {[&](std::string f) { sent.push_back(std::move(f)); }, [](std::string_view) { return true; }});
  shell.StartHandshake(0, Handshake{"InteractiveCommands", {}});
  EXPECT_NE(DecodeSessionMessage(sent[0])->payload.find(R"("Properties":null)"), std::string::npos);
}

TEST(DataChannel, InputBeforeTheHandshakeResponseIsAcknowledgedAndDropped) {
  std::string got;
  std::vector<std::string> sent, done;
  DataChannel server("s", {[&](std::string f) { sent.push_back(std::move(f)); },
                           [&](std::string_view b) {
                             got.append(b);
                             return true;
                           },
                           {},
                           {},
                           [&](const std::string& e) { done.push_back(e); }});
  server.StartHandshake(0, Handshake{"Port", {}});
  ASSERT_TRUE(server.OnFrame(Input(0, PayloadType::kOutput, "early"), 1).ok());
  EXPECT_EQ(got, "");
  EXPECT_EQ(server.expected_input(), 1);  // acknowledged
  EXPECT_TRUE(done.empty());
  ASSERT_TRUE(server.OnFrame(Input(1, PayloadType::kHandshakeResponse,
                                   R"({"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"SessionType",)"
                                   R"("ActionStatus":1,"ActionResult":null,"Error":""}],"Errors":null})"),
                             2)
                  .ok());
  EXPECT_EQ(done, std::vector<std::string>{""});
  ASSERT_GE(sent.size(), 2u);  // HandshakeComplete, then the response's ack
  EXPECT_EQ(DecodeSessionMessage(sent[sent.size() - 2])->payload_type, PayloadType::kHandshakeComplete);
  ASSERT_TRUE(server.OnFrame(Input(2, PayloadType::kOutput, "now"), 3).ok());
  EXPECT_EQ(got, "now");
}

TEST(DataChannel, AHandshakeTheClientFailedIsNotCompleted) {
  std::vector<std::string> sent, done;
  DataChannel server("s", {[&](std::string f) { sent.push_back(std::move(f)); }, [](std::string_view) { return true; },
                           {}, {}, [&](const std::string& e) { done.push_back(e); }});
  server.StartHandshake(0, Handshake{"Port", {}});
  ASSERT_TRUE(server.OnFrame(Input(0, PayloadType::kHandshakeResponse,
                                   R"({"ClientVersion":"1.0.0.0","ProcessedClientActions":[{"ActionType":"SessionType",)"
                                   R"("ActionStatus":2,"ActionResult":null,"Error":"Unknown session type Port"}]})"),
                             1)
                  .ok());
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], "The client could not start the session: Unknown session type Port.");
  for (auto& f : sent) EXPECT_NE(DecodeSessionMessage(f)->payload_type, PayloadType::kHandshakeComplete);
}

TEST(DataChannel, FlagsAreFourBytesBigEndianInTheOutputSequence) {
  std::vector<std::string> sent;
  DataChannel server("s", {[&](std::string f) { sent.push_back(std::move(f)); }, [](std::string_view) { return true; }});
  server.SendOutput("x", 0);
  server.SendFlag(kFlagConnectToPortError, 0);
  ASSERT_EQ(sent.size(), 2u);
  auto m = DecodeSessionMessage(sent[1]);
  EXPECT_EQ(m->payload_type, PayloadType::kFlag);
  EXPECT_EQ(m->sequence_number, 1);
  EXPECT_EQ(m->payload, std::string("\0\0\0\3", 4));
  EXPECT_EQ(server.unacknowledged_bytes(), 5u);
}

TEST(DataChannel, OutputChunksAreAPerChannelSize) {
  std::vector<std::string> sent;
  DataChannel server("s", {[&](std::string f) { sent.push_back(std::move(f)); }, [](std::string_view) { return true; }},
                     16 * 1024);
  server.SendOutput(std::string(40000, 'x'), 0);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(DecodeSessionMessage(sent[0])->payload.size(), 16384u);
  EXPECT_EQ(DecodeSessionMessage(sent[2])->payload.size(), 40000u - 2 * 16384);
  EXPECT_EQ(server.unacknowledged_bytes(), 40000u);
}

TEST(DataChannel, GarbageIsRefusedAndTheChannelGoesOn) {
  Pair p({});
  EXPECT_FALSE(p.server.OnFrame("garbage", 0).ok());
  EXPECT_FALSE(p.server.OnFrame(std::string(200, '\xff'), 0).ok());
  // A frame whose digest is wrong is taken, as the SSM agent does.
  std::vector<std::string> frames;
  ClientChannel c({[&](std::string f) { frames.push_back(std::move(f)); }, {}, {}}, {});
  c.SendInput("ok", 0);
  frames[0][90] ^= 1;
  EXPECT_TRUE(p.server.OnFrame(frames[0], 0).ok());
  EXPECT_EQ(p.shell_got, "ok");
  // A size with nonsense values changes nothing.
  SessionMessage m;
  m.message_type = "input_stream_data";
  m.created_date_ms = 1;
  m.sequence_number = 1;
  m.payload_type = PayloadType::kSize;
  m.payload = R"({"cols":-1,"rows":"x"})";
  EXPECT_TRUE(p.server.OnFrame(EncodeSessionMessage(m), 0).ok());
  EXPECT_TRUE(p.sizes.empty());
}

TEST(ReliableSender, TimeoutFollowsRoundTrips) {
  ReliableSender s("output_stream_data");
  EXPECT_EQ(s.rto_ms(), 200);
  for (int i = 0; i < 20; ++i) {
    s.Next(PayloadType::kOutput, "x", i * 10);
    s.Acknowledge(i, i * 10 + 2);
  }
  EXPECT_LT(s.rto_ms(), 100);
  EXPECT_GE(s.rto_ms(), 10);
  EXPECT_FALSE(s.Acknowledge(99, 0));
}

}  // namespace
}  // namespace fargo::dataplane::sessions
