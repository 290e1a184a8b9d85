// PublicParameters: the AWS public parameters (/aws/service/...) and the
// AMIs they name, as data/aws-public-parameters.json lists them (linked into
// the binary). Values are templates rendered for the caller's region (see
// data/README.md for the format). Immutable after Parse: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::ssm {

struct PublicParameter {
  std::string name;
  std::string value;
  int64_t version = 1;
  double last_modified = 0;  // epoch seconds
};

struct PublicImage {
  std::string key, name, architecture, owner, description;
  double created = 0;
  std::map<std::string, std::string> ids;  // by region
};

class PublicParameters {
 public:
  // The file's format; InternalFailure naming what is wrong when malformed.
  static Result<PublicParameters> Parse(std::string_view json_text);
  // The list linked into fargo. Aborts if it does not parse (a build defect).
  static const PublicParameters& Embedded();

  // `name` as seen from `region`, or nullopt when AWS would not have it there.
  std::optional<PublicParameter> Find(const std::string& region, const std::string& name) const;
  // Those below `path` ("/aws/service/ecs"), sorted by name: its direct
  // children only unless `recursive`.
  std::vector<PublicParameter> Under(const std::string& region, const std::string& path, bool recursive) const;
  const std::map<std::string, PublicImage>& images() const { return images_; }

 private:
  struct Entry {
    std::string value;  // the template
    int64_t version = 1;
    double modified = 0;
  };
  std::optional<std::string> Render(const std::string& region, const std::string& tmpl) const;

  std::map<std::string, Entry> entries_;  // by name
  std::map<std::string, PublicImage> images_;
  std::map<std::string, std::map<std::string, std::string>> vars_;  // name -> region|"default" -> value
};

}  // namespace fargo::services::ssm
