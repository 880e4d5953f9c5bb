// What one policy check answers (postfinance's (ok, reason, error) split, plus no-opinion).
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::controller::policy {

class CheckResult {
 public:
  enum class Kind {
    kApprove,    // this check is satisfied
    kDeny,       // a policy "no": reason code + human message
    kNoOpinion,  // this check does not apply / cannot decide; never a deny
    kRetry,      // an infrastructure "don't know" (missing fact, API error): retry, never deny
  };

  static CheckResult Approve() { return CheckResult(Kind::kApprove, "", "", OkStatus()); }
  static CheckResult Deny(std::string reason, std::string message) {
    return CheckResult(Kind::kDeny, std::move(reason), std::move(message), OkStatus());
  }
  static CheckResult NoOpinion(std::string reason, std::string message) {
    return CheckResult(Kind::kNoOpinion, std::move(reason), std::move(message), OkStatus());
  }
  static CheckResult Retry(Status status) {
    return CheckResult(Kind::kRetry, "", status.message(), std::move(status));
  }

  Kind kind() const { return kind_; }
  bool is_approve() const { return kind_ == Kind::kApprove; }
  bool is_deny() const { return kind_ == Kind::kDeny; }
  bool is_no_opinion() const { return kind_ == Kind::kNoOpinion; }
  bool is_retry() const { return kind_ == Kind::kRetry; }
  // Stable reason code, e.g. "SubjectNotExact" (deny / no-opinion).
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const Status& status() const { return status_; }

 private:
  CheckResult(Kind kind, std::string reason, std::string message, Status status)
      : kind_(kind), reason_(std::move(reason)), message_(std::move(message)), status_(std::move(status)) {}
  Kind kind_;
  std::string reason_;
  std::string message_;
  Status status_;
};

std::string_view CheckKindName(CheckResult::Kind kind);

}  // namespace joinguard::controller::policy
