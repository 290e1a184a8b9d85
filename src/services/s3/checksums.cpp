#include "services/s3/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <array>

#include "common/strings.h"

namespace fargo::services::s3 {

std::string Md5(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HexOf(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

uint32_t Crc32(std::string_view data) { return Crc32Update(0, data); }

uint32_t Crc32Update(uint32_t prev, std::string_view data) {
  uLong crc = prev;
  size_t pos = 0;
  while (pos < data.size()) {  // zlib takes uInt lengths
    uInt n = static_cast<uInt>(std::min<size_t>(data.size() - pos, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + pos), n);
    pos += n;
  }
  return static_cast<uint32_t>(crc);
}

uint32_t Crc32c(std::string_view data) { return Crc32cUpdate(0, data); }

uint32_t Crc32cUpdate(uint32_t prev, std::string_view data) {
  static const auto kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = prev ^ 0xFFFFFFFFu;
  for (unsigned char b : data) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string ChecksumBase64(uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  return Base64Encode(std::string_view(b, 4));
}

StreamDigests::StreamDigests(bool crc32, bool crc32c)
    : md5_(EVP_MD_CTX_new()), crc32_on_(crc32), crc32c_on_(crc32c) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(md5_), EVP_md5(), nullptr);
}

StreamDigests::~StreamDigests() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(md5_)); }

void StreamDigests::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(md5_), data.data(), data.size());
  if (crc32_on_) crc32_ = Crc32Update(crc32_, data);
  if (crc32c_on_) crc32c_ = Crc32cUpdate(crc32c_, data);
}

std::map<std::string, std::string> StreamDigests::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(md5_), out, &len);
  std::map<std::string, std::string> d{{"md5", std::string(reinterpret_cast<char*>(out), len)}};
  if (crc32_on_) d["crc32"] = ChecksumBase64(crc32_);
  if (crc32c_on_) d["crc32c"] = ChecksumBase64(crc32c_);
  return d;
}

}  // namespace fargo::services::s3
