#include "dataplane/dns/dns_resolver.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <random>

namespace fargo::dataplane::dns {

namespace {

std::vector<std::string_view> Split(std::string_view name) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i)
    if (i == name.size() || name[i] == '.') {
      out.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool AllLower(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// "us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4".
bool IsRegion(std::string_view s) {
  auto parts = Split(std::string_view(s));
  if (parts.size() != 1) return false;
  std::vector<std::string_view> dash;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '-') {
      dash.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  if (dash.size() < 3 || dash.size() > 4) return false;
  for (size_t i = 0; i + 1 < dash.size(); ++i)
    if (!AllLower(dash[i])) return false;
  return dash[0].size() == 2 && AllDigits(dash.back());
}

std::optional<uint32_t> ParseV4(std::string_view s) {
  in_addr a{};
  std::string z(s);
  if (inet_pton(AF_INET, z.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

// "ip-10-0-1-5" → 10.0.1.5.
std::optional<uint32_t> ParseIpLabel(std::string_view label) {
  if (label.substr(0, 3) != "ip-") return std::nullopt;
  std::string dotted(label.substr(3));
  int dashes = 0;
  for (char& c : dotted)
    if (c == '-') {
      c = '.';
      ++dashes;
    }
  if (dashes != 3) return std::nullopt;
  for (auto part : Split(dotted))
    if (!AllDigits(part) || part.size() > 3) return std::nullopt;
  return ParseV4(dotted);
}

std::string IpLabel(uint32_t ip) {
  return "ip-" + std::to_string(ip >> 24) + "-" + std::to_string((ip >> 16) & 255) + "-" +
         std::to_string((ip >> 8) & 255) + "-" + std::to_string(ip & 255);
}

// A name DnsRecord::Srv can write: labels of 1..63 bytes, 253 in all.
bool WritableName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (auto label : Split(name))
    if (label.empty() || label.size() > 63) return false;
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// ---------------------------------------------------------------- the VPC

bool DnsVpcView::Contains(uint32_t ip) const {
  uint32_t mask = cidr_prefix == 0 ? 0 : ~uint32_t{0} << (32 - cidr_prefix);
  return (ip & mask) == (cidr_base & mask);
}

std::string DnsVpcView::PrivateZone() const {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

std::optional<DnsVpcView> DnsVpcView::Make(std::string vpc_id, std::string region, const std::string& cidr,
                                           const std::string& fargo_address) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto base = ParseV4(std::string_view(cidr).substr(0, slash));
  auto fargo = ParseV4(fargo_address);
  std::string len = cidr.substr(slash + 1);
  if (!base || !fargo || !AllDigits(len) || len.size() > 2) return std::nullopt;
  int prefix = std::stoi(len);
  if (prefix > 30) return std::nullopt;
  DnsVpcView v;
  v.vpc_id = std::move(vpc_id);
  v.region = std::move(region);
  v.cidr_prefix = prefix;
  v.cidr_base = *base & (prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix));
  v.fargo_address = *fargo;
  return v;
}

// ---------------------------------------------------------------- resolver

DnsResolver::DnsResolver(Options options, NameSource source)
    : options_(std::move(options)), source_(std::move(source)) {
  for (auto& p : options_.service_prefixes) p = LowerName(p);
}

bool DnsResolver::IsServiceName(std::string_view name) const {
  constexpr std::string_view kDomain = ".amazonaws.com";
  if (!EndsWith(name, kDomain)) return false;
  auto labels = Split(name.substr(0, name.size() - kDomain.size()));
  if (labels.empty() || labels.back().empty()) return false;
  auto served = [this](std::string_view p) {
    return std::find(options_.service_prefixes.begin(), options_.service_prefixes.end(), p) !=
           options_.service_prefixes.end();
  };
  bool s3 = served("s3");
  size_t n = labels.size();
  // <prefix>  and  <prefix>.<region>
  if (n == 1 && served(labels[0])) return true;
  if (n == 2 && served(labels[0]) && IsRegion(labels[1])) return true;
  if (!s3) return false;
  // S3's other spellings, each optionally after a bucket (any labels).
  auto s3_tail = [&](size_t i) {
    // labels[i..] is one of: s3 | s3.<region> | s3.dualstack.<region> |
    // s3-<region> | s3-external-1
    size_t k = n - i;
    if (k == 1 && labels[i] == "s3") return true;
    if (k == 1 && labels[i] == "s3-external-1") return true;
    if (k == 1 && labels[i].substr(0, 3) == "s3-" && IsRegion(labels[i].substr(3))) return true;
    if (k == 2 && labels[i] == "s3" && IsRegion(labels[i + 1])) return true;
    if (k == 3 && labels[i] == "s3" && labels[i + 1] == "dualstack" && IsRegion(labels[i + 2])) return true;
    return false;
  };
  for (size_t i = n > 3 ? n - 3 : 0; i < n; ++i) {
    if (!s3_tail(i)) continue;
    bool bucket_ok = true;
    for (size_t j = 0; j < i; ++j) bucket_ok = bucket_ok && !labels[j].empty();
    if (bucket_ok) return true;
  }
  return false;
}

DnsRecord DnsResolver::SoaFor(const std::string& zone) const {
  DnsSoa soa;
  soa.mname = "ns." + zone;
  soa.rname = "hostmaster." + zone;
  soa.minimum = options_.ttl;
  return DnsRecord::Soa(zone, options_.ttl, soa);
}

std::string DnsResolver::Encode(DnsMessage m, const DnsMessage& query) const {
  if (query.Opt()) m.additional.push_back(DnsRecord::Opt(options_.udp_size));
  auto wire = EncodeDnsMessage(m);
  if (wire.ok()) return std::move(*wire);
  // A name we cannot write back (it came from the query, so it fits): answer
  // without the records.
  m.answers.clear();
  m.authority.clear();
  m.rcode = kServFail;
  auto bare = EncodeDnsMessage(m);
  return bare.ok() ? std::move(*bare) : std::string();
}

std::string DnsResolver::ServFail(const DnsMessage& query) const {
  return Encode(ResponseTo(query, kServFail), query);
}

size_t DnsResolver::UdpLimit(const DnsMessage& query) {
  const DnsRecord* opt = query.Opt();
  return opt ? std::max<size_t>(512, opt->klass) : 512;
}

std::string DnsResolver::TruncateForUdp(std::string response, size_t limit) {
  if (response.size() <= limit) return response;
  auto m = ParseDnsMessage(response);
  if (!m.ok()) return response.substr(0, 12);
  m->tc = true;
  m->answers.clear();
  m->authority.clear();
  std::vector<DnsRecord> opt;
  for (auto& r : m->additional)
    if (r.type == kOPT) opt.push_back(r);
  m->additional = std::move(opt);
  auto wire = EncodeDnsMessage(*m);
  return wire.ok() ? std::move(*wire) : response.substr(0, 12);
}

void DnsResolver::AnswerFromSource(const DnsVpcView& vpc, const DnsNameLookup& found, const std::string& owner,
                                   uint16_t type, DnsMessage& r) const {
  if (!found.zone.empty()) r.aa = true;
  if (found.kind == DnsNameLookup::Kind::kNxDomain) {
    r.rcode = kNXDomain;
    r.authority.push_back(SoaFor(found.zone));
    return;
  }
  const DnsNameEntry& e = found.entry;
  auto want = [type](uint16_t t) { return type == t || type == kANY; };
  // Route 53's routing: a random one (weighted) or a random 8 (multivalue).
  thread_local std::minstd_rand rng(std::random_device{}());
  // A CNAME (Cloud Map's AWS_INSTANCE_CNAME): the alias, then, unless the
  // CNAME itself was asked, the target's records when this resolver knows
  // them, as a recursive resolver chases the chain.
  if (!e.cnames.empty()) {
    const std::string& target = e.cnames[std::uniform_int_distribution<size_t>(0, e.cnames.size() - 1)(rng)];
    if (!WritableName(target)) {
      if (!found.zone.empty()) r.authority.push_back(SoaFor(found.zone));
      return;
    }
    r.answers.push_back(DnsRecord::Cname(owner, e.ttl_cname, target));
    if (type != kCNAME && type != kANY) Chase(vpc, target, type, r, 1);
    return;
  }
  auto pick = [&](std::vector<DnsRecord> records) {
    if (e.max_answers > 0 && records.size() > e.max_answers) {
      std::shuffle(records.begin(), records.end(), rng);
      records.resize(e.max_answers);
    }
    for (auto& rec : records) r.answers.push_back(std::move(rec));
  };
  std::vector<DnsRecord> v4, v6, srv;
  for (const auto& a : e.addresses) {
    if (auto ip = ParseV4(a)) {
      if (want(kA)) v4.push_back(DnsRecord::A(owner, e.ttl_a, *ip));
    } else {
      uint8_t ip6[16];
      if (inet_pton(AF_INET6, a.c_str(), ip6) == 1 && want(kAAAA))
        v6.push_back(DnsRecord::Aaaa(owner, e.ttl_aaaa, ip6));
    }
  }
  if (want(kSRV))
    for (const auto& t : e.srv)
      if (WritableName(t.target))
        srv.push_back(DnsRecord::Srv(owner, e.ttl_srv, t.priority, t.weight, t.port, t.target));
  pick(std::move(v4));
  pick(std::move(v6));
  pick(std::move(srv));
  if (r.answers.empty() && !found.zone.empty()) r.authority.push_back(SoaFor(found.zone));
}

// The records of `name` (a CNAME's target) this resolver answers by itself,
// appended to r's answers; a chain stops after 8 hops, at a name that is
// not its own (forwarded names: the CNAME alone) or without records.
void DnsResolver::Chase(const DnsVpcView& vpc, const std::string& name, uint16_t type, DnsMessage& r,
                        int depth) const {
  if (depth > 8) return;
  if (IsServiceName(name)) {
    if (type == kA) r.answers.push_back(DnsRecord::A(name, options_.ttl, vpc.fargo_address));
    return;
  }
  std::string zone = vpc.PrivateZone();
  if (EndsWith(name, "." + zone)) {
    auto labels = Split(name);
    if (labels.size() != Split(zone).size() + 1) return;
    auto ip = ParseIpLabel(labels[0]);
    if (ip && vpc.Contains(*ip) && type == kA) r.answers.push_back(DnsRecord::A(name, options_.ttl, *ip));
    return;
  }
  if (!source_) return;
  DnsNameLookup found = source_(vpc.vpc_id, name);
  if (found.kind != DnsNameLookup::Kind::kFound) return;
  const DnsNameEntry& e = found.entry;
  if (!e.cnames.empty()) {
    const std::string& target = e.cnames.front();
    if (!WritableName(target)) return;
    r.answers.push_back(DnsRecord::Cname(name, e.ttl_cname, target));
    Chase(vpc, target, type, r, depth + 1);
    return;
  }
  DnsMessage sub;
  AnswerFromSource(vpc, found, name, type, sub);
  for (auto& rec : sub.answers) r.answers.push_back(std::move(rec));
}

DnsResolver::Answer DnsResolver::Resolve(const DnsVpcView& vpc, std::string_view wire) const {
  Answer out;
  DnsMessage header;
  auto parsed = ParseDnsMessage(wire, &header);
  if (!parsed.ok()) {
    if (wire.size() < 12 || (static_cast<uint8_t>(wire[2]) & 0x80)) return out;  // not a query: drop
    DnsMessage r = ResponseTo(header, kFormErr);
    out.outcome = Outcome::kAnswer;
    out.wire = Encode(std::move(r), header);
    return out;
  }
  const DnsMessage& q = *parsed;
  if (q.qr) return out;
  out.query = q;
  out.outcome = Outcome::kAnswer;
  if (q.opcode != 0) {
    DnsMessage r = ResponseTo(q, kNotImp);
    r.questions.clear();
    out.wire = Encode(std::move(r), q);
    return out;
  }
  if (q.questions.size() != 1 || !q.answers.empty() || !q.authority.empty()) {
    out.wire = Encode(ResponseTo(q, kFormErr), q);
    return out;
  }
  const DnsQuestion& question = q.questions[0];
  std::string name = LowerName(question.name);
  const std::string& owner = question.name;  // answers keep the asker's case
  uint16_t type = question.type;
  bool in = question.klass == kClassIN || question.klass == 255;
  DnsMessage r = ResponseTo(q, kNoError);
  auto want = [type](uint16_t t) { return type == t || type == kANY; };

  if (in && IsServiceName(name)) {
    if (want(kA)) r.answers.push_back(DnsRecord::A(owner, options_.ttl, vpc.fargo_address));
    if (r.answers.empty()) r.authority.push_back(SoaFor("amazonaws.com"));
    out.wire = Encode(std::move(r), q);
    return out;
  }
  // EC2's private names, authoritative for the VPC's zone.
  std::string zone = vpc.PrivateZone();
  if (in && (name == zone || EndsWith(name, "." + zone))) {
    auto labels = Split(name);
    std::optional<uint32_t> ip;
    if (labels.size() == Split(zone).size() + 1) ip = ParseIpLabel(labels[0]);
    r.aa = true;
    if (ip && vpc.Contains(*ip)) {
      if (want(kA)) r.answers.push_back(DnsRecord::A(owner, options_.ttl, *ip));
    } else if (name != zone) {
      r.rcode = kNXDomain;
    }
    if (r.answers.empty()) r.authority.push_back(SoaFor(zone));
    out.wire = Encode(std::move(r), q);
    return out;
  }
  // PTR of the VPC's addresses.
  constexpr std::string_view kArpa = ".in-addr.arpa";
  if (in && EndsWith(name, kArpa)) {
    auto octets = Split(std::string_view(name).substr(0, name.size() - kArpa.size()));
    if (octets.size() == 4) {
      std::string dotted = std::string(octets[3]) + "." + std::string(octets[2]) + "." + std::string(octets[1]) +
                           "." + std::string(octets[0]);
      auto ip = ParseV4(dotted);
      if (ip && vpc.Contains(*ip)) {
        r.aa = true;
        if (want(kPTR)) r.answers.push_back(DnsRecord::Ptr(owner, options_.ttl, IpLabel(*ip) + "." + zone));
        else r.authority.push_back(SoaFor("in-addr.arpa"));
        out.wire = Encode(std::move(r), q);
        return out;
      }
    }
  }
  // Load balancers, Cloud Map.
  if (in && source_) {
    DnsNameLookup found = source_(vpc.vpc_id, name);
    if (found.kind != DnsNameLookup::Kind::kUnknown) {
      AnswerFromSource(vpc, found, owner, type, r);
      out.wire = Encode(std::move(r), q);
      return out;
    }
  }
  out.outcome = Outcome::kForward;
  return out;
}

}  // namespace fargo::dataplane::dns
