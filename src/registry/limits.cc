#include "registry/limits.h"

#include "common/bytes.h"

namespace mini::registry {

void PullBudget::charge(uint64_t bytes) {
  uint64_t total = used_.fetch_add(bytes) + bytes;
  if (limit_ != 0 && total > limit_)
    throw BudgetError("the registry sent more than the " + binary_bytes(limit_) +
                      " one pull may receive; raise \"max-pull-size\" in mini's config file if you trust it");
}

}  // namespace mini::registry
