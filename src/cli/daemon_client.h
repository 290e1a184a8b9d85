// DaemonClient: the one HTTP client of fargo's commands for the running
// daemon (`fargo serve`): its own endpoints under /_fargo/ and the AWS APIs
// it serves, asked as any AWS client asks them.
//
// AWS calls carry a SigV4-shaped Authorization header (access key "test",
// credential scope test/<date>/<region>/<signing name>/aws4_request): fargo
// reads the region and the service from that scope and checks no signature.
// JSON 1.1 services (ECS, Logs) are called with X-Amz-Target, query services
// (ELBv2) with a form body; their XML answers are returned as pugixml
// documents.
//
// Blocking, one connection per call, bounded by a timeout.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <string>

#include "common/result.h"

namespace fargo::cli {

class DaemonClient {
 public:
  struct Answer {
    int status = 0;  // 0: the daemon did not answer
    boost::json::object body;  // the JSON body, when it is an object
    std::string raw;           // the body as sent
    std::string error;         // transport error, or the daemon's message
    std::string reason;        // status 0: why ("Connection refused")
  };

  // endpoint: "http://127.0.0.1:4566"; region: of the AWS calls.
  explicit DaemonClient(std::string endpoint, std::string region = "us-east-1",
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }

  // One request ("GET", "POST", "DELETE") to fargo's own API, JSON in and out.
  Answer Call(const std::string& method, const std::string& path, const boost::json::object* body = nullptr) const;

  // A JSON 1.1 AWS call: `target` is "AmazonEC2ContainerServiceV20141113.ListTasks";
  // `signing_name` the service's SigV4 name ("ecs", "logs"). AWS errors come
  // back as AwsError (code from __type, message, status).
  Result<boost::json::object> Json(const std::string& signing_name, const std::string& target,
                                   const boost::json::object& input) const;
  // A query-protocol AWS call (Action, Version and `params`, form-encoded).
  Result<std::unique_ptr<pugi::xml_document>> Query(const std::string& signing_name, const std::string& action,
                                                    const std::string& version,
                                                    const std::map<std::string, std::string>& params = {}) const;

  // "AWS4-HMAC-SHA256 Credential=test/<yyyymmdd>/<region>/<service>/aws4_request, ..."
  static std::string Authorization(const std::string& region, const std::string& service,
                                   std::chrono::system_clock::time_point now);
  // application/x-www-form-urlencoded escaping of one value.
  static std::string FormEscape(const std::string& s);

 private:
  Answer Send(const std::string& method, const std::string& path,
              const std::map<std::string, std::string>& headers, const std::string& body) const;

  std::string endpoint_, region_;
  std::chrono::milliseconds timeout_;
};

}  // namespace fargo::cli
