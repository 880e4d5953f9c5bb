// Fault injection for the sandbox: request failures (bursts or fractions), latency, watch cuts
// and forced 410s, controlled in-process (Sandbox::AddFault, ...) or through the admin endpoint
// (/sandbox-admin/, guarded by a token that ordinary credentials never carry).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/server/https_server.h"

namespace joinguard::sandbox {

// What to do with one request.
struct FaultDecision {
  std::chrono::milliseconds latency{0};
  int status = 0;  // 0 = answer normally (after the latency)
  int retry_after_seconds = 0;
};

class FaultInjector {
 public:
  void Add(const FaultRule& rule);
  void Clear();  // rules and the watch faults
  void CloseWatchesAfterEvents(int n) { close_watches_after_ = n; }
  void ForceGoneOnNextWatch() { force_gone_ = true; }
  int close_watches_after() const { return close_watches_after_.load(); }
  // True once: the next watch should get a 410 ERROR event.
  bool TakeForcedGone() { return force_gone_.exchange(false); }
  StatusOr<int> Remaining(size_t rule_index) const;

  // Decides for a request (consumes one failure of a burst when it fails).
  std::optional<FaultDecision> Decide(const HttpRequest& req, bool is_watch);

  // {"rules":[{...,"remaining":N}], "closeWatchesAfterEvents":N, "forceGoneOnNextWatch":bool}.
  nlohmann::json ToJson() const;

 private:
  struct Entry {
    FaultRule rule;
    int remaining;  // -1 = unlimited
  };
  mutable std::mutex mu_;  // guards entries_ and rng_
  std::vector<Entry> entries_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<int> close_watches_after_{0};
  std::atomic<bool> force_gone_{false};
};

// The admin endpoint of a separately running sandbox (paths under kAdminPathPrefix):
//   GET    /sandbox-admin/faults         → FaultInjector::ToJson()
//   POST   /sandbox-admin/faults         → add a rule (FaultRule JSON), 201 with its index
//   DELETE /sandbox-admin/faults         → clear every fault (rules and watch faults)
//   POST   /sandbox-admin/watch          → {"closeAfterEvents":N} and/or {"forceGone":true}
//   GET    /sandbox-admin/connections    → {"tcpAccepted":N,"tlsHandshakes":M} from `connections`
//                                          (the admin request's own connection is counted)
// Returns false (request not handled) unless the path is under the prefix AND the token header
// matches `token` (constant-time compare); a non-matching request is left to the API server,
// which answers 404 like for any unknown path.
inline constexpr char kAdminPathPrefix[] = "/sandbox-admin/";
inline constexpr char kAdminTokenHeader[] = "x-sandbox-admin-token";
bool HandleAdminRequest(const std::string& token, FaultInjector& faults,
                        const std::function<ConnectionStats()>& connections, const HttpRequest& req,
                        ResponseWriter& w);

}  // namespace joinguard::sandbox
