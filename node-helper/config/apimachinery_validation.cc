#include "node-helper/config/apimachinery_validation.h"

#include <re2/re2.h>

namespace joinguard::node::config {
namespace {

// DNS1123SubdomainMaxLength and dns1123SubdomainFmt.
constexpr size_t kDns1123SubdomainMaxLength = 253;
constexpr char kDns1123SubdomainFmt[] = R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)";

}  // namespace

std::vector<std::string> Dns1123SubdomainErrors(std::string_view value) {
  static const RE2* const kRe = new RE2(kDns1123SubdomainFmt);
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength) {
    errs.push_back("must be no more than " + std::to_string(kDns1123SubdomainMaxLength) + " characters");
  }
  if (!RE2::FullMatch(value, *kRe)) {
    // RegexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, "example.com").
    errs.push_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'" +
        std::string(kDns1123SubdomainFmt) + "')");
  }
  return errs;
}

}  // namespace joinguard::node::config
