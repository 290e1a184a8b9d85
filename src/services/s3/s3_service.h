// S3: buckets, their configurations, objects (versioned), multipart uploads
// and listings, served over the REST-XML wire directly (InvokeRest).
//
// State: buckets and multipart uploads are documents (Collections); object
// versions live in ObjectStore's SQLite table with their bytes in files.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "services/s3/object_store.h"
#include "services/s3/s3_address.h"
#include "services/s3/xml_util.h"
#include "services/service.h"
#include "store/collection.h"

namespace fargo::services {

// Tag sets: <Tagging><TagSet><Tag>... <-> [{"Key","Value"}] (bucket_config.cpp).
std::string TaggingXml(const json::array& tags);
std::optional<json::array> ParseTaggingBody(std::string_view body, protocol::HttpResponse* err);

class S3Service final : public Service {
 public:
  explicit S3Service(Env env);
  ~S3Service() override;
  std::string name() const override { return "s3"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;
  Result<protocol::HttpResponse> InvokeRest(CallContext& ctx) override;
  // Object bodies (PutObject, UploadPart) stream to a temp file: see UploadSink.
  std::unique_ptr<protocol::BodySink> OpenBodySink(const protocol::HttpRequest& head) const override;

  // For other services, on the state thread: the bytes of the latest version
  // of an object. Errors as GetObject names them (NoSuchBucket, NoSuchKey,
  // the latter also when the latest version is a delete marker).
  Result<std::string> ReadObject(const std::string& bucket, const std::string& key);

 private:
  using HttpResponse = protocol::HttpResponse;
  // One request's addressing and decoded body.
  struct Req {
    CallContext& ctx;
    const protocol::HttpRequest& http;
    s3::S3Address addr;
    std::string body;                             // aws-chunked framing removed
    std::map<std::string, std::string> trailers;  // checksum trailers
    // Object bodies (PutObject, UploadPart): on disk with their digests, not in `body`.
    std::shared_ptr<protocol::StagedBody> staged;
    bool Has(const char* q) const { return http.query.count(q) > 0; }
    std::string Query(const char* q, std::string def = "") const {
      auto it = http.query.find(q);
      return it == http.query.end() ? def : it->second;
    }
    std::string Header(const char* h, std::string def = "") const {
      auto* v = http.Header(h);
      return v ? *v : def;
    }
  };

  HttpResponse Dispatch(Req& r);
  // Applies `finalize` (request ids, HEAD) to the response a client will get,
  // which for a deferred response is the one its finish produces.
  static HttpResponse Finalized(HttpResponse resp, std::function<void(HttpResponse&)> finalize);
  HttpResponse DispatchBucket(Req& r);
  HttpResponse DispatchObject(Req& r);

  // Buckets (s3_service.cpp).
  HttpResponse ListBuckets(Req& r);
  HttpResponse CreateBucket(Req& r);
  HttpResponse HeadBucket(Req& r);
  HttpResponse DeleteBucket(Req& r);
  HttpResponse GetBucketLocation(Req& r);
  // Configurations (bucket_config.cpp).
  HttpResponse BucketConfig(Req& r, const std::string& sub);
  HttpResponse PutVersioning(Req& r);
  HttpResponse GetVersioning(Req& r);
  HttpResponse PutBucketTagging(Req& r);
  HttpResponse GetBucketTagging(Req& r);
  HttpResponse PutPolicy(Req& r);
  HttpResponse GetAcl(Req& r);
  // Objects (object_handlers.cpp).
  HttpResponse PutObject(Req& r);
  HttpResponse CopyObject(Req& r);
  HttpResponse GetObject(Req& r, bool head);
  HttpResponse DeleteObject(Req& r);
  HttpResponse DeleteObjects(Req& r);
  HttpResponse PutObjectTagging(Req& r);
  HttpResponse GetObjectTagging(Req& r);
  HttpResponse DeleteObjectTagging(Req& r);
  HttpResponse GetObjectAcl(Req& r);
  // Multipart (multipart.cpp).
  HttpResponse CreateMultipartUpload(Req& r);
  HttpResponse UploadPart(Req& r);
  // The part's row in its upload, once its bytes are in place.
  HttpResponse CommitPart(const json::object& up, const std::string& id, int64_t n, const std::string& md5,
                          int64_t size, const std::string& crc, bool copy, const std::string& blob);
  HttpResponse CompleteMultipartUpload(Req& r);
  HttpResponse AbortMultipartUpload(Req& r);
  HttpResponse ListParts(Req& r);
  HttpResponse ListMultipartUploads(Req& r);
  // Listings (listing.cpp).
  HttpResponse ListObjects(Req& r, bool v2);
  HttpResponse ListObjectVersions(Req& r);

  // Helpers.
  const json::object* FindBucket(const std::string& name) const;
  HttpResponse NoSuchBucket(const std::string& name);
  HttpResponse NoSuchKey(const std::string& key);
  HttpResponse MalformedXml();
  // Durable first, then visible: `bucket` replaces the stored one.
  Status SaveBucket(const std::string& name, json::object bucket);
  std::string VersioningOf(const json::object& bucket) const;
  // Content headers, user metadata and tagging of a write, as the meta JSON.
  json::object MetaFromHeaders(const Req& r);
  // Finds the version a GET/HEAD/tagging call addresses; error response if none.
  std::optional<s3::ObjectRow> Resolve(Req& r, HttpResponse* err, bool allow_marker = false);
  // Moves a staged body into place as a blob ("" for an empty body) off the
  // state thread (a rename made durable), then runs `commit` with the blob's
  // name back on it. `commit` must check again what it relies on (the
  // bucket, the upload) and remove the blob when it does not commit it.
  HttpResponse AdoptThen(std::shared_ptr<protocol::StagedBody> staged,
                         std::function<HttpResponse(const std::string& blob)> commit);
  // Commits `row` as a new version per the bucket's versioning state.
  Status CommitVersion(const json::object& bucket, s3::ObjectRow& row);
  std::string NewVersionId();
  std::string Owner() const;

  Env env_;
  store::Collection buckets_;   // key: bucket name (global namespace)
  store::Collection uploads_;   // key: upload id
  s3::ObjectStore objects_;
  std::string temp_root_;       // set when the store has no directory
};

}  // namespace fargo::services
