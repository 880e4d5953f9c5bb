// Typed Kubernetes objects used by joinguard and the ONE JSON codec for them (codec.cc).
//
// Every object keeps the JSON it was decoded from in `raw`. ToJson() starts from `raw` and
// overwrites (or erases, when empty) every field the struct models, so fields this codec does
// not know (managedFields, new API fields, ...) survive a read-modify-write. A default-
// constructed object has an empty `raw` and serialises only its modelled fields.
//
// Byte fields ([]byte in Go: CSR spec.request, status.certificate, Secret data, ConfigMap
// binaryData) hold the DECODED bytes here; the codec does the base64.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/meta_time.h"
#include "common/kube/resource.h"
#include "common/status/status.h"

namespace joinguard::kube {

using Json = nlohmann::json;
using StringMap = std::map<std::string, std::string>;
using ExtraMap = std::map<std::string, std::vector<std::string>>;

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  std::optional<Time> creation_timestamp;
  std::optional<Time> deletion_timestamp;
  StringMap labels;
  StringMap annotations;
  Json owner_references;  // kept raw (array or null)
  Json finalizers;        // kept raw (array or null)
};

// core/v1 ObjectReference (Event.involvedObject).
struct ObjectReference {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string api_version;
  std::string resource_version;
  std::string field_path;
};

// ---- certificates.k8s.io/v1 ------------------------------------------------------------

inline constexpr std::string_view kCsrApproved = "Approved";
inline constexpr std::string_view kCsrDenied = "Denied";
inline constexpr std::string_view kCsrFailed = "Failed";

struct CertificateSigningRequestCondition {
  std::string type;    // Approved | Denied | Failed | other
  std::string status;  // True | False | Unknown
  std::string reason;
  std::string message;
  std::optional<Time> last_update_time;
  std::optional<Time> last_transition_time;
};

struct CertificateSigningRequestSpec {
  std::string request;  // PEM "CERTIFICATE REQUEST" bytes (base64 in JSON)
  std::string signer_name;
  std::optional<int32_t> expiration_seconds;
  std::vector<std::string> usages;
  std::string username;  // set by the server at create
  std::string uid;
  std::vector<std::string> groups;
  ExtraMap extra;
};

struct CertificateSigningRequestStatus {
  std::vector<CertificateSigningRequestCondition> conditions;
  std::string certificate;  // PEM bytes (base64 in JSON); empty = not issued
};

struct CertificateSigningRequest {
  static constexpr const Resource& kResource = resources::kCertificateSigningRequests;
  ObjectMeta metadata;
  CertificateSigningRequestSpec spec;
  CertificateSigningRequestStatus status;
  Json raw;  // as decoded; see file comment
};

// The condition of `type` (first one), or nullptr.
const CertificateSigningRequestCondition* FindCondition(const CertificateSigningRequest& csr,
                                                        std::string_view type);
// A condition of that type with status "True" exists (kube's certificates.IsCertificateRequestApproved).
bool HasTrueCondition(const CertificateSigningRequest& csr, std::string_view type);
inline bool IsApproved(const CertificateSigningRequest& c) { return HasTrueCondition(c, kCsrApproved); }
inline bool IsDenied(const CertificateSigningRequest& c) { return HasTrueCondition(c, kCsrDenied); }
inline bool IsFailed(const CertificateSigningRequest& c) { return HasTrueCondition(c, kCsrFailed); }
inline bool IsIssued(const CertificateSigningRequest& c) { return !c.status.certificate.empty(); }

// ---- core/v1 -----------------------------------------------------------------------------

struct ConfigMap {
  static constexpr const Resource& kResource = resources::kConfigMaps;
  ObjectMeta metadata;
  StringMap data;
  StringMap binary_data;  // decoded bytes
  Json raw;
};

struct Secret {
  static constexpr const Resource& kResource = resources::kSecrets;
  ObjectMeta metadata;
  std::string type;
  StringMap data;         // decoded bytes
  StringMap string_data;  // write-only plain text (merged into data by the server)
  Json raw;
};

struct NodeAddress {
  std::string type;  // Hostname | InternalIP | ExternalIP | InternalDNS | ExternalDNS
  std::string address;
};

struct NodeCondition {
  std::string type;  // Ready, MemoryPressure, ...
  std::string status;
  std::string reason;
  std::string message;
  std::optional<Time> last_heartbeat_time;
  std::optional<Time> last_transition_time;
};

struct Node {
  static constexpr const Resource& kResource = resources::kNodes;
  ObjectMeta metadata;
  std::string provider_id;  // spec.providerID
  bool unschedulable = false;
  std::vector<NodeAddress> addresses;     // status.addresses
  std::vector<NodeCondition> conditions;  // status.conditions
  Json raw;
};

struct EventSource {
  std::string component;
  std::string host;
};

// core/v1 Event (legacy events API, what client-go's record package writes).
struct Event {
  static constexpr const Resource& kResource = resources::kEvents;
  ObjectMeta metadata;
  ObjectReference involved_object;
  std::string reason;
  std::string message;
  std::string type;  // Normal | Warning
  EventSource source;
  std::optional<Time> first_timestamp;
  std::optional<Time> last_timestamp;
  int32_t count = 0;               // 0 = omitted
  std::optional<Time> event_time;  // MicroTime
  std::string reporting_component;
  std::string reporting_instance;
  Json raw;
};

// ---- coordination.k8s.io/v1 --------------------------------------------------------------

struct LeaseSpec {
  std::optional<std::string> holder_identity;
  std::optional<int32_t> lease_duration_seconds;
  std::optional<Time> acquire_time;  // MicroTime
  std::optional<Time> renew_time;    // MicroTime
  std::optional<int32_t> lease_transitions;
  std::optional<std::string> strategy;
  std::optional<std::string> preferred_holder;
};

struct Lease {
  static constexpr const Resource& kResource = resources::kLeases;
  ObjectMeta metadata;
  LeaseSpec spec;
  Json raw;
};

// ---- authorization.k8s.io/v1 -------------------------------------------------------------

struct ResourceAttributes {
  std::string namespace_;
  std::string verb;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string name;
};

struct NonResourceAttributes {
  std::string path;
  std::string verb;
};

struct SubjectAccessReview {
  static constexpr const Resource& kResource = resources::kSubjectAccessReviews;
  ObjectMeta metadata;
  std::optional<ResourceAttributes> resource_attributes;
  std::optional<NonResourceAttributes> non_resource_attributes;
  std::string user;
  std::vector<std::string> groups;
  std::string uid;
  ExtraMap extra;
  // status
  bool allowed = false;
  bool denied = false;
  std::string reason;
  std::string evaluation_error;
  Json raw;
};

// ---- rbac.authorization.k8s.io/v1 (minimal) -------------------------------------------------

struct RoleRef {
  std::string api_group;
  std::string kind;
  std::string name;
};

struct Subject {
  std::string kind;  // User | Group | ServiceAccount
  std::string api_group;
  std::string name;
  std::string namespace_;
};

struct ClusterRoleBinding {
  static constexpr const Resource& kResource = resources::kClusterRoleBindings;
  ObjectMeta metadata;
  RoleRef role_ref;
  std::vector<Subject> subjects;
  Json raw;
};

// ---- meta/v1 Status ------------------------------------------------------------------------

struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
};

struct ApiStatus {
  std::string status;  // Success | Failure
  std::string message;
  std::string reason;  // NotFound, AlreadyExists, Conflict, Invalid, Expired, ...
  int32_t code = 0;
  // details
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int32_t retry_after_seconds = 0;
  Json raw;
};

// ---- Lists ---------------------------------------------------------------------------------

template <typename T>
struct ObjectList {
  std::string resource_version;
  std::string continue_token;
  std::vector<T> items;
};
using CertificateSigningRequestList = ObjectList<CertificateSigningRequest>;

// ---- The codec -----------------------------------------------------------------------------
// ToJson always sets apiVersion and kind. FromJson fails with kInvalidArgument naming the
// field when a modelled field has the wrong JSON type or bad base64/time; it does not check
// apiVersion/kind (the caller asked for the resource). Unknown fields are kept in `raw`.
//
// JG_KUBE_DECLARE_CODEC(T) declares one modelled type's pair (defined in common/kube/codec_*.cc,
// found by ADL like the NodeJoin and JoinGrant pairs):
//   Json ToJson(const T& o);
//   Status FromJson(const Json& j, T* out);
#define JG_KUBE_DECLARE_CODEC(T) \
  Json ToJson(const T& o);       \
  Status FromJson(const Json& j, T* out)

JG_KUBE_DECLARE_CODEC(ObjectMeta);
JG_KUBE_DECLARE_CODEC(ObjectReference);
JG_KUBE_DECLARE_CODEC(CertificateSigningRequest);
JG_KUBE_DECLARE_CODEC(ConfigMap);
JG_KUBE_DECLARE_CODEC(Secret);
JG_KUBE_DECLARE_CODEC(Node);
JG_KUBE_DECLARE_CODEC(Event);
JG_KUBE_DECLARE_CODEC(Lease);
JG_KUBE_DECLARE_CODEC(SubjectAccessReview);
JG_KUBE_DECLARE_CODEC(ClusterRoleBinding);
JG_KUBE_DECLARE_CODEC(ApiStatus);
#undef JG_KUBE_DECLARE_CODEC

// Generic helpers over the per-type functions above.
template <typename T>
StatusOr<T> Decode(const Json& j) {
  T out;
  Status s = FromJson(j, &out);
  if (!s.ok()) return s;
  return out;
}

// Largest JSON document ParseJson accepts (and the HTTP transport reads): a list page of 500
// large objects fits; a hostile 50 MB body is refused with a clear error.
inline constexpr size_t kMaxJsonBytes = size_t{32} << 20;
// Deepest nesting ParseJson accepts; Kubernetes objects (managedFields included) stay far below.
inline constexpr int kMaxJsonDepth = 128;

// A list's metadata (resourceVersion, continue) without decoding its items; kInvalidArgument
// when the list is not an object or the fields have the wrong type.
StatusOr<ObjectList<Json>> DecodeListMeta(const Json& list);

// Parses JSON text; kInvalidArgument naming the problem on junk, truncation, a document over
// kMaxJsonBytes or nested deeper than kMaxJsonDepth. Never throws.
StatusOr<Json> ParseJson(std::string_view text);

template <typename T>
StatusOr<ObjectList<T>> DecodeList(const Json& j) {
  ObjectList<T> out;
  if (!j.is_object()) return InvalidArgumentError("list: expected a JSON object");
  if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
    if (auto rv = m->find("resourceVersion"); rv != m->end() && rv->is_string()) out.resource_version = *rv;
    if (auto c = m->find("continue"); c != m->end() && c->is_string()) out.continue_token = *c;
  }
  if (auto items = j.find("items"); items != j.end() && items->is_array()) {
    for (size_t i = 0; i < items->size(); ++i) {
      T item;
      Status s = FromJson((*items)[i], &item);
      if (!s.ok()) return s.Annotate("items[" + std::to_string(i) + "]");
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

// Metadata of an untyped object (escape hatch); missing metadata gives an empty ObjectMeta.
ObjectMeta MetaOf(const Json& object);

// A reference to `o` for Events (kind, apiVersion, name, namespace, uid, resourceVersion).
template <typename T>
ObjectReference ReferenceTo(const T& o) {
  ObjectReference r;
  r.kind = std::string(T::kResource.kind);
  r.api_version = T::kResource.ApiVersion();
  r.name = o.metadata.name;
  r.namespace_ = o.metadata.namespace_;
  r.uid = o.metadata.uid;
  r.resource_version = o.metadata.resource_version;
  return r;
}

}  // namespace joinguard::kube
