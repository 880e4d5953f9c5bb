// Status / StatusOr: the error currency of joinguard (after abseil).
//
// Every fallible function returns Status or StatusOr<T>. Exceptions from third-party
// libraries are caught in the adapter that calls them and converted here, with context.
#pragma once

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace joinguard {

// The one table of canonical error codes (same numbering as absl::StatusCode /
// google.rpc.Code), in numeric order after OK = 0: X(Name, number, "NAME"). It defines the
// enumerators StatusCode::k<Name>, their StatusCodeName() and the factories <Name>Error(message)
// below (CancelledError, UnknownError, InvalidArgumentError, ..., UnauthenticatedError).
// clang-format off
#define JG_STATUS_ERROR_CODES(X)                         \
  X(Cancelled,          1,  "CANCELLED")                 \
  X(Unknown,            2,  "UNKNOWN")                   \
  X(InvalidArgument,    3,  "INVALID_ARGUMENT")          \
  X(DeadlineExceeded,   4,  "DEADLINE_EXCEEDED")         \
  X(NotFound,           5,  "NOT_FOUND")                 \
  X(AlreadyExists,      6,  "ALREADY_EXISTS")            \
  X(PermissionDenied,   7,  "PERMISSION_DENIED")         \
  X(ResourceExhausted,  8,  "RESOURCE_EXHAUSTED")        \
  X(FailedPrecondition, 9,  "FAILED_PRECONDITION")       \
  X(Aborted,            10, "ABORTED")                   \
  X(OutOfRange,         11, "OUT_OF_RANGE")              \
  X(Unimplemented,      12, "UNIMPLEMENTED")             \
  X(Internal,           13, "INTERNAL")                  \
  X(Unavailable,        14, "UNAVAILABLE")               \
  X(DataLoss,           15, "DATA_LOSS")                 \
  X(Unauthenticated,    16, "UNAUTHENTICATED")
// clang-format on

enum class StatusCode : int {
  kOk = 0,
#define JG_STATUS_CODE_ENUMERATOR(name, number, text) k##name = number,
  JG_STATUS_ERROR_CODES(JG_STATUS_CODE_ENUMERATOR)
#undef JG_STATUS_CODE_ENUMERATOR
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    if (code_ == StatusCode::kOk) message_.clear();
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Optional machine-readable detail, e.g. the Kubernetes Status "reason" ("Conflict",
  // "Expired", "AlreadyExists") and HTTP status of an API error. Empty/0 when not set.
  const std::string& reason() const { return reason_; }
  int http_status() const { return http_status_; }
  Status& WithReason(std::string reason, int http_status = 0) & {
    reason_ = std::move(reason);
    http_status_ = http_status;
    return *this;
  }
  Status&& WithReason(std::string reason, int http_status = 0) && {
    reason_ = std::move(reason);
    http_status_ = http_status;
    return std::move(*this);
  }

  // Returns a copy whose message is "<context>: <message>"; code and reason are kept.
  Status Annotate(std::string_view context) const;

  // "NOT_FOUND: message" (or "OK").
  std::string ToString() const;

  // Explicitly ignore a status (for best-effort cleanup paths).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
  int http_status_ = 0;
};

inline Status OkStatus() { return Status(); }
// CancelledError(message), ..., UnauthenticatedError(message): one per row of
// JG_STATUS_ERROR_CODES.
#define JG_STATUS_CODE_FACTORY(name, number, text) \
  inline Status name##Error(std::string m) { return {StatusCode::k##name, std::move(m)}; }
JG_STATUS_ERROR_CODES(JG_STATUS_CODE_FACTORY)
#undef JG_STATUS_CODE_FACTORY

std::ostream& operator<<(std::ostream& os, const Status& s);
std::ostream& operator<<(std::ostream& os, StatusCode c);

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Implicit from an error status (must not be OK) and from a value, as in abseil.
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK Status without a value");
    }
  }
  StatusOr(const T& value) : v_(value) {}        // NOLINT
  StatusOr(T&& value) : v_(std::move(value)) {}  // NOLINT
  template <typename U,
            typename = std::enable_if_t<
                std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
                !std::is_same_v<std::decay_t<U>, Status> && !std::is_same_v<std::decay_t<U>, StatusOr<T>>>>
  StatusOr(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return v_.index() == 1; }
  Status status() const { return ok() ? OkStatus() : std::get<Status>(v_); }

  const T& value() const& {
    CheckOk();
    return std::get<T>(v_);
  }
  T& value() & {
    CheckOk();
    return std::get<T>(v_);
  }
  T&& value() && {
    CheckOk();
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<T>(v_) : T(std::forward<U>(fallback));
  }

 private:
  void CheckOk() const {
    if (!ok()) {
      // Programming error: value() on an error. Abort loudly (as absl::StatusOr does).
      std::fprintf(stderr, "StatusOr::value() on error: %s\n", std::get<Status>(v_).ToString().c_str());
      std::abort();
    }
  }
  std::variant<Status, T> v_;
};

}  // namespace joinguard

#define JG_STATUS_CONCAT_INNER_(a, b) a##b
#define JG_STATUS_CONCAT_(a, b) JG_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define JG_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    ::joinguard::Status jg_status_tmp_ = (expr);     \
    if (!jg_status_tmp_.ok()) return jg_status_tmp_; \
  } while (0)

// Like JG_RETURN_IF_ERROR but prefixes the message with `context`.
#define JG_RETURN_IF_ERROR_CTX(expr, context)                          \
  do {                                                                 \
    ::joinguard::Status jg_status_tmp_ = (expr);                       \
    if (!jg_status_tmp_.ok()) return jg_status_tmp_.Annotate(context); \
  } while (0)

// JG_ASSIGN_OR_RETURN(auto x, MakeX()); or JG_ASSIGN_OR_RETURN(existing, MakeX());
#define JG_ASSIGN_OR_RETURN(lhs, expr) \
  JG_ASSIGN_OR_RETURN_IMPL_(JG_STATUS_CONCAT_(jg_statusor_, __LINE__), lhs, expr)
#define JG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
