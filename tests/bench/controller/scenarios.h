// The controller benchmark's scenarios. Each starts its own rig (fresh sandbox, fresh
// controller process) so one cannot warm or pollute another.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/bench/controller/rig.h"

namespace joinguard::bench {

struct BenchConfig {
  std::string controller_binary;
  std::string node_binary;
  std::vector<std::string> controller_flags;
  std::string dir;  // scratch root
  int scenario_timeout_seconds = 120;
};

// `<c.dir>/<name>`, created (with its parents) if missing: one scenario's scratch directory.
inline std::string ScratchDir(const BenchConfig& c, const std::string& name) {
  std::string d = c.dir + "/" + name;
  std::error_code ec;
  std::filesystem::create_directories(d, ec);  // a failure shows when the rig writes into it
  return d;
}

// Storm: `csrs` pending bootstrap CSRs and `nodes` Nodes exist before the controller starts;
// 1 in 10 CSRs claims an existing Node (denied NodeExists), the rest are approvable.
struct StormResult {
  size_t csrs = 0, nodes = 0, decided = 0, approved = 0, denied = 0;
  double seconds_to_all_decided = 0;  // from controller spawn; valid only if decided == csrs
  double controller_cpu_seconds = 0;  // spawn → last decision
  double cpu_ms_per_decision = 0;
  double vmhwm_mib = 0;
  bool complete = false;
  std::string failure;
};
StatusOr<StormResult> RunStorm(const BenchConfig& c, const CsrPool& pool, size_t csrs, size_t nodes);

// The sandbox's approval-write rate (4 admin writers, no controller): the floor of any storm.
StatusOr<double> MeasureApprovalWritesPerSecond(const BenchConfig& c, const CsrPool& pool, size_t count);

// CPU per API request of the HTTP client the controller uses (kube::Client over cpprestsdk, TLS
// with a client certificate, keep-alive): kClientFloorThreads threads GET one CSR from the
// in-process sandbox.
// Counts the requesting threads and the HTTP client's pool, not the sandbox.
inline constexpr int kClientFloorThreads = 2;  // the controller's default --workers
StatusOr<double> MeasureClientCpuPerRequest(const BenchConfig& c, const CsrPool& pool);

// One ECDSA P-256 signature verification (OpenSSL, in-process), CPU seconds.
double MeasureP256VerifySeconds();

// Steady: CSRs POSTed with the bootstrap token at `rate`/s for `seconds`.
struct SteadyResult {
  size_t csrs = 0;
  double p50_ms = 0, p99_ms = 0;            // POST returned → Approved seen
  double post_p50_ms = 0, post_p99_ms = 0;  // POST round trip (the floor: one API write)
  double idle_vmhwm_mib = 0;                // controller before any load
  std::string failure;
};
StatusOr<SteadyResult> RunSteady(const BenchConfig& c, const CsrPool& pool, size_t first_index, double rate,
                                 int seconds);

// Soak: churn (create CSRs at `rate`/s, delete them and their NodeJoin records once decided)
// for `seconds`; VmRSS sampled every second; growth is the least-squares slope of the samples
// after the first quarter (warm-up).
struct SoakResult {
  int seconds = 0;
  size_t decided = 0;
  double rss_after_warmup_mib = 0, rss_end_mib = 0, vmhwm_mib = 0;
  double growth_mib_per_minute = 0;
  std::string failure;
};
StatusOr<SoakResult> RunSoak(const BenchConfig& c, const CsrPool& pool, size_t first_index, double rate,
                             int seconds);

// joinguard-node join end to end (token discovery, TLS bootstrap approved by the controller,
// signed by the sandbox), `joins` times; phase times from when each "[phase]" line appears.
struct JoinResult {
  size_t joins = 0;
  double p50_ms = 0, p99_ms = 0;
  double exec_floor_ms = 0;  // p50 of `joinguard-node --help` (process start and exit)
  std::vector<std::pair<std::string, double>> phase_p50_ms;  // in order of first appearance
  std::string failure;
};
StatusOr<JoinResult> RunJoins(const BenchConfig& c, int joins);

}  // namespace joinguard::bench
