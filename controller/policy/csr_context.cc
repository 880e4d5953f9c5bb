#include "controller/policy/csr_context.h"

#include <algorithm>

namespace joinguard::controller::policy {

bool CsrObject::HasCondition(std::string_view type) const {
  return std::any_of(conditions.begin(), conditions.end(),
                     [&](const CsrCondition& c) { return c.type == type && c.status != "False"; });
}

std::string_view FlowName(Flow flow) {
  switch (flow) {
    case Flow::kBootstrap:
      return "bootstrap";
    case Flow::kRenewal:
      return "renewal";
    case Flow::kOther:
      return "other";
  }
  return "other";
}

Flow ClassifyFlow(std::string_view username, const std::vector<std::string>& groups) {
  if (username.substr(0, kBootstrapUserPrefix.size()) == kBootstrapUserPrefix) return Flow::kBootstrap;
  if (username.substr(0, kNodeUserPrefix.size()) == kNodeUserPrefix &&
      std::find(groups.begin(), groups.end(), kNodesGroup) != groups.end()) {
    return Flow::kRenewal;
  }
  return Flow::kOther;
}

std::string NodeNameFromCommonName(std::string_view cn) {
  if (cn.substr(0, kNodeUserPrefix.size()) != kNodeUserPrefix) return "";
  return std::string(cn.substr(kNodeUserPrefix.size()));
}

bool IsDns1123Subdomain(std::string_view name) {
  // k8s.io/apimachinery/pkg/util/validation IsDNS1123Subdomain.
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    for (char c : label) {
      if (!alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

ParsedRequest ParseRequest(std::string_view request_pem) {
  // Evaluated, never re-read: no DER copy (the store keeps one parse per pending CSR).
  return std::make_shared<const StatusOr<crypto::ParsedCsr>>(
      crypto::ParsedCsr::FromPem(request_pem, {.keep_der = false}));
}

CsrSnapshot::CsrSnapshot(CsrObject csr, ParsedRequest request)
    : csr_(std::move(csr)), request_(std::move(request)), parse_status_(request_->status()) {
  flow_ = ClassifyFlow(csr_.username, csr_.groups);
  if (flow_ == Flow::kBootstrap) token_id_ = csr_.username.substr(kBootstrapUserPrefix.size());
  if (request_->ok()) node_name_ = NodeNameFromCommonName((*request_)->CommonName());
}

CsrContext::CsrContext(CsrObject csr, StatusOr<crypto::ParsedCsr> parsed, CsrFacts facts)
    : CsrContext(std::make_shared<const CsrSnapshot>(
                     std::move(csr), std::make_shared<const StatusOr<crypto::ParsedCsr>>(std::move(parsed))),
                 std::move(facts)) {}

CsrContext::CsrContext(CsrSnapshotPtr snapshot, CsrFacts facts)
    : snapshot_(std::move(snapshot)), facts_(std::move(facts)) {}

}  // namespace joinguard::controller::policy
