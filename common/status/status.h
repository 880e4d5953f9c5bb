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

// Canonical codes (same numbering as absl::StatusCode / google.rpc.Code).
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
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
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status UnknownError(std::string m) { return {StatusCode::kUnknown, std::move(m)}; }
inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }

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
