// Rate brakes for bootstrap CSRs: a cap on approvals per token per sliding window and on
// pending CSRs per requester. A tripped brake leaves the CSR pending (never denies) and says
// when to look again. In memory, per replica: a brake limits speed, it does not decide
// identity, so a new leader starting with empty windows is at worst one window more lenient.
//
// Per-token state keeps each token's flood apart: a token at its cap is answered from its own
// window in O(1) without touching other tokens' windows or the API server.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/runtime/clock.h"
#include "controller/policy/policy.h"

namespace joinguard::controller::grants {

inline constexpr std::string_view kBrakeTokenWindow = "token-window";
inline constexpr std::string_view kBrakePendingPerRequester = "pending-per-requester";
// Reasons on the CSR's Event / the reconciler's pending report.
inline constexpr std::string_view kReasonTokenRateLimited = "TokenRateLimited";
inline constexpr std::string_view kReasonTooManyPending = "TooManyPendingRequests";
// How soon to look again at a CSR held back by the pending-per-requester brake (the count
// falls only when the requester's other CSRs are decided or garbage-collected).
inline constexpr std::chrono::seconds kPendingBrakeRetry{15};

struct BrakeTrip {
  std::string_view brake;   // kBrakeTokenWindow | kBrakePendingPerRequester
  std::string_view reason;  // kReasonTokenRateLimited | kReasonTooManyPending
  std::string message;
  std::chrono::milliseconds retry_after{0};
};

class RateBrakes {
 public:
  explicit RateBrakes(const runtime::Clock& clock) : clock_(clock) {}

  // The pending-per-requester brake (no state: the count comes from the store's index).
  static std::optional<BrakeTrip> CheckPending(const std::string& requester, int pending_from_requester,
                                               const policy::BrakePolicy& p);
  // Takes one approval slot of `token_id`'s window for `csr_uid` (idempotent per uid), or
  // says when a slot frees up. Check and take are one step, so two workers cannot both take
  // the last slot.
  std::optional<BrakeTrip> TryTake(const std::string& token_id, const std::string& csr_uid,
                                   const policy::BrakePolicy& p);
  // Gives a slot back (the approval did not happen). Unknown uids are ignored.
  void GiveBack(const std::string& token_id, const std::string& csr_uid);
  // Tokens with a non-empty window (tests, memory accounting).
  size_t TrackedTokensForTest() const;

 private:
  struct Slot {
    runtime::Clock::MonotonicTime at;
    std::string csr_uid;
  };
  void PruneLocked(std::deque<Slot>& window, runtime::Clock::MonotonicTime now,
                   std::chrono::seconds length) const;

  const runtime::Clock& clock_;
  mutable std::mutex mu_;                                         // guards windows_
  std::map<std::string, std::deque<Slot>, std::less<>> windows_;  // token id → approvals, oldest first
};

}  // namespace joinguard::controller::grants
