// The console's live feed asks whether anything changed: a number that
// moves with every write to the store (any service's state, log events,
// objects).
#pragma once

#include <cstdint>

#include "store/store.h"

namespace fargo::cli {

// REQUIRES: on the state thread.
uint64_t StoreChangeCount(store::Store& store);

}  // namespace fargo::cli
