// The AWS service models (botocore's service-2.json), compiled into the binary
// and loaded on first use. Every codec is driven by these shapes; handlers
// never see a wire format.
#pragma once

#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fargo::protocol {

enum class ShapeType {
  kStructure, kList, kMap, kString, kInteger, kLong, kFloat, kDouble,
  kBoolean, kTimestamp, kBlob
};

struct Shape;

struct Member {
  std::string name;            // the member's name in handler data
  const Shape* shape = nullptr;
  std::string location;        // "", "header", "headers", "querystring", "uri", "statusCode"
  std::string location_name;   // wire name (header name, XML element, query key)
  std::string query_name;      // EC2 query key override
  std::string timestamp_format;  // overrides the shape's
  bool flattened = false;
  bool xml_attribute = false;
  bool required = false;
  bool idempotency_token = false;
  bool host_label = false;
  std::string xml_namespace_uri;
  std::string xml_namespace_prefix;
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;
  // structure
  std::vector<Member> members;
  std::unordered_map<std::string, size_t> member_index;
  std::string payload;     // REST: the member that is the whole body
  bool is_union = false;
  bool document = false;
  // list
  const Shape* member = nullptr;
  std::string member_location_name;  // list element name ("member" by default)
  // map
  const Shape* key = nullptr;
  const Shape* value = nullptr;
  std::string key_location_name;     // "key" by default
  std::string value_location_name;   // "value" by default
  bool flattened = false;
  // constraints
  std::vector<std::string> enums;
  std::optional<double> min;
  std::optional<double> max;
  std::string pattern;
  std::string timestamp_format;
  bool streaming = false;
  // error shapes
  bool is_error = false;
  std::string error_code;  // error.code if it differs from the name
  int error_status = 400;
  bool error_sender = true;
  std::string location_name;  // top-level XML name (REST-XML payloads)
  std::string xml_namespace_uri;

  const Member* FindMember(std::string_view n) const {
    auto it = member_index.find(std::string(n));
    return it == member_index.end() ? nullptr : &members[it->second];
  }
};

struct Operation {
  std::string name;
  std::string http_method = "POST";
  std::string request_uri = "/";
  int response_code = 200;
  const Shape* input = nullptr;
  const Shape* output = nullptr;
  std::string result_wrapper;  // query protocol: <OpResult>
  std::vector<const Shape*> errors;
};

enum class Protocol { kJson, kQuery, kEc2, kRestXml, kRestJson };

class ServiceModel {
 public:
  // Parses a service-2.json document. Aborts on a malformed model: the models
  // are compiled in, so a bad one is a build defect, not user input.
  static std::unique_ptr<ServiceModel> Parse(std::string_view json_text);

  const std::string& service() const { return service_; }  // our key: "logs", "ec2", ...
  Protocol protocol() const { return protocol_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& signing_name() const { return signing_name_; }
  const std::string& endpoint_prefix() const { return endpoint_prefix_; }
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& json_version() const { return json_version_; }

  const Operation* FindOperation(std::string_view name) const;
  const Shape* FindShape(std::string_view name) const;
  const std::map<std::string, Operation>& operations() const { return operations_; }

  void set_service(std::string s) { service_ = std::move(s); }

 private:
  std::string service_;
  Protocol protocol_ = Protocol::kJson;
  std::string api_version_, target_prefix_, signing_name_, endpoint_prefix_, xml_namespace_,
      json_version_;
  std::map<std::string, Operation> operations_;
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
};

// The models compiled into this binary, loaded on first use. Thread-safe.
class ModelRegistry {
 public:
  static ModelRegistry& Instance();
  // Services we carry: those listed in models/models.txt.
  std::vector<std::string> Services() const;
  // nullptr when the service is not compiled in.
  const ServiceModel* Get(std::string_view service);

 private:
  ModelRegistry() = default;
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<ServiceModel>> loaded_;
};

}  // namespace fargo::protocol
