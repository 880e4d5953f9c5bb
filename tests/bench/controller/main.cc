// joinguard-bench-controller: the controller's macro benchmark.
//
// Starts the sandbox API server in-process (kubeadm RBAC, NO auto-approve binding), starts the
// built joinguard-controller as a separate process with an admin kubeconfig, then N simulated
// kubelets POST bootstrap CSRs (distinct node names, each its own P-256 key) through the real
// API as a bootstrap-token identity. A watch (admin identity) timestamps the first Approved /
// Denied condition of each CSR. Reports decisions/second, the latency from "CSR created" (the
// POST returned) to "Approved seen", and the controller's peak RSS (VmHWM), and exits non-zero
// when a target is missed:
//   0  every target met          1  a target missed
//   2  the run itself failed (setup error, CSRs not decided in time, unexpected denials)
// Targets (README "Benchmarks"): >= 50 decisions/s, p99 <= 2 s, controller VmHWM <= 64 MiB.
#include <CLI/CLI.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/kube/client.h"
#include "common/kube/objects.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "common/status/status.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/subprocess.h"

namespace joinguard::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kTokenId[] = "abcdef";
constexpr char kTokenSecret[] = "0123456789abcdef";

struct Options {
  int csrs = 500;
  int submitters = 4;
  double rate = 0;  // CSRs per second; 0 = as fast as the submitters go
  int timeout_seconds = 300;
  std::string controller = JOINGUARD_CONTROLLER_BINARY;
  std::vector<std::string> controller_flags;
  double min_decisions_per_second = 50;
  double max_p99_seconds = 2.0;
  double max_rss_mib = 64;
  bool report_only = false;
  bool keep_dir = false;
};

// Per-CSR timestamps.
struct Sample {
  std::string name;
  std::string pem;
  Clock::time_point submit_start{}, created{}, decided{};
  bool create_ok = false;
  bool decided_set = false;
  bool approved = false;
};

Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return UnavailableError("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  return OkStatus();
}

// "VmHWM:	   12345 kB" → bytes; nullopt when the process is gone.
std::optional<int64_t> ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream ss(line.substr(field.size() + 1));
      int64_t kb = 0;
      ss >> kb;
      return kb;
    }
  }
  return std::nullopt;
}

// utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15); nullopt when gone.
std::optional<double> ProcCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // comm may contain spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream ss(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && ss >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Plain-HTTP GET on 127.0.0.1 (the controller's /metrics and /readyz).
StatusOr<std::string> HttpGet(int port, const std::string& path, int* status) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(10s);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<unsigned short>(port)));
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    *status = res.result_int();
    return res.body();
  } catch (const std::exception& e) {
    return UnavailableError("GET 127.0.0.1:" + std::to_string(port) + path + ": " + e.what());
  }
}

// Sum of every sample of `metric` (all label sets) in a Prometheus text exposition.
double SumMetric(const std::string& exposition, const std::string& metric) {
  double sum = 0;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric, 0) != 0) continue;
    char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    auto sp = line.rfind(' ');
    try {
      sum += std::stod(line.substr(sp + 1));
    } catch (...) {
    }
  }
  return sum;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Records when each CSR first shows an Approved or Denied condition, from a watch.
class DecisionWatcher {
 public:
  DecisionWatcher(kube::Client& client, std::map<std::string, Sample*> by_name)
      : client_(client), by_name_(std::move(by_name)) {}
  ~DecisionWatcher() { Stop(); }

  Status Start() {
    auto list = client_.ListRaw(kube::resources::kCertificateSigningRequests, "", {});
    if (!list.ok()) return list.status().Annotate("listing CSRs before the watch");
    resource_version_ = (*list)["metadata"].value("resourceVersion", "");
    thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
    return OkStatus();
  }

  void Stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }

  // Waits until `count` of the tracked CSRs are decided or the deadline passes.
  bool WaitForDecided(size_t count, Clock::time_point deadline) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_until(l, deadline, [&] { return decided_ >= count; });
  }
  size_t decided() const {
    std::lock_guard<std::mutex> l(mu_);
    return decided_;
  }
  int watch_restarts() const { return restarts_; }
  std::string last_error() const {
    std::lock_guard<std::mutex> l(mu_);
    return last_error_;
  }

 private:
  void Run(std::stop_token stop) {
    while (!stop.stop_requested()) {
      kube::ListOptions o;
      o.resource_version = resource_version_;
      o.allow_watch_bookmarks = true;
      o.timeout_seconds = 600;
      Status s = client_.WatchRaw(
          kube::resources::kCertificateSigningRequests, "", o,
          [&](const kube::WatchEvent& e) -> Status {
            OnEvent(e);
            return OkStatus();
          },
          stop);
      if (stop.stop_requested()) return;
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu_);
        last_error_ = s.ToString();
      }
      ++restarts_;
      if (kube::IsGone(s)) {
        // Relist: anything decided meanwhile is stamped late (reported as a restart).
        auto list = client_.ListRaw(kube::resources::kCertificateSigningRequests, "", {});
        if (list.ok()) {
          for (const auto& item : (*list)["items"]) OnObject(item);
          resource_version_ = (*list)["metadata"].value("resourceVersion", "");
        }
      }
      std::this_thread::sleep_for(100ms);  // re-watch backoff, not synchronisation
    }
  }

  void OnEvent(const kube::WatchEvent& e) {
    const auto& meta = e.object.value("metadata", kube::Json::object());
    std::string rv = meta.value("resourceVersion", "");
    if (!rv.empty()) resource_version_ = rv;
    if (e.type == kube::WatchEventType::kAdded || e.type == kube::WatchEventType::kModified) OnObject(e.object);
  }

  void OnObject(const kube::Json& obj) {
    const auto now = Clock::now();
    std::string name = obj.value("metadata", kube::Json::object()).value("name", "");
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return;
    bool approved = false, denied = false;
    const auto status = obj.value("status", kube::Json::object());
    for (const auto& c : status.value("conditions", kube::Json::array())) {
      if (c.value("status", "") != "True") continue;
      if (c.value("type", "") == "Approved") approved = true;
      if (c.value("type", "") == "Denied") denied = true;
    }
    if (!approved && !denied) return;
    std::lock_guard<std::mutex> l(mu_);
    Sample& s = *it->second;
    if (s.decided_set) return;
    s.decided_set = true;
    s.decided = now;
    s.approved = approved && !denied;
    ++decided_;
    cv_.notify_all();
  }

  kube::Client& client_;
  const std::map<std::string, Sample*> by_name_;
  std::string resource_version_;  // watch thread only (and Start before it runs)
  std::atomic<int> restarts_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t decided_ = 0;
  std::string last_error_;
  std::jthread thread_;
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}
  ~Bench() {
    watcher_.reset();
    if (controller_) {
      controller_->Signal(SIGTERM);
      (void)controller_->Wait(30s);
      controller_.reset();
    }
    sandbox_.reset();
    if (!dir_.empty()) {
      if (o_.keep_dir) std::fprintf(stderr, "bench files kept in %s\n", dir_.c_str());
      else testing::RemoveTree(dir_);
    }
  }

  // Returns the process exit code.
  int Run() {
    Status s = Setup();
    if (!s.ok()) {
      std::fprintf(stderr, "bench setup failed: %s\n", s.ToString().c_str());
      return 2;
    }
    return Measure();
  }

 private:
  StatusOr<std::unique_ptr<kube::Client>> NewClient(kube::RestConfig rc) {
    rc.qps = 1e6;  // the bench client must not be the bottleneck
    rc.burst = 1000000;
    rc.max_retries = 0;
    kube::ClientDeps deps;
    deps.clock = &clock_;
    deps.logger = &logger_;
    return kube::NewClient(rc, std::move(deps));
  }

  kube::RestConfig TokenConfig() const {
    kube::RestConfig rc;
    rc.server = sandbox_->url();
    rc.ca_pem = sandbox_->ca_pem();
    rc.bearer_token = std::string(kTokenId) + "." + kTokenSecret;
    rc.user_agent = "joinguard-bench-controller";
    return rc;
  }

  Status Setup() {
    dir_ = testing::MakeTempDir("joinguard-bench-");
    if (dir_.empty()) return UnavailableError("cannot create a temp dir under $TMPDIR or /tmp");

    sandbox::SandboxOptions so;
    so.autoapprove_binding = false;  // joinguard must be the only approver
    JG_ASSIGN_OR_RETURN(sandbox_, sandbox::Sandbox::Start(so));
    sandbox::TokenSpec token;
    token.id = kTokenId;
    token.secret = kTokenSecret;
    JG_RETURN_IF_ERROR(sandbox_->CreateBootstrapToken(token));
    const std::string kubeconfig = dir_ + "/admin.conf";
    JG_RETURN_IF_ERROR(WriteFile(kubeconfig, sandbox_->admin_kubeconfig_yaml()));

    // The requests are built before the clock starts: kubelet-side crypto is not under test.
    samples_.resize(static_cast<size_t>(o_.csrs) + 1);
    for (size_t i = 0; i < samples_.size(); ++i) {
      Sample& s = samples_[i];
      char node[64];
      if (i == 0) std::snprintf(node, sizeof node, "bench-warmup");
      else std::snprintf(node, sizeof node, "bench-node-%05zu", i);
      s.name = std::string("node-csr-") + node;
      JG_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
      JG_ASSIGN_OR_RETURN(s.pem, crypto::BuildCsrPem(key, crypto::CsrTemplate::ForKubeletClient(node)));
    }

    // The controller, as deployed: its own process, admin kubeconfig, OS-assigned ports.
    std::vector<std::string> argv = {o_.controller, "--kubeconfig", kubeconfig, "--metrics-address",
                                     "127.0.0.1:0", "--health-address", "127.0.0.1:0"};
    argv.insert(argv.end(), o_.controller_flags.begin(), o_.controller_flags.end());
    JG_ASSIGN_OR_RETURN(controller_, testing::Subprocess::Start(argv, dir_ + "/controller"));
    JG_ASSIGN_OR_RETURN(std::string metrics_line, controller_->WaitForOutput("serving metrics", 60s));
    JG_ASSIGN_OR_RETURN(std::string health_line, controller_->WaitForOutput("serving health probes", 60s));
    std::smatch m;
    std::regex port_re("address=[^ ]*:([0-9]+)");
    if (!std::regex_search(metrics_line, m, port_re)) return InternalError("no port in: " + metrics_line);
    metrics_port_ = std::stoi(m[1]);
    if (!std::regex_search(health_line, m, port_re)) return InternalError("no port in: " + health_line);
    health_port_ = std::stoi(m[1]);
    JG_RETURN_IF_ERROR(controller_->WaitForOutput("workers started", 60s).status());

    // The observer watches as admin.
    JG_ASSIGN_OR_RETURN(kube::RestConfig admin, kube::RestConfigFromKubeconfigFile(kubeconfig));
    JG_ASSIGN_OR_RETURN(observer_, NewClient(admin));
    std::map<std::string, Sample*> by_name;
    for (Sample& s : samples_) by_name[s.name] = &s;
    watcher_ = std::make_unique<DecisionWatcher>(*observer_, std::move(by_name));
    JG_RETURN_IF_ERROR(watcher_->Start());

    // Warm-up: one CSR end to end proves the controller decides and that the watch is live.
    JG_ASSIGN_OR_RETURN(auto client, NewClient(TokenConfig()));
    JG_RETURN_IF_ERROR(Submit(*client, samples_[0]));
    if (!watcher_->WaitForDecided(1, Clock::now() + 60s)) {
      return DeadlineExceededError("the warm-up CSR was not decided within 60 s; controller log:\n" +
                                   controller_->Stderr());
    }
    if (!samples_[0].approved) {
      return FailedPreconditionError("the warm-up CSR was denied; controller log:\n" + controller_->Stderr());
    }
    return OkStatus();
  }

  Status Submit(kube::Client& client, Sample& s) {
    kube::CertificateSigningRequest c;
    c.metadata.name = s.name;
    c.spec.request = s.pem;
    c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet";
    c.spec.usages = {"digital signature", "client auth"};
    s.submit_start = Clock::now();
    auto r = client.Create(c);
    s.created = Clock::now();
    if (!r.ok()) return r.status().Annotate("creating " + s.name);
    s.create_ok = true;
    return OkStatus();
  }

  int Measure() {
    const size_t n = static_cast<size_t>(o_.csrs);
    const int64_t rss_before_kb = ProcStatusKb(controller_->pid(), "VmRSS").value_or(0);
    const double cpu_before = ProcCpuSeconds(controller_->pid()).value_or(0);
    std::atomic<size_t> next{1};
    std::mutex err_mu;
    std::vector<std::string> errors;
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < o_.submitters; ++t) {
      threads.emplace_back([&] {
        auto client = NewClient(TokenConfig());
        if (!client.ok()) {
          std::lock_guard<std::mutex> l(err_mu);
          errors.push_back(client.status().ToString());
          return;
        }
        for (size_t i = next++; i <= n; i = next++) {
          if (o_.rate > 0) {  // open-loop pacing: CSR i is due at start + (i-1)/rate
            std::this_thread::sleep_until(
                start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(i - 1) / o_.rate)));
          }
          Status s = Submit(**client, samples_[i]);
          if (!s.ok()) {
            std::lock_guard<std::mutex> l(err_mu);
            errors.push_back(s.ToString());
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    const Clock::time_point submitted = Clock::now();
    if (!errors.empty()) {
      std::fprintf(stderr, "%zu CSR creations failed; first: %s\n", errors.size(), errors[0].c_str());
      return 2;
    }

    const bool all = watcher_->WaitForDecided(n + 1, start + std::chrono::seconds(o_.timeout_seconds));
    const int64_t hwm_kb = ProcStatusKb(controller_->pid(), "VmHWM").value_or(-1);
    const int64_t rss_after_kb = ProcStatusKb(controller_->pid(), "VmRSS").value_or(-1);
    const double cpu_used = ProcCpuSeconds(controller_->pid()).value_or(0) - cpu_before;
    int status = 0;
    auto metrics = HttpGet(metrics_port_, "/metrics", &status);
    if (!all) {
      std::fprintf(stderr, "only %zu of %zu CSRs were decided within %d s (watch: %s); controller log tail:\n%s\n",
                   watcher_->decided() - 1, n, o_.timeout_seconds, watcher_->last_error().c_str(),
                   Tail(controller_->Stderr(), 4000).c_str());
      return 2;
    }
    watcher_->Stop();

    std::vector<double> latency, post;
    Clock::time_point last = start;
    size_t denied = 0;
    for (size_t i = 1; i <= n; ++i) {
      const Sample& s = samples_[i];
      // The approval can reach the watch before the POST response reaches its submitter.
      latency.push_back(std::max(0.0, Seconds(s.decided - s.created)));
      post.push_back(Seconds(s.created - s.submit_start));
      last = std::max(last, s.decided);
      if (!s.approved) ++denied;
    }
    const double wall = Seconds(last - start);
    const double rate = static_cast<double>(n) / wall;
    const double p50 = Percentile(latency, 50), p95 = Percentile(latency, 95), p99 = Percentile(latency, 99);
    const double max_latency = Percentile(latency, 100);
    const double hwm_mib = static_cast<double>(hwm_kb) / 1024.0;

    std::printf("joinguard-bench-controller: %zu bootstrap CSRs, %d submitters, rate %s, controller %s\n", n,
                o_.submitters, o_.rate > 0 ? (std::to_string(o_.rate) + "/s").c_str() : "unlimited",
                o_.controller.c_str());
    if (!o_.controller_flags.empty()) {
      std::string flags;
      for (const auto& f : o_.controller_flags) flags += " " + f;
      std::printf("  controller flags:%s\n", flags.c_str());
    }
    std::printf("  submitted in           %8.2f s (%.1f CSR/s; POST p50 %.1f ms, p99 %.1f ms)\n",
                Seconds(submitted - start), static_cast<double>(n) / Seconds(submitted - start),
                Percentile(post, 50) * 1e3, Percentile(post, 99) * 1e3);
    std::printf("  all decided after      %8.2f s\n", wall);
    std::printf("  decisions/second       %8.1f   (target >= %.0f)\n", rate, o_.min_decisions_per_second);
    std::printf("  latency p50            %8.3f s\n", p50);
    std::printf("  latency p95            %8.3f s\n", p95);
    std::printf("  latency p99            %8.3f s (target <= %.1f s)\n", p99, o_.max_p99_seconds);
    std::printf("  latency max            %8.3f s\n", max_latency);
    std::printf("  controller VmHWM       %8.1f MiB (target <= %.0f MiB; VmRSS %.1f MiB before load, %.1f after)\n",
                hwm_mib, o_.max_rss_mib, static_cast<double>(rss_before_kb) / 1024.0,
                static_cast<double>(rss_after_kb) / 1024.0);
    std::printf("  controller CPU         %8.2f s (%.2f ms per decision)\n", cpu_used, cpu_used * 1e3 / static_cast<double>(n));
    if (metrics.ok() && status == 200) {
      std::printf("  controller metrics     %8.0f decisions, %.0f reconcile errors\n",
                  SumMetric(*metrics, "joinguard_csr_decisions_total"),
                  SumMetric(*metrics, "joinguard_reconcile_errors_total"));
    } else {
      std::printf("  controller metrics     unavailable (%s)\n",
                  metrics.ok() ? ("HTTP " + std::to_string(status)).c_str() : metrics.status().ToString().c_str());
    }
    if (watcher_->watch_restarts() > 0) {
      std::printf("  note: the observer's watch restarted %d times (%s); latencies may be overstated\n",
                  watcher_->watch_restarts(), watcher_->last_error().c_str());
    }
    std::printf("RESULT csrs=%zu decisions_per_second=%.1f p50_s=%.3f p95_s=%.3f p99_s=%.3f max_s=%.3f "
                "controller_vmhwm_mib=%.1f denied=%zu\n",
                n, rate, p50, p95, p99, max_latency, hwm_mib, denied);

    if (denied > 0) {
      std::fprintf(stderr, "FAIL: %zu CSRs were denied; every bench CSR is a valid bootstrap CSR\n", denied);
      return 2;
    }
    std::vector<std::string> missed;
    if (rate < o_.min_decisions_per_second) missed.push_back("decisions/second");
    if (p99 > o_.max_p99_seconds) missed.push_back("p99 latency");
    if (hwm_kb < 0 || hwm_mib > o_.max_rss_mib) missed.push_back("controller peak RSS");
    if (missed.empty()) {
      std::printf("PASS: every target met\n");
      return 0;
    }
    std::string list;
    for (const auto& m : missed) list += (list.empty() ? "" : ", ") + m;
    std::printf("%s: target missed: %s\n", o_.report_only ? "REPORT" : "FAIL", list.c_str());
    return o_.report_only ? 0 : 1;
  }

  static std::string Tail(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(s.size() - n); }

  Options o_;
  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kWarning};
  std::string dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<testing::Subprocess> controller_;
  int metrics_port_ = 0, health_port_ = 0;
  std::vector<Sample> samples_;
  std::unique_ptr<kube::Client> observer_;
  std::unique_ptr<DecisionWatcher> watcher_;
};

}  // namespace
}  // namespace joinguard::bench

int main(int argc, char** argv) {
  joinguard::bench::Options o;
  CLI::App app{"joinguard-bench-controller: decisions/s, approval latency and peak RSS of joinguard-controller "
               "against the sandbox API server"};
  app.add_option("--csrs", o.csrs, "bootstrap CSRs to submit (distinct node names)")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--submitters", o.submitters, "concurrent simulated kubelets (client threads)")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--rate", o.rate, "CSRs per second (open loop); 0 = as fast as the submitters go")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", o.timeout_seconds, "seconds to wait for every decision")->capture_default_str();
  app.add_option("--controller", o.controller, "joinguard-controller binary")->capture_default_str();
  app.add_option("--controller-flag", o.controller_flags,
                 "extra flag for the controller (repeat; e.g. --controller-flag=--qps=100)");
  app.add_option("--min-decisions-per-second", o.min_decisions_per_second, "target")->capture_default_str();
  app.add_option("--max-p99-seconds", o.max_p99_seconds, "target")->capture_default_str();
  app.add_option("--max-rss-mib", o.max_rss_mib, "target: controller VmHWM")->capture_default_str();
  app.add_flag("--report-only", o.report_only, "print the numbers; exit 0 even when a target is missed");
  app.add_flag("--keep-dir", o.keep_dir, "keep the temp dir (controller log and audit log)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  joinguard::bench::Bench bench(o);
  return bench.Run();
}
