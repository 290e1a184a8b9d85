// The DNS wire codec: golden bytes, compression both ways, and rejection of
// malformed messages (never a crash).
#include "dataplane/dns/dns_message.h"

#include <gtest/gtest.h>

#include <random>

namespace fargo::dataplane::dns {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// dig +noedns s3.amazonaws.com A, id 0x1234, RD.
const char* kQuery = "12340100000100000000000002733309616d617a6f6e61777303636f6d0000010001";

TEST(DnsMessage, ParsesAQuery) {
  auto m = ParseDnsMessage(Bytes(kQuery));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_TRUE(m->rd);
  EXPECT_FALSE(m->qr);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "s3.amazonaws.com");
  EXPECT_EQ(m->questions[0].type, kA);
  EXPECT_EQ(m->questions[0].klass, kClassIN);
}

TEST(DnsMessage, EncodesAnAnswerWithCompression) {
  auto q = ParseDnsMessage(Bytes(kQuery));
  ASSERT_TRUE(q.ok());
  DnsMessage r = ResponseTo(*q, kNoError);
  r.answers.push_back(DnsRecord::A("s3.amazonaws.com", 60, (169u << 24) | (254u << 16) | (170u << 8) | 2));
  auto wire = EncodeDnsMessage(r);
  ASSERT_TRUE(wire.ok());
  // Header (QR RD RA), the question, then the answer's name as a pointer
  // to offset 12 (c00c), type A, class IN, TTL 60, 4 bytes 169.254.170.2.
  EXPECT_EQ(Hex(*wire),
            "12348180000100010000000002733309616d617a6f6e61777303636f6d0000010001"
            "c00c000100010000003c0004a9feaa02");
}

TEST(DnsMessage, CompressesSuffixesSharedWithEarlierNames) {
  DnsMessage m;
  m.qr = true;
  m.questions.push_back({"5.1.0.10.in-addr.arpa", kPTR, kClassIN});
  m.answers.push_back(DnsRecord::Ptr("5.1.0.10.in-addr.arpa", 60, "ip-10-0-1-5.eu-west-1.compute.internal"));
  m.authority.push_back(DnsRecord::Soa("eu-west-1.compute.internal", 60, {"ns.eu-west-1.compute.internal",
                                                                          "hostmaster.eu-west-1.compute.internal"}));
  auto wire = EncodeDnsMessage(m);
  ASSERT_TRUE(wire.ok());
  auto back = ParseDnsMessage(*wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->answers[0].target, "ip-10-0-1-5.eu-west-1.compute.internal");
  EXPECT_EQ(back->authority[0].name, "eu-west-1.compute.internal");
  EXPECT_EQ(back->authority[0].soa.mname, "ns.eu-west-1.compute.internal");
  EXPECT_EQ(back->authority[0].soa.rname, "hostmaster.eu-west-1.compute.internal");
  EXPECT_EQ(back->authority[0].soa.minimum, 86400u);
  // The SOA's owner is a pointer into the PTR's data: far shorter than spelled out.
  EXPECT_LT(wire->size(), 150u);
  EXPECT_NE(wire->find("\xc0"), std::string::npos);
}

TEST(DnsMessage, KeepsTheOptRecordAndUnknownTypes) {
  DnsMessage m;
  m.questions.push_back({"example.com", kTXT, kClassIN});
  DnsRecord opt = DnsRecord::Opt(4096);
  opt.ttl = 0x00008000;  // DO
  opt.rdata = Bytes("000a00080102030405060708");  // a cookie option
  m.additional.push_back(opt);
  auto wire = EncodeDnsMessage(m);
  ASSERT_TRUE(wire.ok());
  auto back = ParseDnsMessage(*wire);
  ASSERT_TRUE(back.ok());
  ASSERT_NE(back->Opt(), nullptr);
  EXPECT_EQ(back->Opt()->klass, 4096);
  EXPECT_EQ(back->Opt()->ttl, 0x8000u);
  EXPECT_EQ(Hex(back->Opt()->rdata), "000a00080102030405060708");
  EXPECT_EQ(*EncodeDnsMessage(*back), *wire);
}

TEST(DnsMessage, ReadsNamesCompressedByOthers) {
  // A response whose answer points at the question and whose CNAME target
  // points into the middle of the question's name.
  std::string wire = Bytes(
      "abcd81800001000100000000"
      "03777777076578616d706c6503636f6d0000010001"  // www.example.com A IN
      "c00c00050001000000780006036d6978c010");         // CNAME mix.example.com
  auto m = ParseDnsMessage(wire);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->answers[0].name, "www.example.com");
  EXPECT_EQ(m->answers[0].type, kCNAME);
  EXPECT_EQ(m->answers[0].target, "mix.example.com");
}

TEST(DnsMessage, RejectsMalformedMessages) {
  DnsMessage header;
  struct Case { const char* why; std::string hex; };
  std::vector<Case> cases = {
      {"short header", "1234"},
      {"question count without question", "123401000001000000000000"},
      {"label past the end", "1234010000010000000000000563"},
      {"pointer to itself", "123401000001000000000000c00c00010001"},
      {"pointer forward", "123401000001000000000000c01000010001"},
      {"pointer loop via earlier label", "12340100000100000000000001 61c00c00010001"},
      {"label type 0x40", "123401000001000000000000410000010001"},
      {"A with 3 bytes", "123481800001000100000000 0161 00 00010001 c00c000100010000003c0003010203"},
      {"trailing bytes", std::string(kQuery) + "00"},
      {"OPT in answers", "123481800000000100000000 00 0029 1000 00000000 0000"},
      {"huge counts", "12340100ffffffffffffffff"},
  };
  for (auto& c : cases) {
    std::string hex;
    for (char ch : c.hex)
      if (ch != ' ') hex.push_back(ch);
    auto m = ParseDnsMessage(Bytes(hex), &header);
    EXPECT_FALSE(m.ok()) << c.why;
    if (!m.ok()) {
      EXPECT_EQ(m.error().code, "FORMERR") << c.why;
    }
  }
  EXPECT_EQ(header.id, 0x1234);
}

TEST(DnsMessage, RejectsNamesOver255Bytes) {
  std::string wire = Bytes("123401000001000000000000");
  for (int i = 0; i < 5; ++i) {
    wire.push_back(63);
    wire.append(63, 'a');
  }
  wire += Bytes("0000010001");
  EXPECT_FALSE(ParseDnsMessage(wire).ok());
  DnsMessage m;
  m.questions.push_back({std::string(64, 'a') + ".com", kA, kClassIN});
  EXPECT_FALSE(EncodeDnsMessage(m).ok());
}

TEST(DnsMessage, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  std::string base = Bytes(kQuery);
  for (int i = 0; i < 20000; ++i) {
    std::string w = base;
    int flips = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < flips; ++f) w[rng() % w.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) w.resize(rng() % w.size());
    auto m = ParseDnsMessage(w);
    if (m.ok()) (void)EncodeDnsMessage(*m);
  }
}

TEST(DnsMessage, EscapesDotsInsideLabels) {
  std::string wire = Bytes("123401000001000000000000") + std::string("\x03" "a.b" "\x03" "com" "\x00", 9) +
                     Bytes("00010001");
  auto m = ParseDnsMessage(wire);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->questions[0].name, "a\\.b.com");
  EXPECT_EQ(*EncodeDnsMessage(*m), wire);
}

}  // namespace
}  // namespace fargo::dataplane::dns
