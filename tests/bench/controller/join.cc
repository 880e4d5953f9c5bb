// joinguard-node join end to end against the sandbox with the controller deciding, timed from
// outside: the node helper prints kubeadm-style "[phase] message" lines (flushed per line), so
// a phase's time is from its first line to the next phase's first line (the last phase runs
// to process exit).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include "common/crypto/cert.h"
#include "common/crypto/pin.h"
#include "tests/bench/controller/scenarios.h"

extern char** environ;

namespace joinguard::bench {
namespace {

using namespace std::chrono_literals;

constexpr auto kSignatureTimeout = 30s;

struct TimedRun {
  int exit_code = -1;
  Clock::time_point start{}, end{};
  std::vector<std::pair<Clock::time_point, std::string>> lines;  // stdout and stderr merged
};

// Runs argv to completion, timestamping each output line as it arrives.
StatusOr<TimedRun> RunTimed(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return UnavailableError("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  TimedRun r;
  r.start = Clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return UnavailableError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  std::string partial;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    const auto now = Clock::now();
    partial.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      r.lines.emplace_back(now, partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.end = Clock::now();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// "[preflight] Running ..." → "preflight"; "" when the line is not a phase line.
std::string PhaseOf(const std::string& line) {
  if (line.size() < 3 || line[0] != '[') return "";
  const auto close = line.find(']');
  if (close == std::string::npos || close < 2) return "";
  std::string p = line.substr(1, close - 1);
  if (p.find(' ') != std::string::npos) return "";  // "[WARNING x]" and similar
  return p;
}

}  // namespace

StatusOr<JoinResult> RunJoins(const BenchConfig& c, int joins) {
  RigOptions ro;
  ro.controller_binary = c.controller_binary;
  ro.controller_flags = c.controller_flags;
  ro.run_sandbox_controllers = true;  // the signer issues the certificate, the bootstrap signer the JWS
  ro.dir = c.dir + "/join";
  (void)std::system(("mkdir -p '" + ro.dir + "'").c_str());
  JG_ASSIGN_OR_RETURN(auto rig, Rig::Start(ro));
  JG_RETURN_IF_ERROR(rig->sandbox()
                         .WaitForObjectForTest(
                             "/api/v1/namespaces/kube-public/configmaps/cluster-info",
                             [](const nlohmann::json& cm) {
                               return cm.contains("data") &&
                                      cm["data"].contains(std::string("jws-kubeconfig-") + kTokenId);
                             },
                             kSignatureTimeout)
                         .status());
  JG_ASSIGN_OR_RETURN(crypto::Certificate ca, crypto::Certificate::FromPem(rig->sandbox().ca_pem()));
  const std::string pin = crypto::SpkiPin(ca);
  JG_RETURN_IF_ERROR(rig->StartController());

  JoinResult r;
  std::vector<double> totals, floors;
  std::map<std::string, std::vector<double>> phase_ms;
  std::vector<std::string> phase_order;
  for (int j = 0; j < joins; ++j) {
    auto help = RunTimed({c.node_binary, "--help"});
    if (help.ok()) floors.push_back(Seconds(help->end - help->start) * 1e3);

    const std::string root = ro.dir + "/root-" + std::to_string(j);
    (void)std::system(("mkdir -p '" + root + "'").c_str());
    const std::string node = "bench-join-" + std::to_string(j);
    JG_ASSIGN_OR_RETURN(
        TimedRun run, RunTimed({c.node_binary, "join", "127.0.0.1:" + std::to_string(rig->sandbox().port()),
                                "--token", rig->BootstrapToken(), "--discovery-token-ca-cert-hash", pin,
                                "--node-name", node, "--root-dir", root, "--kubelet-restart-command", "true",
                                "--skip-kubelet-health-check", "--discovery-retry-interval", "200ms"}));
    if (run.exit_code != 0) {
      std::string out;
      for (const auto& [t, l] : run.lines) out += l + "\n";
      r.failure = "join " + std::to_string(j) + " exited " + std::to_string(run.exit_code) + ":\n" + out;
      break;
    }
    totals.push_back(Seconds(run.end - run.start) * 1e3);
    // First line of each phase, in order.
    std::vector<std::pair<std::string, Clock::time_point>> starts;
    for (const auto& [t, line] : run.lines) {
      const std::string p = PhaseOf(line);
      if (p.empty() || (!starts.empty() && starts.back().first == p)) continue;
      bool seen = false;
      for (const auto& s : starts) seen = seen || s.first == p;
      if (!seen) starts.emplace_back(p, t);
    }
    // Before the first phase line: process start, flag and config parsing.
    if (!starts.empty()) {
      phase_ms["(start to first phase line)"].push_back(Seconds(starts.front().second - run.start) * 1e3);
      if (j == 0) phase_order.push_back("(start to first phase line)");
    }
    for (size_t i = 0; i < starts.size(); ++i) {
      const auto until = i + 1 < starts.size() ? starts[i + 1].second : run.end;
      phase_ms[starts[i].first].push_back(Seconds(until - starts[i].second) * 1e3);
      if (j == 0) phase_order.push_back(starts[i].first);
    }
  }
  r.joins = totals.size();
  r.p50_ms = Percentile(totals, 50);
  r.p99_ms = Percentile(totals, 99);
  r.exec_floor_ms = Percentile(floors, 50);
  for (const auto& p : phase_order) r.phase_p50_ms.emplace_back(p, Percentile(phase_ms[p], 50));
  return r;
}

}  // namespace joinguard::bench
