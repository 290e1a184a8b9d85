// A parameter of Parameter Store as fargo keeps it: its versions (each with
// the value, type and settings it was put with, and its labels) and its tags.
// The stored document (collection "ssm.parameters") is made and read only by
// ToStored / ParameterFromStored.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fargo::services::ssm {

namespace json = boost::json;

struct ParameterVersion {
  int64_t version = 0;
  std::string type;             // String | StringList | SecureString
  std::string value;            // as put (a SecureString's plaintext: no real KMS)
  std::string key_id;           // SecureString only
  std::string description;
  std::string allowed_pattern;
  std::string tier;             // Standard | Advanced
  std::string data_type;        // text | aws:ec2:image | aws:ssm:integration
  std::string policies;         // the Policies document as put, "" when none
  double last_modified = 0;     // epoch seconds
  std::string last_modified_user;
  std::vector<std::string> labels;
};

struct Parameter {
  std::string name;
  std::vector<ParameterVersion> versions;  // oldest first; never empty
  std::vector<std::pair<std::string, std::string>> tags;  // in the order first added

  // REQUIRES: !versions.empty()
  const ParameterVersion& current() const { return versions.back(); }
  // nullptr when absent.
  ParameterVersion* FindVersion(int64_t version);
  ParameterVersion* FindLabel(const std::string& label);
};

json::object ToStored(const Parameter& p);
Parameter ParameterFromStored(const json::object& doc);

}  // namespace fargo::services::ssm
