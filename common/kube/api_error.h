// Kubernetes API errors as Status (kubernetes/apimachinery pkg/api/errors/errors.go).
//
// Mapping (reason → code): NotFound→kNotFound, AlreadyExists→kAlreadyExists,
// Conflict→kAborted, Gone/Expired→kOutOfRange, Forbidden→kPermissionDenied,
// Unauthorized→kUnauthenticated, Invalid/BadRequest→kInvalidArgument,
// TooManyRequests (429)→kResourceExhausted, ServerTimeout/Timeout (504)→kDeadlineExceeded,
// other 5xx / connection failures→kUnavailable. The Status message is the server's message;
// Status::reason() is the API reason ("Conflict") and http_status() the HTTP code.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/kube/objects.h"
#include "common/status/status.h"

namespace joinguard::kube {

// Reason set on transport-level failures (no HTTP response).
inline constexpr std::string_view kReasonConnectionFailed = "ConnectionFailed";
inline constexpr std::string_view kReasonTLSVerifyFailed = "CertificateVerifyFailed";

bool IsNotFound(const Status& s);
bool IsAlreadyExists(const Status& s);
bool IsConflict(const Status& s);
bool IsGone(const Status& s);  // 410 Gone / Expired (resource version too old)
bool IsForbidden(const Status& s);
bool IsUnauthorized(const Status& s);
bool IsInvalid(const Status& s);  // 422 Invalid (BadRequest is also kInvalidArgument)
bool IsBadRequest(const Status& s);
bool IsTooManyRequests(const Status& s);
bool IsServerTimeout(const Status& s);  // 504 Timeout / 500 ServerTimeout / client deadline
// Transient: worth retrying an idempotent request (429, 5xx, timeouts, connection failures;
// not TLS verification failures).
bool IsRetryable(const Status& s);
// A failed write that may still have been applied: no HTTP answer (a timeout, a connection reset
// after the request was sent) or a 5xx (kube-apiserver answers 500/504 when etcd times out on a
// write that can still commit). A 4xx, or a TLS handshake that failed, means nothing was changed.
bool MayHaveBeenApplied(const Status& s);

// Maps reason / HTTP code to a StatusCode as documented above.
StatusCode CodeForApiError(std::string_view reason, int http_status);

// The reason kube-apiserver sends with an HTTP error code ("Conflict" for 409); "" when the
// table has none. Also used by the sandbox API server, so both sides share one table.
std::string ReasonForHttpStatus(int http_status);

// Builds the Status for a non-2xx response: parses a meta/v1 Status body when there is one,
// otherwise uses the HTTP code and a bit of the body. `what` describes the request
// ("GET /api/v1/..."), used only when the body has no message.
Status StatusFromResponse(int http_status, std::string_view body, std::string_view what);

// Same for a decoded Status object (watch ERROR events).
Status StatusFromApiStatus(const ApiStatus& st);

}  // namespace joinguard::kube
