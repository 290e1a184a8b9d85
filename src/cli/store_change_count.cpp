#include "cli/store_change_count.h"

#include <sqlite3.h>

namespace fargo::cli {

uint64_t StoreChangeCount(store::Store& store) {
  return static_cast<uint64_t>(sqlite3_total_changes64(store.db()));
}

}  // namespace fargo::cli
