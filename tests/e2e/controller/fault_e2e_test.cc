// joinguard-controller under faults (issue 9 item 6): the controller is a separate process, the
// sandbox injects the fault, a few hundred mixed CSRs stream in, and the run ends by itself with
// every CSR decided exactly as the policy says: none twice, none flipped, none left pending, one
// approval per node name, and a NodeJoin record for every approval.
#include "tests/e2e/controller/controller_fixture.h"

namespace joinguard::controller::e2e {
namespace {

constexpr int kGood = 100;           // fresh names: approved
constexpr int kExisting = 25;        // names of existing Nodes: NodeExists
constexpr int kBadSubject = 25;      // extra subject attribute: SubjectNotExact
constexpr int kDuplicatePairs = 20;  // two CSRs per name in the same second: one approved
constexpr int kBatch = 20;           // CSRs created per step of the stream
constexpr auto kDecideDeadline = 150s;
// The latency case: every non-watch request answered 2 s late until this many CSRs were decided
// under it (progress while the API server is slow), then the latency is lifted.
constexpr auto kSlowApi = 2000ms;
constexpr int kDecidedWhileSlow = 12;
constexpr auto kSlowWindowDeadline = 90s;

struct FaultCase {
  std::string name;
  // Arms the fault once the controller runs; `step` is called after each streamed batch.
  std::function<void(sandbox::Sandbox&)> arm;
  std::function<void(sandbox::Sandbox&, int batch)> step;
  bool restart_sandbox = false;  // stop the sandbox mid-run and start it again from its state dir
  bool kill_leader = false;      // two replicas; SIGKILL the leader mid-run
};

sandbox::FaultRule Rule(std::string prefix, std::string suffix, std::string method, int status,
                        double fraction, int count, std::chrono::milliseconds latency = 0ms) {
  sandbox::FaultRule r;
  r.path_prefix = std::move(prefix);
  r.path_suffix = std::move(suffix);
  r.method = std::move(method);
  r.watch = sandbox::FaultRule::Watch::kExclude;
  r.status = status;
  r.fraction = fraction;
  r.count = count;
  r.latency = latency;
  return r;
}

// CSRs with a condition, read in-process (no HTTP, so not slowed by the latency rule).
int DecidedCount(sandbox::Sandbox& s) {
  auto list = s.ListObjectsForTest("/apis/certificates.k8s.io/v1/certificatesigningrequests");
  if (!list.ok()) return 0;
  int n = 0;
  for (const json& item : *list) {
    if (item.contains("status") && !item["status"].value("conditions", json::array()).empty()) ++n;
  }
  return n;
}

class FaultE2eTest : public ControllerE2eTest, public ::testing::WithParamInterface<FaultCase> {
 protected:
  FaultE2eTest() {
    if (GetParam().restart_sandbox) sandbox_options_.state_dir = "<tmp>";
  }

  struct Expected {
    std::string name;
    std::string node;
    std::string type;    // Approved | Denied ("" = one of a duplicate pair)
    std::string reason;  // for denials
  };

  void Create(const TestCsr& t, Expected e) {
    Plant(t);
    expected_.push_back(std::move(e));
  }

  // The whole workload, in a fixed interleaving, created batch by batch while the controller runs.
  std::vector<std::function<void()>> Workload() {
    std::vector<std::function<void()>> out;
    for (int i = 0; i < kGood; ++i) {
      out.push_back([this, i] {
        TestCsr t;
        t.name = "good-" + std::to_string(i);
        t.WithNodeName("fresh-" + std::to_string(i));
        Create(t, {t.name, "fresh-" + std::to_string(i), "Approved", "JoinguardApproved"});
      });
      if (i < kExisting) {
        out.push_back([this, i] {
          TestCsr t;
          t.name = "existing-" + std::to_string(i);
          t.WithNodeName("node-" + std::to_string(i));
          Create(t, {t.name, "node-" + std::to_string(i), "Denied", "NodeExists"});
        });
      }
      if (i < kBadSubject) {
        out.push_back([this, i] {
          TestCsr t;
          t.name = "bad-" + std::to_string(i);
          t.subject = {{"O", "system:nodes"}, {"OU", "x"}, {"CN", "system:node:bad-" + std::to_string(i)}};
          Create(t, {t.name, "bad-" + std::to_string(i), "Denied", "SubjectNotExact"});
        });
      }
      if (i < kDuplicatePairs) {
        out.push_back([this, i] {
          for (const char* suffix : {"-b", "-a"}) {
            TestCsr t;
            t.name = "dup-" + std::to_string(i) + suffix;
            t.WithNodeName("dup-" + std::to_string(i));
            Create(t, {t.name, "dup-" + std::to_string(i), "", ""});
          }
        });
      }
    }
    return out;
  }

  static std::string LastReason(const json& csr) {
    auto conds = Conditions(csr);
    return conds.empty() ? "" : conds.back().value("reason", "");
  }

  bool AllDecided(std::string* missing) {
    for (const Expected& e : expected_) {
      auto csr = sandbox_->GetObjectForTest(kCsrPath + e.name);
      if (!csr.ok() || Conditions(*csr).empty()) {
        *missing = e.name;
        return false;
      }
    }
    return true;
  }

  void RestartSandbox() {
    uint16_t port = sandbox_->port();
    sandbox_.reset();  // flushes the state dir
    sandbox::SandboxOptions so = sandbox_options_;
    so.port = port;
    auto sb = sandbox::Sandbox::Start(so);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(*sb);
  }

  std::string Leader() {
    auto lease = sandbox_->GetObjectForTest(
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-controller");
    return lease.ok() ? (*lease)["spec"].value("holderIdentity", "") : "";
  }

  std::vector<Expected> expected_;
};

TEST_P(FaultE2eTest, EveryCsrIsDecidedOnceAsThePolicySays) {
  const FaultCase& fc = GetParam();
  for (int i = 0; i < kExisting; ++i) {
    auto n = sandbox_->CreateObjectForTest(
        "/api/v1/nodes",
        {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-" + std::to_string(i)}}}});
    ASSERT_TRUE(n.ok()) << n.status();
  }
  // One token sends the whole stream: the rate brakes (a grants feature with its
  // own tests) would hold it back, so they are off here.
  WritePolicy("brakes:\n  maxPendingPerRequester: 0\n  maxApprovalsPerToken: 0\n");
  std::vector<std::string> flags = {"--workers", "4"};
  if (fc.kill_leader) {
    for (const char* f : {"--leader-elect", "--leader-election-namespace", "kube-system", "--lease-duration",
                          "2s", "--renew-deadline", "1500ms", "--retry-period", "300ms"}) {
      flags.push_back(f);
    }
    StartController("replica-a", flags);
    StartController("replica-b", flags);
    ASSERT_TRUE(WaitUntil([&] { return !Leader().empty(); }));
  } else {
    StartController("ctl", flags);
  }
  if (fc.arm) fc.arm(*sandbox_);

  std::vector<std::function<void()>> work = Workload();
  const int batches = static_cast<int>((work.size() + kBatch - 1) / kBatch);
  for (int b = 0; b < batches; ++b) {
    for (size_t i = static_cast<size_t>(b) * kBatch;
         i < std::min(work.size(), static_cast<size_t>(b + 1) * kBatch); ++i) {
      work[i]();
    }
    if (fc.step) fc.step(*sandbox_, b);
    if (b == batches / 2) {
      if (fc.restart_sandbox) RestartSandbox();
      if (fc.kill_leader) {
        const std::string leader = Leader();
        ASSERT_FALSE(leader.empty());
        for (auto& c : controllers_) {
          if (c->stdout_path() == dir_ + "/" + leader + ".out") c->Kill();
        }
      }
    }
  }

  std::string missing;
  bool decided = WaitUntil([&] { return AllDecided(&missing); }, kDecideDeadline);
  std::string logs;
  for (auto& c : controllers_) logs += c->Log().substr(c->Log().size() > 4000 ? c->Log().size() - 4000 : 0);
  ASSERT_TRUE(decided) << "still pending: " << missing << "\n" << logs;

  std::map<std::string, int> approvals_per_node;
  for (const Expected& e : expected_) {
    auto csr = sandbox_->GetObjectForTest(kCsrPath + e.name);
    ASSERT_TRUE(csr.ok());
    auto conds = Conditions(*csr);
    ASSERT_EQ(conds.size(), 1u) << e.name << " decided more than once: " << csr->dump();
    const std::string type = conds[0].value("type", "");
    if (type == "Approved") ++approvals_per_node[e.node];
    if (!e.type.empty()) {
      EXPECT_EQ(type, e.type) << e.name << ": " << csr->dump();
      EXPECT_EQ(LastReason(*csr), e.reason) << e.name;
    } else if (type == "Denied") {
      // The loser of a duplicate pair is denied by whichever check sees the winner first: the
      // in-flight check, or the NodeJoin record (the claim, or the join gate's check).
      EXPECT_THAT(LastReason(*csr), ::testing::AnyOf("DuplicateInFlight", "NodeAlreadyJoined")) << e.name;
    }
    if (type == "Approved") {
      auto record = sandbox_->GetObjectForTest("/apis/joinguard.io/v1alpha1/nodejoins/" + e.node);
      ASSERT_TRUE(record.ok()) << "no NodeJoin for approved " << e.name;
      EXPECT_EQ((*record)["spec"].value("csrUID", ""), (*csr)["metadata"].value("uid", "")) << e.name;
    }
  }
  // Exactly one of each duplicate pair: never two (a breach), never none (a lost join). Under
  // approval-write faults the first of a pair may hold the NodeJoin claim while its write is
  // retried; the claim holder wins (controller/reconciler_facts.cc).
  for (int i = 0; i < kDuplicatePairs; ++i) {
    EXPECT_EQ(approvals_per_node["dup-" + std::to_string(i)], 1) << "dup-" << i;
  }
  for (int i = 0; i < kGood; ++i) EXPECT_EQ(approvals_per_node["fresh-" + std::to_string(i)], 1);
}

std::vector<FaultCase> Cases() {
  std::vector<FaultCase> c;
  c.push_back({"WatchCutEvery7Events", [](sandbox::Sandbox& s) { s.CloseWatchesAfterEvents(7); }, {}});
  c.push_back({"Forced410",
               [](sandbox::Sandbox& s) {
                 s.CloseWatchesAfterEvents(40);
                 s.ForceGoneOnNextWatch();
               },
               [](sandbox::Sandbox& s, int batch) {
                 if (batch % 3 == 0) s.ForceGoneOnNextWatch();
               }});
  c.push_back({"ReadErrors5xx",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/apis/certificates.k8s.io", "", "GET", 503, 0.3, 60));
                 s.AddFault(Rule("/api/v1/nodes", "", "GET", 500, 0.3, 60));
                 s.AddFault(Rule("/apis/joinguard.io", "", "GET", 503, 0.3, 30));
               },
               {}});
  c.push_back({"Read429Burst",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/api/v1/nodes", "", "GET", 429, 0.5, 60));
                 s.AddFault(Rule("/apis/certificates.k8s.io", "", "GET", 429, 0.5, 30));
               },
               {}});
  c.push_back({"ApprovalWrite5xx",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/apis/certificates.k8s.io", "/approval", "PUT", 500, 0.4, 80));
               },
               {}});
  c.push_back({"ApprovalWrite429",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/apis/certificates.k8s.io", "/approval", "PUT", 429, 0.4, 80));
               },
               {}});
  c.push_back({"ApprovalWrite409",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/apis/certificates.k8s.io", "/approval", "PUT", 409, 0.4, 80));
               },
               {}});
  c.push_back({"RecordWrite5xx",
               [](sandbox::Sandbox& s) {
                 s.AddFault(Rule("/apis/joinguard.io", "", "POST", 503, 0.3, 40));
                 s.AddFault(Rule("/apis/joinguard.io", "", "PUT", 500, 0.3, 40));
               },
               {}});
  c.push_back({"Latency2s", [](sandbox::Sandbox& s) { s.AddFault(Rule("", "", "", 0, 1.0, -1, kSlowApi)); },
               [](sandbox::Sandbox& s, int batch) {
                 if (batch != 1) return;
                 // Decisions keep coming while every call takes 2 s; then the API is fast again.
                 WaitUntil([&] { return DecidedCount(s) >= kDecidedWhileSlow; }, kSlowWindowDeadline);
                 s.ClearFaults();
               }});
  FaultCase restart{"SandboxRestartedFromItsStateDir", {}, {}};
  restart.restart_sandbox = true;
  c.push_back(restart);
  FaultCase kill{"LeaderOfTwoReplicasKilled", {}, {}};
  kill.kill_leader = true;
  c.push_back(kill);
  return c;
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultE2eTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<FaultCase>& i) { return i.param.name; });

}  // namespace
}  // namespace joinguard::controller::e2e
