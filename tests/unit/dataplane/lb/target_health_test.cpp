// AWS's target health state machine, with the time passed in.
#include "dataplane/lb/target_health.h"

#include <gtest/gtest.h>

namespace fargo::dataplane::lb {
namespace {

CheckResult Pass() { return {CheckOutcome::kPassed, 0}; }
CheckResult Timeout() { return {CheckOutcome::kTimeout, 0}; }

TEST(TargetHealth, InitialThenHealthyAfterTheHealthyThreshold) {
  TargetHealth h(3, 2, 10);
  EXPECT_STREQ(h.StateName(), "initial");
  EXPECT_EQ(h.Reason(), "Elb.RegistrationInProgress");
  int64_t now = 1000;
  ASSERT_TRUE(h.Due(now));
  h.Started(now);
  EXPECT_FALSE(h.Due(now));  // one check at a time
  EXPECT_TRUE(h.Record(Pass(), now + 5));
  EXPECT_STREQ(h.StateName(), "initial");
  EXPECT_EQ(h.Reason(), "Elb.InitialHealthChecking");
  EXPECT_FALSE(h.Due(now + 9999));  // the interval is 10 s
  EXPECT_TRUE(h.Due(now + 10000));
  h.Started(now + 10000);
  EXPECT_FALSE(h.Record(Pass(), now + 10005));
  h.Started(now + 20000);
  EXPECT_TRUE(h.Record(Pass(), now + 20005));
  EXPECT_STREQ(h.StateName(), "healthy");
  EXPECT_TRUE(h.healthy());
  EXPECT_EQ(h.Reason(), "");
}

TEST(TargetHealth, UnhealthyAfterTheUnhealthyThresholdWithTheReason) {
  TargetHealth h(2, 2, 5);
  int64_t t = 0;
  for (int i = 0; i < 2; ++i) h.Record(Pass(), t += 5000);
  ASSERT_TRUE(h.healthy());
  EXPECT_FALSE(h.Record(Timeout(), t += 5000));  // one failure is not enough
  EXPECT_TRUE(h.healthy());
  EXPECT_TRUE(h.Record(Timeout(), t += 5000));
  EXPECT_STREQ(h.StateName(), "unhealthy");
  EXPECT_EQ(h.Reason(), "Target.Timeout");
  EXPECT_TRUE(h.Record({CheckOutcome::kCodeMismatch, 503}, t += 5000));
  EXPECT_EQ(h.Reason(), "Target.ResponseCodeMismatch");
  EXPECT_EQ(h.Description(), "Health checks failed with these codes: [503]");
  EXPECT_TRUE(h.Record({CheckOutcome::kFailed, 0}, t += 5000));
  EXPECT_EQ(h.Reason(), "Target.FailedHealthChecks");
  // Passes interleaved with failures never make it healthy.
  h.Record(Pass(), t += 5000);
  h.Record(Timeout(), t += 5000);
  h.Record(Pass(), t += 5000);
  EXPECT_FALSE(h.healthy());
  h.Record(Pass(), t += 5000);
  EXPECT_TRUE(h.healthy());
}

TEST(TargetHealth, InitialTargetThatNeverAnswersGoesUnhealthy) {
  TargetHealth h(5, 2, 30);
  h.Record({CheckOutcome::kFailed, 0}, 1);
  EXPECT_STREQ(h.StateName(), "initial");
  h.Record({CheckOutcome::kFailed, 0}, 2);
  EXPECT_STREQ(h.StateName(), "unhealthy");
}

TEST(TargetHealth, MatcherAcceptsCodesRangesAndLists) {
  EXPECT_TRUE(MatcherAccepts("200", 200));
  EXPECT_FALSE(MatcherAccepts("200", 204));
  EXPECT_TRUE(MatcherAccepts("200-399", 302));
  EXPECT_FALSE(MatcherAccepts("200-399", 404));
  EXPECT_TRUE(MatcherAccepts("200,202,300-302", 301));
  EXPECT_FALSE(MatcherAccepts("200,202,300-302", 201));
}

}  // namespace
}  // namespace fargo::dataplane::lb
