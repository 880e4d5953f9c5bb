// Steady load (paced CSR creation, latency to Approved) and the churn soak (memory over time).
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tests/bench/controller/decision_watcher.h"
#include "tests/bench/controller/scenarios.h"

namespace joinguard::bench {
namespace {

using namespace std::chrono_literals;

constexpr int kSubmitters = 4;
constexpr auto kWarmupTimeout = 60s;
constexpr auto kSoakSample = 1s;
constexpr double kSoakWarmupFraction = 0.25;  // RSS growth is measured after this share of the run

// The slope of the least-squares line through (x, y): growth over all samples, so one high or
// low sample at either end (an allocation burst, a trim) does not decide it.
double LeastSquaresSlope(const std::vector<std::pair<double, double>>& xy) {
  if (xy.size() < 2) return 0;
  double mx = 0, my = 0;
  for (const auto& [x, y] : xy) mx += x, my += y;
  mx /= static_cast<double>(xy.size());
  my /= static_cast<double>(xy.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : xy) sxy += (x - mx) * (y - my), sxx += (x - mx) * (x - mx);
  return sxx > 0 ? sxy / sxx : 0;
}
constexpr auto kDecideSlack = 30s;  // how long to wait for the last steady CSRs

// Starts a rig with the controller and proves it decides (one CSR end to end).
Status StartWarm(const BenchConfig& c, const CsrPool& pool, size_t index, const std::string& name,
                 std::unique_ptr<Rig>* rig, std::unique_ptr<kube::Client>* observer,
                 std::unique_ptr<DecisionWatcher>* watcher) {
  RigOptions ro;
  ro.controller_binary = c.controller_binary;
  ro.controller_flags = c.controller_flags;
  ro.dir = ScratchDir(c, name);
  JG_ASSIGN_OR_RETURN(*rig, Rig::Start(ro));
  JG_ASSIGN_OR_RETURN(*observer, (*rig)->AdminClient());
  *watcher = std::make_unique<DecisionWatcher>(**observer);
  JG_RETURN_IF_ERROR((*watcher)->Start());
  JG_RETURN_IF_ERROR((*rig)->StartController());
  JG_ASSIGN_OR_RETURN(auto token, (*rig)->TokenClient());
  JG_RETURN_IF_ERROR(
      token->Create((*rig)->NewCsr("warmup-" + CsrPool::NodeName(index), pool.Pem(index))).status());
  if (!(*watcher)->WaitForDecided(1, Clock::now() + kWarmupTimeout)) {
    return DeadlineExceededError("the warm-up CSR was not decided; controller log:\n" +
                                 (*rig)->ControllerLogTail(3000));
  }
  return OkStatus();
}

}  // namespace

StatusOr<SteadyResult> RunSteady(const BenchConfig& c, const CsrPool& pool, size_t first_index, double rate,
                                 int seconds) {
  std::unique_ptr<Rig> rig;
  std::unique_ptr<kube::Client> observer;
  std::unique_ptr<DecisionWatcher> watcher;
  SteadyResult r;
  JG_RETURN_IF_ERROR(StartWarm(c, pool, first_index, "steady", &rig, &observer, &watcher));
  r.idle_vmhwm_mib = Mib(ProcStatusKb(rig->controller_pid(), "VmHWM").value_or(-1));

  const size_t n = static_cast<size_t>(rate * seconds);
  if (first_index + 1 + n > pool.size()) return InvalidArgumentError("steady needs more pre-built CSRs");
  std::vector<Clock::time_point> created(n), posted(n);
  std::vector<char> ok(n, 0);
  std::atomic<size_t> next{0};
  // The paced clock starts once every submitter has its connection: opening it (TLS handshake)
  // is not the controller's latency, and a late first POST would send the first CSRs as a burst.
  Clock::time_point start;
  std::barrier ready(kSubmitters, [&]() noexcept { start = Clock::now(); });
  std::vector<std::thread> ts;
  for (int t = 0; t < kSubmitters; ++t) {
    ts.emplace_back([&] {
      auto client = rig->TokenClient();
      // Any answer will do (a 404 for a CSR that is never created): it proves the connection.
      if (client.ok()) (void)(*client)->Get<kube::CertificateSigningRequest>("", "steady-warm-connection");
      ready.arrive_and_wait();
      if (!client.ok()) return;
      for (size_t i = next++; i < n; i = next++) {
        // Open loop: CSR i is due at start + i / rate, whatever happened to earlier ones.
        std::this_thread::sleep_until(start +
                                      std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(static_cast<double>(i) / rate)));
        const size_t idx = first_index + 1 + i;
        posted[i] = Clock::now();
        ok[i] = (*client)->Create(rig->NewCsr("steady-" + CsrPool::NodeName(idx), pool.Pem(idx))).ok();
        created[i] = Clock::now();
      }
    });
  }
  for (auto& t : ts) t.join();
  watcher->WaitForDecided(n + 1, Clock::now() + kDecideSlack);
  std::vector<double> latency, post;
  size_t missing = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!ok[i]) {
      ++missing;
      continue;
    }
    auto t = watcher->Get("steady-" + CsrPool::NodeName(first_index + 1 + i));
    post.push_back(Seconds(created[i] - posted[i]) * 1e3);
    if (!t || !t->is_decided || !t->approved) {
      ++missing;
      continue;
    }
    // The approval can reach the watch before the POST response reaches its submitter.
    latency.push_back(std::max(0.0, Seconds(t->decided - created[i]) * 1e3));
  }
  r.csrs = n;
  r.p50_ms = Percentile(latency, 50);
  r.p99_ms = Percentile(latency, 99);
  r.post_p50_ms = Percentile(post, 50);
  r.post_p99_ms = Percentile(post, 99);
  if (missing > 0)
    r.failure =
        std::to_string(missing) + " of " + std::to_string(n) + " steady CSRs not created or not approved";
  return r;
}

StatusOr<SoakResult> RunSoak(const BenchConfig& c, const CsrPool& pool, size_t first_index, double rate,
                             int seconds) {
  std::unique_ptr<Rig> rig;
  std::unique_ptr<kube::Client> observer;
  std::unique_ptr<DecisionWatcher> watcher;
  JG_RETURN_IF_ERROR(StartWarm(c, pool, first_index, "soak", &rig, &observer, &watcher));
  SoakResult r;
  r.seconds = seconds;
  JG_ASSIGN_OR_RETURN(auto token, rig->TokenClient());
  JG_ASSIGN_OR_RETURN(auto admin, rig->AdminClient());
  const kube::Resource node_joins{"joinguard.io", "v1alpha1", "nodejoins", "NodeJoin", false};
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  const auto warm = start + std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(seconds) *
                                                                        kSoakWarmupFraction);
  size_t created = 0;
  std::vector<std::string> outstanding;  // CSR names not yet decided and deleted
  auto next_sample = start;
  bool warm_sampled = false;
  std::vector<std::pair<double, double>> warm_samples;  // (minutes since start, VmRSS MiB)
  while (Clock::now() < end) {
    // Create what is due by now (pool indices wrap: names then repeat, which still churns).
    const size_t due = static_cast<size_t>(Seconds(Clock::now() - start) * rate);
    for (; created < due; ++created) {
      const size_t span = pool.size() - first_index - 1;
      const size_t idx = first_index + 1 + (created % span);
      const std::string name = "soak-" + std::to_string(created) + "-" + CsrPool::NodeName(idx);
      if (token->Create(rig->NewCsr(name, pool.Pem(idx))).ok()) outstanding.push_back(name);
    }
    // Delete decided CSRs (as the CSR cleaner would) and release their names.
    std::vector<std::string> keep;
    for (const auto& name : outstanding) {
      auto t = watcher->Get(name);
      if (!t || !t->is_decided) {
        keep.push_back(name);
        continue;
      }
      ++r.decided;
      (void)admin->Delete<kube::CertificateSigningRequest>("", name);
      const std::string node = name.substr(name.find("bench-node-"));
      (void)admin->DeleteRaw(node_joins, "", node);
      watcher->Forget(name);
    }
    outstanding.swap(keep);
    if (Clock::now() >= next_sample) {
      const double rss = Mib(ProcStatusKb(rig->controller_pid(), "VmRSS").value_or(-1));
      if (!warm_sampled && Clock::now() >= warm) {
        r.rss_after_warmup_mib = rss;
        warm_sampled = true;
      }
      r.rss_end_mib = rss;
      if (warm_sampled) warm_samples.emplace_back(Seconds(Clock::now() - start) / 60.0, rss);
      next_sample += kSoakSample;
    }
    std::this_thread::sleep_for(10ms);  // pacing of the churn loop, not synchronisation
  }
  r.vmhwm_mib = Mib(ProcStatusKb(rig->controller_pid(), "VmHWM").value_or(-1));
  r.growth_mib_per_minute = LeastSquaresSlope(warm_samples);
  if (r.decided == 0) r.failure = "no CSR was decided during the soak";
  return r;
}

}  // namespace joinguard::bench
