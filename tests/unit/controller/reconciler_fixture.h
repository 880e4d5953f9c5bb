// The fixture shared by the reconciler tests: a FakeCluster (live state + lagging cache), real
// CSRs from csr_builder.h, and helpers that read outcomes (conditions on the live CSR, NodeJoin
// records, Events, audit lines, metrics).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "controller/reconciler.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/controller/csr_builder.h"
#include "tests/unit/controller/fake_cluster.h"

namespace joinguard::controller::testing {

inline kube::CertificateSigningRequest MakeCsr(const TestCsr& t) {
  kube::CertificateSigningRequest c;
  c.metadata.name = t.name;
  c.metadata.creation_timestamp = t.created;
  c.spec.request = BuildPem(t);
  c.spec.signer_name = t.signer;
  c.spec.usages = t.usages;
  c.spec.username = t.username;
  c.spec.groups = t.groups;
  if (t.expiration_seconds) c.spec.expiration_seconds = static_cast<int32_t>(*t.expiration_seconds);
  return c;
}

class ReconcilerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    audit_file_ = std::tmpfile();
    auto a = AuditLog::Create(audit_file_);
    ASSERT_TRUE(a.ok());
    audit_ = std::move(*a);
  }
  void TearDown() override {
    audit_->Stop();
    std::fclose(audit_file_);
  }

  ReconcilerDeps Deps(const PolicyProvider* provider) {
    ReconcilerDeps d;
    d.csrs = &csrs_;
    d.nodes = &nodes_;
    d.node_joins = &joins_;
    d.api = &cluster_;
    d.node_join_api = &join_api_;
    d.fence = &fence_;
    d.policy = provider;
    d.events = &events_;
    d.metrics = &metrics_;
    d.audit = audit_.get();
    d.clock = &clock_;
    d.logger = &logger_;
    d.gate = gate_;
    d.serving_checks = serving_checks_;
    return d;
  }
  std::unique_ptr<CsrReconciler> Make(policy::Policy p = policy::DefaultPolicy(), ReconcilerOptions o = {}) {
    providers_.push_back(std::make_unique<StaticPolicyProvider>(std::move(p)));
    auto r = CsrReconciler::Create(Deps(providers_.back().get()), o);
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(*r);
  }
  // Creates the CSR live and lets the cache see it; returns its uid.
  std::string Put(const TestCsr& t) {
    std::string uid = cluster_.PutCsr(MakeCsr(t));
    cluster_.SyncCache();
    return uid;
  }
  // The last condition on the live CSR ("" when pending).
  std::string Reason(const std::string& name) {
    auto c = cluster_.LiveCsr(name);
    if (!c || c->status.conditions.empty()) return "";
    return c->status.conditions.back().reason;
  }
  std::string Type(const std::string& name) {
    auto c = cluster_.LiveCsr(name);
    if (!c || c->status.conditions.empty()) return "";
    return c->status.conditions.back().type;
  }
  int Approvals() {
    int n = 0;
    for (const auto& w : cluster_.writes()) n += w.type == "Approved" ? 1 : 0;
    return n;
  }
  std::string AuditText() {
    audit_->Flush(std::chrono::seconds(10));
    std::fflush(audit_file_);
    std::rewind(audit_file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, audit_file_)) > 0) out.append(buf, n);
    return out;
  }

  FakeCluster cluster_;
  FakeCluster::Csrs csrs_{cluster_};
  FakeCluster::Nodes nodes_{cluster_};
  FakeCluster::Joins joins_{cluster_};
  FakeCluster::JoinApi join_api_{cluster_};
  FlagFence fence_;
  RecordingEvents events_;
  ControllerMetrics metrics_;
  std::FILE* audit_file_ = nullptr;
  std::unique_ptr<AuditLog> audit_;
  runtime::FakeClock clock_{policy::SystemTime(std::chrono::seconds(1'700'000'030))};
  runtime::Logger logger_{runtime::LogLevel::kError};
  std::vector<std::unique_ptr<StaticPolicyProvider>> providers_;
  JoinGate* gate_ = nullptr;
  const std::vector<policy::Check>* serving_checks_ = nullptr;
};

}  // namespace joinguard::controller::testing
