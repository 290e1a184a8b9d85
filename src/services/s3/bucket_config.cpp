// Bucket sub-resources: versioning, tagging, policy, ACL and the
// configurations stored as the XML the client sent and returned as stored.
#include <boost/json.hpp>
#include <set>

#include "common/strings.h"
#include "services/s3/s3_service.h"

namespace fargo::services {

using s3::ErrorResponse;
using s3::Tag;
using s3::XmlResponse;
using s3::EmptyResponse;
using protocol::HttpResponse;

namespace {

// How a configuration reads back when it was never set: an error (code,
// message) or a default document.
struct ConfigKind {
  const char* sub;
  const char* missing_code;  // nullptr: return `default_xml`
  const char* missing_message;
  const char* default_xml;   // body inside the namespace'd root, or full element
  int put_status;
};

const ConfigKind kConfigs[] = {
    {"cors", "NoSuchCORSConfiguration", "The CORS configuration does not exist", nullptr, 200},
    {"website", "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration",
     nullptr, 200},
    {"lifecycle", "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", nullptr, 200},
    {"replication", "ReplicationConfigurationNotFoundError", "The replication configuration was not found",
     nullptr, 200},
    {"object-lock", "ObjectLockConfigurationNotFoundError",
     "Object Lock configuration does not exist for this bucket", nullptr, 200},
    {"publicAccessBlock", "NoSuchPublicAccessBlockConfiguration",
     "The public access block configuration was not found", nullptr, 200},
    // Since 2023 every bucket is encrypted with SSE-S3 unless configured otherwise.
    {"encryption", nullptr, nullptr,
     "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>"
     "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
     "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
     "</ServerSideEncryptionConfiguration>",
     200},
    {"accelerate", nullptr, nullptr, "<AccelerateConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
     200},
    {"requestPayment", nullptr, nullptr,
     "<RequestPaymentConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Payer>BucketOwner</Payer>"
     "</RequestPaymentConfiguration>",
     200},
    {"logging", nullptr, nullptr, "<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>", 200},
    {"notification", nullptr, nullptr,
     "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>", 200},
    // New buckets enforce bucket-owner ownership (ACLs disabled) since 2023.
    {"ownershipControls", nullptr, nullptr,
     "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>"
     "<ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>",
     200},
};

json::object& ConfigOf(json::object& bucket) {
  auto* c = bucket.if_contains("config");
  if (!c || !c->is_object()) bucket["config"] = json::object();
  return bucket["config"].as_object();
}

}  // namespace

S3Service::HttpResponse S3Service::BucketConfig(Req& r, const std::string& sub) {
  const std::string& m = r.http.method;
  if (sub == "versioning") {
    if (m == "PUT") return PutVersioning(r);
    if (m == "GET") return GetVersioning(r);
  } else if (sub == "tagging") {
    if (m == "PUT") return PutBucketTagging(r);
    if (m == "GET") return GetBucketTagging(r);
  } else if (sub == "policy") {
    if (m == "PUT") return PutPolicy(r);
  } else if (sub == "acl") {
    if (m == "GET") return GetAcl(r);
    if (m == "PUT") return EmptyResponse(200);
  }
  // A copy: the stored bucket changes only once the change is durable.
  json::object bucket = *FindBucket(r.addr.bucket);
  json::object& config = ConfigOf(bucket);
  if (m == "DELETE") {
    if (config.erase(sub) > 0) {
      if (auto st = SaveBucket(r.addr.bucket, std::move(bucket)); !st.ok())
        return ErrorResponse(st.error().code, st.error().message, st.error().status);
    }
    return EmptyResponse(204);
  }
  if (sub == "policy" && m == "GET") {
    auto* p = config.if_contains("policy");
    if (!p) return ErrorResponse("NoSuchBucketPolicy", "The bucket policy does not exist", 404,
                                 {{"BucketName", r.addr.bucket}});
    HttpResponse ok = EmptyResponse(200);
    ok.headers.emplace_back("Content-Type", "application/json");
    ok.body = std::string(p->as_string());
    return ok;
  }
  if (sub == "tagging" && m == "DELETE") return EmptyResponse(204);
  const ConfigKind* kind = nullptr;
  for (const auto& k : kConfigs)
    if (sub == k.sub) kind = &k;
  if (!kind) return ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
  if (m == "PUT") {
    auto doc = s3::ParseXml(r.body);
    if (!doc) return MalformedXml();
    config[sub] = s3::CanonicalXml(*doc);
    if (auto st = SaveBucket(r.addr.bucket, std::move(bucket)); !st.ok())
      return ErrorResponse(st.error().code, st.error().message, st.error().status);
    return EmptyResponse(kind->put_status);
  }
  if (m == "GET") {
    if (auto* v = config.if_contains(sub)) return XmlResponse(std::string(v->as_string()));
    if (kind->missing_code)
      return ErrorResponse(kind->missing_code, kind->missing_message, 404, {{"BucketName", r.addr.bucket}});
    return XmlResponse(kind->default_xml);
  }
  return ErrorResponse("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
}

S3Service::HttpResponse S3Service::PutVersioning(Req& r) {
  auto doc = s3::ParseXml(r.body);
  if (!doc) return MalformedXml();
  std::string status = s3::ChildText(doc->document_element(), "Status");
  if (status != "Enabled" && status != "Suspended") return MalformedXml();
  json::object bucket = *FindBucket(r.addr.bucket);
  if (status == "Suspended" && ConfigOf(bucket).contains("object-lock"))
    return ErrorResponse("InvalidBucketState",
                         "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
                         409);
  bucket["versioning"] = status;
  std::string mfa = s3::ChildText(doc->document_element(), "MfaDelete");
  if (!mfa.empty()) bucket["mfaDelete"] = mfa;
  if (auto st = SaveBucket(r.addr.bucket, std::move(bucket)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, st.error().status);
  return EmptyResponse(200);
}

S3Service::HttpResponse S3Service::GetVersioning(Req& r) {
  const json::object& bucket = *FindBucket(r.addr.bucket);
  std::string status = VersioningOf(bucket);
  std::string body = std::string("<VersioningConfiguration xmlns=\"") + s3::kXmlns + "\"";
  if (status.empty()) return XmlResponse(body + "/>");
  body += ">";
  Tag(body, "Status", status);
  std::string mfa = GetString(bucket, "mfaDelete");
  if (!mfa.empty()) Tag(body, "MfaDelete", mfa);
  return XmlResponse(body + "</VersioningConfiguration>");
}

namespace {

// Parses <Tagging><TagSet><Tag><Key/><Value/></Tag>...; an error response
// text in `err` when invalid.
std::optional<json::array> ParseTagging(std::string_view body, std::string* err_code, std::string* err_msg) {
  auto doc = s3::ParseXml(body);
  if (!doc) {
    *err_code = "MalformedXML";
    *err_msg = "The XML you provided was not well-formed or did not validate against our published schema";
    return std::nullopt;
  }
  json::array tags;
  std::set<std::string> seen;
  for (auto tag : s3::Children(s3::Child(doc->document_element(), "TagSet"), "Tag")) {
    std::string k = s3::ChildText(tag, "Key"), v = s3::ChildText(tag, "Value");
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      *err_code = "InvalidTag";
      *err_msg = "The TagKey you have provided is invalid";
      return std::nullopt;
    }
    if (!seen.insert(k).second) {
      *err_code = "InvalidTag";
      *err_msg = "Cannot provide multiple Tags with the same key";
      return std::nullopt;
    }
    tags.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  return tags;
}

}  // namespace

std::string TaggingXml(const json::array& tags) {
  std::string body = std::string("<Tagging xmlns=\"") + s3::kXmlns + "\"><TagSet>";
  for (const auto& t : tags) {
    body += "<Tag>";
    Tag(body, "Key", GetString(t.as_object(), "Key"));
    Tag(body, "Value", GetString(t.as_object(), "Value"));
    body += "</Tag>";
  }
  return body + "</TagSet></Tagging>";
}

std::optional<json::array> ParseTaggingBody(std::string_view body, HttpResponse* err) {
  std::string code, msg;
  auto tags = ParseTagging(body, &code, &msg);
  if (!tags) *err = ErrorResponse(code, msg, 400);
  return tags;
}

S3Service::HttpResponse S3Service::PutBucketTagging(Req& r) {
  HttpResponse err;
  auto tags = ParseTaggingBody(r.body, &err);
  if (!tags) return err;
  if (tags->size() > 50) return ErrorResponse("InvalidTag", "Bucket tag count cannot be greater than 50", 400);
  json::object bucket = *FindBucket(r.addr.bucket);
  ConfigOf(bucket)["tagging"] = std::move(*tags);
  if (auto st = SaveBucket(r.addr.bucket, std::move(bucket)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, st.error().status);
  return EmptyResponse(204);
}

S3Service::HttpResponse S3Service::GetBucketTagging(Req& r) {
  const json::value* config = FindBucket(r.addr.bucket)->if_contains("config");
  auto* t = config && config->is_object() ? config->as_object().if_contains("tagging") : nullptr;
  if (!t || !t->is_array())
    return ErrorResponse("NoSuchTagSet", "The TagSet does not exist", 404, {{"BucketName", r.addr.bucket}});
  return XmlResponse(TaggingXml(t->as_array()));
}

S3Service::HttpResponse S3Service::PutPolicy(Req& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object())
    return ErrorResponse("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400);
  json::object bucket = *FindBucket(r.addr.bucket);
  ConfigOf(bucket)["policy"] = r.body;
  if (auto st = SaveBucket(r.addr.bucket, std::move(bucket)); !st.ok())
    return ErrorResponse(st.error().code, st.error().message, st.error().status);
  return EmptyResponse(204);
}

S3Service::HttpResponse S3Service::GetAcl(Req&) {
  std::string owner = Owner();
  std::string body = std::string("<AccessControlPolicy xmlns=\"") + s3::kXmlns + "\">" + owner +
                     "<AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                     "xsi:type=\"CanonicalUser\">" +
                     owner.substr(7, owner.size() - 15) +
                     "</Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
                     "</AccessControlPolicy>";
  return XmlResponse(std::move(body));
}

}  // namespace fargo::services
