// Which target a new flow goes to: healthy ones by flow hash, fail-open.
#include "dataplane/lb/target_picker.h"

#include <gtest/gtest.h>

#include <map>

namespace fargo::dataplane::lb {
namespace {

TEST(TargetPicker, FlowsSpreadOverHealthyTargetsOnly) {
  std::vector<Candidate> targets{{true, false}, {false, false}, {true, false}, {true, true}};
  std::map<size_t, int> hits;
  for (uint16_t port = 1000; port < 4000; ++port)
    ++hits[*PickTarget(targets, FlowHash("10.0.1.7", port, "10.0.1.9", 80))];
  EXPECT_EQ(hits.size(), 2u);  // neither the unhealthy nor the draining one
  EXPECT_GT(hits[0], 1200);
  EXPECT_GT(hits[2], 1200);
}

TEST(TargetPicker, OneFlowAlwaysLandsOnOneTarget) {
  std::vector<Candidate> targets{{true, false}, {true, false}, {true, false}};
  uint64_t h = FlowHash("10.0.2.5", 41234, "10.0.1.9", 80);
  auto first = PickTarget(targets, h);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(PickTarget(targets, h), first);
}

TEST(TargetPicker, NoHealthyTargetFailsOpenToAllButDraining) {
  std::vector<Candidate> targets{{false, false}, {false, true}, {false, false}};
  std::map<size_t, int> hits;
  for (uint16_t port = 1000; port < 2000; ++port) ++hits[*PickTarget(targets, FlowHash("10.0.1.7", port, "10.0.1.9", 80))];
  EXPECT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits.count(1), 0u);
}

TEST(TargetPicker, NothingToPickWhenAllDrainOrNone) {
  EXPECT_FALSE(PickTarget({}, 7).has_value());
  EXPECT_FALSE(PickTarget({{true, true}}, 7).has_value());
}

}  // namespace
}  // namespace fargo::dataplane::lb
