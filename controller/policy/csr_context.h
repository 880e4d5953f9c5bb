// The immutable input of every policy check: the CSR object's fields, the request parsed once,
// and the facts the controller looked up. No HTTP and no JSON in here.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/csr.h"
#include "common/status/status.h"

namespace joinguard::controller::policy {

using SystemTime = std::chrono::system_clock::time_point;

inline constexpr std::string_view kKubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";
inline constexpr std::string_view kKubeletServingSigner = "kubernetes.io/kubelet-serving";
inline constexpr std::string_view kNodeUserPrefix = "system:node:";
inline constexpr std::string_view kNodesGroup = "system:nodes";
inline constexpr std::string_view kBootstrapUserPrefix = "system:bootstrap:";

struct CsrCondition {
  std::string type;    // Approved, Denied, Failed, ...
  std::string status;  // True, False, Unknown
  std::string reason;
  std::string message;
};

// The fields of a certificates.k8s.io/v1 CertificateSigningRequest the policy looks at.
// spec.username/uid/groups are set by the API server from the authenticated requester.
struct CsrObject {
  std::string name;
  std::string uid;
  std::string resource_version;
  SystemTime creation_time{};
  std::string signer_name;
  std::vector<std::string> usages;
  std::optional<int64_t> expiration_seconds;
  std::string username;
  std::string requester_uid;
  std::vector<std::string> groups;
  std::vector<CsrCondition> conditions;
  bool has_certificate = false;
  // spec.request, base64-decoded. Only for callers that parse from it: the controller parses
  // the API object's copy once (CsrSnapshot) and leaves this empty.
  std::string request_pem;

  bool HasCondition(std::string_view type) const;
  bool IsApproved() const { return HasCondition("Approved"); }
  bool IsDenied() const { return HasCondition("Denied"); }
  bool IsFailed() const { return HasCondition("Failed"); }
  // Approved or Denied (a decision was made, by anyone) or already issued.
  bool IsDecided() const { return IsApproved() || IsDenied() || has_certificate; }
};

// Who asked, derived from spec.username/groups.
enum class Flow {
  kBootstrap,  // system:bootstrap:<token-id>: a first join
  kRenewal,    // system:node:<name> in system:nodes: a kubelet rotating its client certificate
  kOther,      // anybody else
};
std::string_view FlowName(Flow flow);

// Another kubelet-client CSR for the same node name (looked up by the controller).
struct InFlightCsr {
  std::string name;
  SystemTime creation_time{};
  bool approved = false;  // approved (issued or not); otherwise pending
};

// One entry of a Node's status.addresses.
struct NodeAddressFact {
  std::string type;  // Hostname | InternalIP | ExternalIP | InternalDNS | ExternalDNS
  std::string address;
};

// What the serving checks need to know about the Node named by a serving CSR's CN.
struct ServingFacts {
  std::vector<NodeAddressFact> node_addresses;  // that Node's status.addresses
  // Other Nodes whose status.addresses contain an address, keyed by
  // policy::CanonicalAddressKey(address) (serving_checks.h); only keys for this CSR's SANs
  // need to be present.
  std::map<std::string, std::vector<std::string>> claimed_by_other_nodes;
};

// Facts the controller looks up for the checks. Every fact is optional: std::nullopt means
// "could not be determined" (cache not synced, API error) and a check needing it must answer
// retry, never deny. New facts (join grants, serving addresses, rate brakes) are added here.
struct CsrFacts {
  // Whether a Node named after the CSR's CN exists.
  std::optional<bool> node_exists;
  // Other bootstrap CSRs (same signer, same CN) that are pending or approved.
  std::optional<std::vector<InFlightCsr>> in_flight_for_node;
  // Why a fact is missing, for the retry message.
  std::string lookup_error;
  // Serving CSRs (serving_checks.h): the Node named by the CN and who else claims its
  // addresses. std::nullopt = the Node is not in the cache (yet): retry, never deny.
  std::optional<ServingFacts> serving;
  // Addresses (IPs or DNS names) the API server is reached at; serving SANs may not use them.
  std::vector<std::string> api_server_addresses;
};

// A request parsed once (PEM → DER → subject, extensions, key; self-signature verified), or
// the reason it could not be: shared by every snapshot of the same request bytes.
using ParsedRequest = std::shared_ptr<const StatusOr<crypto::ParsedCsr>>;
ParsedRequest ParseRequest(std::string_view request_pem);

// One CSR version as the checks see it: the object's fields and its request parsed once.
// Immutable; the controller's store builds one per object version (uid + resourceVersion) and
// every decision about that version shares it.
class CsrSnapshot {
 public:
  // `request` must be the parse of exactly this object's spec.request.
  CsrSnapshot(CsrObject csr, ParsedRequest request);

  const CsrObject& csr() const { return csr_; }
  const ParsedRequest& request() const { return request_; }
  bool parsed_ok() const { return request_->ok(); }
  const Status& parse_status() const { return parse_status_; }
  // Only valid when parsed_ok().
  const crypto::ParsedCsr& parsed() const { return **request_; }
  Flow flow() const { return flow_; }
  // "abcdef" for system:bootstrap:abcdef; empty otherwise.
  const std::string& token_id() const { return token_id_; }
  // CN minus "system:node:" when the CN has that prefix; empty otherwise.
  const std::string& node_name() const { return node_name_; }

 private:
  CsrObject csr_;
  ParsedRequest request_;
  Status parse_status_;
  Flow flow_;
  std::string token_id_;
  std::string node_name_;
};
using CsrSnapshotPtr = std::shared_ptr<const CsrSnapshot>;

// A snapshot and the facts the controller looked up for one evaluation.
class CsrContext {
 public:
  // `parsed` is the result of parsing csr.request_pem once; a parse failure is kept so the
  // checks can report it.
  CsrContext(CsrObject csr, StatusOr<crypto::ParsedCsr> parsed, CsrFacts facts);
  CsrContext(CsrSnapshotPtr snapshot, CsrFacts facts);

  const CsrSnapshotPtr& snapshot() const { return snapshot_; }
  const CsrObject& csr() const { return snapshot_->csr(); }
  bool parsed_ok() const { return snapshot_->parsed_ok(); }
  const Status& parse_status() const { return snapshot_->parse_status(); }
  // Only valid when parsed_ok().
  const crypto::ParsedCsr& parsed() const { return snapshot_->parsed(); }
  const CsrFacts& facts() const { return facts_; }
  Flow flow() const { return snapshot_->flow(); }
  const std::string& token_id() const { return snapshot_->token_id(); }
  const std::string& node_name() const { return snapshot_->node_name(); }

 private:
  CsrSnapshotPtr snapshot_;
  CsrFacts facts_;
};

// Classifies the requester (spec.username + spec.groups).
Flow ClassifyFlow(std::string_view username, const std::vector<std::string>& groups);
// "system:node:foo" → "foo"; anything without the prefix → "".
std::string NodeNameFromCommonName(std::string_view cn);
// Kubernetes IsDNS1123Subdomain: ≤253 chars, lower-case alphanumerics, '-' and '.', each
// dot-separated label starting and ending with an alphanumeric.
bool IsDns1123Subdomain(std::string_view name);

}  // namespace joinguard::controller::policy
