// Cloud Map's golden scenarios: tests/data/golden/servicediscovery/*.json
// (see json_scenario.h for the format).
#include "services/json_scenario.h"
#include "services/servicediscovery/servicediscovery_service.h"

namespace fargo::services {
namespace {

class CloudMapGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CloudMapGolden, ResponsesMatch) { golden::ScenarioRunner<ServiceDiscoveryService>().Run(GetParam()); }

INSTANTIATE_TEST_SUITE_P(CloudMap, CloudMapGolden,
                         ::testing::ValuesIn(golden::ScenarioFiles("servicediscovery")),
                         [](const auto& info) { return golden::ScenarioName(info.param); });

}  // namespace
}  // namespace fargo::services
