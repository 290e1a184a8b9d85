// Digests S3 computes over object bytes: MD5 (ETags, Content-MD5) and the
// flexible checksums (CRC32, CRC32C) the SDKs send by default.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace fargo::services::s3 {

// Raw 16-byte MD5 digest.
std::string Md5(std::string_view data);
std::string HexOf(std::string_view bytes);

uint32_t Crc32(std::string_view data);
uint32_t Crc32c(std::string_view data);
// Continue a CRC over more data: Crc32(ab) == Crc32Update(Crc32(a), b).
uint32_t Crc32Update(uint32_t crc, std::string_view data);
uint32_t Crc32cUpdate(uint32_t crc, std::string_view data);
// Base64 of the big-endian 4 bytes, as in x-amz-checksum-crc32.
std::string ChecksumBase64(uint32_t v);

// The digests of a byte stream, computed as it arrives: MD5 always, the
// CRCs only when asked for (they cost a pass each).
class StreamDigests {
 public:
  StreamDigests(bool crc32, bool crc32c);
  ~StreamDigests();
  StreamDigests(const StreamDigests&) = delete;
  StreamDigests& operator=(const StreamDigests&) = delete;

  void Update(std::string_view data);
  // REQUIRES: called once, after the last Update. Raw MD5 under "md5";
  // base64 CRCs (as S3 writes them) under "crc32" / "crc32c" when enabled.
  std::map<std::string, std::string> Finish();

 private:
  void* md5_;  // EVP_MD_CTX
  bool crc32_on_, crc32c_on_;
  uint32_t crc32_ = 0, crc32c_ = 0;
};

}  // namespace fargo::services::s3
