// joinguard-bench-sandbox: the sandbox's own throughput and memory table. A benchmark, not a
// test (not registered with CTest). Starts an in-process Sandbox (controllers on, state dir on,
// as the controller benchmarks run it) and drives it over HTTPS keep-alive connections on
// loopback, the client on the same machine:
//   floor            GET /version round trips (TLS record, HTTP, authn, RBAC, routing; no storage)
//   json floor       nlohmann parse + dump of one stored CSR, one thread, in process
//   CSR creates      POST of kubelet client CSRs (decode, PKCS#10 verification, validation, store,
//                    watch fan-out, controllers, persistence), with 0, 1 and 2 CSR watchers
//   approvals        PUT .../approval of pending CSRs (the controller's write; the sandbox signer
//                    then issues the certificate), with 0, 1 and 2 CSR watchers
//   CSR GETs         GET of one CSR by name
//   list             LIST of every CSR (unpaged, and paged by 500 as client-go's informers do)
//   memory           VmRSS with 1k/10k/50k CSRs in a fresh sandbox, against the serialized size
// Each row prints figure, floor (measured in the same run) and ratio. Watcher rows also check that
// every watcher received every event (a fast write that loses events would not count).
//
//   build-<you>/tests/sandbox/joinguard-bench-sandbox --clients 4 --seconds 3 --memory-csrs 50000
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/testing/https_client.h"
#include "tests/testing/subprocess.h"

namespace {

using joinguard::sandbox::Sandbox;
using joinguard::sandbox::SandboxOptions;
using joinguard::sandbox::testing::ClientOptions;
using joinguard::sandbox::testing::HttpsClient;
using joinguard::sandbox::testing::KeepAliveClient;
using joinguard::sandbox::testing::WatchStream;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kCsrs[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
// Distinct CSR PEMs generated up front (key generation is not what is measured).
constexpr int kDistinctCsrs = 64;
// client-go informers list in pages of 500 (tools/pager/pager.go defaultPageSize).
constexpr int kInformerPageSize = 500;
// How long watchers may lag behind the writers before a row is reported as losing events.
constexpr auto kWatchDrainDeadline = std::chrono::seconds(60);
constexpr double kJsonFloorSeconds = 0.5;

struct Rate {
  double per_second = 0;
  int64_t done = 0;
  int64_t errors = 0;
  double cpu_us_per_op = 0;  // process CPU (bench clients + sandbox) per completed op
};

// CPU time of the whole process (all threads), microseconds: steadier than wall-clock rates on
// a loaded machine.
double ProcessCpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return us(u.ru_utime) + us(u.ru_stime);
}

std::string Base64Csr(const std::string& node) {
  auto key = joinguard::crypto::PrivateKey::Generate(joinguard::crypto::KeyType::kEcdsaP256);
  auto pem = joinguard::crypto::BuildCsrPem(*key, joinguard::crypto::CsrTemplate::ForKubeletClient(node));
  return joinguard::crypto::Base64Encode(*pem);
}

json Csr(const std::string& name, const std::string& request_b64) {
  return {{"apiVersion", "certificates.k8s.io/v1"},
          {"kind", "CertificateSigningRequest"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"request", request_b64},
            {"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
            {"usages", {"digital signature", "client auth"}}}}};
}

// The controller's approval write: the object as read, plus an Approved condition.
std::string ApprovalBody(json csr) {
  csr["status"]["conditions"] = json::array({{{"type", "Approved"},
                                              {"status", "True"},
                                              {"reason", "BenchApprove"},
                                              {"message", "approved by joinguard-bench-sandbox"}}});
  return csr.dump();
}

// Op result: counted, failed, or no more work for this client (its share of a pool is used up).
enum class Outcome { kDone, kError, kExhausted };

// Runs `op(client, thread, i)` on `clients` keep-alive connections for `seconds` (or until every
// client ran out of work); the rate is over the time the clients actually worked.
Rate Drive(const std::string& url, const ClientOptions& o, int clients, double seconds,
           const std::function<Outcome(KeepAliveClient&, int, int64_t)>& op) {
  std::atomic<int64_t> done{0}, errors{0};
  std::atomic<int> running{clients};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const double cpu_start = ProcessCpuMicros();
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      KeepAliveClient c(url, o);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        Outcome r = op(c, t, i);
        if (r == Outcome::kExhausted) break;
        (r == Outcome::kDone ? done : errors).fetch_add(1, std::memory_order_relaxed);
      }
      running.fetch_sub(1);
    });
  }
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end && running.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = ProcessCpuMicros() - cpu_start;
  return Rate{static_cast<double>(done.load()) / elapsed, done.load(), errors.load(),
              done.load() > 0 ? cpu / static_cast<double>(done.load()) : 0};
}

// CSR watchers that count event lines (no decoding: a watcher's parse cost is the client's).
class Watchers {
 public:
  Watchers(HttpsClient& client, int n, int64_t from_rv) {
    for (int i = 0; i < n; ++i) {
      auto s = client.Watch(std::string(kCsrs) + "?watch=1&resourceVersion=" + std::to_string(from_rv));
      if (!s.ok()) {
        std::fprintf(stderr, "watch: %s\n", s.status().message().c_str());
        std::exit(1);
      }
      counts_.push_back(std::make_unique<std::atomic<int64_t>>(0));
      streams_.push_back(std::move(*s));
    }
    for (size_t i = 0; i < streams_.size(); ++i) {
      readers_.emplace_back([this, i] {
        while (!stop_.load()) {
          auto line = streams_[i]->NextLine(std::chrono::milliseconds(200));
          if (line.ok()) {
            counts_[i]->fetch_add(1);
          } else if (line.status().code() != joinguard::StatusCode::kDeadlineExceeded) {
            break;
          }
        }
      });
    }
  }
  ~Watchers() {
    stop_ = true;
    for (auto& s : streams_) s->Close();
    for (auto& r : readers_) r.join();
  }
  // Waits (bounded) until every watcher has `events` events; the smallest count seen.
  int64_t WaitFor(int64_t events) {
    const auto deadline = Clock::now() + kWatchDrainDeadline;
    while (true) {
      int64_t least = events;
      for (auto& c : counts_) least = std::min<int64_t>(least, c->load());
      if (least >= events || Clock::now() >= deadline) return least;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  size_t size() const { return streams_.size(); }

 private:
  std::vector<std::unique_ptr<WatchStream>> streams_;
  std::vector<std::unique_ptr<std::atomic<int64_t>>> counts_;
  std::vector<std::thread> readers_;
  std::atomic<bool> stop_{false};
};

int64_t RssKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

void Header(const char* floor_name) {
  std::printf("| %-34s | %-22s | %-24s | %-6s |\n", "figure", "value", floor_name, "ratio");
  std::printf(
      "|------------------------------------|------------------------|--------------------------|--------|"
      "\n");
}

void Row(const std::string& what, double figure, const char* unit, double floor, const char* floor_unit) {
  std::printf("| %-34s | %12.0f %-9s | %12.0f %-11s | %6.2f |\n", what.c_str(), figure, unit, floor,
              floor_unit, floor > 0 ? figure / floor : 0.0);
}

struct Bench {
  Sandbox& sb;
  std::string url;
  ClientOptions o;
  int clients;
  double seconds;
  std::vector<std::string> pems;
  int64_t next_name = 0;  // CSR names are unique across rows
  std::vector<std::string> problems;
  std::vector<std::string> pool_names;  // the last pool's CSRs (the GET row reads them)

  // Creates `n` pending CSRs in process (not timed); returns the approval bodies.
  std::vector<std::string> PendingPool(int n) {
    std::vector<std::string> bodies;
    bodies.reserve(n);
    for (int i = 0; i < n; ++i) {
      auto c =
          sb.CreateObjectForTest(kCsrs, Csr("pool-" + std::to_string(next_name++), pems[i % kDistinctCsrs]));
      if (!c.ok()) {
        std::fprintf(stderr, "create: %s\n", c.status().message().c_str());
        std::exit(1);
      }
      pool_names.push_back((*c)["metadata"]["name"].get<std::string>());
      bodies.push_back(ApprovalBody(*std::move(c)));
    }
    return bodies;
  }

  // Runs a write row with `watchers` CSR watchers attached; checks they saw every change.
  Rate WithWatchers(int watchers, const std::string& label,
                    const std::function<Outcome(KeepAliveClient&, int, int64_t)>& op,
                    const std::function<int64_t(const Rate&)>& expected_events) {
    HttpsClient wc(url, o);
    const int64_t from = sb.CurrentResourceVersionForTest();
    Watchers ws(wc, watchers, from);
    Rate r = Drive(url, o, clients, seconds, op);
    if (watchers > 0) {
      const int64_t want = expected_events(r);
      const int64_t got = ws.WaitFor(want);
      if (got < want) {
        problems.push_back(label + ": a watcher received " + std::to_string(got) + " of " +
                           std::to_string(want) + " events");
      }
    }
    if (r.errors > 0) problems.push_back(label + ": " + std::to_string(r.errors) + " failed requests");
    return r;
  }

  Rate Creates(int watchers) {
    const int64_t base = next_name;
    next_name += 10'000'000;
    return WithWatchers(
        watchers, "creates, " + std::to_string(watchers) + " watchers",
        [&](KeepAliveClient& c, int t, int64_t i) {
          std::string name = "bench-" + std::to_string(base + t * 1'000'000 + i);
          auto r = c.Request("POST", kCsrs, Csr(name, pems[i % kDistinctCsrs]).dump());
          return r.ok() && r->status == 201 ? Outcome::kDone : Outcome::kError;
        },
        [](const Rate& r) { return r.done; });  // one ADDED each (pending: the signer waits)
  }

  Rate Approvals(int watchers, int pool) {
    pool_names.clear();
    std::vector<std::string> bodies = PendingPool(pool);
    std::vector<std::string> paths;
    for (const auto& b : bodies) {
      paths.push_back(std::string(kCsrs) + "/" + json::parse(b)["metadata"]["name"].get<std::string>() +
                      "/approval");
    }
    const int64_t from = sb.CurrentResourceVersionForTest();
    Rate r = WithWatchers(
        watchers, "approvals, " + std::to_string(watchers) + " watchers",
        [&](KeepAliveClient& c, int t, int64_t i) {
          const int64_t k = t + i * clients;  // each client its own share of the pool
          if (k >= static_cast<int64_t>(bodies.size())) return Outcome::kExhausted;
          auto r = c.Request("PUT", paths[k], bodies[k]);
          return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
        },
        // Approval (MODIFIED) and the signer's certificate (MODIFIED): every change since `from`.
        [&](const Rate&) { return WaitSigned(from); });
    return r;
  }

  // Waits until the signer has caught up (two changes per approval); the number of changes.
  int64_t WaitSigned(int64_t from) {
    int64_t last = -1;
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int64_t now = sb.CurrentResourceVersionForTest();
      if (now == last) return now - from;
      last = now;
    }
  }
};

double JsonFloorPerSecond(const json& csr) {
  const std::string text = csr.dump();
  int64_t n = 0;
  size_t sink = 0;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kJsonFloorSeconds));
  while (Clock::now() < end) {
    for (int i = 0; i < 100; ++i) sink += json::parse(text).dump().size();
    n += 100;
  }
  if (sink == 0) std::printf("(empty)\n");
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

joinguard::StatusOr<std::unique_ptr<Sandbox>> StartSandbox(const std::string& dir) {
  SandboxOptions so;
  so.state_dir = dir;
  so.autoapprove_binding = false;
  return Sandbox::Start(so);
}

ClientOptions AdminClient(Sandbox& sb) {
  auto cert = sb.IssueClientCert("kubernetes-admin", {"system:masters"});
  ClientOptions o;
  o.ca_pem = sb.ca_pem();
  o.cert_pem = cert->first;
  o.key_pem = cert->second;
  o.timeout = std::chrono::seconds(120);
  return o;
}

// Lists every CSR: unpaged, then in informer pages; milliseconds each (-1 on failure).
std::pair<double, double> ListMillis(const std::string& url, const ClientOptions& o, size_t* items) {
  KeepAliveClient c(url, o);
  auto t0 = Clock::now();
  auto r = c.Request("GET", kCsrs);
  if (!r.ok() || r->status != 200) return {-1, -1};
  const double unpaged = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  *items = r->Json()["items"].size();
  t0 = Clock::now();
  std::string cont;
  do {
    std::string target = std::string(kCsrs) + "?limit=" + std::to_string(kInformerPageSize);
    if (!cont.empty()) target += "&continue=" + cont;
    auto page = c.Request("GET", target);
    if (!page.ok() || page->status != 200) return {unpaged, -1};
    json j = page->Json();
    cont = j["metadata"].value("continue", "");
  } while (!cont.empty());
  return {unpaged, std::chrono::duration<double, std::milli>(Clock::now() - t0).count()};
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 4, memory_csrs = 0, approval_pool = 6000;
  double seconds = 3;
  CLI::App app{"joinguard-bench-sandbox: sandbox API server throughput and memory (figure, floor, ratio)"};
  app.add_option("--clients", clients, "Keep-alive client connections")->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "Measured window per row")->check(CLI::Range(0.2, 600.0));
  app.add_option("--approval-pool", approval_pool, "Pending CSRs created (untimed) before each approval row")
      ->check(CLI::Range(100, 1000000));
  app.add_option("--memory-csrs", memory_csrs, "Also measure RSS and LIST with this many CSRs (e.g. 50000)")
      ->check(CLI::Range(0, 1000000));
  CLI11_PARSE(app, argc, argv);

  const std::string dir = joinguard::testing::MakeTempDir("jg-bench-sandbox-");
  auto sandbox = StartSandbox(dir + "/state");
  if (!sandbox.ok()) {
    std::fprintf(stderr, "joinguard-bench-sandbox: %s\n", sandbox.status().message().c_str());
    return 1;
  }
  Bench b{**sandbox, (*sandbox)->url(), AdminClient(**sandbox), clients, seconds, {}, 0, {}};
  for (int i = 0; i < kDistinctCsrs; ++i) b.pems.push_back(Base64Csr("bench-node-" + std::to_string(i)));

  Rate floor = Drive(b.url, b.o, clients, seconds, [](KeepAliveClient& c, int, int64_t) {
    auto r = c.Request("GET", "/version");
    return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
  });
  auto sample = b.sb.CreateObjectForTest(kCsrs, Csr("json-floor", b.pems[0]));
  const double json_floor = JsonFloorPerSecond(*sample);
  Rate creates[3], approvals[3];
  for (int w = 0; w <= 2; ++w) creates[w] = b.Creates(w);
  for (int w = 0; w <= 2; ++w) approvals[w] = b.Approvals(w, approval_pool);
  Rate gets = Drive(b.url, b.o, clients, seconds, [&](KeepAliveClient& c, int, int64_t i) {
    auto r = c.Request("GET", std::string(kCsrs) + "/" + b.pool_names[i % b.pool_names.size()]);
    return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
  });

  std::printf(
      "joinguard-bench-sandbox: %d keep-alive clients, %.1f s per row, loopback HTTPS, controllers and "
      "state dir on\n",
      clients, seconds);
  Header("floor (same run)");
  Row("floor: GET /version", floor.per_second, "req/s", floor.per_second, "req/s");
  Row("floor: JSON parse+dump of a CSR", json_floor, "ops/s", json_floor, "ops/s");
  for (int w = 0; w <= 2; ++w) {
    Row("CSR creates, " + std::to_string(w) + " watchers", creates[w].per_second, "creates/s",
        floor.per_second, "req/s");
  }
  for (int w = 0; w <= 2; ++w) {
    Row("approvals (PUT), " + std::to_string(w) + " watchers", approvals[w].per_second, "PUTs/s",
        floor.per_second, "req/s");
  }
  Row("CSR GETs", gets.per_second, "GETs/s", floor.per_second, "req/s");
  std::printf(
      "(the create and approval rows also cost one PKCS#10 verification / one certificate signature each; "
      "JSON floor row: one CSR of %zu bytes)\n",
      sample->dump().size());
  std::printf(
      "\nCPU per operation (getrusage of the whole process: bench clients, watchers and sandbox; steadier "
      "than rates on a loaded machine)\n");
  std::printf("| %-34s | %-14s | %-24s | %-6s |\n", "operation", "CPU per op", "floor: GET /version",
              "ratio");
  std::printf(
      "|------------------------------------|----------------|--------------------------|--------|\n");
  auto cpu_row = [&](const std::string& what, const Rate& r) {
    std::printf("| %-34s | %11.0f us | %21.0f us | %6.1f |\n", what.c_str(), r.cpu_us_per_op,
                floor.cpu_us_per_op, floor.cpu_us_per_op > 0 ? r.cpu_us_per_op / floor.cpu_us_per_op : 0.0);
  };
  cpu_row("GET /version", floor);
  for (int w = 0; w <= 2; ++w) cpu_row("CSR create, " + std::to_string(w) + " watchers", creates[w]);
  for (int w = 0; w <= 2; ++w) cpu_row("approval (PUT), " + std::to_string(w) + " watchers", approvals[w]);
  cpu_row("CSR GET", gets);
  std::printf("(JSON floor: %.0f us per parse+dump of one CSR)\n", 1e6 / json_floor);
  sandbox->reset();

  if (memory_csrs > 0) {
    // A fresh sandbox so the throughput rows' objects and freed heap do not count.
    malloc_trim(0);
    auto fresh = StartSandbox(dir + "/memory");
    if (!fresh.ok()) return 1;
    Sandbox& sb = **fresh;
    const int64_t base_kib = RssKib();
    std::vector<int> marks;
    for (int m : {1000, 10000, 50000, 100000, 500000}) {
      if (m < memory_csrs) marks.push_back(m);
    }
    marks.push_back(memory_csrs);
    std::printf(
        "\nmemory (fresh sandbox, CSRs created in process through the create strategy; RSS of bench + "
        "sandbox, %lld MiB before the first CSR)\n",
        static_cast<long long>(base_kib / 1024));
    std::printf("| %-10s | %-10s | %-16s | %-22s | %-6s |\n", "CSRs", "VmRSS", "RSS per CSR",
                "floor: serialized size", "ratio");
    std::printf("|------------|------------|------------------|------------------------|--------|\n");
    int created = 0;
    size_t serialized = 0;
    ClientOptions o = AdminClient(sb);
    for (int mark : marks) {
      for (; created < mark; ++created) {
        auto c = sb.CreateObjectForTest(
            kCsrs, Csr("mem-" + std::to_string(created), b.pems[created % kDistinctCsrs]));
        if (!c.ok()) {
          std::fprintf(stderr, "create: %s\n", c.status().message().c_str());
          return 1;
        }
        serialized += c->dump().size();
      }
      const double per = (RssKib() - base_kib) * 1024.0 / mark;
      const double floor_bytes = static_cast<double>(serialized) / created;
      std::printf("| %10d | %6lld MiB | %10.0f bytes | %14.0f bytes | %6.2f |\n", mark,
                  static_cast<long long>(RssKib() / 1024), per, floor_bytes, per / floor_bytes);
    }
    size_t items = 0;
    auto [unpaged, paged] = ListMillis(sb.url(), o, &items);
    const double dump_floor_ms = items / json_floor * 1000.0;
    std::printf("\nlist of %zu CSRs over HTTPS (floor: one JSON parse+dump per item, same run)\n", items);
    Header("floor (same run)");
    Row("LIST unpaged", unpaged, "ms", dump_floor_ms, "ms");
    Row("LIST paged by 500 (informer)", paged, "ms", dump_floor_ms, "ms");
    fresh->reset();
    std::ifstream state(dir + "/memory/state.json", std::ios::binary | std::ios::ate);
    std::printf("state.json with %d CSRs: %lld MiB\n", memory_csrs,
                static_cast<long long>(state.tellg() / (1 << 20)));
  }
  joinguard::testing::RemoveTree(dir);
  for (const auto& p : b.problems) std::printf("PROBLEM: %s\n", p.c_str());
  return b.problems.empty() ? 0 : 2;
}
