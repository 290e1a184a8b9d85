// Transport-neutral HTTP request/response, as the codecs see them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fargo::protocol {

struct HttpRequest {
  std::string method;
  std::string path;    // decoded path, no query
  std::string raw_path;  // path as sent (still percent-encoded)
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;

  const std::string* Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

}  // namespace fargo::protocol
