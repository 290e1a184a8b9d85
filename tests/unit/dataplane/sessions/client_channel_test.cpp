// The plugin's side of a handshake and of flags, against an agent played
// frame by frame: a Port handshake is answered Success with a ClientVersion
// above 1.2.331.0 (smux keepalive off) and handed over; a shell one keeps
// the plugin's 145-byte answer; a refused type is answered Unsupported;
// agent flags arrive in sequence; client flags are 4 big-endian bytes.
#include "dataplane/sessions/client_channel.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <vector>

namespace fargo::dataplane::sessions {
namespace {
namespace json = boost::json;

std::string PortRequest(const std::string& agent_version) {
  return R"({"AgentVersion":")" + agent_version +
         R"(","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port",)"
         R"("Properties":{"portNumber":"80","type":"LocalPortForwarding","localPortNumber":"8080","host":"db"}}}]})";
}

struct Client {
  std::vector<SessionMessage> sent;
  std::vector<ClientHandshake> handshakes;
  std::vector<std::string> completes;
  std::vector<uint32_t> flags;
  std::string output;
  bool accept = true;
  ReliableSender agent{std::string(message_type::kOutputStreamData)};
  ClientChannel channel;
  explicit Client(ClientChannel::Options o = {})
      : channel({[this](std::string f) { sent.push_back(*DecodeSessionMessage(f)); },
                 [this](std::string_view b) { output.append(b); },
                 {},
                 {},
                 [this](const ClientHandshake& h) {
                   handshakes.push_back(h);
                   return accept;
                 },
                 [this](const std::string& m) { completes.push_back(m); },
                 [this](uint32_t f) { flags.push_back(f); }},
                std::move(o)) {}
  // The agent's next message, delivered.
  void Agent(PayloadType type, const std::string& payload) {
    ASSERT_TRUE(channel.OnFrame(agent.Next(type, payload, 1), 1).ok());
  }
  std::vector<SessionMessage> Inputs() const {
    std::vector<SessionMessage> out;
    for (const auto& m : sent)
      if (m.message_type == message_type::kInputStreamData) out.push_back(m);
    return out;
  }
  size_t Acks() const {
    size_t n = 0;
    for (const auto& m : sent) n += m.message_type == message_type::kAcknowledge;
    return n;
  }
};

TEST(ClientChannel, PortHandshakeIsAnsweredSuccessWithAVersionThatTurnsKeepaliveOff) {
  Client c;
  c.Agent(PayloadType::kHandshakeRequest, PortRequest("3.3.0.0"));
  ASSERT_EQ(c.handshakes.size(), 1u);
  EXPECT_EQ(c.handshakes[0].session_type, "Port");
  EXPECT_EQ(c.handshakes[0].agent_version, "3.3.0.0");
  EXPECT_EQ(c.handshakes[0].properties.at("type"), "LocalPortForwarding");
  EXPECT_EQ(c.handshakes[0].properties.at("localPortNumber"), "8080");
  EXPECT_EQ(c.handshakes[0].properties.at("host"), "db");
  auto in = c.Inputs();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].payload_type, PayloadType::kHandshakeResponse);
  EXPECT_EQ(in[0].sequence_number, 0);
  json::object r = json::parse(in[0].payload).as_object();
  EXPECT_EQ(r["ClientVersion"].as_string(), "1.2.650.0");
  EXPECT_EQ(r["ProcessedClientActions"].as_array()[0].as_object()["ActionStatus"].as_int64(), 1);
  EXPECT_EQ(r["ProcessedClientActions"].as_array()[0].as_object()["ActionType"].as_string(), "SessionType");
  EXPECT_TRUE(r["Errors"].is_null());

  c.Agent(PayloadType::kHandshakeComplete, R"({"HandshakeTimeToComplete":1000000,"CustomerMessage":"hello"})");
  ASSERT_EQ(c.completes.size(), 1u);
  EXPECT_EQ(c.completes[0], "hello");
  EXPECT_EQ(c.Acks(), 2u);
  EXPECT_EQ(c.channel.expected_output(), 2);
  EXPECT_EQ(c.output, "");  // handshake payloads are no output
}

TEST(ClientChannel, ShellHandshakeKeepsThePluginsAnswer) {
  Client c;
  c.Agent(PayloadType::kHandshakeRequest,
          R"({"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType",)"
          R"("ActionParameters":{"SessionType":"InteractiveCommands","Properties":null}}]})");
  auto in = c.Inputs();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].payload,
            R"({"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":1,)"
            R"("ActionResult":null,"Error":""}],"Errors":null})");
  EXPECT_EQ(in[0].payload.size(), 145u);
  EXPECT_TRUE(c.handshakes[0].properties.empty());
}

TEST(ClientChannel, RefusedSessionTypeIsAnsweredUnsupported) {
  Client c;
  c.accept = false;
  c.Agent(PayloadType::kHandshakeRequest, PortRequest("3.3.0.0"));
  json::object r = json::parse(c.Inputs()[0].payload).as_object();
  EXPECT_EQ(r["ProcessedClientActions"].as_array()[0].as_object()["ActionStatus"].as_int64(), 3);
  ASSERT_TRUE(r["Errors"].is_array());
  EXPECT_EQ(r["Errors"].as_array().size(), 1u);
}

TEST(ClientChannel, AgentFlagsArriveInSequenceAndAreAcknowledged) {
  Client c;
  std::string frame0 = c.agent.Next(PayloadType::kOutput, "a", 1);
  std::string frame1 = c.agent.Next(PayloadType::kFlag, std::string("\0\0\0\3", 4), 1);
  std::string frame2 = c.agent.Next(PayloadType::kOutput, "b", 1);
  ASSERT_TRUE(c.channel.OnFrame(frame1, 1).ok());  // early: buffered
  EXPECT_TRUE(c.flags.empty());
  ASSERT_TRUE(c.channel.OnFrame(frame0, 1).ok());
  ASSERT_TRUE(c.channel.OnFrame(frame2, 1).ok());
  EXPECT_EQ(c.flags, std::vector<uint32_t>{3});
  EXPECT_EQ(c.output, "ab");
  EXPECT_EQ(c.Acks(), 3u);
  c.Agent(PayloadType::kFlag, std::string("\0\0\0\3", 4));
  EXPECT_EQ(c.flags, (std::vector<uint32_t>{3, 3}));
  EXPECT_EQ(c.output, "ab");  // a flag is never output
}

TEST(ClientChannel, FlagsAreFourBigEndianBytesSentReliably) {
  Client c;
  c.channel.SendFlag(client_flag::kTerminateSession, 1);
  c.channel.SendFlag(0x01020304, 1);
  auto in = c.Inputs();
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].payload_type, PayloadType::kFlag);
  EXPECT_EQ(in[0].payload, std::string("\0\0\0\2", 4));
  EXPECT_EQ(in[1].payload, "\x01\x02\x03\x04");
  EXPECT_EQ(in[1].sequence_number, 1);
  EXPECT_EQ(c.channel.unacknowledged_input(), 2u);
}

TEST(ClientChannel, InputChunksFollowTheOption) {
  Client shell;
  shell.channel.SendInput(std::string(3000, 'x'), 1);
  EXPECT_EQ(shell.Inputs().size(), 3u);  // the plugin's 1024
  Client port({.input_chunk = 16 * 1024});
  port.channel.SendInput(std::string(40000, 'x'), 1);
  auto in = port.Inputs();
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in[0].payload.size(), 16u * 1024);
  EXPECT_EQ(in[2].payload.size(), 40000u - 2 * 16 * 1024);
  // Input handed over whole is chunked the same way.
  port.channel.SendOwnedInput(std::string(20000, 'y'), 2);
  port.channel.SendOwnedInput(std::string(100, 'z'), 3);
  in = port.Inputs();
  ASSERT_EQ(in.size(), 6u);
  EXPECT_EQ(in[3].payload, std::string(16 * 1024, 'y'));
  EXPECT_EQ(in[4].payload, std::string(20000 - 16 * 1024, 'y'));
  EXPECT_EQ(in[5].payload, std::string(100, 'z'));
  EXPECT_EQ(in[5].sequence_number, 5);
}

}  // namespace
}  // namespace fargo::dataplane::sessions
