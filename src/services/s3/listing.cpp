// ListObjects (v1 and v2) and ListObjectVersions over ObjectStore's indexes.
#include <boost/json.hpp>
#include <limits>

#include "common/strings.h"
#include "services/s3/list_pager.h"
#include "services/s3/s3_service.h"

namespace fargo::services {

using s3::ErrorResponse;
using s3::ObjectRow;
using s3::Tag;
using s3::XmlResponse;
using s3::EmptyResponse;
using protocol::HttpResponse;

namespace {

std::string StorageClassOf(const ObjectRow& row) {
  boost::system::error_code ec;
  auto v = json::parse(row.meta, ec);
  if (!ec && v.is_object()) {
    std::string sc = GetString(v.as_object(), "StorageClass");
    if (!sc.empty()) return sc;
  }
  return "STANDARD";
}

// Parses max-keys; nullopt when not a non-negative integer.
std::optional<int64_t> MaxKeys(const std::string& text) {
  if (text.empty()) return 1000;
  if (text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::min<int64_t>(std::stoll(text), 1000);
}

}  // namespace

S3Service::HttpResponse S3Service::ListObjects(Req& r, bool v2) {
  s3::PageRequest req;
  req.prefix = r.Query("prefix");
  req.delimiter = r.Query("delimiter");
  bool url = r.Query("encoding-type") == "url";
  if (r.Has("encoding-type") && !url)
    return ErrorResponse("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
  auto max_keys = MaxKeys(r.Query("max-keys"));
  if (!max_keys) return ErrorResponse("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
  req.max_keys = *max_keys;
  std::string token = r.Query("continuation-token");
  if (v2) {
    if (r.Has("continuation-token")) {
      auto decoded = Base64Decode(token);
      if (!decoded || decoded->empty())
        return ErrorResponse("InvalidArgument", "The continuation token provided is incorrect", 400);
      req.from = *decoded;
    } else {
      req.after = r.Query("start-after");
    }
  } else {
    req.after = r.Query("marker");
  }
  std::string hi = req.prefix.empty() ? "" : s3::PrefixSuccessor(req.prefix);
  const std::string& bucket = r.addr.bucket;
  auto page = s3::ListPage<ObjectRow>(
      req,
      [&](const std::string& from, bool inclusive, size_t limit) {
        return objects_.ListLatest(bucket, from, inclusive, hi, limit);
      },
      [](const ObjectRow& row) -> const std::string& { return row.key; });
  auto enc = [&](const std::string& s) { return url ? UrlEncode(s, true) : s; };
  bool owner = !v2 || r.Query("fetch-owner") == "true";
  std::string body = std::string("<ListBucketResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "Name", bucket);
  Tag(body, "Prefix", enc(req.prefix));
  if (v2) {
    if (r.Has("continuation-token")) Tag(body, "ContinuationToken", token);
    if (r.Has("start-after")) Tag(body, "StartAfter", enc(r.Query("start-after")));
    if (page.truncated) Tag(body, "NextContinuationToken", Base64Encode(page.next_from));
    Tag(body, "KeyCount", std::to_string(page.contents.size() + page.prefixes.size()));
  } else {
    Tag(body, "Marker", enc(req.after));
    if (page.truncated && !req.delimiter.empty()) Tag(body, "NextMarker", enc(page.last));
  }
  Tag(body, "MaxKeys", std::to_string(req.max_keys));
  if (!req.delimiter.empty()) Tag(body, "Delimiter", enc(req.delimiter));
  Tag(body, "IsTruncated", s3::BoolText(page.truncated));
  if (url) Tag(body, "EncodingType", "url");
  for (const auto& row : page.contents) {
    body += "<Contents>";
    Tag(body, "Key", enc(row.key));
    Tag(body, "LastModified", Iso8601(row.mtime_ms / 1000.0));
    Tag(body, "ETag", "\"" + row.etag + "\"");
    Tag(body, "Size", std::to_string(row.size));
    if (owner) body += Owner();
    Tag(body, "StorageClass", StorageClassOf(row));
    body += "</Contents>";
  }
  for (const auto& p : page.prefixes) {
    body += "<CommonPrefixes>";
    Tag(body, "Prefix", enc(p));
    body += "</CommonPrefixes>";
  }
  body += "</ListBucketResult>";
  return XmlResponse(std::move(body));
}

S3Service::HttpResponse S3Service::ListObjectVersions(Req& r) {
  std::string prefix = r.Query("prefix"), delimiter = r.Query("delimiter");
  std::string key_marker = r.Query("key-marker"), vid_marker = r.Query("version-id-marker");
  bool url = r.Query("encoding-type") == "url";
  auto max_keys = MaxKeys(r.Query("max-keys"));
  if (!max_keys) return ErrorResponse("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
  if (!vid_marker.empty() && key_marker.empty())
    return ErrorResponse("InvalidArgument", "A version-id marker cannot be specified without a key marker.", 400);
  const std::string& bucket = r.addr.bucket;
  // Cursor: after (key, id) in (key asc, id desc) order.
  std::string cur_key = prefix;
  int64_t cur_id = std::numeric_limits<int64_t>::max();
  std::string skip_cp;
  if (!key_marker.empty() && key_marker >= prefix) {
    cur_key = key_marker;
    cur_id = std::numeric_limits<int64_t>::min();  // after every version of the marker key
    if (!vid_marker.empty()) {
      auto v = objects_.Version(bucket, key_marker, vid_marker);
      if (!v)
        return ErrorResponse("InvalidArgument", "Invalid version id specified", 400,
                             {{"ArgumentName", "version-id-marker"}, {"ArgumentValue", vid_marker}});
      cur_id = v->id;
    }
    skip_cp = s3::CommonPrefixOf(key_marker, prefix, delimiter);
    if (!skip_cp.empty()) {
      cur_key = s3::PrefixSuccessor(skip_cp);
      cur_id = std::numeric_limits<int64_t>::max();
    }
  }
  std::string hi = prefix.empty() ? "" : s3::PrefixSuccessor(prefix);
  std::string items, prefixes;
  int64_t count = 0;
  bool truncated = false, done = false;
  std::string next_key, next_vid;
  while (!done) {
    auto rows = objects_.ListVersions(bucket, cur_key, cur_id, hi, 1000);
    if (rows.empty()) break;
    bool jumped = false;
    for (const auto& row : rows) {
      std::string cp = s3::CommonPrefixOf(row.key, prefix, delimiter);
      if (count >= *max_keys) {
        truncated = true;
        done = true;
        break;
      }
      ++count;
      if (!cp.empty()) {
        prefixes += "<CommonPrefixes>";
        Tag(prefixes, "Prefix", url ? UrlEncode(cp, true) : cp);
        prefixes += "</CommonPrefixes>";
        next_key = cp;
        next_vid.clear();
        cur_key = s3::PrefixSuccessor(cp);
        cur_id = std::numeric_limits<int64_t>::max();
        jumped = true;
        if (cur_key.empty()) done = true;
        break;
      }
      const char* tag = row.delete_marker ? "DeleteMarker" : "Version";
      items += "<";
      items += tag;
      items += ">";
      Tag(items, "Key", url ? UrlEncode(row.key, true) : row.key);
      Tag(items, "VersionId", row.version);
      Tag(items, "IsLatest", s3::BoolText(row.latest));
      Tag(items, "LastModified", Iso8601(row.mtime_ms / 1000.0));
      if (!row.delete_marker) {
        Tag(items, "ETag", "\"" + row.etag + "\"");
        Tag(items, "Size", std::to_string(row.size));
        Tag(items, "StorageClass", StorageClassOf(row));
      }
      items += Owner();
      items += "</";
      items += tag;
      items += ">";
      next_key = row.key;
      next_vid = row.version;
      cur_key = row.key;
      cur_id = row.id;
    }
    if (!jumped && rows.size() < 1000) break;
  }
  std::string body = std::string("<ListVersionsResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "Name", bucket);
  Tag(body, "Prefix", prefix);
  Tag(body, "KeyMarker", key_marker);
  Tag(body, "VersionIdMarker", vid_marker);
  if (truncated) {
    Tag(body, "NextKeyMarker", next_key);
    if (!next_vid.empty()) Tag(body, "NextVersionIdMarker", next_vid);
  }
  Tag(body, "MaxKeys", std::to_string(*max_keys));
  if (!delimiter.empty()) Tag(body, "Delimiter", delimiter);
  Tag(body, "IsTruncated", s3::BoolText(truncated));
  if (url) Tag(body, "EncodingType", "url");
  body += items + prefixes + "</ListVersionsResult>";
  return XmlResponse(std::move(body));
}

}  // namespace fargo::services
