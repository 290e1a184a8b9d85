// Multipart uploads: parts are blob files named by the upload's document;
// completion concatenates them into one object blob.
#include <unistd.h>

#include <boost/json.hpp>
#include <vector>

#include "common/strings.h"
#include "services/s3/checksums.h"
#include "services/s3/s3_service.h"
#include "services/s3/upload_sink.h"

namespace fargo::services {

using s3::ErrorResponse;
using s3::ObjectRow;
using s3::Tag;
using s3::XmlResponse;
using s3::EmptyResponse;
using protocol::HttpResponse;

namespace {

constexpr int64_t kMinPartSize = 5 * 1024 * 1024;

protocol::HttpResponse NoSuchUpload(const std::string& id) {
  return ErrorResponse("NoSuchUpload",
                       "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
                       "been aborted or completed.",
                       404, {{"UploadId", id}});
}

std::string PartKey(int64_t n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%05lld", static_cast<long long>(n));
  return buf;
}

std::string Quoted(const std::string& etag) { return "\"" + etag + "\""; }

std::string Unquoted(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

S3Service::HttpResponse S3Service::CreateMultipartUpload(Req& r) {
  std::string id = env_.ids.Hex(8) + "-" + Base64Encode(env_.ids.Hex(24));
  for (auto& c : id)
    if (c == '+' || c == '/' || c == '=') c = 'x';
  json::object meta = MetaFromHeaders(r);
  if (auto* algo = r.http.Header("x-amz-checksum-algorithm")) meta["checksumAlgorithm"] = ToLower(*algo);
  json::object doc{{"bucket", r.addr.bucket},
                   {"key", r.addr.key},
                   {"initiated", env_.clock.NowMillis()},
                   {"meta", std::move(meta)},
                   {"parts", json::object()}};
  if (auto st = uploads_.Put(id, std::move(doc)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, 500);
  std::string body = std::string("<InitiateMultipartUploadResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "Bucket", r.addr.bucket);
  Tag(body, "Key", r.addr.key);
  Tag(body, "UploadId", id);
  body += "</InitiateMultipartUploadResult>";
  HttpResponse ok = XmlResponse(std::move(body));
  ok.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  return ok;
}

S3Service::HttpResponse S3Service::UploadPart(Req& r) {
  std::string id = r.Query("uploadId");
  auto* up = uploads_.Find(id);
  if (!up || GetString(*up, "bucket") != r.addr.bucket || GetString(*up, "key") != r.addr.key)
    return NoSuchUpload(id);
  std::string pn = r.Query("partNumber");
  int64_t n = 0;
  if (pn.empty() || pn.size() > 5 || pn.find_first_not_of("0123456789") != std::string::npos ||
      (n = std::stoll(pn)) < 1 || n > 10000)
    return ErrorResponse("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400,
                         {{"ArgumentName", "partNumber"}, {"ArgumentValue", pn}});
  std::string data;
  bool copy = r.http.Header("x-amz-copy-source") != nullptr;
  if (copy) {
    std::string source = UrlDecode(r.Header("x-amz-copy-source"), false);
    std::string src_version;
    if (auto q = source.find("?versionId="); q != std::string::npos) {
      src_version = source.substr(q + 11);
      source.resize(q);
    }
    if (!source.empty() && source.front() == '/') source.erase(0, 1);
    auto slash = source.find('/');
    if (slash == std::string::npos) return ErrorResponse("InvalidArgument", "Invalid copy source", 400);
    std::string sb = source.substr(0, slash), sk = source.substr(slash + 1);
    if (!FindBucket(sb)) return NoSuchBucket(sb);
    auto src = src_version.empty() ? objects_.Latest(sb, sk) : objects_.Version(sb, sk, src_version);
    if (!src || src->delete_marker) return NoSuchKey(sk);
    int64_t start = 0, len = src->size;
    std::string range = r.Header("x-amz-copy-source-range");
    if (StartsWith(range, "bytes=")) {
      auto dash = range.find('-');
      try {
        start = std::stoll(range.substr(6, dash - 6));
        int64_t end = std::stoll(range.substr(dash + 1));
        if (start > end || end >= src->size)
          return ErrorResponse("InvalidRange", "The requested range is not satisfiable", 416);
        len = end - start + 1;
      } catch (const std::exception&) {
        return ErrorResponse("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last",
                             400);
      }
    }
    auto bytes = objects_.ReadBlob(src->blob, start, len);
    if (!bytes.ok()) return ErrorResponse(bytes.error().code, bytes.error().message, 500);
    data = std::move(*bytes);
  }
  // A copied part's bytes are staged like an uploaded part's.
  std::shared_ptr<protocol::StagedBody> staged = r.staged;
  if (copy) {
    protocol::HttpRequest plain;  // the checksum headers, without any body framing
    plain.headers = r.http.headers;
    plain.headers.erase("x-amz-content-sha256");
    plain.headers.erase("content-encoding");
    staged = s3::UploadSink::StageBody(objects_.TempPath(), plain, data);
  }
  data.clear();
  if (staged->error)
    return ErrorResponse(staged->error->code, staged->error->message, staged->error->status);
  const std::string& md5 = staged->digests.at("md5");
  if (auto* cmd5 = r.http.Header("content-md5")) {
    auto raw = Base64Decode(*cmd5);
    if (!raw || raw->size() != 16) return ErrorResponse("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
    if (*raw != md5)
      return ErrorResponse("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
  }
  std::string crc;
  for (const char* algo : {"crc32", "crc32c"}) {
    std::string h = std::string("x-amz-checksum-") + algo;
    std::string given = r.Header(h.c_str());
    if (auto it = r.trailers.find(h); it != r.trailers.end()) given = it->second;
    if (given.empty()) continue;
    auto computed = staged->digests.find(algo);
    if (computed == staged->digests.end() || computed->second != given)
      return ErrorResponse("BadDigest", std::string("The ") + algo + " you specified did not match the calculated checksum.",
                           400);
    crc = h + ":" + given;
  }
  int64_t size = staged->size;
  return AdoptThen(staged, [this, id, n, md5, size, crc, copy](const std::string& blob) -> HttpResponse {
    auto* up = uploads_.Find(id);  // it may have been completed or aborted meanwhile
    if (!up) {
      objects_.RemoveBlob(blob);
      return NoSuchUpload(id);
    }
    return CommitPart(*up, id, n, md5, size, crc, copy, blob);
  });
}

S3Service::HttpResponse S3Service::CommitPart(const json::object& up, const std::string& id, int64_t n,
                                              const std::string& md5, int64_t size, const std::string& crc,
                                              bool copy, const std::string& blob) {
  json::object doc = up;
  json::object& parts = doc["parts"].as_object();
  std::string old_blob;
  if (auto* old = parts.if_contains(PartKey(n))) old_blob = GetString(old->as_object(), "blob");
  int64_t now = env_.clock.NowMillis();
  parts[PartKey(n)] = json::object{{"etag", s3::HexOf(md5)}, {"size", size},
                                   {"blob", blob}, {"mtime", now}, {"checksum", crc}};
  if (auto st = uploads_.Put(id, std::move(doc)); !st.ok()) {
    objects_.RemoveBlob(blob);
    return ErrorResponse(st.error().code, st.error().message, 500);
  }
  objects_.RemoveBlob(old_blob);
  if (copy) {
    std::string out = std::string("<CopyPartResult xmlns=\"") + s3::kXmlns + "\">";
    Tag(out, "LastModified", Iso8601(now / 1000.0));
    Tag(out, "ETag", Quoted(s3::HexOf(md5)));
    out += "</CopyPartResult>";
    return XmlResponse(std::move(out));
  }
  HttpResponse ok = EmptyResponse(200);
  ok.headers.emplace_back("ETag", Quoted(s3::HexOf(md5)));
  ok.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  if (!crc.empty()) {
    auto colon = crc.find(':');
    ok.headers.emplace_back(crc.substr(0, colon), crc.substr(colon + 1));
  }
  return ok;
}

S3Service::HttpResponse S3Service::CompleteMultipartUpload(Req& r) {
  std::string id = r.Query("uploadId");
  auto* up = uploads_.Find(id);
  if (!up || GetString(*up, "bucket") != r.addr.bucket || GetString(*up, "key") != r.addr.key)
    return NoSuchUpload(id);
  auto doc = s3::ParseXml(r.body);
  if (!doc) return MalformedXml();
  auto requested = s3::Children(doc->document_element(), "Part");
  if (requested.empty()) return MalformedXml();
  const json::object& parts = fargo::GetObject(*up, "parts") ? *fargo::GetObject(*up, "parts") : json::object();
  std::vector<std::string> blobs;
  std::string md5s;
  int64_t size = 0, prev = 0;
  std::vector<int64_t> numbers;
  for (const auto& part : requested) {
    int64_t n = std::atoll(s3::ChildText(part, "PartNumber").c_str());
    if (n <= prev)
      return ErrorResponse("InvalidPartOrder",
                           "The list of parts was not in ascending order. Parts must be ordered by part number.", 400,
                           {{"UploadId", id}});
    prev = n;
    numbers.push_back(n);
  }
  for (size_t i = 0; i < requested.size(); ++i) {
    int64_t n = numbers[i];
    auto* part = parts.if_contains(PartKey(n));
    std::string etag = Unquoted(s3::ChildText(requested[i], "ETag"));
    if (!part || GetString(part->as_object(), "etag") != etag)
      return ErrorResponse("InvalidPart",
                           "One or more of the specified parts could not be found.  The part may not have been "
                           "uploaded, or the specified entity tag may not match the part's entity tag.",
                           400, {{"UploadId", id}, {"PartNumber", std::to_string(n)}, {"ETag", etag}});
    const auto& p = part->as_object();
    int64_t psize = GetInt(p, "size");
    if (i + 1 < requested.size() && psize < kMinPartSize)
      return ErrorResponse("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.",
                           400, {{"ProposedSize", std::to_string(psize)}, {"MinSizeAllowed", std::to_string(kMinPartSize)}});
    size += psize;
    std::string hex = GetString(p, "etag");
    for (size_t k = 0; k + 1 < hex.size(); k += 2)
      md5s.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
    if (!GetString(p, "blob").empty()) blobs.push_back(GetString(p, "blob"));
  }
  ObjectRow row;
  row.bucket = r.addr.bucket;
  row.key = r.addr.key;
  row.size = size;
  row.etag = s3::HexOf(s3::Md5(md5s)) + "-" + std::to_string(requested.size());
  row.mtime_ms = env_.clock.NowMillis();
  json::object meta = fargo::GetObject(*up, "meta") ? *fargo::GetObject(*up, "meta") : json::object();
  meta["parts"] = static_cast<int64_t>(requested.size());
  row.meta = json::serialize(meta);
  std::string location =
      "http://" + r.Header("host", "localhost") + "/" + r.addr.bucket + "/" + UrlEncode(r.addr.key, true);
  // Joining the parts is a copy of the whole object: it runs off the state
  // thread; the commit comes back here, and holds only if the upload is
  // still as it was (not aborted, completed or re-uploaded meanwhile).
  struct Join {
    Result<std::string> tmp = std::string();
  };
  auto join = std::make_shared<Join>();
  auto deferred = std::make_shared<protocol::DeferredResponse>();
  if (size > 0) deferred->work = [this, join, blobs] { join->tmp = objects_.WriteTemp(blobs); };
  else deferred->work = [] {};
  deferred->finish = [this, join, id, row, location, snapshot = json::object(parts)]() mutable -> HttpResponse {
    std::string tmp = join->tmp.ok() ? *join->tmp : "";
    auto* up = uploads_.Find(id);
    const json::object* now = up ? fargo::GetObject(*up, "parts") : nullptr;
    if (!now || *now != snapshot || !FindBucket(row.bucket)) {
      if (!tmp.empty()) ::unlink(tmp.c_str());
      return NoSuchUpload(id);
    }
    if (!join->tmp.ok()) return ErrorResponse(join->tmp.error().code, join->tmp.error().message, 500);
    if (!tmp.empty()) {
      auto blob = objects_.AdoptBlob(tmp);
      if (!blob.ok()) return ErrorResponse(blob.error().code, blob.error().message, 500);
      row.blob = *blob;
    }
    if (auto st = CommitVersion(*FindBucket(row.bucket), row); !st.ok()) {
      objects_.RemoveBlob(row.blob);
      return ErrorResponse(st.error().code, st.error().message, 500);
    }
    std::vector<std::string> part_blobs;
    if (uploads_.Erase(id).ok())
      for (const auto& kv : snapshot) part_blobs.push_back(GetString(kv.value().as_object(), "blob"));
    std::string body = std::string("<CompleteMultipartUploadResult xmlns=\"") + s3::kXmlns + "\">";
    Tag(body, "Location", location);
    Tag(body, "Bucket", row.bucket);
    Tag(body, "Key", row.key);
    Tag(body, "ETag", Quoted(row.etag));
    body += "</CompleteMultipartUploadResult>";
    HttpResponse ok = XmlResponse(std::move(body));
    if (row.version != "null") ok.headers.emplace_back("x-amz-version-id", row.version);
    ok.headers.emplace_back("x-amz-server-side-encryption", "AES256");
    // Unlinking a gigabyte of parts is disk work too: off the state thread.
    auto cleanup = std::make_shared<protocol::DeferredResponse>();
    cleanup->work = [this, part_blobs] {
      for (const auto& b : part_blobs) objects_.RemoveBlob(b);
    };
    cleanup->finish = [ok] { return ok; };
    HttpResponse pending;
    pending.deferred = std::move(cleanup);
    return pending;
  };
  HttpResponse pending;
  pending.deferred = std::move(deferred);
  return pending;
}

S3Service::HttpResponse S3Service::AbortMultipartUpload(Req& r) {
  std::string id = r.Query("uploadId");
  auto* up = uploads_.Find(id);
  if (!up || GetString(*up, "bucket") != r.addr.bucket || GetString(*up, "key") != r.addr.key)
    return NoSuchUpload(id);
  std::vector<std::string> blobs;
  if (auto* parts = fargo::GetObject(*up, "parts"))
    for (const auto& kv : *parts) blobs.push_back(GetString(kv.value().as_object(), "blob"));
  if (auto st = uploads_.Erase(id); !st.ok()) return ErrorResponse(st.error().code, st.error().message, 500);
  for (const auto& b : blobs) objects_.RemoveBlob(b);
  return EmptyResponse(204);
}

S3Service::HttpResponse S3Service::ListParts(Req& r) {
  std::string id = r.Query("uploadId");
  auto* up = uploads_.Find(id);
  if (!up || GetString(*up, "bucket") != r.addr.bucket || GetString(*up, "key") != r.addr.key)
    return NoSuchUpload(id);
  int64_t marker = std::atoll(r.Query("part-number-marker", "0").c_str());
  int64_t max_parts = std::atoll(r.Query("max-parts", "1000").c_str());
  if (max_parts <= 0 || max_parts > 1000) max_parts = 1000;
  std::string body = std::string("<ListPartsResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "Bucket", r.addr.bucket);
  Tag(body, "Key", r.addr.key);
  Tag(body, "UploadId", id);
  Tag(body, "PartNumberMarker", std::to_string(marker));
  std::string items;
  int64_t count = 0, last = 0;
  bool truncated = false;
  if (auto* parts = fargo::GetObject(*up, "parts")) {
    for (const auto& kv : *parts) {  // keys are zero-padded: ordered by number
      int64_t n = std::atoll(std::string(kv.key()).c_str());
      if (n <= marker) continue;
      if (count == max_parts) {
        truncated = true;
        break;
      }
      const auto& p = kv.value().as_object();
      items += "<Part>";
      Tag(items, "PartNumber", std::to_string(n));
      Tag(items, "LastModified", Iso8601(GetInt(p, "mtime") / 1000.0));
      Tag(items, "ETag", Quoted(GetString(p, "etag")));
      Tag(items, "Size", std::to_string(GetInt(p, "size")));
      items += "</Part>";
      ++count;
      last = n;
    }
  }
  Tag(body, "NextPartNumberMarker", std::to_string(last));
  Tag(body, "MaxParts", std::to_string(max_parts));
  Tag(body, "IsTruncated", s3::BoolText(truncated));
  body += items;
  body += "<Initiator><ID>" + std::string(Owner().substr(11, 64)) + "</ID><DisplayName>webfile</DisplayName></Initiator>";
  body += Owner();
  Tag(body, "StorageClass", "STANDARD");
  body += "</ListPartsResult>";
  return XmlResponse(std::move(body));
}

S3Service::HttpResponse S3Service::ListMultipartUploads(Req& r) {
  std::string prefix = r.Query("prefix");
  struct Item {
    std::string key, id;
    int64_t initiated;
  };
  std::vector<Item> items;
  for (const auto& [id, u] : uploads_.all()) {
    if (GetString(u, "bucket") != r.addr.bucket) continue;
    std::string key = GetString(u, "key");
    if (!StartsWith(key, prefix)) continue;
    items.push_back({key, id, GetInt(u, "initiated")});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.key != b.key ? a.key < b.key : a.initiated < b.initiated;
  });
  std::string body = std::string("<ListMultipartUploadsResult xmlns=\"") + s3::kXmlns + "\">";
  Tag(body, "Bucket", r.addr.bucket);
  Tag(body, "KeyMarker", r.Query("key-marker"));
  Tag(body, "UploadIdMarker", r.Query("upload-id-marker"));
  Tag(body, "NextKeyMarker", items.empty() ? "" : items.back().key);
  Tag(body, "NextUploadIdMarker", items.empty() ? "" : items.back().id);
  if (!prefix.empty()) Tag(body, "Prefix", prefix);
  Tag(body, "MaxUploads", r.Query("max-uploads", "1000"));
  Tag(body, "IsTruncated", "false");
  for (const auto& it : items) {
    body += "<Upload>";
    Tag(body, "Key", it.key);
    Tag(body, "UploadId", it.id);
    body += "<Initiator><ID>" + std::string(Owner().substr(11, 64)) + "</ID><DisplayName>webfile</DisplayName></Initiator>";
    body += Owner();
    Tag(body, "StorageClass", "STANDARD");
    Tag(body, "Initiated", Iso8601(it.initiated / 1000.0));
    body += "</Upload>";
  }
  body += "</ListMultipartUploadsResult>";
  return XmlResponse(std::move(body));
}

}  // namespace fargo::services
