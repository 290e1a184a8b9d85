// SSM's pages: MaxResults items from the offset a NextToken names
// (common/pager.h); InvalidNextToken for a token SSM did not issue. Each
// operation checks its own MaxResults range first.
#pragma once

#include <boost/json.hpp>

#include "common/json_access.h"
#include "common/pager.h"
#include "common/result.h"

namespace fargo::services::ssm {

inline Result<PageSpan> PageOf(const boost::json::object& in, size_t n, int64_t default_size) {
  size_t start = 0;
  if (Has(in, "NextToken")) {
    auto at = ParsePageToken(GetString(in, "NextToken"));
    if (!at || *at > n) return AwsError::Make("InvalidNextToken", "The specified token is not valid.");
    start = *at;
  }
  return PageAt(n, start, static_cast<size_t>(GetInt(in, "MaxResults", default_size)));
}

}  // namespace fargo::services::ssm
