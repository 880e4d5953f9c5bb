#include "common/grants/validation.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "common/crypto/token.h"

namespace joinguard::grants {
namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

StatusOr<std::shared_ptr<const re2::RE2>> Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return InvalidArgumentError("spec.nodeNamePattern: longer than " + std::to_string(kMaxPatternLength) +
                                " characters; list the names in spec.nodeNames or use a shorter pattern");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxPatternMemoryBytes);
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return InvalidArgumentError("spec.nodeNamePattern: \"" + std::string(pattern) +
                                "\" is not a valid RE2 regular expression (" + re->error() +
                                "); see https://github.com/google/re2/wiki/Syntax");
  }
  return re;
}

}  // namespace

bool IsDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > kMaxNodeNameLength) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

StatusOr<NameMatcher> NameMatcher::Create(const JoinGrantSpec& spec) {
  NameMatcher m;
  m.names_ = spec.node_names;
  std::sort(m.names_.begin(), m.names_.end());
  if (!spec.node_name_pattern.empty()) {
    JG_ASSIGN_OR_RETURN(m.pattern_, Compile(spec.node_name_pattern));
  }
  return m;
}

bool NameMatcher::Covers(std::string_view node_name) const {
  if (std::binary_search(names_.begin(), names_.end(), node_name)) return true;
  if (!pattern_) return false;
  return re2::RE2::FullMatch(re2::StringPiece(node_name.data(), node_name.size()), *pattern_);
}

Status ValidateNodeNamePattern(std::string_view pattern) { return Compile(pattern).status(); }

Status ValidateJoinGrant(const JoinGrant& grant) {
  const JoinGrantSpec& s = grant.spec;
  if (!crypto::IsValidBootstrapTokenId(s.token_id)) {
    return InvalidArgumentError(
        "spec.tokenID: \"" + s.token_id +
        "\" is not a bootstrap token id (6 characters of [a-z0-9], the part of the token "
        "before the '.')");
  }
  if (grant.metadata.name != s.token_id) {
    return InvalidArgumentError("metadata.name: \"" + grant.metadata.name + "\" must equal spec.tokenID \"" +
                                s.token_id + "\" (one grant per token, named after the token id)");
  }
  if (s.node_names.empty() && s.node_name_pattern.empty()) {
    return InvalidArgumentError(
        "spec: a grant must name the nodes it allows: set spec.nodeNames, spec.nodeNamePattern, or both");
  }
  if (s.node_names.size() > kMaxNodeNames) {
    return InvalidArgumentError("spec.nodeNames: " + std::to_string(s.node_names.size()) +
                                " names, more than " + std::to_string(kMaxNodeNames) +
                                "; use spec.nodeNamePattern or several tokens");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < s.node_names.size(); ++i) {
    const std::string& n = s.node_names[i];
    std::string field = "spec.nodeNames[" + std::to_string(i) + "]";
    if (!IsDns1123Subdomain(n)) {
      return InvalidArgumentError(
          field + ": \"" + n +
          "\" is not a valid node name (DNS-1123 subdomain: lower-case letters, digits, '-' "
          "and '.', at most 253 characters)");
    }
    if (!seen.insert(n).second) return InvalidArgumentError(field + ": duplicate node name \"" + n + "\"");
  }
  if (!s.node_name_pattern.empty()) JG_RETURN_IF_ERROR(ValidateNodeNamePattern(s.node_name_pattern));
  // A negative count would hand out more joins than maxJoins (RemainingJoins).
  if (grant.status.joins < 0) {
    return InvalidArgumentError("status.joins: must be >= 0, got " + std::to_string(grant.status.joins) +
                                " (it counts approvals; only joinguard writes it)");
  }
  if (s.max_joins < 1) {
    return InvalidArgumentError("spec.maxJoins: must be >= 1, got " + std::to_string(s.max_joins) +
                                " (delete the grant and its token to stop all joins)");
  }
  return OkStatus();
}

bool IsExpired(const JoinGrant& grant, kube::Time now) {
  return grant.spec.expires && now >= *grant.spec.expires;
}

}  // namespace joinguard::grants
