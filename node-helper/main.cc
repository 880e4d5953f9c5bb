// joinguard-node: wires the real dependencies and is the only place that picks exit codes.
//   0  success (also: already joined, nothing to do)
//   1  the join failed (discovery, API errors, denied or timed-out CSR, file writes)
//   2  a preflight check failed
//   3  invalid command line or configuration
//   128+signal  interrupted by SIGINT/SIGTERM (rolled back except the pending key)
// With --kubeadm-exit-codes every failure exits 1 (kubeadm's cmd/kubeadm/app/util/errors
// contract) and a failure is named by kubeadm's phase (discovery → preflight, tls-bootstrap →
// kubelet-start).
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/crypto/token.h"
#include "common/files/atomic_file.h"
#include "common/kube/client.h"
#include "common/kube/http_transport.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "node-helper/cli/cli.h"
#include "node-helper/config/join_configuration.h"
#include "node-helper/config/join_flags.h"
#include "node-helper/discovery/https/https.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/hints.h"
#include "node-helper/phases/kubelet_health.h"
#include "node-helper/phases/runner.h"
#include "node-helper/phases/shared_transports.h"

namespace {

using namespace joinguard;        // NOLINT
using namespace joinguard::node;  // NOLINT

constexpr int kExitFailure = 1;
constexpr int kExitPreflight = 2;
constexpr int kExitInvalid = 3;
constexpr auto kHealthProbeTimeout = std::chrono::seconds(2);  // per health GET

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread (below).
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

StatusOr<int> RunShell(const std::string& command) {
  std::fflush(nullptr);
  // The command (and what it starts) must not inherit our blocked termination signals.
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  int st = std::system(command.c_str());
  if (st == -1) return InternalError("cannot run /bin/sh");
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

// A join with token or file discovery never uses OpenSSL's default CA file, which cpprestsdk
// loads into every new connection (kube::SkipSystemCaFileLoad): the cluster-info fetch skips
// verification (its content is checked by JWS and CA pin) and every later connection trusts
// only the CA bundle from discovery. An https:// discovery file is verified against the system
// roots, so then the file stays. Must run before any thread exists (setenv).
void SkipUnusedSystemCaFileLoad(const config::JoinConfiguration& cfg) {
  if (cfg.discovery.file && cfg.discovery.file->kubeconfig_path.rfind("https://", 0) == 0) return;
  kube::SkipSystemCaFileLoad();
}

constexpr int kHttpClientThreads = 2;

// The exit code for a failure of `reason`.
int ExitCodeFor(JoinReason reason, bool kubeadm_contract) {
  if (kubeadm_contract) return kExitFailure;
  if (reason == JoinReason::kPreflight) return kExitPreflight;
  if (reason == JoinReason::kInvalidInvocation) return kExitInvalid;
  return kExitFailure;
}

int RunJoinCommand(const cli::Command& cmd) {
  Printer printer;
  const bool kubeadm_contract = cmd.options.kubeadm_exit_codes;
  if (!cmd.flags.rootfs.empty()) {
    // kubeadm's --rootfs (cmd/kubeadm/app/cmd/options/generic.go, util/chroot_unix.go).
    if (chroot(cmd.flags.rootfs.c_str()) != 0 || chdir("/") != 0) {
      std::fprintf(stderr, "unable to chroot to %s: %s\n", cmd.flags.rootfs.c_str(), std::strerror(errno));
      return ExitCodeFor(JoinReason::kInvalidInvocation, kubeadm_contract);
    }
  }
  auto settings = config::ResolveJoin(cmd.flags, "");
  if (!settings.ok()) {
    std::fprintf(stderr, "%s\n", settings.status().message().c_str());
    return ExitCodeFor(settings.status().code() == StatusCode::kInvalidArgument
                           ? JoinReason::kInvalidInvocation
                           : JoinReason::kUnknown,
                       kubeadm_contract);
  }
  for (const auto& w : settings->warnings) printer.Warning("config", w);
  if (Status s = phases::ValidateSkipPhases(settings->skip_phases); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return ExitCodeFor(JoinReason::kInvalidInvocation, kubeadm_contract);
  }

  std::string extra_ca;
  if (!settings->https_discovery_ca_file.empty()) {
    auto pem = files::ReadFile(settings->https_discovery_ca_file);
    if (!pem.ok()) {
      std::fprintf(stderr, "cannot read --https-discovery-ca-file: %s\n", pem.status().message().c_str());
      return ExitCodeFor(JoinReason::kInvalidInvocation, kubeadm_contract);
    }
    extra_ca = *pem;
  }
  SkipUnusedSystemCaFileLoad(settings->cfg);
  // After the setenv above: this starts the pool's threads. A join makes one request at a
  // time, so cpprestsdk's default pool of 40 I/O threads would only add start-ups and
  // wake-ups. Nothing has used the pool yet, so this cannot fail.
  kube::SetHttpClientThreads(kHttpClientThreads).IgnoreError();
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  phases::JoinEnv env;
  env.clock = &clock;
  env.out = &printer;
  env.wait = [](runtime::Duration d) { std::this_thread::sleep_for(d); };
  env.run_command = &RunShell;
  env.probe = phases::NewHealthProbe(kHealthProbeTimeout);
  env.https_get = discovery::https::NewHttpsGetter(extra_ca, std::chrono::seconds(30));
  // Every client of this join with the same server and trust shares one connection pool.
  phases::SharedTransports transports(&kube::NewCpprestTransport);
  env.new_client = [&clock, &logger,
                    &transports](const kube::RestConfig& rest) -> StatusOr<std::unique_ptr<kube::Client>> {
    kube::ClientDeps deps;
    deps.clock = &clock;
    deps.logger = &logger;
    JG_ASSIGN_OR_RETURN(deps.transport, transports.For(kube::TransportConfigFor(rest)));
    return kube::NewClient(rest, std::move(deps));
  };
  phases::JoinOptions options;
  options.skip_kubelet_health_check = cmd.options.skip_kubelet_health_check;
  phases::JoinContext ctx(*std::move(settings), std::move(env), std::move(options));
  // Interrupted (Ctrl-C, SIGTERM): roll back what this run wrote, except the pending key, which
  // the next run reuses (same key → same node-csr- name → the CSR an admin may have approved).
  std::thread([&ctx] {
    sigset_t set = TerminationSignals();
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    for (const auto& path : ctx.created().RemoveAllExcept(ctx.paths().pending_key)) {
      std::fprintf(stderr, "[reset] Removed \"%s\" created by this interrupted run\n", path.c_str());
    }
    std::fprintf(stderr, "interrupted by signal %d; run the join again to continue\n", sig);
    std::fflush(nullptr);
    _exit(128 + sig);
  }).detach();
  auto failure = phases::RunJoin(ctx, cmd.kind == cli::CommandKind::kJoinPhase ? cmd.phase : "");
  if (!failure) return 0;
  const std::string phase =
      kubeadm_contract ? std::string(phases::KubeadmPhaseName(failure->phase)) : failure->phase;
  std::fprintf(stderr, "error execution phase %s: %s\n", phase.c_str(), failure->status.message().c_str());
  std::string hint = phases::HintFor(*failure);
  if (!hint.empty()) std::fprintf(stderr, "%s\n", hint.c_str());
  return ExitCodeFor(JoinReasonOf(failure->status), kubeadm_contract);
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread (cpprest's too) inherits the mask.
  sigset_t termination = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &termination, nullptr);
  std::vector<std::string> args(argv, argv + argc);
  cli::ParseResult parsed = cli::Parse(args);
  if (!parsed.command) {
    std::cout << parsed.out;
    std::cerr << parsed.err;
    // A usage error happens before the flags are known; look for the contract flag by hand.
    const bool kubeadm_contract = std::any_of(args.begin(), args.end(), [](const std::string& a) {
      return a == cli::kKubeadmExitCodesFlag || a == std::string(cli::kKubeadmExitCodesFlag) + "=true";
    });
    return parsed.usage_error ? ExitCodeFor(JoinReason::kInvalidInvocation, kubeadm_contract) : 0;
  }
  const cli::Command& cmd = *parsed.command;
  switch (cmd.kind) {
    case cli::CommandKind::kVersion:
      std::cout << "joinguard-node version " << JOINGUARD_VERSION << "\n";
      return 0;
    case cli::CommandKind::kPrintJoinDefaults: {
      auto name = config::ResolveNodeName("");
      std::cout << config::ToYaml(config::JoinDefaults(name.ok() ? *name : "node"));
      return 0;
    }
    case cli::CommandKind::kJoin:
    case cli::CommandKind::kJoinPhase:
      return RunJoinCommand(cmd);
  }
  return kExitFailure;
}
