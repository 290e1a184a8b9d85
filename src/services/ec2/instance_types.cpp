#include "services/ec2/instance_types.h"

namespace fargo::services::ec2 {

namespace {

std::vector<InstanceType> Build() {
  std::vector<InstanceType> out;
  struct Size {
    const char* name;
    int vcpus;
    int64_t mib;
  };
  auto family = [&out](const char* fam, std::initializer_list<Size> sizes, bool burstable, const char* arch,
                       const char* net) {
    for (const Size& s : sizes)
      out.push_back({std::string(fam) + "." + s.name, s.vcpus, s.mib, burstable, arch, net});
  };
  family("t2", {{"nano", 1, 512}, {"micro", 1, 1024}, {"small", 1, 2048}, {"medium", 2, 4096},
                {"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768}},
         true, "x86_64", "Low to Moderate");
  for (const char* fam : {"t3", "t3a"})
    family(fam, {{"nano", 2, 512}, {"micro", 2, 1024}, {"small", 2, 2048}, {"medium", 2, 4096},
                 {"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768}},
           true, "x86_64", "Up to 5 Gigabit");
  family("t4g", {{"nano", 2, 512}, {"micro", 2, 1024}, {"small", 2, 2048}, {"medium", 2, 4096},
                 {"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768}},
         true, "arm64", "Up to 5 Gigabit");
  for (const char* fam : {"m5", "m6i"})
    family(fam, {{"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768}, {"4xlarge", 16, 65536}}, false,
           "x86_64", "Up to 10 Gigabit");
  for (const char* fam : {"c5", "c6i"})
    family(fam, {{"large", 2, 4096}, {"xlarge", 4, 8192}, {"2xlarge", 8, 16384}, {"4xlarge", 16, 32768}}, false,
           "x86_64", "Up to 10 Gigabit");
  for (const char* fam : {"r5", "r6i"})
    family(fam, {{"large", 2, 16384}, {"xlarge", 4, 32768}, {"2xlarge", 8, 65536}, {"4xlarge", 16, 131072}}, false,
           "x86_64", "Up to 10 Gigabit");
  family("m6g", {{"medium", 1, 4096}, {"large", 2, 8192}, {"xlarge", 4, 16384}}, false, "arm64",
         "Up to 10 Gigabit");
  return out;
}

}  // namespace

const std::vector<InstanceType>& InstanceTypes() {
  static const std::vector<InstanceType> kTypes = Build();
  return kTypes;
}

const InstanceType* FindInstanceType(const std::string& name) {
  for (const InstanceType& t : InstanceTypes())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace fargo::services::ec2
