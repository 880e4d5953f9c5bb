// joinguard-controller: decides kubelet client CSRs under a strict policy. main() parses flags,
// wires and owns everything, and is the only place that picks exit codes:
//   0 clean shutdown (SIGTERM/SIGINT), 1 runtime failure (lost lease, ...), 2 bad flags/config.
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stop_token>
#include <thread>

#include "common/kube/client.h"
#include "common/kube/http_transport.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/duration.h"
#include "common/runtime/logger.h"
#include "controller/grants/grant_gate.h"
#include "controller/manager.h"

// Shutdown must finish inside the pod's grace period (terminationGracePeriodSeconds, 30 s in
// deploy/base/deployment.yaml and by default, then the kubelet sends SIGKILL): past
// --shutdown-timeout the process exits on its own. The Events still queued get at most a fifth
// of it (capped at 5 s) before they are given up.
constexpr char kDefaultShutdownTimeout[] = "25s";
constexpr int kEventFlushShareDivisor = 5;
constexpr std::chrono::milliseconds kMaxEventFlush{5000};
// cpprestsdk's default pool is 40 threads; on 2 cores each request then wakes idle threads in
// turn. 4 took controller CPU per storm decision from 4.31 to 2.83 ms; 1 then took it from
// 2.18-2.23 to 1.74-1.84 ms (interleaved storms; docs/performance.md): completions posted by the
// pool's own thread run on it without waking another. No handler blocks (the workers and
// informers wait on their own threads), so one thread carries every request and watch.
constexpr int kDefaultHttpClientThreads = 1;
// glibc gives each thread that allocates under contention its own malloc arena, up to 8 per
// core (mallopt(3) M_ARENA_MAX); the HTTP client's thread pool (cpprestsdk/asio) and the workers
// then keep a partly used arena each. Two arenas took the storm's VmHWM from 87.5 to 73.5 MiB;
// with two, some storms still grew to 67-72 MiB (RSS rising through the decisions); with one,
// every storm peaked at 60.1-60.3 MiB (9 of 9), CPU within the runs' noise
// (docs/controller-core.md#memory). MALLOC_ARENA_MAX in the environment still wins (glibc reads
// it before main).
constexpr int kMallocArenaMax = 1;

namespace {

using joinguard::StatusOr;

// "https://10.0.0.1:6443" → "10.0.0.1", "https://[fd00::1]:6443" → "fd00::1".
std::string ServerHost(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

std::string DefaultIdentity() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof host, "joinguard");
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host) + "_" + suffix;
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kMallocArenaMax);
  CLI::App app{"joinguard-controller: approves or denies kubelet client CSRs under a strict policy"};
  std::string kubeconfig, policy_file, metrics_address = ":8080", health_address = ":8081";
  std::string policy_poll = "2s", shutdown_timeout = kDefaultShutdownTimeout;
  bool leader_elect = false, dry_run = false, allow_insecure_policy = false;
  std::string lease_ns, lease_name = "joinguard-controller", identity;
  std::string lease_duration = "15s", renew_deadline = "10s", retry_period = "2s";
  int workers = 2;
  std::string log_level = "info", log_format = "text";
  // No client-side rate limit by default (controller-runtime's default; API Priority and
  // Fairness protects the server: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/util/flowcontrol).
  double qps = 0;
  int burst = 0;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file; empty = in-cluster service account");
  app.add_option("--policy-file", policy_file,
                 "CsrPolicy YAML file (reloaded on change); empty = built-in defaults");
  app.add_option("--policy-poll-interval", policy_poll, "how often the policy file is checked for changes")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "after SIGTERM/SIGINT, exit (code 1) if the orderly shutdown has not finished within this "
                 "Go duration; keep it below the pod's terminationGracePeriodSeconds")
      ->capture_default_str();
  app.add_option("--metrics-address", metrics_address, "host:port for /metrics (port 0 = any)")
      ->capture_default_str();
  app.add_option("--health-address", health_address, "host:port for /healthz and /readyz (port 0 = any)")
      ->capture_default_str();
  app.add_flag("--leader-elect", leader_elect, "run Lease leader election; only the leader writes decisions");
  app.add_option("--leader-election-namespace", lease_ns,
                 "namespace of the Lease; empty = the service account's / kubeconfig context's namespace");
  app.add_option("--leader-election-name", lease_name, "name of the Lease")->capture_default_str();
  app.add_option("--leader-election-id", identity, "this replica's identity; empty = hostname_<random>");
  app.add_option("--lease-duration", lease_duration, "leader lease duration")->capture_default_str();
  app.add_option("--renew-deadline", renew_deadline, "leader renew deadline")->capture_default_str();
  app.add_option("--retry-period", retry_period, "leader election retry period")->capture_default_str();
  app.add_option("--workers", workers, "concurrent reconcile workers")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag(
      "--dry-run", dry_run,
      "evaluate and report (log, Event, metric) but never write a decision; overrides the policy's mode");
  app.add_option("--log-level", log_level, "debug, info, warning, error")->capture_default_str();
  app.add_option("--log-format", log_format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag(
      "--allow-insecure-policy", allow_insecure_policy,
      "start (and accept reloads) even when the policy would approve insecurely, e.g. an allowed group "
      "such as system:authenticated or a nodeNamePattern matching any name with denyExistingNode off");
  app.add_option("--qps", qps, "API client queries per second; 0 = no client-side limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--burst", burst, "API client burst (with --qps > 0)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  bool join_grants = true;
  app.add_option("--join-grants", join_grants,
                 "check bootstrap CSRs against JoinGrants, count token uses and apply the rate brakes "
                 "(the policy's joinGrants and brakes sections); false = global rules only")
      ->capture_default_str();
  int http_threads = kDefaultHttpClientThreads;
  app.add_option("--http-threads", http_threads,
                 "threads of the API client's I/O pool (shared by every request and watch)")
      ->capture_default_str()
      ->check(CLI::Range(1, joinguard::kube::kMaxHttpClientThreads));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  joinguard::runtime::LogLevel level;
  if (!joinguard::runtime::Logger::ParseLevel(log_level, &level)) {
    std::fprintf(stderr, "--log-level \"%s\" must be debug, info, warning or error\n", log_level.c_str());
    return 2;
  }
  joinguard::runtime::Logger logger(level, log_format == "json" ? joinguard::runtime::Logger::Format::kJson
                                                                : joinguard::runtime::Logger::Format::kText);

  joinguard::controller::ManagerOptions o;
  o.metrics_address = metrics_address;
  o.health_address = health_address;
  o.policy_file = policy_file;
  o.dry_run = dry_run;
  o.allow_insecure_policy = allow_insecure_policy;
  o.workers = workers;
  o.leader_elect = leader_elect;
  o.lease_name = lease_name;
  o.identity = identity.empty() ? DefaultIdentity() : identity;
  std::chrono::milliseconds shutdown_deadline{0};
  struct {
    const char* flag;
    const std::string* text;
    std::chrono::milliseconds* out;
  } durations[] = {{"--lease-duration", &lease_duration, &o.lease_duration},
                   {"--renew-deadline", &renew_deadline, &o.renew_deadline},
                   {"--retry-period", &retry_period, &o.retry_period},
                   {"--policy-poll-interval", &policy_poll, &o.policy_poll_interval},
                   {"--shutdown-timeout", &shutdown_timeout, &shutdown_deadline}};
  for (auto& d : durations) {
    auto parsed = joinguard::runtime::ParseGoDuration(*d.text);
    if (!parsed.ok() || parsed->count() <= 0) {
      logger.Error("invalid duration",
                   {{"flag", d.flag},
                    {"value", *d.text},
                    {"error", parsed.ok() ? "must be positive" : parsed.status().message()},
                    {"expected", "e.g. 500ms, 15s, 2m"}});
      return 2;
    }
    *d.out = *parsed;
  }
  o.event_flush_deadline = std::min(kMaxEventFlush, shutdown_deadline / kEventFlushShareDivisor);

  // Block the shutdown signals in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  StatusOr<joinguard::kube::RestConfig> rest =
      kubeconfig.empty() ? joinguard::kube::InClusterRestConfig()
                         : joinguard::kube::RestConfigFromKubeconfigFile(kubeconfig);
  if (!rest.ok()) {
    logger.Error("cannot build the API client configuration; pass --kubeconfig or run in a cluster",
                 {{"error", rest.status().ToString()}});
    return 2;
  }
  rest->qps = qps;
  rest->burst = burst;
  // Every connection of the controller goes to this API server. With its CA given (the service
  // account's ca.crt, or the kubeconfig's), the system CA file is never consulted but would be
  // loaded into each new connection: ~50 ms that showed as the steady benchmark's p99.
  if (!rest->ca_pem.empty() || rest->insecure_skip_tls_verify) joinguard::kube::SkipSystemCaFileLoad();
  // Only now (the setenv above must come before any thread): this starts the pool's threads.
  if (joinguard::Status s = joinguard::kube::SetHttpClientThreads(http_threads); !s.ok()) {
    std::fprintf(stderr, "--http-threads: %s\n", s.ToString().c_str());
    return 2;
  }
  rest->user_agent = joinguard::kube::UserAgentFor("controller");
  o.lease_namespace =
      lease_ns.empty() ? (rest->namespace_.empty() ? "joinguard-system" : rest->namespace_) : lease_ns;
  o.api_server_addresses = {ServerHost(rest->server)};

  joinguard::runtime::RealClock clock;
  joinguard::kube::ClientDeps deps;
  deps.clock = &clock;
  deps.logger = &logger;
  auto client = joinguard::kube::NewClient(*rest, std::move(deps));
  if (!client.ok()) {
    logger.Error("cannot create the API client", {{"error", client.status().ToString()}});
    return 2;
  }
  if (join_grants) {
    o.join_gate_factory = [&clock, &logger](const joinguard::controller::JoinGateParts& parts)
        -> joinguard::StatusOr<std::unique_ptr<joinguard::controller::JoinGate>> {
      joinguard::controller::grants::GrantGateDeps gd;
      gd.client = parts.client;
      gd.policy = parts.policy;
      gd.metrics = parts.metrics;
      gd.may_write = parts.may_write;
      gd.clock = &clock;
      gd.logger = &logger;
      JG_ASSIGN_OR_RETURN(auto gate, joinguard::controller::grants::GrantGate::Create(std::move(gd)));
      return std::unique_ptr<joinguard::controller::JoinGate>(std::move(gate));
    };
  }
  auto manager = joinguard::controller::Manager::Create(**client, o, clock, logger);
  if (!manager.ok()) {
    logger.Error("cannot start joinguard-controller", {{"error", manager.status().ToString()}});
    return manager.status().code() == joinguard::StatusCode::kInvalidArgument ||
                   manager.status().code() == joinguard::StatusCode::kNotFound
               ? 2
               : 1;
  }
  logger.Info("joinguard-controller starting", {{"version", JOINGUARD_VERSION},
                                                {"server", rest->server},
                                                {"identity", o.identity},
                                                {"leader_elect", leader_elect ? "true" : "false"},
                                                {"dry_run", dry_run ? "true" : "false"}});

  std::stop_source stop;
  joinguard::Status result;
  std::thread runner([&] { result = (*manager)->Run(stop.get_token()); });
  // Wait for a signal, or for the manager to end on its own (lost lease): a helper thread
  // turns the runner's end into a SIGTERM to ourselves so one sigwait covers both.
  std::thread watcher([&] {
    runner.join();
    if (!stop.stop_requested()) kill(getpid(), SIGTERM);
  });
  int sig = 0;
  sigwait(&signals, &sig);
  if (!stop.stop_requested()) {
    logger.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    stop.request_stop();
    std::thread([&logger, shutdown_deadline, shutdown_timeout] {
      std::this_thread::sleep_for(shutdown_deadline);  // a deadline, not synchronisation
      logger.Error("shutdown did not finish in time; exiting", {{"shutdown_timeout", shutdown_timeout}});
      std::_Exit(1);
    }).detach();
  }
  watcher.join();
  manager->reset();
  if (!result.ok()) {
    logger.Error("joinguard-controller stopped with an error", {{"error", result.ToString()}});
    return 1;
  }
  logger.Info("joinguard-controller stopped");
  return 0;
}
