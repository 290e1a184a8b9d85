// DnsMessage: the DNS wire format of RFC 1035 (with EDNS's OPT record of
// RFC 6891), parsed from and encoded to bytes by fargo itself.
//
//   header      id, flags (QR, opcode, AA, TC, RD, RA, AD, CD, rcode), counts
//   questions   name, type, class
//   records     answer / authority / additional sections: name, type, class,
//               TTL and the data; A, AAAA, CNAME, NS, PTR and SOA are decoded
//               (their names decompressed), every other type (OPT among them)
//               is kept as raw bytes and written back unchanged.
//
// Names are read with compression pointers (each pointer must point strictly
// backwards, so no loop is possible; at most 255 bytes, labels of at most 63)
// and written compressed (RFC 1035 4.1.4), case preserved. Parse never
// crashes on any input: bad bytes are an error with the rcode FORMERR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::dataplane::dns {

enum Type : uint16_t {
  kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kMX = 15, kTXT = 16, kAAAA = 28, kSRV = 33, kOPT = 41, kANY = 255
};
inline constexpr uint16_t kClassIN = 1;

enum Rcode : uint8_t { kNoError = 0, kFormErr = 1, kServFail = 2, kNXDomain = 3, kNotImp = 4, kRefused = 5 };

struct DnsQuestion {
  std::string name;  // dotted, no trailing dot; "" is the root
  uint16_t type = kA;
  uint16_t klass = kClassIN;
};

struct DnsSoa {
  std::string mname, rname;
  uint32_t serial = 1, refresh = 7200, retry = 900, expire = 1209600, minimum = 86400;
};

struct DnsRecord {
  std::string name;
  uint16_t type = kA;
  uint16_t klass = kClassIN;  // OPT: the requester's UDP payload size
  uint32_t ttl = 0;           // OPT: extended rcode, version, DO flag
  // A (4 bytes), AAAA (16 bytes) and every undecoded type: the data as is.
  std::string rdata;
  // CNAME, NS, PTR: the name the data holds.
  std::string target;
  // SOA.
  DnsSoa soa;

  static DnsRecord A(std::string name, uint32_t ttl, uint32_t ipv4_host_order);
  static DnsRecord Aaaa(std::string name, uint32_t ttl, const uint8_t (&ipv6)[16]);
  static DnsRecord Ptr(std::string name, uint32_t ttl, std::string target);
  static DnsRecord Cname(std::string name, uint32_t ttl, std::string target);
  static DnsRecord Soa(std::string name, uint32_t ttl, DnsSoa soa);
  // SRV (RFC 2782), kept as raw data: its target is written uncompressed.
  // REQUIRES: `target` is a valid name (labels of 1..63 bytes).
  static DnsRecord Srv(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight, uint16_t port,
                       const std::string& target);
  // An OPT pseudo-record announcing `udp_size`.
  static DnsRecord Opt(uint16_t udp_size);
};

struct DnsMessage {
  uint16_t id = 0;
  bool qr = false;  // a response
  uint8_t opcode = 0;
  bool aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  uint8_t rcode = kNoError;
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers, authority, additional;

  // The OPT record of the additional section, if any.
  const DnsRecord* Opt() const;
};

// Parses one message. Errors carry code "FORMERR"; when the 12-byte header
// was readable, `*header` (if given) holds its id, opcode and RD flag so that
// the FORMERR response can echo them.
Result<DnsMessage> ParseDnsMessage(std::string_view wire, DnsMessage* header = nullptr);
// Encodes `m` with name compression. Names longer than 255 bytes or with
// labels over 63 are an error (a resolver only writes names it read or made).
Result<std::string> EncodeDnsMessage(const DnsMessage& m);

// The response skeleton to `query`: same id, opcode, RD and question, QR and
// RA set, the given rcode.
DnsMessage ResponseTo(const DnsMessage& query, uint8_t rcode);

// ASCII lower case of a name (DNS compares names case-insensitively).
std::string LowerName(std::string_view name);

}  // namespace fargo::dataplane::dns
