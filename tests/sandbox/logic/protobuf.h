// Kubernetes protobuf wire format: just enough to decode kubectl ≥1.32's PUT .../approval body
// (apimachinery pkg/runtime/serializer/protobuf/protobuf.go).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::sandbox::logic {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// Decodes the Kubernetes protobuf envelope (magic "k8s\0" + runtime.Unknown) carrying a
// certificates.k8s.io/v1 CertificateSigningRequest into the equivalent JSON object (as the
// REST API shows it: apiVersion/kind from the Unknown's typeMeta, base64 request/certificate,
// RFC 3339 timestamps). kInvalidArgument on malformed input.
StatusOr<nlohmann::json> DecodeCsrProtobuf(std::string_view body);

// Addition: the other bodies typed clients of kubectl ≥ 1.32 send as protobuf —
// authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`) and SubjectAccessReview —
// plus CertificateSigningRequest; dispatches on the envelope's typeMeta. kInvalidArgument (reason
// BadRequest) for malformed input; kUnimplemented (reason UnsupportedMediaType, 415) for other kinds.
StatusOr<nlohmann::json> DecodeProtobufObject(std::string_view body);

}  // namespace joinguard::sandbox::logic
