// In-memory fakes of the controller's cluster interfaces (controller/cluster.h), thread-safe, so
// tests can run two workers or two "replicas" against one cluster and assert outcomes.
//
// FakeCluster holds the LIVE state (what the API server has) and a separately synced CACHE of
// CSRs and Nodes (what the informers have), so a lagging watch is one SyncCache() away. The
// live CSR API behaves like kube-apiserver's approval subresource: resourceVersion and
// metadata.uid are preconditions (409), a decision cannot be removed. NodeJoin Create is atomic
// (409 AlreadyExists), Update checks resourceVersion, Delete checks a uid precondition.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/crypto/csr.h"
#include "common/kube/events.h"
#include "controller/cluster.h"
#include "controller/policy/csr_context.h"

namespace joinguard::controller::testing {

inline Status ConflictError(const std::string& m) { return AbortedError(m).WithReason("Conflict", 409); }
inline Status NotFound(const std::string& m) { return NotFoundError(m).WithReason("NotFound", 404); }

class FakeCluster final : public CsrApi {
 public:
  // ---- Test setup (live state) ----
  // Creates (or re-creates, with a new uid) a CSR; returns its uid.
  std::string PutCsr(kube::CertificateSigningRequest c) {
    std::lock_guard<std::mutex> l(mu_);
    c.metadata.uid = c.metadata.name + "-uid-" + std::to_string(++uid_seq_);
    c.metadata.resource_version = std::to_string(++rv_);
    std::string uid = c.metadata.uid;
    csrs_[c.metadata.name] = std::move(c);
    return uid;
  }
  // Bumps the live resourceVersion (a label change the cache has not seen).
  void TouchCsr(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = csrs_.find(name);
    if (it != csrs_.end()) it->second.metadata.resource_version = std::to_string(++rv_);
  }
  void DeleteCsr(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    csrs_.erase(name);
  }
  void AddNode(const std::string& name, std::vector<kube::NodeAddress> addresses = {}) {
    std::lock_guard<std::mutex> l(mu_);
    kube::Node n;
    n.metadata.name = name;
    n.addresses = std::move(addresses);
    nodes_[name] = std::move(n);
  }
  void DeleteNode(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    nodes_.erase(name);
  }
  std::optional<kube::CertificateSigningRequest> LiveCsr(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = csrs_.find(name);
    if (it == csrs_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<kube::NodeJoin> LiveNodeJoin(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = joins_.find(name);
    if (it == joins_.end()) return std::nullopt;
    return it->second;
  }
  void PutNodeJoin(kube::NodeJoin j) {
    std::lock_guard<std::mutex> l(mu_);
    j.metadata.uid = "nj-uid-" + std::to_string(++uid_seq_);
    j.metadata.resource_version = std::to_string(++rv_);
    joins_[j.metadata.name] = std::move(j);
  }
  // Approval writes that succeeded, in order: (csr name, condition type, reason).
  struct Write {
    std::string csr;
    std::string uid;
    std::string type;
    std::string reason;
  };
  std::vector<Write> writes() {
    std::lock_guard<std::mutex> l(mu_);
    return writes_;
  }
  int api_calls() {
    std::lock_guard<std::mutex> l(mu_);
    return api_calls_;
  }

  // Fault hooks, called without the lock; a non-OK status is returned instead of the operation.
  std::function<Status(const kube::CertificateSigningRequest&)> before_approval;
  std::function<Status(const std::string&)> before_node_get;
  std::function<Status(const kube::NodeJoin&)> before_node_join_create;
  std::function<Status(const kube::NodeJoin&)> before_node_join_update;

  // ---- The cache (informers) ----
  void SyncCache() {
    std::lock_guard<std::mutex> l(mu_);
    cached_csrs_ = csrs_;
    cached_nodes_ = nodes_;
    cached_joins_ = joins_;
  }
  // Makes the cache show `name` without any condition (a watch that has not delivered its
  // decision yet).
  void RewindCachedCsr(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cached_csrs_.find(name);
    if (it != cached_csrs_.end()) it->second.status.conditions.clear();
  }
  void SyncCsrCache() {
    std::lock_guard<std::mutex> l(mu_);
    cached_csrs_ = csrs_;
  }

  class Csrs final : public CsrLister {
   public:
    explicit Csrs(FakeCluster& c) : c_(c) {}
    bool HasSynced() const override { return c_.csrs_synced; }
    // Derived afresh on every read (the real store derives once per version; see
    // csr_store_test.cc), so a test may edit the cache freely.
    StoredCsr Get(const std::string& name) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      auto it = c_.cached_csrs_.find(name);
      if (it == c_.cached_csrs_.end()) return {};
      auto obj = std::make_shared<const kube::CertificateSigningRequest>(it->second);
      return {obj, DeriveCsr(*obj, nullptr)};
    }
    std::vector<CsrPtr> BootstrapByNodeName(const std::string& node) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      std::vector<CsrPtr> out;
      for (const auto& [n, c] : c_.cached_csrs_) {
        auto derived = DeriveCsr(c, nullptr);
        if (!derived || !derived->bootstrap_client || derived->cn_node_name != node) continue;
        out.push_back(std::make_shared<const kube::CertificateSigningRequest>(c));
      }
      return out;
    }
    size_t PendingByRequester(const std::string& requester) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      size_t n = 0;
      for (const auto& [name, c] : c_.cached_csrs_)
        n += (!IsDecided(c) && c.spec.username == requester) ? 1 : 0;
      return n;
    }

   private:
    FakeCluster& c_;
  };

  class Nodes final : public NodeLister {
   public:
    explicit Nodes(FakeCluster& c) : c_(c) {}
    bool HasSynced() const override { return c_.nodes_synced; }
    NodePtr Get(const std::string& name) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      auto it = c_.cached_nodes_.find(name);
      if (it == c_.cached_nodes_.end()) return nullptr;
      return std::make_shared<const kube::Node>(it->second);
    }
    std::vector<NodePtr> ByAddress(const std::string& address) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      std::vector<NodePtr> out;
      for (const auto& [name, n] : c_.cached_nodes_) {
        for (const auto& a : n.addresses) {
          if (NodeAddressKey(a.address) == NodeAddressKey(address)) {
            out.push_back(std::make_shared<const kube::Node>(n));
            break;
          }
        }
      }
      return out;
    }

   private:
    FakeCluster& c_;
  };

  class Joins final : public NodeJoinLister {
   public:
    explicit Joins(FakeCluster& c) : c_(c) {}
    bool HasSynced() const override { return true; }
    NodeJoinPtr Get(const std::string& name) const override {
      std::lock_guard<std::mutex> l(c_.mu_);
      auto it = c_.cached_joins_.find(name);
      if (it == c_.cached_joins_.end()) return nullptr;
      return std::make_shared<const kube::NodeJoin>(it->second);
    }

   private:
    FakeCluster& c_;
  };

  bool csrs_synced = true;
  bool nodes_synced = true;

  // ---- CsrApi ----
  StatusOr<kube::CertificateSigningRequest> Get(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    auto it = csrs_.find(name);
    if (it == csrs_.end()) return NotFound("certificatesigningrequests \"" + name + "\" not found");
    return it->second;
  }
  StatusOr<kube::CertificateSigningRequest> UpdateApproval(
      const kube::CertificateSigningRequest& c) override {
    if (before_approval) JG_RETURN_IF_ERROR(before_approval(c));
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    auto it = csrs_.find(c.metadata.name);
    if (it == csrs_.end())
      return NotFound("certificatesigningrequests \"" + c.metadata.name + "\" not found");
    kube::CertificateSigningRequest& live = it->second;
    if (!c.metadata.uid.empty() && c.metadata.uid != live.metadata.uid) {
      return ConflictError("Precondition failed: UID in precondition: " + c.metadata.uid +
                           ", UID in object meta: " + live.metadata.uid);
    }
    if (c.metadata.resource_version != live.metadata.resource_version) {
      return ConflictError("the object has been modified; please apply your changes to the latest version");
    }
    // The approval subresource keeps every existing condition (a decision cannot be removed).
    for (const auto& have : live.status.conditions) {
      bool kept = std::any_of(c.status.conditions.begin(), c.status.conditions.end(),
                              [&](const auto& x) { return x.type == have.type; });
      if (!kept) return InvalidArgumentError("status.conditions: an existing condition may not be removed");
    }
    if (kube::IsApproved(c) && kube::IsDenied(c))
      return InvalidArgumentError("Approved and Denied are exclusive");
    live.status.conditions = c.status.conditions;
    live.metadata.resource_version = std::to_string(++rv_);
    const auto& last = c.status.conditions.back();
    writes_.push_back({c.metadata.name, c.metadata.uid, last.type, last.reason});
    return live;
  }
  StatusOr<bool> NodeExists(const std::string& name) override {
    if (before_node_get) JG_RETURN_IF_ERROR(before_node_get(name));
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    return nodes_.count(name) > 0;
  }

  // ---- NodeJoin operations (the NodeJoinApi is JoinApi below: CsrApi::Get has its name) ----
  StatusOr<kube::NodeJoin> GetJoin(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    auto it = joins_.find(name);
    if (it == joins_.end()) return NotFound("nodejoins.joinguard.io \"" + name + "\" not found");
    return it->second;
  }
  StatusOr<kube::NodeJoin> CreateJoin(const kube::NodeJoin& j) {
    if (before_node_join_create) JG_RETURN_IF_ERROR(before_node_join_create(j));
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    if (joins_.count(j.metadata.name)) {
      return AlreadyExistsError("nodejoins.joinguard.io \"" + j.metadata.name + "\" already exists")
          .WithReason("AlreadyExists", 409);
    }
    kube::NodeJoin stored = j;
    stored.metadata.uid = "nj-uid-" + std::to_string(++uid_seq_);
    stored.metadata.resource_version = std::to_string(++rv_);
    joins_[j.metadata.name] = stored;
    return stored;
  }
  StatusOr<kube::NodeJoin> UpdateJoin(const kube::NodeJoin& j) {
    if (before_node_join_update) JG_RETURN_IF_ERROR(before_node_join_update(j));
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    auto it = joins_.find(j.metadata.name);
    if (it == joins_.end()) return NotFound("nodejoins.joinguard.io \"" + j.metadata.name + "\" not found");
    if (j.metadata.resource_version != it->second.metadata.resource_version) {
      return ConflictError("the object has been modified");
    }
    kube::NodeJoin stored = j;
    stored.metadata.uid = it->second.metadata.uid;
    stored.metadata.resource_version = std::to_string(++rv_);
    it->second = stored;
    return stored;
  }
  Status DeleteJoin(const std::string& name, const std::string& uid) {
    std::lock_guard<std::mutex> l(mu_);
    ++api_calls_;
    auto it = joins_.find(name);
    if (it == joins_.end()) return NotFound("nodejoins.joinguard.io \"" + name + "\" not found");
    if (!uid.empty() && uid != it->second.metadata.uid) {
      return ConflictError("Precondition failed: UID in precondition: " + uid);
    }
    joins_.erase(it);
    return OkStatus();
  }

  class JoinApi final : public NodeJoinApi {
   public:
    explicit JoinApi(FakeCluster& c) : c_(c) {}
    StatusOr<kube::NodeJoin> Get(const std::string& name) override { return c_.GetJoin(name); }
    StatusOr<kube::NodeJoin> Create(const kube::NodeJoin& j) override { return c_.CreateJoin(j); }
    StatusOr<kube::NodeJoin> Update(const kube::NodeJoin& j) override { return c_.UpdateJoin(j); }
    Status Delete(const std::string& name, const std::string& uid) override {
      return c_.DeleteJoin(name, uid);
    }

   private:
    FakeCluster& c_;
  };

 private:
  std::mutex mu_;  // guards everything below
  std::map<std::string, kube::CertificateSigningRequest> csrs_, cached_csrs_;
  std::map<std::string, kube::Node> nodes_, cached_nodes_;
  std::map<std::string, kube::NodeJoin> joins_, cached_joins_;
  std::vector<Write> writes_;
  int64_t rv_ = 100;
  int uid_seq_ = 0;
  int api_calls_ = 0;
};

// An EventRecorder that keeps what it was given.
class RecordingEvents final : public kube::EventRecorder {
 public:
  struct Entry {
    std::string object, type, reason, message;
  };
  void Record(const kube::ObjectReference& o, std::string_view type, std::string_view reason,
              std::string_view message) override {
    std::lock_guard<std::mutex> l(mu_);
    entries_.push_back({o.name, std::string(type), std::string(reason), std::string(message)});
  }
  std::vector<Entry> entries() {
    std::lock_guard<std::mutex> l(mu_);
    return entries_;
  }

 private:
  std::mutex mu_;  // guards entries_
  std::vector<Entry> entries_;
};

// A WriteFence a test flips.
class FlagFence final : public WriteFence {
 public:
  bool MayWrite() const override { return may_write.load(); }
  std::atomic<bool> may_write{true};
};

}  // namespace joinguard::controller::testing
