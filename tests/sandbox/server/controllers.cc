#include "tests/sandbox/server/controllers.h"

#include <pthread.h>

#include <set>

#include "tests/sandbox/logic/bootstrap_signer.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/csrapproving.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/api_helpers.h"

namespace joinguard::sandbox {

using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {
const char* kCsrGvr = "certificates.k8s.io/v1/certificatesigningrequests";
const char* kConfigMapsGvr = "/v1/configmaps";
const char* kTokenSecretType = "bootstrap.kubernetes.io/token";

std::vector<json> TokenSecrets(Store& store) {
  std::vector<json> out;
  for (auto& s : store.List(api_internal::kSecretsGvr, "kube-system").items) {
    if (s.value("type", "") == kTokenSecretType) out.push_back(std::move(s));
  }
  return out;
}

// Writes `updated` only if the object still has `expected_rv` (a controller never overwrites a
// newer state; the change that moved it on wakes the controller again).
Status WriteIfUnchanged(Store& store, const std::string& gvr, const json& original, json updated) {
  const std::string ns = original["metadata"].value("namespace", "");
  const std::string name = original["metadata"].value("name", "");
  const std::string expected_rv = original["metadata"].value("resourceVersion", "");
  auto r = store.Update(gvr, ns, name, [&](const json& current) -> StatusOr<json> {
    if (current["metadata"].value("resourceVersion", "") != expected_rv) return current;
    return updated;
  });
  return r.status();
}
}  // namespace

Controllers::Controllers(Store& store, ApiServer& api, const runtime::Clock& clock, logic::CaMaterial ca,
                         const runtime::Logger* logger)
    : store_(store), api_(api), clock_(clock), ca_(std::move(ca)), logger_(logger) {
  Run(
      "csrsigning", [](const StoreEvent& e) { return e.gvr == kCsrGvr; },
      [this](Changed changed) { return SyncSigner(changed); });
  Run(
      "bootstrapsigner",
      [](const StoreEvent& e) {
        return (e.gvr == api_internal::kSecretsGvr && e.ns == "kube-system") ||
               (e.gvr == kConfigMapsGvr && e.ns == "kube-public" && e.name == "cluster-info");
      },
      [this](Changed) { return SyncBootstrapSigner(); });
  Run(
      "tokencleaner",
      [](const StoreEvent& e) { return e.gvr == api_internal::kSecretsGvr && e.ns == "kube-system"; },
      [this](Changed) { return SyncTokenCleaner(); });
  Run(
      "csrapproving",
      [this](const StoreEvent& e) {
        // CSR changes matter only while the auto-approve binding exists; the binding's own
        // (RBAC) change wakes the approver, which then looks at every CSR.
        return (e.gvr == kCsrGvr && approver_active_.load()) ||
               e.gvr.rfind("rbac.authorization.k8s.io/", 0) == 0;
      },
      [this](Changed changed) { return SyncApprover(changed); });
}

Controllers::~Controllers() { Stop(); }

void Controllers::Stop() {
  if (stopping_.exchange(true)) return;
  for (auto& s : subs_) store_.Unsubscribe(s);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Controllers::Log(const std::string& message, const std::string& name) const {
  if (logger_) logger_->Info(message, {{"object", name}});
}

void Controllers::Run(const char* name, Subscription::Filter filter, SyncFn sync) {
  auto sub = store_.Subscribe(std::move(filter), -1);
  if (!sub.ok()) return;  // cannot happen for a future-only subscription
  subs_.push_back(*sub);
  threads_.emplace_back([this, sub = *sub, sync, name] {
    // Thread names show in top -H and perf (Linux: at most 15 bytes).
    pthread_setname_np(pthread_self(), std::string(name).substr(0, 15).c_str());
    std::vector<EventRef> events;
    bool full = true;  // the first sync sees everything
    while (!stopping_) {
      auto requeue = sync(full ? nullptr : &events);
      auto deadline = requeue.value_or(std::chrono::steady_clock::now() + std::chrono::hours(24));
      events.clear();
      EventRef e;
      auto r = sub->Next(&e, deadline);
      if (r == Subscription::Result::kClosed) break;
      full = r != Subscription::Result::kEvent;  // timer wake-up: resync everything
      if (!full) events.push_back(std::move(e));
      while (sub->TryNext(&e)) events.push_back(std::move(e));  // one sync per batch
    }
  });
}

std::vector<Controllers::CsrToSync> Controllers::CsrsToSync(Changed changed,
                                                            std::string_view must_contain) const {
  // `must_contain` skips, without decoding, CSRs whose stored text cannot be relevant: the text
  // is nlohmann's canonical dump, which writes ASCII letters unescaped, so a condition type
  // "Approved" always appears literally (other fields may contain it too: those are decoded).
  auto relevant = [&](const ObjectRef& ref) {
    return must_contain.empty() || ref->text.find(must_contain) != std::string::npos;
  };
  std::vector<CsrToSync> out;
  if (!changed) {
    for (const auto& ref : store_.ListRefs(kCsrGvr, "").items) {
      if (relevant(ref)) out.push_back({ref, ref->Parse()});
    }
    return out;
  }
  std::set<std::string> seen;
  for (const auto& e : *changed) {
    if (e->gvr != kCsrGvr || e->type == "DELETED" || !seen.insert(e->name).second) continue;
    ObjectRef cur = store_.GetRef(kCsrGvr, "", e->name);
    if (cur && relevant(cur)) out.push_back({cur, cur->Parse()});
  }
  return out;
}

std::optional<SteadyTime> Controllers::SyncSigner(Changed changed) {
  // Only approved CSRs are signed (a create storm of pending CSRs costs the signer no decoding).
  for (const auto& [version, csr] : CsrsToSync(changed, "\"Approved\"")) {
    // The create strategy's parse of this request when it is still cached (not after a restart,
    // nor once the cache evicted it): the signer does not parse and verify it a second time.
    std::shared_ptr<const crypto::ParsedCsr> parsed;
    if (logic::CsrHasCondition(csr, "Approved") && csr["spec"].is_object() &&
        csr["spec"].contains("request") && csr["spec"]["request"].is_string()) {
      parsed = api_.csr_parses().Take(csr["spec"]["request"].get_ref<const std::string&>());
    }
    auto signed_csr = logic::SignCsr(csr, ca_, clock_.Now(), parsed.get());
    if (!signed_csr) continue;
    // Through the /status strategy, as the real signer's UpdateStatus call (timestamps, rules);
    // the certificate was just issued here, so the strategy need not parse it again.
    const std::string issued = (*signed_csr)["status"].value("certificate", "");
    if (!logic::ValidateCsrStatusUpdate(csr, *signed_csr, clock_.Now(), issued).ok()) continue;
    // Onto the version it was decided on only; a newer version woke the signer again.
    const std::string name = csr["metadata"].value("name", "");
    if (store_.Replace(kCsrGvr, "", name, version, *std::move(signed_csr)).ok()) {
      Log("csrsigning: signed (or failed) certificate", name);
    }
  }
  return std::nullopt;
}

std::optional<SteadyTime> Controllers::SyncBootstrapSigner() {
  auto cm = store_.Get(kConfigMapsGvr, "kube-public", "cluster-info");
  if (!cm) return std::nullopt;
  auto resigned = logic::ResignClusterInfo(*cm, TokenSecrets(store_), clock_.Now());
  if (resigned) {
    WriteIfUnchanged(store_, kConfigMapsGvr, *cm, *resigned).IgnoreError();
    Log("bootstrapsigner: updated cluster-info signatures", "kube-public/cluster-info");
  }
  return std::nullopt;
}

std::optional<SteadyTime> Controllers::SyncTokenCleaner() {
  auto now = clock_.Now();
  std::optional<std::chrono::system_clock::time_point> next;
  for (const auto& secret : TokenSecrets(store_)) {
    const std::string name = secret["metadata"].value("name", "");
    if (logic::IsExpiredBootstrapTokenSecret(secret, now)) {
      const std::string uid = secret["metadata"].value("uid", "");
      // UID precondition as upstream; NotFound/Conflict are ignored.
      store_
          .Delete(api_internal::kSecretsGvr, "kube-system", name,
                  [&](const json& cur) -> Status {
                    if (cur["metadata"].value("uid", "") != uid) return AbortedError("uid changed");
                    return OkStatus();
                  })
          .status()
          .IgnoreError();
      Log("tokencleaner: deleted expired bootstrap token", name);
      continue;
    }
    auto exp_text = logic::SecretDataValue(secret, "expiration");
    if (!exp_text) continue;
    auto exp = logic::ParseRfc3339(*exp_text);
    if (exp && (!next || *exp < *next)) next = *exp;
  }
  if (!next) return std::nullopt;
  // Re-check right after the earliest expiry.
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - now) +
         std::chrono::milliseconds(50);
}

std::optional<SteadyTime> Controllers::SyncApprover(Changed changed) {
  // Upstream's csrapproving runs always; the kubeadm binding is what grants the SAR. The sandbox
  // runs it only while that binding exists, so removing it visibly stops auto-approval.
  // Set before the CSRs are read: a CSR stored after this point is queued as an event, one
  // stored before is in the list below.
  approver_active_ = store_.Contains("rbac.authorization.k8s.io/v1/clusterrolebindings", "",
                                     "kubeadm:node-autoapprove-bootstrap");
  if (!approver_active_) return std::nullopt;
  // An RBAC change can make any pending CSR approvable: look at all of them then.
  if (changed) {
    for (const auto& e : *changed) {
      if (e->gvr != kCsrGvr) {
        changed = nullptr;
        break;
      }
    }
  }
  auto rbac = api_.Rbac();
  auto allowed = [&](const logic::UserInfo& user, const std::string& subresource) {
    logic::RequestAttributes a;
    a.user = user;
    a.verb = "create";
    a.api_group = "certificates.k8s.io";
    a.resource = "certificatesigningrequests";
    a.subresource = subresource;
    return logic::Authorize(a, *rbac).allowed;
  };
  for (const auto& [version, csr] : CsrsToSync(changed)) {
    if (logic::CsrHasCondition(csr, "Approved") || logic::CsrHasCondition(csr, "Denied")) continue;
    auto approved = logic::AutoApprove(csr, allowed);
    if (!approved) continue;
    // Through the /approval strategy, as the real approver's UpdateApproval call.
    if (!logic::ValidateCsrApprovalUpdate(csr, *approved, clock_.Now()).ok()) continue;
    const std::string name = csr["metadata"].value("name", "");
    if (store_.Replace(kCsrGvr, "", name, version, *std::move(approved)).ok()) {
      Log("csrapproving: auto-approved", name);
    }
  }
  return std::nullopt;
}

}  // namespace joinguard::sandbox
