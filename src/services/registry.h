// Every service fargo serves, built from one Env.
#pragma once

#include <memory>
#include <vector>

#include "services/service.h"

namespace fargo::services {

std::vector<std::unique_ptr<Service>> MakeServices(Env env);

}  // namespace fargo::services
