#include "common/kube/api_error.h"

namespace joinguard::kube {
namespace {

// The API server's status reasons, the HTTP code it sends with each, and the StatusCode
// joinguard maps it to (kubernetes/apimachinery pkg/apis/meta/v1/types.go StatusReason*, and
// pkg/api/errors/errors.go for the codes). The first row of a code marked `default_for_code`
// names the reason of a bare HTTP error of that code.
struct ReasonRow {
  std::string_view reason;
  int http;
  StatusCode code;
  bool default_for_code;
};
constexpr ReasonRow kReasons[] = {
    {"BadRequest", 400, StatusCode::kInvalidArgument, true},
    {"Unauthorized", 401, StatusCode::kUnauthenticated, true},
    {"Forbidden", 403, StatusCode::kPermissionDenied, true},
    {"NotFound", 404, StatusCode::kNotFound, true},
    {"MethodNotAllowed", 405, StatusCode::kFailedPrecondition, false},
    {"NotAcceptable", 406, StatusCode::kFailedPrecondition, false},
    {"Conflict", 409, StatusCode::kAborted, true},
    {"AlreadyExists", 409, StatusCode::kAlreadyExists, false},
    {"Gone", 410, StatusCode::kOutOfRange, true},
    {"Expired", 410, StatusCode::kOutOfRange, false},
    {"RequestEntityTooLarge", 413, StatusCode::kFailedPrecondition, false},
    {"UnsupportedMediaType", 415, StatusCode::kFailedPrecondition, true},
    {"Invalid", 422, StatusCode::kInvalidArgument, true},
    {"TooManyRequests", 429, StatusCode::kResourceExhausted, true},
    {"InternalError", 500, StatusCode::kUnavailable, true},
    {"ServerTimeout", 500, StatusCode::kDeadlineExceeded, false},
    {"ServiceUnavailable", 503, StatusCode::kUnavailable, true},
    {"Timeout", 504, StatusCode::kDeadlineExceeded, true},
};

const ReasonRow* RowForReason(std::string_view reason) {
  for (const ReasonRow& r : kReasons) {
    if (r.reason == reason) return &r;
  }
  return nullptr;
}

const ReasonRow* DefaultRowForHttp(int http) {
  for (const ReasonRow& r : kReasons) {
    if (r.http == http && r.default_for_code) return &r;
  }
  return nullptr;
}

std::string DefaultReason(int http) {
  const ReasonRow* r = DefaultRowForHttp(http);
  return r ? std::string(r->reason) : std::string();
}

}  // namespace

StatusCode CodeForApiError(std::string_view reason, int http) {
  if (const ReasonRow* r = RowForReason(reason)) return r->code;
  if (const ReasonRow* r = DefaultRowForHttp(http)) return r->code;
  if (http >= 500) return StatusCode::kUnavailable;
  if (http >= 400) return StatusCode::kFailedPrecondition;
  return StatusCode::kUnknown;
}

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
bool MayHaveBeenApplied(const Status& s) {
  if (s.ok() || s.reason() == kReasonTLSVerifyFailed) return false;
  return !(s.http_status() >= 400 && s.http_status() < 500);
}

}  // namespace joinguard::kube
