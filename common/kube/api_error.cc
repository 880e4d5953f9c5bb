#include "common/kube/api_error.h"

namespace joinguard::kube {

StatusCode CodeForApiError(std::string_view reason, int http) {
  if (reason == "NotFound") return StatusCode::kNotFound;
  if (reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (reason == "Conflict") return StatusCode::kAborted;
  if (reason == "Gone" || reason == "Expired") return StatusCode::kOutOfRange;
  if (reason == "Forbidden") return StatusCode::kPermissionDenied;
  if (reason == "Unauthorized") return StatusCode::kUnauthenticated;
  if (reason == "Invalid" || reason == "BadRequest") return StatusCode::kInvalidArgument;
  if (reason == "TooManyRequests") return StatusCode::kResourceExhausted;
  if (reason == "Timeout" || reason == "ServerTimeout") return StatusCode::kDeadlineExceeded;
  if (reason == "MethodNotAllowed" || reason == "NotAcceptable" || reason == "UnsupportedMediaType" ||
      reason == "RequestEntityTooLarge") {
    return StatusCode::kFailedPrecondition;
  }
  if (reason == "InternalError" || reason == "ServiceUnavailable") return StatusCode::kUnavailable;
  switch (http) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAborted;
    case 410:
      return StatusCode::kOutOfRange;
    case 422:
      return StatusCode::kInvalidArgument;
    case 429:
      return StatusCode::kResourceExhausted;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      break;
  }
  if (http >= 500) return StatusCode::kUnavailable;
  if (http >= 400) return StatusCode::kFailedPrecondition;
  return StatusCode::kUnknown;
}

namespace {
std::string DefaultReason(int http) {
  switch (http) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "";
  }
}
}  // namespace

std::string ReasonForHttpStatus(int http) { return DefaultReason(http); }

Status StatusFromApiStatus(const ApiStatus& st) {
  const int http = st.code;
  std::string reason = st.reason.empty() ? DefaultReason(http) : st.reason;
  std::string message =
      st.message.empty() ? "the server reported an error (HTTP " + std::to_string(http) + ")" : st.message;
  return Status(CodeForApiError(reason, http), std::move(message)).WithReason(reason, http);
}

Status StatusFromResponse(int http, std::string_view body, std::string_view what) {
  auto j = ParseJson(body);
  if (j.ok() && j->is_object() && j->value("kind", "") == "Status") {
    ApiStatus st;
    if (FromJson(*j, &st).ok()) {
      if (st.code == 0) st.code = http;
      Status s = StatusFromApiStatus(st);
      return Status(s.code(), s.message()).WithReason(s.reason(), http);
    }
  }
  std::string reason = DefaultReason(http);
  std::string snippet(body.substr(0, 200));
  std::string message = std::string(what) + ": HTTP " + std::to_string(http);
  if (!snippet.empty()) message += ": " + snippet;
  return Status(CodeForApiError(reason, http), std::move(message)).WithReason(reason, http);
}

bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }
bool IsAlreadyExists(const Status& s) { return s.code() == StatusCode::kAlreadyExists; }
bool IsConflict(const Status& s) { return s.code() == StatusCode::kAborted; }
bool IsGone(const Status& s) { return s.code() == StatusCode::kOutOfRange; }
bool IsForbidden(const Status& s) { return s.code() == StatusCode::kPermissionDenied; }
bool IsUnauthorized(const Status& s) { return s.code() == StatusCode::kUnauthenticated; }
bool IsInvalid(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument && (s.reason() == "Invalid" || s.http_status() == 422);
}
bool IsBadRequest(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument && (s.reason() == "BadRequest" || s.http_status() == 400);
}
bool IsTooManyRequests(const Status& s) {
  return s.code() == StatusCode::kResourceExhausted || s.http_status() == 429;
}
bool IsServerTimeout(const Status& s) {
  return s.code() == StatusCode::kDeadlineExceeded || s.reason() == "ServerTimeout" ||
         s.reason() == "Timeout";
}
bool IsRetryable(const Status& s) {
  if (s.reason() == kReasonTLSVerifyFailed) return false;
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded ||
         s.code() == StatusCode::kResourceExhausted || s.http_status() >= 500;
}

}  // namespace joinguard::kube
