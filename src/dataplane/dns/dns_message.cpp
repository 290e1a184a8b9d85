#include "dataplane/dns/dns_message.h"

#include <map>

namespace fargo::dataplane::dns {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxName = 255;

AwsError FormErr(std::string why) { return AwsError::Make("FORMERR", std::move(why), 400); }

class Reader {
 public:
  explicit Reader(std::string_view wire) : w_(wire) {}

  size_t pos() const { return pos_; }
  void Seek(size_t p) { pos_ = p; }
  size_t left() const { return w_.size() - pos_; }
  bool U8(uint8_t* v) {
    if (left() < 1) return false;
    *v = static_cast<uint8_t>(w_[pos_++]);
    return true;
  }
  bool U16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>((static_cast<uint8_t>(w_[pos_]) << 8) | static_cast<uint8_t>(w_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    uint16_t hi, lo;
    if (!U16(&hi) || !U16(&lo)) return false;
    *v = (static_cast<uint32_t>(hi) << 16) | lo;
    return true;
  }
  bool Bytes(size_t n, std::string* out) {
    if (left() < n) return false;
    out->assign(w_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // A possibly compressed name at the current position. Each pointer must
  // point before where the part of the name holding it began, so every jump
  // goes strictly backwards and no loop is possible.
  bool Name(std::string* out) {
    out->clear();
    size_t p = pos_;
    size_t limit = pos_;  // a pointer must go before where this part of the name began
    bool jumped = false;
    size_t wire_len = 1;  // the root's zero byte
    for (;;) {
      if (p >= w_.size()) return false;
      uint8_t len = static_cast<uint8_t>(w_[p]);
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= w_.size()) return false;
        size_t target = (static_cast<size_t>(len & 0x3F) << 8) | static_cast<uint8_t>(w_[p + 1]);
        if (target >= limit) return false;
        if (!jumped) pos_ = p + 2;
        jumped = true;
        p = limit = target;
        continue;
      }
      if ((len & 0xC0) != 0) return false;  // 0x40/0x80: extended label types, unused
      if (len == 0) {
        if (!jumped) pos_ = p + 1;
        return true;
      }
      if (p + 1 + len > w_.size()) return false;
      wire_len += 1 + len;
      if (wire_len > kMaxName) return false;
      if (!out->empty()) out->push_back('.');
      for (size_t i = 0; i < len; ++i) {
        char c = w_[p + 1 + i];
        if (c == '.' || c == '\\') out->push_back('\\');
        out->push_back(c);
      }
      p += 1 + len;
    }
  }

 private:
  std::string_view w_;
  size_t pos_ = 0;
};

// Splits a dotted name into labels, undoing the escapes Reader::Name writes.
bool Labels(std::string_view name, std::vector<std::string>* out) {
  out->clear();
  if (name.empty()) return true;
  std::string cur;
  size_t total = 1;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\\' && i + 1 < name.size()) {
      cur.push_back(name[++i]);
    } else if (c == '.') {
      if (cur.empty() || cur.size() > 63) return false;
      total += 1 + cur.size();
      out->push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (cur.empty() || cur.size() > 63) return false;
  total += 1 + cur.size();
  out->push_back(std::move(cur));
  return total <= kMaxName;
}

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v >> 8));
    U8(static_cast<uint8_t>(v));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v));
  }
  void Raw(std::string_view b) { out_.append(b); }
  size_t size() const { return out_.size(); }
  void Patch16(size_t at, uint16_t v) {
    out_[at] = static_cast<char>(v >> 8);
    out_[at + 1] = static_cast<char>(v);
  }
  // Writes `name`, pointing at an earlier copy of any suffix already written.
  bool Name(std::string_view name) {
    std::vector<std::string> labels;
    if (!Labels(name, &labels)) return false;
    for (size_t i = 0; i < labels.size(); ++i) {
      std::string key;
      for (size_t j = i; j < labels.size(); ++j) key += LowerName(labels[j]) + '\0';
      auto it = suffixes_.find(key);
      if (it != suffixes_.end()) {
        U16(static_cast<uint16_t>(0xC000 | it->second));
        return true;
      }
      if (out_.size() < 0x4000) suffixes_.emplace(std::move(key), out_.size());
      U8(static_cast<uint8_t>(labels[i].size()));
      Raw(labels[i]);
    }
    U8(0);
    return true;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  std::map<std::string, size_t> suffixes_;
};

bool ParseRecord(Reader& r, std::string_view wire, DnsRecord* rec) {
  uint16_t rdlen;
  if (!r.Name(&rec->name) || !r.U16(&rec->type) || !r.U16(&rec->klass) || !r.U32(&rec->ttl) || !r.U16(&rdlen))
    return false;
  if (r.left() < rdlen) return false;
  size_t start = r.pos(), end = start + rdlen;
  switch (rec->type) {
    case kA:
    case kAAAA:
      if (rdlen != (rec->type == kA ? 4 : 16)) return false;
      return r.Bytes(rdlen, &rec->rdata);
    case kCNAME:
    case kNS:
    case kPTR: {
      // Names inside data may point anywhere before them in the message.
      Reader sub(wire.substr(0, end));
      sub.Seek(start);
      if (!sub.Name(&rec->target) || sub.pos() != end) return false;
      r.Seek(end);
      return true;
    }
    case kSOA: {
      Reader sub(wire.substr(0, end));
      sub.Seek(start);
      DnsSoa& s = rec->soa;
      if (!sub.Name(&s.mname) || !sub.Name(&s.rname) || !sub.U32(&s.serial) || !sub.U32(&s.refresh) ||
          !sub.U32(&s.retry) || !sub.U32(&s.expire) || !sub.U32(&s.minimum) || sub.pos() != end)
        return false;
      r.Seek(end);
      return true;
    }
    default:
      return r.Bytes(rdlen, &rec->rdata);
  }
}

bool EncodeRecord(Writer& w, const DnsRecord& rec) {
  if (!w.Name(rec.name)) return false;
  w.U16(rec.type);
  w.U16(rec.klass);
  w.U32(rec.ttl);
  size_t len_at = w.size();
  w.U16(0);
  size_t start = w.size();
  switch (rec.type) {
    case kCNAME:
    case kNS:
    case kPTR:
      if (!w.Name(rec.target)) return false;
      break;
    case kSOA:
      if (!w.Name(rec.soa.mname) || !w.Name(rec.soa.rname)) return false;
      w.U32(rec.soa.serial);
      w.U32(rec.soa.refresh);
      w.U32(rec.soa.retry);
      w.U32(rec.soa.expire);
      w.U32(rec.soa.minimum);
      break;
    default:
      if (rec.rdata.size() > 0xFFFF) return false;
      w.Raw(rec.rdata);
  }
  w.Patch16(len_at, static_cast<uint16_t>(w.size() - start));
  return true;
}

}  // namespace

DnsRecord DnsRecord::A(std::string name, uint32_t ttl, uint32_t ip) {
  DnsRecord r;
  r.name = std::move(name);
  r.type = kA;
  r.ttl = ttl;
  r.rdata = {static_cast<char>(ip >> 24), static_cast<char>(ip >> 16), static_cast<char>(ip >> 8),
             static_cast<char>(ip)};
  return r;
}

DnsRecord DnsRecord::Aaaa(std::string name, uint32_t ttl, const uint8_t (&ipv6)[16]) {
  DnsRecord r;
  r.name = std::move(name);
  r.type = kAAAA;
  r.ttl = ttl;
  r.rdata.assign(reinterpret_cast<const char*>(ipv6), 16);
  return r;
}

DnsRecord DnsRecord::Srv(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight, uint16_t port,
                         const std::string& target) {
  DnsRecord r;
  r.name = std::move(name);
  r.type = kSRV;
  r.ttl = ttl;
  for (uint16_t v : {priority, weight, port}) {
    r.rdata.push_back(static_cast<char>(v >> 8));
    r.rdata.push_back(static_cast<char>(v & 255));
  }
  size_t start = 0;
  for (size_t i = 0; i <= target.size(); ++i)
    if (i == target.size() || target[i] == '.') {
      if (i > start) {
        r.rdata.push_back(static_cast<char>(i - start));
        r.rdata.append(target, start, i - start);
      }
      start = i + 1;
    }
  r.rdata.push_back('\0');
  return r;
}

DnsRecord DnsRecord::Ptr(std::string name, uint32_t ttl, std::string target) {
  DnsRecord r;
  r.name = std::move(name);
  r.type = kPTR;
  r.ttl = ttl;
  r.target = std::move(target);
  return r;
}

DnsRecord DnsRecord::Cname(std::string name, uint32_t ttl, std::string target) {
  DnsRecord r = Ptr(std::move(name), ttl, std::move(target));
  r.type = kCNAME;
  return r;
}

DnsRecord DnsRecord::Soa(std::string name, uint32_t ttl, DnsSoa soa) {
  DnsRecord r;
  r.name = std::move(name);
  r.type = kSOA;
  r.ttl = ttl;
  r.soa = std::move(soa);
  return r;
}

DnsRecord DnsRecord::Opt(uint16_t udp_size) {
  DnsRecord r;
  r.type = kOPT;
  r.klass = udp_size;
  return r;
}

const DnsRecord* DnsMessage::Opt() const {
  for (const auto& r : additional)
    if (r.type == kOPT) return &r;
  return nullptr;
}

Result<DnsMessage> ParseDnsMessage(std::string_view wire, DnsMessage* header) {
  Reader r(wire);
  DnsMessage m;
  uint16_t flags, qd, an, ns, ar;
  if (!r.U16(&m.id) || !r.U16(&flags) || !r.U16(&qd) || !r.U16(&an) || !r.U16(&ns) || !r.U16(&ar))
    return FormErr("shorter than a DNS header");
  m.qr = flags & 0x8000;
  m.opcode = (flags >> 11) & 0xF;
  m.aa = flags & 0x0400;
  m.tc = flags & 0x0200;
  m.rd = flags & 0x0100;
  m.ra = flags & 0x0080;
  m.ad = flags & 0x0020;
  m.cd = flags & 0x0010;
  m.rcode = flags & 0xF;
  if (header) {
    header->id = m.id;
    header->opcode = m.opcode;
    header->rd = m.rd;
  }
  // Every question takes at least 5 bytes and every record 11: counts that
  // cannot fit are rejected before anything is reserved.
  if (static_cast<size_t>(qd) * 5 + (static_cast<size_t>(an) + ns + ar) * 11 > wire.size() - kHeaderSize)
    return FormErr("section counts exceed the message");
  for (uint16_t i = 0; i < qd; ++i) {
    DnsQuestion q;
    if (!r.Name(&q.name) || !r.U16(&q.type) || !r.U16(&q.klass)) return FormErr("bad question");
    m.questions.push_back(std::move(q));
  }
  std::vector<DnsRecord>* sections[] = {&m.answers, &m.authority, &m.additional};
  uint16_t counts[] = {an, ns, ar};
  int opts = 0;
  for (int s = 0; s < 3; ++s) {
    for (uint16_t i = 0; i < counts[s]; ++i) {
      DnsRecord rec;
      if (!ParseRecord(r, wire, &rec)) return FormErr("bad resource record");
      if (rec.type == kOPT && (s != 2 || !rec.name.empty() || ++opts > 1)) return FormErr("misplaced OPT record");
      sections[s]->push_back(std::move(rec));
    }
  }
  if (r.left() != 0) return FormErr("trailing bytes after the message");
  return m;
}

Result<std::string> EncodeDnsMessage(const DnsMessage& m) {
  Writer w;
  w.U16(m.id);
  uint16_t flags = (m.qr ? 0x8000 : 0) | ((m.opcode & 0xF) << 11) | (m.aa ? 0x0400 : 0) | (m.tc ? 0x0200 : 0) |
                   (m.rd ? 0x0100 : 0) | (m.ra ? 0x0080 : 0) | (m.ad ? 0x0020 : 0) | (m.cd ? 0x0010 : 0) |
                   (m.rcode & 0xF);
  w.U16(flags);
  if (m.questions.size() > 0xFFFF || m.answers.size() > 0xFFFF || m.authority.size() > 0xFFFF ||
      m.additional.size() > 0xFFFF)
    return AwsError::Make("InvalidParameter", "too many DNS records", 500);
  w.U16(static_cast<uint16_t>(m.questions.size()));
  w.U16(static_cast<uint16_t>(m.answers.size()));
  w.U16(static_cast<uint16_t>(m.authority.size()));
  w.U16(static_cast<uint16_t>(m.additional.size()));
  for (const auto& q : m.questions) {
    if (!w.Name(q.name)) return AwsError::Make("InvalidParameter", "bad DNS name " + q.name, 500);
    w.U16(q.type);
    w.U16(q.klass);
  }
  for (const auto* s : {&m.answers, &m.authority, &m.additional})
    for (const auto& rec : *s)
      if (!EncodeRecord(w, rec)) return AwsError::Make("InvalidParameter", "bad DNS record " + rec.name, 500);
  return w.Take();
}

DnsMessage ResponseTo(const DnsMessage& query, uint8_t rcode) {
  DnsMessage r;
  r.id = query.id;
  r.qr = true;
  r.opcode = query.opcode;
  r.rd = query.rd;
  r.ra = true;
  r.cd = query.cd;
  r.rcode = rcode;
  r.questions = query.questions;
  return r;
}

std::string LowerName(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace fargo::dataplane::dns
