// Storm (pending CSRs and Nodes created before the controller starts), the sandbox's
// approval-write floor, the API client's CPU per request and the in-process ECDSA P-256 verify
// floor.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include <pthread.h>

#include "tests/bench/controller/decision_watcher.h"
#include "tests/bench/controller/scenarios.h"

namespace joinguard::bench {
namespace {

using namespace std::chrono_literals;

constexpr int kSetupThreads = 2;
constexpr int kFloorWriters = 4;
constexpr size_t kClientFloorRequestsPerThread = 1000;
constexpr const char* kClientFloorThreadName = "bench-client";
constexpr size_t kNodeClaimEvery = 10;  // 1 in 10 storm CSRs names an existing Node
constexpr double kVerifyMeasureSeconds = 1.0;
constexpr size_t kVerifyMessageBytes = 300;  // about a kubelet CSR's TBS part

// Runs fn(i) for i in [0, n) on `threads` threads; the first error wins.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        Status s = fn(i);
        if (!s.ok()) {
          std::lock_guard<std::mutex> l(mu);
          if (first.ok()) first = s;
          return;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  return first;
}

}  // namespace

StatusOr<StormResult> RunStorm(const BenchConfig& c, const CsrPool& pool, size_t csrs, size_t nodes) {
  if (csrs > pool.size()) return InvalidArgumentError("storm needs more pre-built CSRs than the pool has");
  RigOptions ro;
  ro.controller_binary = c.controller_binary;
  ro.controller_flags = c.controller_flags;
  ro.dir = ScratchDir(c, "storm-" + std::to_string(csrs));
  JG_ASSIGN_OR_RETURN(auto rig, Rig::Start(ro));

  // Nodes: every 10th CSR's node exists; the rest of the Nodes are unrelated.
  const size_t claimed = std::min(nodes, (csrs + kNodeClaimEvery - 1) / kNodeClaimEvery);
  JG_RETURN_IF_ERROR(ParallelFor(nodes, kSetupThreads, [&](size_t i) {
    if (i < claimed) return rig->PlantNode(CsrPool::NodeName(i * kNodeClaimEvery));
    return rig->PlantNode("bench-other-node-" + std::to_string(i));
  }));
  JG_RETURN_IF_ERROR(ParallelFor(csrs, kSetupThreads, [&](size_t i) {
    return rig->PlantCsr("csr-" + CsrPool::NodeName(i), pool.Pem(i));
  }));

  JG_ASSIGN_OR_RETURN(auto observer, rig->AdminClient());
  DecisionWatcher watcher(*observer);
  JG_RETURN_IF_ERROR(watcher.Start());

  JG_RETURN_IF_ERROR(rig->StartController());
  const Clock::time_point spawn = rig->controller_started();
  const bool complete =
      watcher.WaitForDecided(csrs, spawn + std::chrono::seconds(c.scenario_timeout_seconds));
  StormResult r;
  r.csrs = csrs;
  r.nodes = nodes;
  r.controller_cpu_seconds = ProcCpuSeconds(rig->controller_pid()).value_or(0);
  r.vmhwm_mib = Mib(ProcStatusKb(rig->controller_pid(), "VmHWM").value_or(-1));
  r.complete = complete;
  Clock::time_point last = spawn;
  for (const auto& [name, t] : watcher.Snapshot()) {
    if (!t.is_decided) continue;
    ++r.decided;
    (t.approved ? r.approved : r.denied) += 1;
    last = std::max(last, t.decided);
  }
  r.seconds_to_all_decided = Seconds(last - spawn);
  r.cpu_ms_per_decision = r.decided > 0 ? r.controller_cpu_seconds * 1e3 / static_cast<double>(r.decided) : 0;
  if (!complete) {
    r.failure = "only " + std::to_string(r.decided) + " of " + std::to_string(csrs) + " decided within " +
                std::to_string(c.scenario_timeout_seconds) + " s; controller log tail:\n" +
                rig->ControllerLogTail(2000);
  }
  return r;
}

StatusOr<double> MeasureApprovalWritesPerSecond(const BenchConfig& c, const CsrPool& pool, size_t count) {
  RigOptions ro;
  ro.controller_binary = c.controller_binary;
  ro.dir = ScratchDir(c, "approval-floor");
  JG_ASSIGN_OR_RETURN(auto rig, Rig::Start(ro));  // no controller: the bench is the approver
  count = std::min(count, pool.size());
  JG_RETURN_IF_ERROR(ParallelFor(count, kSetupThreads, [&](size_t i) {
    return rig->PlantCsr("floor-" + CsrPool::NodeName(i), pool.Pem(i));
  }));
  std::vector<kube::CertificateSigningRequest> csrs(count);
  JG_RETURN_IF_ERROR(ParallelFor(count, kSetupThreads, [&](size_t i) -> Status {
    JG_ASSIGN_OR_RETURN(
        csrs[i], rig->admin().Get<kube::CertificateSigningRequest>("", "floor-" + CsrPool::NodeName(i)));
    kube::CertificateSigningRequestCondition cond;
    cond.type = "Approved";
    cond.status = "True";
    cond.reason = "BenchFloor";
    cond.message = "approved by the benchmark's floor measurement";
    csrs[i].status.conditions.push_back(cond);
    return OkStatus();
  }));
  std::vector<std::unique_ptr<kube::Client>> writers;
  for (int i = 0; i < kFloorWriters; ++i) {
    JG_ASSIGN_OR_RETURN(auto w, rig->AdminClient());
    writers.push_back(std::move(w));
  }
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < kFloorWriters; ++t) {
    ts.emplace_back([&, t] {
      for (size_t i = next++; i < count; i = next++) {
        if (!writers[t]->UpdateApproval(csrs[i]).ok()) ++failed;
      }
    });
  }
  for (auto& t : ts) t.join();
  const double secs = Seconds(Clock::now() - start);
  if (failed.load() > 0)
    return InternalError(std::to_string(failed.load()) + " floor approval writes failed");
  return static_cast<double>(count) / secs;
}

StatusOr<double> MeasureClientCpuPerRequest(const BenchConfig& c, const CsrPool& pool) {
  RigOptions ro;
  ro.controller_binary = c.controller_binary;
  ro.dir = ScratchDir(c, "client-floor");
  JG_ASSIGN_OR_RETURN(auto rig, Rig::Start(ro));  // no controller: the bench is the client
  const std::string name = "client-floor-" + CsrPool::NodeName(0);
  JG_RETURN_IF_ERROR(rig->PlantCsr(name, pool.Pem(0)));
  std::vector<std::unique_ptr<kube::Client>> clients;
  for (int i = 0; i < kClientFloorThreads; ++i) {
    JG_ASSIGN_OR_RETURN(auto client, rig->AdminClient());
    // Warm: the connection (and its TLS handshake) is made before the measured window.
    JG_RETURN_IF_ERROR(client->Get<kube::CertificateSigningRequest>("", name).status());
    clients.push_back(std::move(client));
  }
  // The client's CPU is the requesting threads' own plus the HTTP client's pool threads', which
  // carry the process's name; the in-process sandbox's threads are all named otherwise.
  const double pool_before = NamedThreadsCpuSeconds(ProcessThreadName());
  std::atomic<int> failed{0};
  std::vector<double> own(kClientFloorThreads, 0);
  std::vector<std::thread> ts;
  for (int t = 0; t < kClientFloorThreads; ++t) {
    ts.emplace_back([&, t] {
      pthread_setname_np(pthread_self(), kClientFloorThreadName);
      const double start = ThreadCpuSeconds();
      for (size_t i = 0; i < kClientFloorRequestsPerThread; ++i) {
        if (!clients[t]->Get<kube::CertificateSigningRequest>("", name).ok()) ++failed;
      }
      own[t] = ThreadCpuSeconds() - start;
    });
  }
  for (auto& t : ts) t.join();
  const double pool_cpu = NamedThreadsCpuSeconds(ProcessThreadName()) - pool_before;
  if (failed.load() > 0) return InternalError(std::to_string(failed.load()) + " client-floor GETs failed");
  double total = pool_cpu;
  for (double o : own) total += o;
  return total / static_cast<double>(kClientFloorThreads * kClientFloorRequestsPerThread);
}

double MeasureP256VerifySeconds() {
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_keygen_init(kctx);
  EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1);
  EVP_PKEY_keygen(kctx, &key);
  EVP_PKEY_CTX_free(kctx);
  const std::string msg(kVerifyMessageBytes, 'x');
  std::vector<unsigned char> sig(128);
  size_t sig_len = sig.size();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md, sig.data(), &sig_len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  EVP_MD_CTX_free(md);
  size_t n = 0;
  int ok = 0;
  const double start = ThreadCpuSeconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 100; ++i, ++n) {
      EVP_MD_CTX* v = EVP_MD_CTX_new();
      EVP_DigestVerifyInit(v, nullptr, EVP_sha256(), nullptr, key);
      ok += EVP_DigestVerify(v, sig.data(), sig_len, reinterpret_cast<const unsigned char*>(msg.data()),
                             msg.size()) == 1;
      EVP_MD_CTX_free(v);
    }
    elapsed = ThreadCpuSeconds() - start;
  } while (elapsed < kVerifyMeasureSeconds);
  EVP_PKEY_free(key);
  if (static_cast<size_t>(ok) != n) std::fprintf(stderr, "warning: %zu of %zu verifies failed\n", n - ok, n);
  return elapsed / static_cast<double>(n);
}

}  // namespace joinguard::bench
