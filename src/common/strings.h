// Small string, time and encoding helpers shared by every subsystem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fargo {

std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::vector<std::string> Split(std::string_view s, char sep);

std::string UrlDecode(std::string_view s, bool plus_as_space = true);
std::string UrlEncode(std::string_view s, bool keep_slash = false);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

std::string XmlEscape(std::string_view s);

// "2026-11-25T06:04:51.123Z"
std::string Iso8601(double epoch_seconds);
// "2026-11-25T06:04:51Z"
std::string Iso8601NoFraction(double epoch_seconds);
// "Wed, 25 Nov 2026 06:04:51 GMT"
std::string Rfc822(double epoch_seconds);
// Accepts ISO 8601 (with or without fraction / offset), RFC 822, or epoch seconds.
std::optional<double> ParseTimestamp(std::string_view text);

// Shell-style glob: '*' matches any run of characters and, with
// kStarAndQuestion, '?' any one (EC2 filters, IAM path prefixes); kStarOnly
// takes '?' literally (CloudWatch Logs filter patterns).
enum class GlobSyntax { kStarAndQuestion, kStarOnly };
bool GlobMatch(std::string_view pattern, std::string_view text,
               GlobSyntax syntax = GlobSyntax::kStarAndQuestion);

// FNV-1a (64 bits) of `s` starting from `seed`: ids and hashes that are
// stable across restarts without being stored.
inline constexpr uint64_t kFnv1aOffset = 14695981039346656037ull;
uint64_t Fnv1a(std::string_view s, uint64_t seed = kFnv1aOffset);

}  // namespace fargo
