// The kube-controller-manager controllers the sandbox runs (k8s pkg/controller/certificates,
// pkg/controller/bootstrap): csrsigning (signer), bootstrapsigner, tokencleaner and csrapproving. Each is a
// level-based loop woken by store change notifications (and, for the token cleaner, by the next
// token expiry), never by polling.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "tests/sandbox/logic/signer.h"
#include "tests/sandbox/server/api_server.h"
#include "tests/sandbox/server/store.h"

namespace joinguard::sandbox {

class Controllers {
 public:
  // Starts the four controllers; `logger` may be null.
  Controllers(Store& store, ApiServer& api, const runtime::Clock& clock, logic::CaMaterial ca,
              const runtime::Logger* logger);
  ~Controllers();
  void Stop();

 private:
  // `changed` = the events since the last sync, or nullptr for a full resync (the first sync and
  // after a wake-up without events). Event-driven syncs keep a CSR create O(1) for the
  // controllers instead of a scan of every CSR.
  using Changed = const std::vector<EventRef>*;
  using SyncFn = std::function<std::optional<std::chrono::steady_clock::time_point>(Changed)>;
  void Run(const char* name, Subscription::Filter filter, SyncFn sync);
  // The CSRs to look at: every stored one (full resync) or the changed, still existing ones;
  // only those whose stored text contains `must_contain` ("" = all) are decoded and returned,
  // each with the stored version it was decoded from (the write goes onto that version only).
  struct CsrToSync {
    ObjectRef version;
    nlohmann::json csr;
  };
  std::vector<CsrToSync> CsrsToSync(Changed changed, std::string_view must_contain = "") const;
  std::optional<std::chrono::steady_clock::time_point> SyncSigner(Changed changed);
  std::optional<std::chrono::steady_clock::time_point> SyncBootstrapSigner();
  std::optional<std::chrono::steady_clock::time_point> SyncTokenCleaner();
  std::optional<std::chrono::steady_clock::time_point> SyncApprover(Changed changed);
  void Log(const std::string& message, const std::string& name) const;

  Store& store_;
  ApiServer& api_;
  const runtime::Clock& clock_;
  logic::CaMaterial ca_;
  const runtime::Logger* logger_;
  std::atomic<bool> stopping_{false};
  // Whether the auto-approve binding existed at the approver's last sync; while it does not,
  // CSR changes do not wake the approver (set by SyncApprover, read by its subscription filter).
  std::atomic<bool> approver_active_{true};
  std::vector<std::shared_ptr<Subscription>> subs_;  // written only before threads start
  std::vector<std::thread> threads_;
};

}  // namespace joinguard::sandbox
