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
//   NodeJoins        POST and PUT (phase Claimed -> Approved) of NodeJoin custom resources, the
//                    record joinguard-controller writes around each bootstrap approval
//   Node GETs        GET of one of 5,000 Nodes by name
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
#include "tests/testing/yaml_json.h"

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
constexpr char kNodeJoins[] = "/apis/joinguard.io/v1alpha1/nodejoins";
constexpr char kNodeJoinCrd[] = JOINGUARD_SOURCE_DIR "/deploy/base/crds/nodejoins.yaml";
// Objects planted (untimed) for the NodeJoin update and Node GET rows.
constexpr int kNodeJoinPool = 20000;
constexpr int kNodes = 5000;
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
  double cpu_us_per_op = 0;      // process CPU (bench clients + sandbox) per completed op
  double signed_per_second = 0;  // approvals only: PUTs over the time until all were signed
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

// A NodeJoin in phase Claimed, as joinguard-controller creates it (common/kube/nodejoin).
json NodeJoin(const std::string& name) {
  return {{"apiVersion", "joinguard.io/v1alpha1"},
          {"kind", "NodeJoin"},
          {"metadata", {{"name", name}, {"labels", {{"joinguard.io/token-id", "abcdef"}}}}},
          {"spec",
           {{"nodeName", name},
            {"tokenID", "abcdef"},
            {"requester", "system:bootstrap:abcdef"},
            {"csrName", "csr-" + name},
            {"csrUID", "5e0c2f1a-8d3b-4c6e-9f21-0a7b3c4d5e6f"}}},
          {"status", {{"phase", "Claimed"}}}};
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
  std::vector<std::string> pool_pems;  // one distinct request per pending pool CSR
  int64_t next_name = 0;               // CSR names are unique across rows
  std::vector<std::string> problems;
  std::vector<std::string> pool_names;  // the last pool's CSRs (the GET row reads them)

  // Creates `n` pending CSRs in process (not timed); returns the approval bodies. Each pending
  // CSR of a pool has its own key and request, as in a real join storm.
  std::vector<std::string> PendingPool(int n) {
    while (static_cast<int>(pool_pems.size()) < n) {
      pool_pems.push_back(Base64Csr("bench-pool-node-" + std::to_string(pool_pems.size())));
    }
    std::vector<std::string> bodies;
    bodies.reserve(n);
    for (int i = 0; i < n; ++i) {
      auto c = sb.CreateObjectForTest(kCsrs, Csr("pool-" + std::to_string(next_name++), pool_pems[i]));
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

  // NodeJoin records as joinguard-controller writes one per bootstrap approval (create with phase
  // Claimed, then a resourceVersion-conditioned update to Approved), on the CRD from deploy/.
  Rate NodeJoinCreates() {
    const int64_t base = next_name;
    next_name += 10'000'000;
    return Drive(url, o, clients, seconds, [&](KeepAliveClient& c, int t, int64_t i) {
      auto r =
          c.Request("POST", kNodeJoins, NodeJoin("nj-" + std::to_string(base + t * 1'000'000 + i)).dump());
      return r.ok() && r->status == 201 ? Outcome::kDone : Outcome::kError;
    });
  }

  Rate NodeJoinUpdates(int pool) {
    std::vector<std::string> paths, bodies;
    for (int i = 0; i < pool; ++i) {
      auto c = sb.CreateObjectForTest(kNodeJoins, NodeJoin("njpool-" + std::to_string(next_name++)));
      if (!c.ok()) {
        std::fprintf(stderr, "create NodeJoin: %s\n", c.status().message().c_str());
        std::exit(1);
      }
      json approved = *std::move(c);
      approved["status"] = {{"phase", "Approved"}, {"approvedAt", "2026-11-30T12:00:00Z"}};
      paths.push_back(std::string(kNodeJoins) + "/" + approved["metadata"]["name"].get<std::string>());
      bodies.push_back(approved.dump());
    }
    return Drive(url, o, clients, seconds, [&](KeepAliveClient& c, int t, int64_t i) {
      const int64_t k = t + i * clients;
      if (k >= static_cast<int64_t>(bodies.size())) return Outcome::kExhausted;
      auto r = c.Request("PUT", paths[k], bodies[k]);
      return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
    });
  }

  // GET of a Node by name (what the controller asks before a NodeExists denial).
  Rate NodeGets(int nodes) {
    std::vector<std::string> paths;
    for (int i = 0; i < nodes; ++i) {
      const std::string name = "bench-node-get-" + std::to_string(i);
      json node = {{"apiVersion", "v1"},
                   {"kind", "Node"},
                   {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
                   {"status", {{"addresses", json::array({{{"type", "Hostname"}, {"address", name}}})}}}};
      if (!sb.CreateObjectForTest("/api/v1/nodes", node).ok()) std::exit(1);
      paths.push_back("/api/v1/nodes/" + name);
    }
    return Drive(url, o, clients, seconds, [&](KeepAliveClient& c, int, int64_t i) {
      auto r = c.Request("GET", paths[i % paths.size()]);
      return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
    });
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

  // Approval PUTs of a pending pool. The rate is PUTs over the window the clients wrote in (the
  // sandbox signer signs concurrently on the same cores, as in the controller benchmarks); CPU
  // per op and `signed_per_second` run until the signer has issued every approved CSR's
  // certificate, so a signer that falls behind is not free.
  Rate Approvals(int watchers, int pool) {
    pool_names.clear();
    std::vector<std::string> bodies = PendingPool(pool);
    std::vector<std::string> paths;
    for (const auto& b : bodies) {
      paths.push_back(std::string(kCsrs) + "/" + json::parse(b)["metadata"]["name"].get<std::string>() +
                      "/approval");
    }
    const int64_t from = sb.CurrentResourceVersionForTest();
    const double cpu_start = ProcessCpuMicros();
    const auto start = Clock::now();
    Rate r = WithWatchers(
        watchers, "approvals, " + std::to_string(watchers) + " watchers",
        [&](KeepAliveClient& c, int t, int64_t i) {
          const int64_t k = t + i * clients;  // each client its own share of the pool
          if (k >= static_cast<int64_t>(bodies.size())) return Outcome::kExhausted;
          auto r = c.Request("PUT", paths[k], bodies[k]);
          return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
        },
        // Approval (MODIFIED) and the signer's certificate (MODIFIED) for each PUT.
        [&](const Rate& done) { return WaitSigned(from, 2 * done.done); });
    const int64_t changes = WaitSigned(from, 2 * r.done);
    if (changes != 2 * r.done) {
      problems.push_back("approvals, " + std::to_string(watchers) + " watchers: " + std::to_string(changes) +
                         " changes after " + std::to_string(r.done) +
                         " approvals (want one approval and one " + "certificate each)");
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.cpu_us_per_op = r.done > 0 ? (ProcessCpuMicros() - cpu_start) / static_cast<double>(r.done) : 0;
    r.signed_per_second = static_cast<double>(r.done) / seconds;
    return r;
  }

  // Waits (bounded) until `want` changes happened since `from`; the number of changes.
  int64_t WaitSigned(int64_t from, int64_t want) {
    const auto deadline = Clock::now() + kWatchDrainDeadline;
    while (true) {
      const int64_t changes = sb.CurrentResourceVersionForTest() - from;
      if (changes >= want || Clock::now() >= deadline) return changes;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
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
  std::string only;
  CLI::App app{"joinguard-bench-sandbox: sandbox API server throughput and memory (figure, floor, ratio)"};
  app.add_option("--clients", clients, "Keep-alive client connections")->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "Measured window per row")->check(CLI::Range(0.2, 600.0));
  app.add_option("--approval-pool", approval_pool, "Pending CSRs created (untimed) before each approval row")
      ->check(CLI::Range(100, 1000000));
  app.add_option("--memory-csrs", memory_csrs, "Also measure RSS and LIST with this many CSRs (e.g. 50000)")
      ->check(CLI::Range(0, 1000000));
  app.add_option(
         "--only", only,
         "Run only these throughput rows (comma list of creates, approvals, gets, nodejoins, nodes), e.g. to "
         "profile one; "
         "the floor rows always run")
      ->check([](const std::string& v) {
        std::string rest = v + ",";
        for (size_t at = 0; at < rest.size();) {
          const size_t comma = rest.find(',', at);
          const std::string row = rest.substr(at, comma - at);
          if (row != "creates" && row != "approvals" && row != "gets" && row != "nodejoins" &&
              row != "nodes") {
            return "unknown row '" + row + "' (creates, approvals, gets, nodejoins, nodes)";
          }
          at = comma + 1;
        }
        return std::string();
      });
  CLI11_PARSE(app, argc, argv);
  auto wanted = [&](const std::string& row) {
    return only.empty() || ("," + only + ",").find("," + row + ",") != std::string::npos;
  };

  const std::string dir = joinguard::testing::MakeTempDir("jg-bench-sandbox-");
  auto sandbox = StartSandbox(dir + "/state");
  if (!sandbox.ok()) {
    std::fprintf(stderr, "joinguard-bench-sandbox: %s\n", sandbox.status().message().c_str());
    return 1;
  }
  Bench b{**sandbox, (*sandbox)->url(), AdminClient(**sandbox), clients, seconds, {}, {}, 0, {}};
  try {
    auto crd = b.sb.CreateObjectForTest("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                        joinguard::testing::YamlToJson(YAML::LoadFile(kNodeJoinCrd)));
    if (!crd.ok()) {
      std::fprintf(stderr, "joinguard-bench-sandbox: NodeJoin CRD: %s\n", crd.status().message().c_str());
      return 1;
    }
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "joinguard-bench-sandbox: reading %s: %s\n", kNodeJoinCrd, e.what());
    return 1;
  }
  for (int i = 0; i < kDistinctCsrs; ++i) b.pems.push_back(Base64Csr("bench-node-" + std::to_string(i)));

  Rate floor = Drive(b.url, b.o, clients, seconds, [](KeepAliveClient& c, int, int64_t) {
    auto r = c.Request("GET", "/version");
    return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
  });
  auto sample = b.sb.CreateObjectForTest(kCsrs, Csr("json-floor", b.pems[0]));
  const double json_floor = JsonFloorPerSecond(*sample);
  Rate creates[3], approvals[3];
  if (wanted("creates")) {
    for (int w = 0; w <= 2; ++w) creates[w] = b.Creates(w);
  }
  if (wanted("approvals")) {
    for (int w = 0; w <= 2; ++w) approvals[w] = b.Approvals(w, approval_pool);
  }
  if (b.pool_names.empty() && wanted("gets")) b.PendingPool(approval_pool);
  Rate gets;
  if (wanted("gets"))
    gets = Drive(b.url, b.o, clients, seconds, [&](KeepAliveClient& c, int, int64_t i) {
      auto r = c.Request("GET", std::string(kCsrs) + "/" + b.pool_names[i % b.pool_names.size()]);
      return r.ok() && r->status == 200 ? Outcome::kDone : Outcome::kError;
    });

  Rate nodejoin_creates, nodejoin_updates, node_gets;
  if (wanted("nodejoins")) {
    nodejoin_creates = b.NodeJoinCreates();
    nodejoin_updates = b.NodeJoinUpdates(kNodeJoinPool);
  }
  if (wanted("nodes")) node_gets = b.NodeGets(kNodes);

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
  for (int w = 0; w <= 2; ++w) {
    Row("approved+signed, " + std::to_string(w) + " watchers", approvals[w].signed_per_second, "CSRs/s",
        floor.per_second, "req/s");
  }
  Row("CSR GETs", gets.per_second, "GETs/s", floor.per_second, "req/s");
  Row("NodeJoin creates (custom resource)", nodejoin_creates.per_second, "creates/s", floor.per_second,
      "req/s");
  Row("NodeJoin updates (to Approved)", nodejoin_updates.per_second, "PUTs/s", floor.per_second, "req/s");
  Row("Node GETs", node_gets.per_second, "GETs/s", floor.per_second, "req/s");
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
  for (int w = 0; w <= 2; ++w) {
    cpu_row("approval + signing, " + std::to_string(w) + " watchers", approvals[w]);
  }
  cpu_row("CSR GET", gets);
  cpu_row("NodeJoin create", nodejoin_creates);
  cpu_row("NodeJoin update", nodejoin_updates);
  cpu_row("Node GET", node_gets);
  std::printf("(JSON floor: %.0f us per parse+dump of one CSR)\n", 1e6 / json_floor);
  const joinguard::sandbox::ConnectionStats conns = b.sb.Connections();
  std::printf("connections accepted by the sandbox over all rows: %lld TCP, %lld TLS handshakes\n",
              static_cast<long long>(conns.tcp_accepted), static_cast<long long>(conns.tls_handshakes));
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
