// Application Auto Scaling's golden scenarios:
// tests/data/golden/application-autoscaling/*.json (see json_scenario.h).
#include "services/application_autoscaling/application_autoscaling_service.h"
#include "services/json_scenario.h"

namespace fargo::services {
namespace {

class AutoScalingGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(AutoScalingGolden, ResponsesMatch) {
  golden::ScenarioRunner<ApplicationAutoScalingService>().Run(GetParam());
}

INSTANTIATE_TEST_SUITE_P(AutoScaling, AutoScalingGolden,
                         ::testing::ValuesIn(golden::ScenarioFiles("application-autoscaling")),
                         [](const auto& info) { return golden::ScenarioName(info.param); });

}  // namespace
}  // namespace fargo::services
