// The AMIs fargo knows: the public images of data/aws-public-parameters.json
// (services/ssm's PublicParameters), by their id in a region.
#pragma once

#include <optional>
#include <string>

#include "services/ssm/public_parameters.h"

namespace fargo::services::ec2 {

struct PublicImageRef {
  const ssm::PublicImage* image = nullptr;
  std::string id;
};
std::optional<PublicImageRef> FindPublicImage(const std::string& region, const std::string& image_id);
// "/dev/sda1" for Ubuntu's images, "/dev/xvda" for Amazon Linux's.
std::string RootDeviceName(const ssm::PublicImage& img);
// "amazon" for Amazon's own images, "" otherwise.
std::string OwnerAlias(const ssm::PublicImage& img);
// What SSM reports as PlatformName / PlatformVersion ("Ubuntu", "20.04").
void PlatformOf(const ssm::PublicImage& img, std::string* name, std::string* version);

}  // namespace fargo::services::ec2
