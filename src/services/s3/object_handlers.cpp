// Object operations: PUT (with digests), GET/HEAD (ranges, conditionals),
// DELETE (delete markers), copies, batch deletes and object tagging.
#include <boost/json.hpp>
#include <cmath>

#include "common/strings.h"
#include "services/s3/checksums.h"
#include "services/s3/s3_service.h"

namespace fargo::services {

using s3::ErrorResponse;
using s3::ObjectRow;
using s3::Tag;
using s3::XmlResponse;
using s3::EmptyResponse;
using protocol::HttpResponse;

namespace {

// Stored content headers: header name -> meta key.
constexpr std::pair<const char*, const char*> kContentHeaders[] = {
    {"content-type", "ContentType"},
    {"cache-control", "CacheControl"},
    {"content-disposition", "ContentDisposition"},
    {"content-encoding", "ContentEncoding"},
    {"content-language", "ContentLanguage"},
    {"expires", "Expires"},
    {"x-amz-website-redirect-location", "WebsiteRedirectLocation"},
};
constexpr std::pair<const char*, const char*> kResponseOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
};
// GET bodies larger than this are streamed from their file, not copied into memory.
constexpr int64_t kStreamFrom = 1 << 20;
// Flexible checksum algorithms: header suffix and wire name.
constexpr const char* kChecksums[] = {"crc32", "crc32c", "crc64nvme", "sha1", "sha256"};

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

json::object ParseMeta(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object();
}

std::string ETagHeader(const ObjectRow& row) { return "\"" + row.etag + "\""; }

// Strips quotes and a weak prefix: "W/\"x\"" -> x.
std::string BareETag(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (StartsWith(s, "W/")) s = s.substr(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool ETagMatches(const std::string& header, const std::string& etag) {
  for (const auto& part : Split(header, ',')) {
    std::string e = BareETag(part);
    if (e == "*" || e == etag) return true;
  }
  return false;
}

// Parses "x=1&y=2" (x-amz-tagging) into a tag set.
json::array TagsFromQuery(const std::string& q) {
  json::array tags;
  for (const auto& part : Split(q, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    tags.push_back(json::object{{"Key", UrlDecode(part.substr(0, eq))},
                                {"Value", eq == std::string::npos ? "" : UrlDecode(part.substr(eq + 1))}});
  }
  return tags;
}

void AddVersionHeader(protocol::HttpResponse& resp, const ObjectRow& row) {
  if (row.version != "null") resp.headers.emplace_back("x-amz-version-id", row.version);
}

}  // namespace

json::object S3Service::MetaFromHeaders(const Req& r) {
  json::object meta;
  for (const auto& [h, k] : kContentHeaders) {
    auto* v = r.http.Header(h);
    if (!v) continue;
    std::string value = *v;
    if (std::string_view(h) == "content-encoding") {
      // aws-chunked is transfer framing, not a property of the object.
      std::string kept;
      for (const auto& part : Split(value, ',')) {
        std::string p = part;
        while (!p.empty() && p.front() == ' ') p.erase(0, 1);
        if (p == "aws-chunked" || p.empty()) continue;
        kept += (kept.empty() ? "" : ",") + p;
      }
      if (kept.empty()) continue;
      value = kept;
    }
    meta[k] = value;
  }
  if (!meta.contains("ContentType")) meta["ContentType"] = "binary/octet-stream";
  json::object user;
  for (const auto& [h, v] : r.http.headers)
    if (StartsWith(h, "x-amz-meta-")) user[h.substr(11)] = v;
  meta["user"] = std::move(user);
  if (auto* t = r.http.Header("x-amz-tagging")) meta["tags"] = TagsFromQuery(*t);
  std::string sc = r.Header("x-amz-storage-class");
  if (!sc.empty() && sc != "STANDARD") meta["StorageClass"] = sc;
  return meta;
}

std::optional<ObjectRow> S3Service::Resolve(Req& r, HttpResponse* err, bool allow_marker) {
  std::optional<ObjectRow> row;
  if (r.Has("versionId")) {
    std::string vid = r.Query("versionId");
    row = objects_.Version(r.addr.bucket, r.addr.key, vid);
    if (!row) {
      *err = ErrorResponse("NoSuchVersion", "The specified version does not exist.", 404,
                           {{"Key", r.addr.key}, {"VersionId", vid}});
      return std::nullopt;
    }
    if (row->delete_marker && !allow_marker) {
      *err = ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405,
                           {{"Method", r.http.method}, {"ResourceType", "DeleteMarker"}});
      err->headers.emplace_back("x-amz-delete-marker", "true");
      err->headers.emplace_back("Last-Modified", Rfc822(std::floor(row->mtime_ms / 1000.0)));
      AddVersionHeader(*err, *row);
      return std::nullopt;
    }
    return row;
  }
  row = objects_.Latest(r.addr.bucket, r.addr.key);
  if (!row) {
    *err = NoSuchKey(r.addr.key);
    return std::nullopt;
  }
  if (row->delete_marker) {
    *err = NoSuchKey(r.addr.key);
    err->headers.emplace_back("x-amz-delete-marker", "true");
    AddVersionHeader(*err, *row);
    return std::nullopt;
  }
  return row;
}

Status S3Service::CommitVersion(const json::object& bucket, ObjectRow& row) {
  row.version = VersioningOf(bucket) == "Enabled" ? NewVersionId() : "null";
  std::string replaced;
  FARGO_TRY(objects_.Insert(row, &replaced));
  if (!replaced.empty() && replaced != row.blob) objects_.RemoveBlob(replaced);
  return OkStatus();
}

namespace {

// Checks Content-MD5 and the flexible checksums against the digests computed
// as the body arrived; records the checksums in `meta`. Returns false with
// `err` set on a mismatch.
bool VerifyDigests(const protocol::HttpRequest& http, const protocol::StagedBody& body, json::object& meta,
                   protocol::HttpResponse* err) {
  const auto& trailers = body.trailers;
  std::string md5 = body.digests.at("md5");
  if (auto* cmd5 = http.Header("content-md5")) {
    auto raw = Base64Decode(*cmd5);
    if (!raw || raw->size() != 16) {
      *err = ErrorResponse("InvalidDigest", "The Content-MD5 you specified was invalid.", 400,
                           {{"Content-MD5", *cmd5}});
      return false;
    }
    if (*raw != md5) {
      *err = ErrorResponse("BadDigest", "The Content-MD5 you specified did not match what we received.", 400,
                           {{"ExpectedDigest", *cmd5}, {"CalculatedDigest", Base64Encode(md5)}});
      return false;
    }
  }
  json::object sums;
  for (const char* algo : kChecksums) {
    std::string header = std::string("x-amz-checksum-") + algo;
    std::string given;
    if (auto* h = http.Header(header)) given = *h;
    if (auto it = trailers.find(header); it != trailers.end()) given = it->second;
    std::string computed;
    if (auto it = body.digests.find(algo); it != body.digests.end()) computed = it->second;
    if (given.empty()) {
      auto* sdk = http.Header("x-amz-sdk-checksum-algorithm");
      if (sdk && ToLower(*sdk) == algo && !computed.empty()) sums[ToLower(algo)] = computed;
      continue;
    }
    if (!computed.empty() && computed != given) {
      *err = ErrorResponse("BadDigest", "The " + ToLower(algo) + " you specified did not match the calculated checksum.",
                           400);
      return false;
    }
    sums[algo] = given;
  }
  if (!sums.empty()) meta["checksums"] = std::move(sums);
  return true;
}

void AddChecksumHeaders(protocol::HttpResponse& resp, const json::object& meta) {
  if (auto* sums = fargo::GetObject(meta, "checksums"))
    for (const auto& kv : *sums)
      resp.headers.emplace_back("x-amz-checksum-" + std::string(kv.key()), std::string(kv.value().as_string()));
}

}  // namespace

S3Service::HttpResponse S3Service::PutObject(Req& r) {
  if (r.addr.key.size() > 1024) return ErrorResponse("KeyTooLongError", "Your key is too long", 400);
  protocol::StagedBody& body = *r.staged;
  json::object meta = MetaFromHeaders(r);
  HttpResponse err;
  if (!VerifyDigests(r.http, body, meta, &err)) return err;
  ObjectRow row;
  row.bucket = r.addr.bucket;
  row.key = r.addr.key;
  row.size = body.size;
  row.etag = s3::HexOf(body.digests.at("md5"));
  row.mtime_ms = env_.clock.NowMillis();
  row.meta = json::serialize(meta);
  return AdoptThen(r.staged, [this, row, meta](const std::string& blob) mutable -> HttpResponse {
    row.blob = blob;
    const json::object* bucket = FindBucket(row.bucket);  // it may have gone meanwhile
    if (!bucket) {
      objects_.RemoveBlob(blob);
      return NoSuchBucket(row.bucket);
    }
    if (auto st = CommitVersion(*bucket, row); !st.ok()) {
      objects_.RemoveBlob(row.blob);
      return ErrorResponse(st.error().code, st.error().message, 500);
    }
    HttpResponse ok = EmptyResponse(200);
    ok.headers.emplace_back("ETag", ETagHeader(row));
    ok.headers.emplace_back("x-amz-server-side-encryption", "AES256");
    AddVersionHeader(ok, row);
    AddChecksumHeaders(ok, meta);
    return ok;
  });
}

Result<std::string> S3Service::ReadObject(const std::string& bucket, const std::string& key) {
  if (!FindBucket(bucket)) return AwsError::Make("NoSuchBucket", "The specified bucket does not exist", 404);
  auto row = objects_.Latest(bucket, key);
  if (!row || row->delete_marker) return AwsError::Make("NoSuchKey", "The specified key does not exist.", 404);
  if (row->size == 0) return std::string();
  return objects_.ReadBlob(row->blob, 0, row->size);
}

S3Service::HttpResponse S3Service::GetObject(Req& r, bool head) {
  HttpResponse err;
  auto row = Resolve(r, &err);
  if (!row) return err;
  json::object meta = ParseMeta(row->meta);
  // Conditionals, in S3's order of precedence.
  int64_t mtime_s = row->mtime_ms / 1000;
  auto since = [&](const char* h) -> std::optional<int64_t> {
    auto* v = r.http.Header(h);
    if (!v) return std::nullopt;
    auto t = ParseTimestamp(*v);
    if (!t) return std::nullopt;
    return static_cast<int64_t>(*t);
  };
  auto* if_match = r.http.Header("if-match");
  auto* if_none = r.http.Header("if-none-match");
  HttpResponse cond;
  bool failed412 = false, not_modified = false;
  if (if_match) {
    if (!ETagMatches(*if_match, row->etag)) failed412 = true;
  } else if (auto t = since("if-unmodified-since"); t && mtime_s > *t) {
    failed412 = true;
  }
  if (!failed412) {
    if (if_none) {
      if (ETagMatches(*if_none, row->etag)) not_modified = true;
    } else if (auto t = since("if-modified-since"); t && mtime_s <= *t) {
      not_modified = true;
    }
  }
  if (failed412) {
    return ErrorResponse("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
                         {{"Condition", if_match ? "If-Match" : "If-Unmodified-Since"}});
  }
  HttpResponse resp = EmptyResponse(200);
  resp.headers.emplace_back("ETag", ETagHeader(*row));
  resp.headers.emplace_back("Last-Modified", Rfc822(static_cast<double>(mtime_s)));
  if (not_modified) {
    resp.status = 304;
    AddVersionHeader(resp, *row);
    return resp;
  }
  int64_t start = 0, end = row->size - 1;  // inclusive
  bool ranged = false;
  if (auto* range = r.http.Header("range"); range && StartsWith(*range, "bytes=") &&
                                            range->find(',') == std::string::npos) {
    std::string spec = range->substr(6);
    auto dash = spec.find('-');
    if (dash != std::string::npos) {
      std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
      bool valid = !(a.empty() && b.empty()) &&
                   a.find_first_not_of("0123456789") == std::string::npos &&
                   b.find_first_not_of("0123456789") == std::string::npos && a.size() < 19 && b.size() < 19;
      if (valid) {
        if (a.empty()) {
          int64_t n = std::stoll(b);
          if (n == 0 || row->size == 0) {
            HttpResponse bad = ErrorResponse("InvalidRange", "The requested range is not satisfiable", 416,
                                             {{"RangeRequested", *range},
                                              {"ActualObjectSize", std::to_string(row->size)}});
            bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(row->size));
            return bad;
          }
          start = std::max<int64_t>(0, row->size - n);
          ranged = true;
        } else {
          start = std::stoll(a);
          if (!b.empty()) end = std::min<int64_t>(end, std::stoll(b));
          if (!b.empty() && std::stoll(b) < start) {
            // Syntactically invalid ranges are ignored, as by S3.
            start = 0;
            end = row->size - 1;
          } else if (start >= row->size) {
            HttpResponse bad = ErrorResponse("InvalidRange", "The requested range is not satisfiable", 416,
                                             {{"RangeRequested", *range},
                                              {"ActualObjectSize", std::to_string(row->size)}});
            bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(row->size));
            return bad;
          } else {
            ranged = true;
          }
        }
      }
    }
  }
  int64_t len = row->size == 0 ? 0 : end - start + 1;
  if (ranged) {
    resp.status = 206;
    resp.headers.emplace_back("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(end) + "/" +
                                                   std::to_string(row->size));
  }
  resp.headers.emplace_back("Accept-Ranges", "bytes");
  resp.headers.emplace_back("Content-Length", std::to_string(len));
  std::map<std::string, std::string> overrides;
  for (const auto& [q, h] : kResponseOverrides)
    if (r.Has(q)) overrides[h] = r.Query(q);
  for (const auto& [h, k] : kContentHeaders) {
    std::string name = std::string(h) == "x-amz-website-redirect-location" ? h : "";
    if (name.empty()) {
      // Canonical capitalisation for the standard headers.
      std::string hn = h;
      bool up = true;
      for (auto& c : hn) {
        if (up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        up = c == '-';
      }
      name = hn;
    }
    if (overrides.count(name)) continue;
    std::string v = GetString(meta, k);
    if (!v.empty()) resp.headers.emplace_back(name, v);
  }
  for (const auto& [h, v] : overrides) resp.headers.emplace_back(h, v);
  if (auto* user = fargo::GetObject(meta, "user"))
    for (const auto& kv : *user)
      resp.headers.emplace_back("x-amz-meta-" + std::string(kv.key()), std::string(kv.value().as_string()));
  if (auto* tags = GetArray(meta, "tags"); tags && !tags->empty())
    resp.headers.emplace_back("x-amz-tagging-count", std::to_string(tags->size()));
  std::string sc = GetString(meta, "StorageClass");
  if (!sc.empty()) resp.headers.emplace_back("x-amz-storage-class", sc);
  if (int64_t parts = GetInt(meta, "parts"); parts > 0 && r.Has("partNumber"))
    resp.headers.emplace_back("x-amz-mp-parts-count", std::to_string(parts));
  resp.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  AddVersionHeader(resp, *row);
  if (ToLower(r.Header("x-amz-checksum-mode")) == "enabled" && !ranged) AddChecksumHeaders(resp, meta);
  if (!head && len > kStreamFrom) {
    // Large bodies stream from the file: the server reads it off this thread.
    auto fd = objects_.OpenBlob(row->blob);
    if (!fd.ok()) return ErrorResponse(fd.error().code, fd.error().message, 500);
    resp.file = std::make_shared<protocol::FileBody>(*fd, start, len);
  } else if (!head && len > 0) {
    auto data = objects_.ReadBlob(row->blob, start, len);
    if (!data.ok()) return ErrorResponse(data.error().code, data.error().message, 500);
    resp.body = std::move(*data);
  }
  return resp;
}

namespace {

}  // namespace

S3Service::HttpResponse S3Service::DeleteObject(Req& r) {
  const json::object& bucket = *FindBucket(r.addr.bucket);
  HttpResponse ok = EmptyResponse(204);
  if (r.Has("versionId")) {
    std::optional<ObjectRow> removed;
    if (auto st = objects_.DeleteVersion(r.addr.bucket, r.addr.key, r.Query("versionId"), &removed); !st.ok())
      return ErrorResponse(st.error().code, st.error().message, 500);
    ok.headers.emplace_back("x-amz-version-id", r.Query("versionId"));
    if (removed) {
      if (removed->delete_marker) ok.headers.emplace_back("x-amz-delete-marker", "true");
      objects_.RemoveBlob(removed->blob);
    }
    return ok;
  }
  std::string versioning = VersioningOf(bucket);
  if (versioning.empty()) {
    std::optional<ObjectRow> removed;
    if (auto st = objects_.DeleteVersion(r.addr.bucket, r.addr.key, "null", &removed); !st.ok())
      return ErrorResponse(st.error().code, st.error().message, 500);
    if (removed) objects_.RemoveBlob(removed->blob);
    return ok;
  }
  ObjectRow marker;
  marker.bucket = r.addr.bucket;
  marker.key = r.addr.key;
  marker.delete_marker = true;
  marker.mtime_ms = env_.clock.NowMillis();
  marker.meta = "{}";
  if (auto st = CommitVersion(bucket, marker); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, 500);
  ok.headers.emplace_back("x-amz-delete-marker", "true");
  ok.headers.emplace_back("x-amz-version-id", marker.version);
  return ok;
}

S3Service::HttpResponse S3Service::DeleteObjects(Req& r) {
  auto doc = s3::ParseXml(r.body);
  if (!doc) return MalformedXml();
  auto root = doc->document_element();
  bool quiet = ToLower(s3::ChildText(root, "Quiet")) == "true";
  auto objects = s3::Children(root, "Object");
  if (objects.size() > 1000) return MalformedXml();
  const json::object& bucket = *FindBucket(r.addr.bucket);
  std::string versioning = VersioningOf(bucket);
  std::string body = std::string("<DeleteResult xmlns=\"") + s3::kXmlns + "\">";
  for (auto obj : objects) {
    std::string key = s3::ChildText(obj, "Key");
    bool has_vid = static_cast<bool>(s3::Child(obj, "VersionId"));
    std::string vid = s3::ChildText(obj, "VersionId");
    std::string entry = "<Deleted>";
    Tag(entry, "Key", key);
    Status st = OkStatus();
    if (has_vid || versioning.empty()) {
      std::optional<ObjectRow> removed;
      st = objects_.DeleteVersion(r.addr.bucket, key, has_vid ? vid : "null", &removed);
      if (st.ok() && removed) objects_.RemoveBlob(removed->blob);
      if (has_vid) Tag(entry, "VersionId", vid);
      if (removed && removed->delete_marker) {
        Tag(entry, "DeleteMarker", "true");
        Tag(entry, "DeleteMarkerVersionId", vid);
      }
    } else {
      ObjectRow marker;
      marker.bucket = r.addr.bucket;
      marker.key = key;
      marker.delete_marker = true;
      marker.mtime_ms = env_.clock.NowMillis();
      marker.meta = "{}";
      st = CommitVersion(bucket, marker);
      Tag(entry, "DeleteMarker", "true");
      Tag(entry, "DeleteMarkerVersionId", marker.version);
    }
    entry += "</Deleted>";
    if (!st.ok()) {
      body += "<Error>";
      Tag(body, "Key", key);
      if (has_vid) Tag(body, "VersionId", vid);
      Tag(body, "Code", "InternalError");
      Tag(body, "Message", st.error().message);
      body += "</Error>";
    } else if (!quiet) {
      body += entry;
    }
  }
  body += "</DeleteResult>";
  return XmlResponse(std::move(body));
}

S3Service::HttpResponse S3Service::CopyObject(Req& r) {
  std::string source = UrlDecode(r.Header("x-amz-copy-source"), false);
  std::string src_version;
  if (auto q = source.find("?versionId="); q != std::string::npos) {
    src_version = source.substr(q + 11);
    source.resize(q);
  }
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size())
    return ErrorResponse("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                         400);
  std::string src_bucket = source.substr(0, slash), src_key = source.substr(slash + 1);
  if (!FindBucket(src_bucket)) return NoSuchBucket(src_bucket);
  std::optional<ObjectRow> src = src_version.empty() ? objects_.Latest(src_bucket, src_key)
                                                     : objects_.Version(src_bucket, src_key, src_version);
  if (!src) {
    if (!src_version.empty())
      return ErrorResponse("NoSuchVersion", "The specified version does not exist.", 404,
                           {{"Key", src_key}, {"VersionId", src_version}});
    return NoSuchKey(src_key);
  }
  if (src->delete_marker) {
    if (!src_version.empty())
      return ErrorResponse("InvalidRequest", "The source of a copy request may not specifically refer to a delete marker by version id.", 400);
    return NoSuchKey(src_key);
  }
  if (auto* m = r.http.Header("x-amz-copy-source-if-match"); m && !ETagMatches(*m, src->etag))
    return ErrorResponse("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
                         {{"Condition", "x-amz-copy-source-If-Match"}});
  if (auto* m = r.http.Header("x-amz-copy-source-if-none-match"); m && ETagMatches(*m, src->etag))
    return ErrorResponse("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
                         {{"Condition", "x-amz-copy-source-If-None-Match"}});
  bool replace = ToUpper(r.Header("x-amz-metadata-directive", "COPY")) == "REPLACE";
  json::object src_meta = ParseMeta(src->meta);
  json::object meta = replace ? MetaFromHeaders(r) : src_meta;
  if (ToUpper(r.Header("x-amz-tagging-directive", "COPY")) == "REPLACE") {
    meta["tags"] = TagsFromQuery(r.Header("x-amz-tagging"));
  } else if (auto* t = src_meta.if_contains("tags")) {
    meta["tags"] = *t;
  } else {
    meta.erase("tags");
  }
  std::string sc = r.Header("x-amz-storage-class");
  if (!sc.empty()) meta["StorageClass"] = sc;
  if (src_bucket == r.addr.bucket && src_key == r.addr.key && src_version.empty() && !replace && sc.empty() &&
      !r.http.Header("x-amz-server-side-encryption") && !r.http.Header("x-amz-website-redirect-location"))
    return ErrorResponse("InvalidRequest",
                         "This copy request is illegal because it is trying to copy an object to itself without "
                         "changing the object's metadata, storage class, website redirect location or encryption "
                         "attributes.",
                         400);
  ObjectRow row;
  row.bucket = r.addr.bucket;
  row.key = r.addr.key;
  row.size = src->size;
  row.etag = src->etag;
  row.mtime_ms = env_.clock.NowMillis();
  auto blob = objects_.CloneBlob(src->blob);
  if (!blob.ok()) return ErrorResponse(blob.error().code, blob.error().message, 500);
  row.blob = *blob;
  row.meta = json::serialize(meta);
  if (auto st = CommitVersion(*FindBucket(r.addr.bucket), row); !st.ok()) {
    objects_.RemoveBlob(row.blob);
    return ErrorResponse(st.error().code, st.error().message, 500);
  }
  std::string body = std::string("<CopyObjectResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "LastModified", Iso8601(row.mtime_ms / 1000.0));
  Tag(body, "ETag", ETagHeader(row));
  if (auto* sums = fargo::GetObject(meta, "checksums"))
    for (const auto& kv : *sums) Tag(body, "Checksum" + ToUpper(kv.key()), kv.value().as_string());
  body += "</CopyObjectResult>";
  HttpResponse ok = XmlResponse(std::move(body));
  AddVersionHeader(ok, row);
  if (src->version != "null") ok.headers.emplace_back("x-amz-copy-source-version-id", src->version);
  ok.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  return ok;
}

S3Service::HttpResponse S3Service::PutObjectTagging(Req& r) {
  HttpResponse err;
  auto row = Resolve(r, &err);
  if (!row) return err;
  auto tags = ParseTaggingBody(r.body, &err);
  if (!tags) return err;
  if (tags->size() > 10) return ErrorResponse("BadRequest", "Object tags cannot be greater than 10", 400);
  json::object meta = ParseMeta(row->meta);
  meta["tags"] = std::move(*tags);
  if (auto st = objects_.UpdateMeta(row->id, json::serialize(meta)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, 500);
  HttpResponse ok = EmptyResponse(200);
  AddVersionHeader(ok, *row);
  return ok;
}

S3Service::HttpResponse S3Service::GetObjectTagging(Req& r) {
  HttpResponse err;
  auto row = Resolve(r, &err);
  if (!row) return err;
  json::object meta = ParseMeta(row->meta);
  auto* tags = GetArray(meta, "tags");
  HttpResponse ok = XmlResponse(TaggingXml(tags ? *tags : json::array()));
  AddVersionHeader(ok, *row);
  return ok;
}

S3Service::HttpResponse S3Service::DeleteObjectTagging(Req& r) {
  HttpResponse err;
  auto row = Resolve(r, &err);
  if (!row) return err;
  json::object meta = ParseMeta(row->meta);
  meta.erase("tags");
  if (auto st = objects_.UpdateMeta(row->id, json::serialize(meta)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, 500);
  HttpResponse ok = EmptyResponse(204);
  AddVersionHeader(ok, *row);
  return ok;
}

S3Service::HttpResponse S3Service::GetObjectAcl(Req& r) {
  HttpResponse err;
  if (!Resolve(r, &err)) return err;
  return GetAcl(r);
}

}  // namespace fargo::services
