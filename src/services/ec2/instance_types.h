// The instance types fargo knows: the common families with their vCPUs and
// memory, as DescribeInstanceTypes reports them. An instance's container
// gets the type's memory as its hard limit and its vCPUs as CPU shares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fargo::services::ec2 {

struct InstanceType {
  std::string name;       // "t3.micro"
  int vcpus = 1;
  int64_t memory_mib = 0;
  bool burstable = false;  // T families: credit specifications apply
  std::string architecture = "x86_64";
  std::string network_performance = "Up to 5 Gigabit";
};

const std::vector<InstanceType>& InstanceTypes();
// The type named `name`, or null.
const InstanceType* FindInstanceType(const std::string& name);

}  // namespace fargo::services::ec2
