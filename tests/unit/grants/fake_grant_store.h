// An in-memory kube::Client for JoinGrants and SubjectAccessReviews with the API server's
// optimistic concurrency: every write bumps resourceVersion, an update carrying a stale one
// fails with 409 Conflict. Several gates (replicas) may share one store. Test-only.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "common/grants/join_grant.h"
#include "common/kube/client.h"
#include "tests/testing/unimplemented_client.h"

namespace joinguard::controller::grants::testing {

class FakeGrantStore final : public ::joinguard::testing::UnimplementedClient {
 public:
  // Failure injection (each applies to the next N calls of that kind).
  std::atomic<int> fail_gets{0};
  std::atomic<int> fail_updates{0};
  std::atomic<int> conflict_updates{0};  // answer 409 although the resourceVersion matches
  std::atomic<int> sar_allowed{1};       // 1 = allowed, 0 = denied, -1 = API error
  std::atomic<int> gets{0}, updates{0}, sars{0};

  void Put(const joinguard::grants::JoinGrant& g) {
    std::lock_guard<std::mutex> l(mu_);
    kube::Json j = ToJson(g);
    j["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects_[g.metadata.name] = j;
  }
  joinguard::grants::JoinGrant Read(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    return *kube::Decode<joinguard::grants::JoinGrant>(objects_.at(name));
  }
  void Erase(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    objects_.erase(name);
  }

  StatusOr<kube::Json> GetRaw(const kube::Resource& r, std::string_view, std::string_view name,
                              std::string_view) override {
    ++gets;
    if (Take(fail_gets)) return UnavailableError("injected: connection refused");
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(std::string(name));
    if (r.plural != "joingrants" || it == objects_.end()) {
      return NotFoundError("joingrants.joinguard.io \"" + std::string(name) + "\" not found");
    }
    return it->second;
  }
  StatusOr<kube::Json> UpdateRaw(const kube::Resource&, std::string_view, std::string_view name,
                                 const kube::Json& object, std::string_view subresource) override {
    ++updates;
    if (Take(fail_updates)) return UnavailableError("injected: 503");
    if (subresource != "status") return InvalidArgumentError("the gate must write the status subresource");
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(std::string(name));
    if (it == objects_.end()) return NotFoundError("not found");
    if (Take(conflict_updates) || object["metadata"].value("resourceVersion", "") !=
                                      it->second["metadata"].value("resourceVersion", "")) {
      return AbortedError(
          "Operation cannot be fulfilled on joingrants.joinguard.io: the object has been modified");
    }
    kube::Json next = it->second;
    next["status"] = object["status"];  // the status subresource ignores spec changes
    next["metadata"]["resourceVersion"] = std::to_string(++rv_);
    it->second = next;
    return next;
  }
  StatusOr<kube::Json> CreateRaw(const kube::Resource& r, std::string_view, const kube::Json& object,
                                 std::string_view) override {
    if (r.plural != "subjectaccessreviews")
      return UnimplementedError("fake: create " + std::string(r.plural));
    ++sars;
    int mode = sar_allowed.load();
    if (mode < 0) return UnavailableError("injected: SAR unavailable");
    kube::Json out = object;
    out["status"] = {{"allowed", mode == 1}, {"reason", mode == 1 ? "" : "no RBAC policy matched"}};
    last_sar = object;
    return out;
  }

  kube::Json last_sar;

 private:
  static bool Take(std::atomic<int>& n) {
    int v = n.load();
    while (v > 0) {
      if (n.compare_exchange_weak(v, v - 1)) return true;
    }
    return false;
  }
  std::mutex mu_;  // guards objects_, rv_
  std::map<std::string, kube::Json> objects_;
  int64_t rv_ = 0;
};

}  // namespace joinguard::controller::grants::testing
