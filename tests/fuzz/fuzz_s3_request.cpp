// What S3 reads from a request before any handler runs: the bucket and key
// from the Host header and path (virtual-hosted and path style), bucket-name
// rules, aws-chunked upload framing, and XML request bodies
// (CompleteMultipartUpload, DeleteObjects, tagging, configurations).
// Input: host \n raw path \n body.
#include <cstdint>

#include "fuzz_input.h"
#include "services/s3/aws_chunked.h"
#include "services/s3/s3_address.h"
#include "services/s3/xml_util.h"

using namespace fargo;
using namespace fargo::services::s3;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  std::string_view host = in.Field();
  std::string_view path = in.Field();
  std::string_view body = in.Rest();
  S3Address a = ParseAddress(host, path);
  (void)IsValidBucketName(a.bucket);
  (void)VirtualHostBucket(host);
  (void)DecodeAwsChunked(body);
  if (auto doc = ParseXml(body)) {
    (void)CanonicalXml(*doc);
    for (auto& n : Children(doc->document_element(), "Object")) (void)ChildText(n, "Key");
  }
  return 0;
}
