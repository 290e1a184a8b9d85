// Digests S3 computes over object bytes: MD5 (ETags, Content-MD5) and the
// flexible checksums (CRC32, CRC32C) the SDKs send by default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fargo::services::s3 {

// Raw 16-byte MD5 digest.
std::string Md5(std::string_view data);
std::string HexOf(std::string_view bytes);

uint32_t Crc32(std::string_view data);
uint32_t Crc32c(std::string_view data);
// Base64 of the big-endian 4 bytes, as in x-amz-checksum-crc32.
std::string ChecksumBase64(uint32_t v);

}  // namespace fargo::services::s3
