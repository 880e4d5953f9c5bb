// joinguard-controller end to end: decisions, Events, audit, metrics, dry-run, replicas and
// policy reloads against the sandbox (fixture in controller_fixture.h).
#include "tests/e2e/controller/controller_fixture.h"

namespace joinguard::controller::e2e {
namespace {

TEST_F(ControllerE2eTest, ApprovesAValidBootstrapCsrWhichTheSandboxSigns) {
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "node-csr-good";
  Submit(*client, t);
  json csr = WaitDecided(t.name);
  auto conds = Conditions(csr);
  ASSERT_EQ(conds.size(), 1u) << csr.dump();
  EXPECT_EQ(conds[0]["type"], "Approved");
  EXPECT_EQ(conds[0]["reason"], "JoinguardApproved");
  EXPECT_THAT(conds[0]["message"].get<std::string>(), ::testing::HasSubstr("\"e2e\""));
  EXPECT_EQ(csr["spec"]["username"], "system:bootstrap:abcdef");
  auto signed_csr = sandbox_->WaitForObjectForTest(
      std::string(kCsrPath) + t.name,
      [](const json& o) { return !o.value("status", json::object()).value("certificate", "").empty(); },
      kTimeout);
  EXPECT_TRUE(signed_csr.ok()) << signed_csr.status();

  // Audit line and Event.
  EXPECT_TRUE(WaitUntil([&] { return ctl.Audit().find("\"csr\":\"node-csr-good\"") != std::string::npos; }));
  std::string audit = ctl.Audit();
  EXPECT_THAT(audit, ::testing::HasSubstr("\"tokenId\":\"abcdef\""));
  EXPECT_THAT(audit, ::testing::Not(::testing::HasSubstr("0123456789abcdef")));
  // Events are written off the decision path (asynchronously): wait for it, bounded.
  const bool found = WaitUntil([&] {
    auto events = sandbox_->ListObjectsForTest("/api/v1/namespaces/default/events");
    if (!events.ok()) return false;
    for (const auto& e : *events) {
      if (e["involvedObject"].value("name", "") == t.name && e.value("reason", "") == "JoinguardApproved" &&
          e.value("type", "") == "Normal") {
        return true;
      }
    }
    return false;
  });
  EXPECT_TRUE(found) << "no JoinguardApproved Event for " << t.name;
  EXPECT_EQ(ctl.Stop(), 0) << "graceful shutdown on SIGTERM";
}

TEST_F(ControllerE2eTest, DeniesEachAttackWithItsOwnReason) {
  StartController("ctl");
  ASSERT_TRUE(sandbox_
                  ->CreateObjectForTest("/api/v1/nodes", json{{"apiVersion", "v1"},
                                                              {"kind", "Node"},
                                                              {"metadata", {{"name", "control-plane-1"}}}})
                  .ok());
  auto boot = ClientWith(kToken);

  struct Attack {
    std::string name;
    std::function<void(TestCsr&)> mutate;
    std::string reason;
    // Requesters our RBAC would not even let create a CSR are planted directly (as an
    // identity with a wider binding would create them).
    bool planted = false;
  };
  std::vector<Attack> attacks = {
      {"existing-node", [](TestCsr& t) { t.WithNodeName("control-plane-1"); }, "NodeExists"},
      {"system-masters",
       [](TestCsr& t) {
         t.subject = {{"O", "system:masters"}, {"CN", "system:node:w-2"}};
       },
       "SubjectNotExact"},
      {"san",
       [](TestCsr& t) {
         t.WithNodeName("w-3");
         t.dns_names = {"kubernetes.default.svc"};
       },
       "SanPresent"},
      {"rsa-1024",
       [](TestCsr& t) {
         t.WithNodeName("w-4");
         t.key = TestKey::kRsa1024;
       },
       "KeyTooWeak"},
      {"extra-ou",
       [](TestCsr& t) {
         t.subject = {{"O", "system:nodes"}, {"OU", "ops"}, {"CN", "system:node:w-5"}};
       },
       "SubjectNotExact"},
      {"wrong-usages",
       [](TestCsr& t) {
         t.WithNodeName("w-6");
         t.usages = {"digital signature", "client auth", "server auth"};
       },
       "UsagesNotAllowed"},
      {"other-group",
       [](TestCsr& t) {
         t.WithNodeName("w-7");
         t.username = "system:bootstrap:ghijkl";
         t.groups = {"system:authenticated", "system:bootstrappers", "system:bootstrappers:ci-runners"};
       },
       "RequesterNotAllowed", true},
      {"renewal-other-cn",
       [](TestCsr& t) {
         t.AsRenewal("worker-9");
         t.WithNodeName("control-plane-1");
       },
       "RenewalIdentityMismatch", true},
  };
  for (auto& a : attacks) {
    TestCsr t;
    t.name = "attack-" + a.name;
    a.mutate(t);
    if (a.planted) {
      Plant(t);
    } else {
      Submit(*boot, t);
    }
  }
  for (auto& a : attacks) {
    json csr = WaitDecided("attack-" + a.name);
    auto conds = Conditions(csr);
    ASSERT_EQ(conds.size(), 1u) << a.name << ": " << csr.dump();
    EXPECT_EQ(conds[0]["type"], "Denied") << a.name;
    EXPECT_EQ(conds[0]["reason"], a.reason) << a.name << ": " << conds[0]["message"];
    EXPECT_FALSE(conds[0].value("message", "").empty()) << a.name;
  }
}

TEST_F(ControllerE2eTest, DryRunWritesNothing) {
  ControllerProcess& ctl = StartController("ctl", {"--dry-run"});
  auto client = ClientWith(kToken);
  TestCsr good;
  good.name = "dry-good";
  TestCsr bad;
  bad.name = "dry-bad";
  bad.WithNodeName("w-2");
  bad.dns_names = {"evil.example.com"};
  Submit(*client, good);
  Submit(*client, bad);
  ASSERT_TRUE(WaitUntil([&] {
    std::string a = ctl.Audit();
    return a.find("\"csr\":\"dry-good\"") != std::string::npos &&
           a.find("\"csr\":\"dry-bad\"") != std::string::npos;
  })) << ctl.Log();
  EXPECT_THAT(ctl.Audit(), ::testing::HasSubstr("\"dryRun\":true"));
  EXPECT_TRUE(WaitUntil([&] {
    std::string m = ctl.Metrics();
    return m.find("decision=\"deny\",mode=\"dry-run\",reason=\"SanPresent\"") != std::string::npos &&
           m.find("decision=\"approve\",mode=\"dry-run\"") != std::string::npos;
  })) << ctl.Metrics();
  for (const char* name : {"dry-good", "dry-bad"}) {
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + name);
    ASSERT_TRUE(csr.ok());
    EXPECT_TRUE(Conditions(*csr).empty()) << name << ": " << csr->dump();
  }
  // Events are written asynchronously, after the metric: wait for both, bounded.
  int dry_events = 0;
  WaitUntil([&] {
    auto events = sandbox_->ListObjectsForTest("/api/v1/namespaces/default/events");
    if (!events.ok()) return false;
    dry_events = 0;
    for (const auto& e : *events) {
      std::string reason = e.value("reason", "");
      if (reason == "DryRunWouldApprove" || reason == "DryRunWouldDeny") ++dry_events;
    }
    return dry_events >= 2;
  });
  EXPECT_EQ(dry_events, 2);
}

TEST_F(ControllerE2eTest, TwoReplicasDecideEachCsrExactlyOnce) {
  std::vector<std::string> le = {"--leader-elect",
                                 "--leader-election-namespace",
                                 "kube-system",
                                 "--lease-duration",
                                 "2s",
                                 "--renew-deadline",
                                 "1500ms",
                                 "--retry-period",
                                 "300ms"};
  ControllerProcess& a = StartController("replica-a", le);
  ControllerProcess& b = StartController("replica-b", le);
  auto client = ClientWith(kToken);
  auto submit_batch = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      TestCsr t;
      t.name = "ha-" + std::to_string(i);
      t.WithNodeName("ha-node-" + std::to_string(i));
      Submit(*client, t);
    }
  };
  submit_batch(0, 4);
  for (int i = 0; i < 4; ++i) WaitDecided("ha-" + std::to_string(i));

  // Fail over: stop whichever replica leads; the other takes the released lease.
  auto lease = sandbox_->GetObjectForTest(
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-controller");
  ASSERT_TRUE(lease.ok()) << lease.status();
  std::string leader = (*lease)["spec"].value("holderIdentity", "");
  ASSERT_TRUE(leader == "replica-a" || leader == "replica-b") << lease->dump();
  ControllerProcess& leading = leader == "replica-a" ? a : b;
  ControllerProcess& standby = leader == "replica-a" ? b : a;
  EXPECT_EQ(leading.Stop(), 0);
  auto released = sandbox_->GetObjectForTest(
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-controller");
  ASSERT_TRUE(released.ok());
  EXPECT_NE((*released)["spec"].value("holderIdentity", ""), leader) << "lease released on SIGTERM";

  submit_batch(4, 8);
  for (int i = 4; i < 8; ++i) WaitDecided("ha-" + std::to_string(i));

  // Exactly one decision per CSR: one condition each, one audit line each across replicas.
  // (The audit line is written just after the condition, so wait for it first.)
  ASSERT_TRUE(WaitUntil([&] {
    std::string all = a.Audit() + b.Audit();
    for (int i = 0; i < 8; ++i) {
      if (all.find("\"csr\":\"ha-" + std::to_string(i) + "\"") == std::string::npos) return false;
    }
    return true;
  })) << a.Audit()
      << b.Audit();
  std::string audit = a.Audit() + b.Audit();
  for (int i = 0; i < 8; ++i) {
    std::string name = "ha-" + std::to_string(i);
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + name);
    ASSERT_TRUE(csr.ok());
    auto conds = Conditions(*csr);
    int approvals = 0;
    for (const auto& c : conds) approvals += c["type"] == "Approved";
    EXPECT_EQ(approvals, 1) << name << ": " << csr->dump();
    size_t count = 0;
    for (size_t pos = audit.find("\"csr\":\"" + name + "\""); pos != std::string::npos;
         pos = audit.find("\"csr\":\"" + name + "\"", pos + 1)) {
      ++count;
    }
    EXPECT_EQ(count, 1u) << name << " audited " << count << " times";
  }
  EXPECT_THAT(standby.Metrics(), ::testing::HasSubstr("\njoinguard_leader 1\n"));
}

TEST_F(ControllerE2eTest, LeaderThatCannotRenewItsLeaseExits) {
  ControllerProcess& ctl = StartController(
      "lonely", {"--leader-elect", "--leader-election-namespace", "kube-system", "--lease-duration", "2s",
                 "--renew-deadline", "1500ms", "--retry-period", "300ms"});
  ASSERT_TRUE(WaitUntil([&] { return ctl.Metrics().find("\njoinguard_leader 1\n") != std::string::npos; }));
  // The API server stops answering Lease requests: the renew deadline passes and the
  // controller must stop writing and exit non-zero so that it restarts cleanly.
  sandbox::FaultRule fault;
  fault.path_prefix = "/apis/coordination.k8s.io";
  fault.status = 500;
  sandbox_->AddFault(fault);
  ASSERT_TRUE(WaitUntil([&] { return ctl.Log().find("leader election lost") != std::string::npos; }))
      << ctl.Log();
  EXPECT_EQ(ctl.Stop(), 1) << ctl.Log();
}

TEST_F(ControllerE2eTest, PolicyEditTakesEffectWithoutRestartAndBrokenEditIsRejected) {
  WritePolicy("onPass: leave-pending\n");
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "reload-1";
  Submit(*client, t);
  ASSERT_TRUE(WaitUntil([&] {
    return ctl.Audit().find("\"reason\":\"ManualApprovalRequired\"") != std::string::npos;
  })) << ctl.Log();
  {
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + "reload-1");
    ASSERT_TRUE(csr.ok());
    EXPECT_TRUE(Conditions(*csr).empty()) << "left pending for a human";
  }

  WritePolicy("onPass: approve\n");
  json csr = WaitDecided("reload-1");
  ASSERT_EQ(Conditions(csr).size(), 1u);
  EXPECT_EQ(Conditions(csr)[0]["type"], "Approved");
  EXPECT_THAT(Conditions(csr)[0]["message"].get<std::string>(), ::testing::HasSubstr("generation 2"));

  WritePolicy("onPass: approve\nmaxExpirationSeconds: 5\n");  // invalid
  ASSERT_TRUE(WaitUntil([&] {
    return ctl.Metrics().find("joinguard_policy_reloads_total{result=\"error\"} 1") != std::string::npos;
  })) << ctl.Metrics();
  EXPECT_THAT(ctl.Log(), ::testing::HasSubstr("maxExpirationSeconds"));
  EXPECT_THAT(ctl.Metrics(), ::testing::HasSubstr("joinguard_policy_generation 2"));
  TestCsr t2;
  t2.name = "reload-2";
  t2.WithNodeName("worker-2");
  Submit(*client, t2);
  json csr2 = WaitDecided("reload-2");
  EXPECT_EQ(Conditions(csr2)[0]["type"], "Approved") << "the last good policy still applies";
}

TEST_F(ControllerE2eTest, CsrLeftPendingCanStillBeApprovedByAnAdminWithKubectl) {
  WritePolicy("onPass: leave-pending\n");
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "manual-1";
  Submit(*client, t);
  ASSERT_TRUE(WaitUntil([&] { return ctl.Audit().find("\"csr\":\"manual-1\"") != std::string::npos; }))
      << ctl.Log();
  // The real kubectl (the seed page's manual flow), with a fresh HOME and cache.
  std::string cmd = "HOME=" + dir_ + " kubectl --kubeconfig " + dir_ + "/admin.conf --cache-dir " + dir_ +
                    "/kcache certificate approve manual-1 > " + dir_ + "/kubectl.out 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadFile(dir_ + "/kubectl.out");
  json csr = WaitDecided("manual-1");
  auto conds = Conditions(csr);
  ASSERT_EQ(conds.size(), 1u) << csr.dump();
  EXPECT_EQ(conds[0]["type"], "Approved");
  EXPECT_EQ(conds[0]["reason"], "KubectlApprove");
  auto signed_csr = sandbox_->WaitForObjectForTest(
      std::string(kCsrPath) + "manual-1",
      [](const json& o) { return !o.value("status", json::object()).value("certificate", "").empty(); },
      kTimeout);
  EXPECT_TRUE(signed_csr.ok()) << signed_csr.status();
  // The controller sees the human's decision and leaves it alone.
  EXPECT_THAT(ctl.Audit(), ::testing::Not(::testing::HasSubstr("\"decision\":\"approve\"")));
}

TEST_F(ControllerE2eTest, MetricsPassPromtoolAndWarnAboutTheAutoapproveBinding) {
  // Re-create kubeadm's binding: the controller must warn (log, metric, readiness detail).
  json crb = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
              {"kind", "ClusterRoleBinding"},
              {"metadata", {{"name", "kubeadm:node-autoapprove-bootstrap"}}},
              {"roleRef",
               {{"apiGroup", "rbac.authorization.k8s.io"},
                {"kind", "ClusterRole"},
                {"name", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"}}},
              {"subjects", json::array({{{"apiGroup", "rbac.authorization.k8s.io"},
                                         {"kind", "Group"},
                                         {"name", "system:bootstrappers:kubeadm:default-node-token"}}})}};
  ASSERT_TRUE(
      sandbox_->CreateObjectForTest("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb).ok());
  ControllerProcess& ctl = StartController("ctl");
  EXPECT_THAT(ctl.Readyz(), ::testing::HasSubstr("kubeadm:node-autoapprove-bootstrap"));
  EXPECT_THAT(ctl.Log(), ::testing::HasSubstr("kubeadm:node-autoapprove-bootstrap"));

  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "metrics-1";
  t.dns_names = {"x.example.com"};
  Submit(*client, t);
  WaitDecided("metrics-1");
  std::string metrics;
  ASSERT_TRUE(WaitUntil([&] {
    metrics = ctl.Metrics();
    return metrics.find("joinguard_csr_decisions_total{") != std::string::npos;
  }));
  EXPECT_THAT(metrics, ::testing::HasSubstr("joinguard_autoapprove_binding_present 1"));
  std::string path = dir_ + "/metrics.txt";
  std::ofstream(path) << metrics;
  std::string cmd =
      std::string(JOINGUARD_PROMTOOL) + " check metrics < " + path + " > " + dir_ + "/promtool.out 2>&1";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << ReadFile(dir_ + "/promtool.out") << "\n" << metrics;
}

}  // namespace
}  // namespace joinguard::controller::e2e
