// Shared by the client and the serving check tables (checks_test, serving_checks_test): every
// reason a case denies with must be in the policy's reason list for that table, so a row of
// JG_POLICY_REASONS with the wrong scope cannot drop a reason from the list unnoticed.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "controller/policy/checks.h"

namespace joinguard::controller::policy::testing {

// `cases`: a table of rows with name, outcome and reason; `listed`: AllDenyReasons() or
// AllServingDenyReasons(), named by `list_name` in the failure message.
template <typename Cases>
void ExpectEveryDenyCaseReasonListed(const Cases& cases, const std::vector<std::string_view>& listed,
                                     std::string_view list_name) {
  for (const auto& c : cases) {
    if (c.outcome != Verdict::Outcome::kDeny) continue;
    EXPECT_NE(std::find(listed.begin(), listed.end(), c.reason), listed.end())
        << c.name << " denies with " << c.reason << ", which " << list_name << " does not list";
  }
}

}  // namespace joinguard::controller::policy::testing
