#include "controller/grants/rate_brakes.h"

#include <algorithm>

namespace joinguard::controller::grants {

std::optional<BrakeTrip> RateBrakes::CheckPending(const std::string& requester, int pending_from_requester,
                                                  const policy::BrakePolicy& p) {
  if (p.max_pending_per_requester <= 0 || pending_from_requester < p.max_pending_per_requester)
    return std::nullopt;
  return BrakeTrip{kBrakePendingPerRequester, kReasonTooManyPending,
                   "requester \"" + requester + "\" has " + std::to_string(pending_from_requester) +
                       " other pending CSRs, at or above the policy's brakes.maxPendingPerRequester " +
                       std::to_string(p.max_pending_per_requester) +
                       "; leaving this CSR pending until they are decided or deleted (a flood from one token "
                       "does not slow others)",
                   std::chrono::duration_cast<std::chrono::milliseconds>(kPendingBrakeRetry)};
}

void RateBrakes::PruneLocked(std::deque<Slot>& window, runtime::Clock::MonotonicTime now,
                             std::chrono::seconds length) const {
  while (!window.empty() && now - window.front().at >= length) window.pop_front();
}

std::optional<BrakeTrip> RateBrakes::TryTake(const std::string& token_id, const std::string& csr_uid,
                                             const policy::BrakePolicy& p) {
  if (p.max_approvals_per_token <= 0) return std::nullopt;
  const std::chrono::seconds length(p.window_seconds);
  const auto now = clock_.MonotonicNow();
  std::lock_guard<std::mutex> lock(mu_);
  auto& window = windows_[token_id];
  PruneLocked(window, now, length);
  if (std::any_of(window.begin(), window.end(), [&](const Slot& s) { return s.csr_uid == csr_uid; })) {
    return std::nullopt;  // this CSR already holds a slot (re-evaluation)
  }
  if (static_cast<int64_t>(window.size()) < p.max_approvals_per_token) {
    window.push_back(Slot{now, csr_uid});
    return std::nullopt;
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(window.front().at + length - now);
  wait = std::max(wait, std::chrono::milliseconds(1));
  return BrakeTrip{kBrakeTokenWindow, kReasonTokenRateLimited,
                   "bootstrap token \"" + token_id + "\" reached the policy's brakes.maxApprovalsPerToken " +
                       std::to_string(p.max_approvals_per_token) + " approvals per " +
                       std::to_string(p.window_seconds) +
                       "s; leaving this CSR pending until the window allows",
                   wait};
}

void RateBrakes::GiveBack(const std::string& token_id, const std::string& csr_uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = windows_.find(token_id);
  if (it == windows_.end()) return;
  auto& window = it->second;
  window.erase(
      std::remove_if(window.begin(), window.end(), [&](const Slot& s) { return s.csr_uid == csr_uid; }),
      window.end());
  if (window.empty()) windows_.erase(it);
}

size_t RateBrakes::TrackedTokensForTest() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [token, window] : windows_) n += window.empty() ? 0 : 1;
  return n;
}

}  // namespace joinguard::controller::grants
