#include "services/s3/s3_service.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "common/strings.h"
#include "services/s3/aws_chunked.h"
#include "services/s3/upload_sink.h"

namespace fargo::services {

using s3::ErrorResponse;
using s3::Tag;
using s3::XmlResponse;
using s3::EmptyResponse;
using protocol::HttpResponse;

namespace {
// The canonical user id every bucket and object reports as its owner.
constexpr char kOwnerId[] = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
}  // namespace

S3Service::S3Service(Env env)
    : env_(env),
      buckets_(env.store, "s3.buckets"),
      uploads_(env.store, "s3.uploads"),
      objects_(env.store, env.ids) {}

S3Service::~S3Service() {
  if (!temp_root_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_root_, ec);
  }
}

Status S3Service::Start() {
  FARGO_TRY(buckets_.Load());
  FARGO_TRY(uploads_.Load());
  std::string dir = env_.store.dir();
  std::string root;
  if (dir.empty() || dir == ":memory:") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fargo-s3-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return AwsError::Make("InternalError", "cannot create temp dir", 500);
    temp_root_ = root = tmpl;
  } else {
    root = dir + "/s3";
  }
  FARGO_TRY(objects_.Init(root));
  // A crash between putting bytes in place and committing their row leaves
  // an unreferenced blob: it goes now, before anything can reference it.
  std::set<std::string> parts;
  for (const auto& [id, up] : uploads_.all())
    if (auto* ps = fargo::GetObject(up, "parts"))
      for (const auto& kv : *ps) parts.insert(GetString(kv.value().as_object(), "blob"));
  if (size_t n = objects_.SweepUnreferenced(parts))
    std::fprintf(stderr, "fargo: s3: removed %zu unreferenced object files\n", n);
  return OkStatus();
}

namespace {

// PutObject and UploadPart (not their copy forms), as DispatchObject routes
// them: the bodies that are object bytes, of any size, not a small document.
bool StreamsBody(const protocol::HttpRequest& head) {
  if (head.method != "PUT" || head.Header("x-amz-copy-source")) return false;
  std::string host = head.Header("host") ? *head.Header("host") : "";
  auto addr = s3::ParseAddress(host, head.raw_path);
  if (addr.bucket.empty() || addr.key.empty()) return false;
  return head.query.count("uploadId") || (!head.query.count("tagging") && !head.query.count("acl"));
}

}  // namespace

std::unique_ptr<protocol::BodySink> S3Service::OpenBodySink(const protocol::HttpRequest& head) const {
  if (!StreamsBody(head)) return nullptr;
  return std::make_unique<s3::UploadSink>(objects_.TempPath(), head);
}

S3Service::HttpResponse S3Service::AdoptThen(std::shared_ptr<protocol::StagedBody> staged,
                                             std::function<HttpResponse(const std::string& blob)> commit) {
  auto blob = std::make_shared<Result<std::string>>(std::string());
  auto deferred = std::make_shared<protocol::DeferredResponse>();
  deferred->work = [this, staged, blob] {
    if (staged->path.empty()) return;
    *blob = objects_.AdoptBlob(staged->path);
    staged->path.clear();  // renamed (or removed on failure): no longer the staged body's
  };
  deferred->finish = [blob, commit = std::move(commit)]() -> HttpResponse {
    if (!blob->ok()) return ErrorResponse(blob->error().code, blob->error().message, 500);
    return commit(blob->value());
  };
  HttpResponse pending;
  pending.deferred = std::move(deferred);
  return pending;
}

Result<json::object> S3Service::Invoke(CallContext& ctx, json::object&) {
  return AwsError::Make("NotImplemented", "S3 is served over REST", 501);
}

Result<protocol::HttpResponse> S3Service::InvokeRest(CallContext& ctx) {
  const auto& http = ctx.http;
  std::string host = http.Header("host") ? *http.Header("host") : "";
  Req r{ctx, http, s3::ParseAddress(host, http.raw_path), {}, {}, {}};
  HttpResponse resp;
  try {
    if (StreamsBody(http)) {
      // Bodies that were not streamed (tests, other callers) take the same path.
      r.staged = http.staged ? http.staged : s3::UploadSink::StageBody(objects_.TempPath(), http, http.body);
      if (r.staged->error) {
        const AwsError& e = *r.staged->error;
        resp = ErrorResponse(e.code, e.message, e.status);
      } else {
        r.trailers = r.staged->trailers;
        resp = Dispatch(r);
      }
    } else if (s3::IsAwsChunked(http) && !http.body.empty()) {
      auto decoded = s3::DecodeAwsChunked(http.body);
      if (!decoded) {
        resp = ErrorResponse("IncompleteBody", "The request body is not valid aws-chunked encoding", 400);
      } else {
        r.body = std::move(decoded->data);
        r.trailers = std::move(decoded->trailers);
        if (auto* dl = http.Header("x-amz-decoded-content-length");
            dl && *dl != std::to_string(r.body.size()))
          resp = ErrorResponse("IncompleteBody",
                               "You did not provide the number of bytes specified by the Content-Length HTTP header",
                               400);
        else
          resp = Dispatch(r);
      }
    } else {
      r.body = http.body;
      resp = Dispatch(r);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fargo: s3 %s %s failed: %s\n", http.method.c_str(), http.raw_path.c_str(), e.what());
    resp = ErrorResponse("InternalError", "We encountered an internal error. Please try again.", 500);
  }
  auto finalize = [request_id = ctx.request_id, head = http.method == "HEAD"](HttpResponse& out) {
    if (out.body.find("<Error>") != std::string::npos && out.status >= 300) {
      // Error documents carry the request id, as S3's do.
      auto end = out.body.rfind("</Error>");
      if (end != std::string::npos) out.body.insert(end, "<RequestId>" + request_id + "</RequestId>");
    }
    out.headers.emplace_back("x-amz-request-id", request_id);
    out.headers.emplace_back("x-amz-id-2", Base64Encode(request_id));
    if (head && out.status >= 300) out.body.clear();
  };
  return Finalized(std::move(resp), finalize);
}

S3Service::HttpResponse S3Service::Finalized(HttpResponse resp, std::function<void(HttpResponse&)> finalize) {
  if (!resp.deferred) {
    finalize(resp);
    return resp;
  }
  // The real response comes later (off-thread work first): finalize that one.
  resp.deferred->finish = [finish = std::move(resp.deferred->finish), finalize]() {
    return Finalized(finish(), finalize);
  };
  return resp;
}

S3Service::HttpResponse S3Service::Dispatch(Req& r) {
  if (r.addr.bucket.empty()) {
    if (r.http.method == "GET") return ListBuckets(r);
    return ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
  }
  if (r.addr.key.empty()) return DispatchBucket(r);
  return DispatchObject(r);
}

S3Service::HttpResponse S3Service::DispatchBucket(Req& r) {
  const std::string& m = r.http.method;
  bool plain = true;  // no sub-resource (x-id only names the operation)
  for (const auto& kv : r.http.query)
    if (kv.first != "x-id") plain = false;
  if (m == "PUT" && plain) return CreateBucket(r);
  if (m == "HEAD") return HeadBucket(r);
  if (!FindBucket(r.addr.bucket)) return NoSuchBucket(r.addr.bucket);
  if (m == "DELETE" && plain) return DeleteBucket(r);
  if (m == "POST" && r.Has("delete")) return DeleteObjects(r);
  if (m == "GET") {
    if (r.Has("location")) return GetBucketLocation(r);
    if (r.Has("uploads")) return ListMultipartUploads(r);
    if (r.Has("versions")) return ListObjectVersions(r);
  }
  for (const char* sub : {"versioning", "tagging", "policy", "acl", "cors", "website", "lifecycle",
                          "encryption", "replication", "object-lock", "accelerate", "requestPayment",
                          "logging", "ownershipControls", "notification", "publicAccessBlock"}) {
    if (r.Has(sub)) return BucketConfig(r, sub);
  }
  if (m == "GET") return ListObjects(r, r.Query("list-type") == "2");
  return ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
}

S3Service::HttpResponse S3Service::DispatchObject(Req& r) {
  const std::string& m = r.http.method;
  if (!FindBucket(r.addr.bucket)) return NoSuchBucket(r.addr.bucket);
  if (r.Has("uploadId")) {
    if (m == "PUT") return UploadPart(r);
    if (m == "POST") return CompleteMultipartUpload(r);
    if (m == "DELETE") return AbortMultipartUpload(r);
    if (m == "GET") return ListParts(r);
  }
  if (m == "POST" && r.Has("uploads")) return CreateMultipartUpload(r);
  if (r.Has("tagging")) {
    if (m == "PUT") return PutObjectTagging(r);
    if (m == "GET") return GetObjectTagging(r);
    if (m == "DELETE") return DeleteObjectTagging(r);
  }
  if (r.Has("acl")) {
    if (m == "GET") return GetObjectAcl(r);
    if (m == "PUT") return EmptyResponse(200);
  }
  if (m == "PUT") return r.http.Header("x-amz-copy-source") ? CopyObject(r) : PutObject(r);
  if (m == "GET") return GetObject(r, false);
  if (m == "HEAD") return GetObject(r, true);
  if (m == "DELETE") return DeleteObject(r);
  return ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
}

// ---- helpers ---------------------------------------------------------------

const json::object* S3Service::FindBucket(const std::string& name) const { return buckets_.Find(name); }

Status S3Service::SaveBucket(const std::string& name, json::object bucket) {
  return buckets_.Put(name, std::move(bucket));
}

S3Service::HttpResponse S3Service::NoSuchBucket(const std::string& name) {
  return ErrorResponse("NoSuchBucket", "The specified bucket does not exist", 404, {{"BucketName", name}});
}

S3Service::HttpResponse S3Service::NoSuchKey(const std::string& key) {
  return ErrorResponse("NoSuchKey", "The specified key does not exist.", 404, {{"Key", key}});
}

S3Service::HttpResponse S3Service::MalformedXml() {
  return ErrorResponse("MalformedXML",
                       "The XML you provided was not well-formed or did not validate against our published schema",
                       400);
}

std::string S3Service::VersioningOf(const json::object& bucket) const { return GetString(bucket, "versioning"); }

std::string S3Service::NewVersionId() {
  // AWS version ids are 32 URL-safe characters.
  return env_.ids.Upper(8) + env_.ids.Hex(24);
}

std::string S3Service::Owner() const {
  std::string out = "<Owner>";
  Tag(out, "ID", kOwnerId);
  Tag(out, "DisplayName", "webfile");
  out += "</Owner>";
  return out;
}

// ---- buckets ---------------------------------------------------------------

S3Service::HttpResponse S3Service::ListBuckets(Req& r) {
  std::string prefix = r.Query("prefix");
  std::string region_filter = r.Query("bucket-region");
  std::string body = std::string("<ListAllMyBucketsResult xmlns=\"") + s3::kXmlns + "\">" + Owner() + "<Buckets>";
  for (const auto& [name, b] : buckets_.all()) {
    if (!StartsWith(name, prefix)) continue;
    std::string region = GetString(b, "region");
    if (!region_filter.empty() && region != region_filter) continue;
    body += "<Bucket>";
    Tag(body, "Name", name);
    Tag(body, "CreationDate", Iso8601(static_cast<double>(GetInt(b, "created")) / 1000.0));
    Tag(body, "BucketRegion", region);
    body += "</Bucket>";
  }
  body += "</Buckets>";
  if (!prefix.empty()) Tag(body, "Prefix", prefix);
  body += "</ListAllMyBucketsResult>";
  return XmlResponse(std::move(body));
}

S3Service::HttpResponse S3Service::CreateBucket(Req& r) {
  const std::string& name = r.addr.bucket;
  std::string region = r.ctx.region;
  if (!r.body.empty()) {
    auto doc = s3::ParseXml(r.body);
    if (!doc) return MalformedXml();
    std::string lc = s3::ChildText(doc->document_element(), "LocationConstraint");
    if (!lc.empty()) {
      if (lc == "us-east-1")
        return ErrorResponse("InvalidLocationConstraint", "The specified location-constraint is not valid", 400,
                             {{"LocationConstraint", lc}});
      region = lc == "EU" ? "eu-west-1" : lc;
    }
  }
  if (auto* existing = FindBucket(name)) {
    if (GetString(*existing, "region") == "us-east-1" && region == "us-east-1") {
      HttpResponse ok = EmptyResponse(200);
      ok.headers.emplace_back("Location", "/" + name);
      return ok;
    }
    return ErrorResponse("BucketAlreadyOwnedByYou",
                         "Your previous request to create the named bucket succeeded and you already own it.", 409,
                         {{"BucketName", name}});
  }
  if (!s3::IsValidBucketName(name))
    return ErrorResponse("InvalidBucketName", "The specified bucket is not valid.", 400, {{"BucketName", name}});
  json::object b{{"region", region}, {"created", env_.clock.NowMillis()}, {"account", r.ctx.account},
                 {"versioning", ""}, {"config", json::object()}};
  if (ToLower(r.Header("x-amz-bucket-object-lock-enabled")) == "true") {
    b["versioning"] = "Enabled";
    b["config"].as_object()["object-lock"] =
        std::string("<ObjectLockConfiguration xmlns=\"") + s3::kXmlns +
        "\"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>";
  }
  std::string ownership = r.Header("x-amz-object-ownership");
  if (!ownership.empty())
    b["config"].as_object()["ownershipControls"] =
        std::string("<OwnershipControls xmlns=\"") + s3::kXmlns + "\"><Rule><ObjectOwnership>" +
        XmlEscape(ownership) + "</ObjectOwnership></Rule></OwnershipControls>";
  if (auto st = buckets_.Put(name, std::move(b)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, st.error().status);
  HttpResponse ok = EmptyResponse(200);
  ok.headers.emplace_back("Location", "/" + name);
  return ok;
}

S3Service::HttpResponse S3Service::HeadBucket(Req& r) {
  auto* b = FindBucket(r.addr.bucket);
  if (!b) return EmptyResponse(404);
  HttpResponse ok = EmptyResponse(200);
  ok.headers.emplace_back("x-amz-bucket-region", GetString(*b, "region"));
  ok.headers.emplace_back("x-amz-access-point-alias", "false");
  return ok;
}

S3Service::HttpResponse S3Service::DeleteBucket(Req& r) {
  const std::string& name = r.addr.bucket;
  if (objects_.BucketHasRows(name)) {
    bool versioned = !VersioningOf(*FindBucket(name)).empty();
    return ErrorResponse("BucketNotEmpty",
                         versioned ? "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
                                   : "The bucket you tried to delete is not empty",
                         409, {{"BucketName", name}});
  }
  std::vector<std::string> uploads;
  for (const auto& [id, u] : uploads_.all())
    if (GetString(u, "bucket") == name) uploads.push_back(id);
  for (const auto& id : uploads) {
    json::object u = *uploads_.Find(id);
    if (!uploads_.Erase(id).ok()) continue;
    if (auto* parts = fargo::GetObject(u, "parts"))
      for (const auto& p : *parts) objects_.RemoveBlob(GetString(p.value().as_object(), "blob"));
  }
  if (auto st = buckets_.Erase(name); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, st.error().status);
  return EmptyResponse(204);
}

S3Service::HttpResponse S3Service::GetBucketLocation(Req& r) {
  std::string region = GetString(*FindBucket(r.addr.bucket), "region");
  std::string body = std::string("<LocationConstraint xmlns=\"") + s3::kXmlns + "\">" +
                     (region == "us-east-1" ? "" : XmlEscape(region)) + "</LocationConstraint>";
  return XmlResponse(std::move(body));
}

}  // namespace fargo::services
