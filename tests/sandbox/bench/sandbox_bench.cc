// joinguard-bench-sandbox: the sandbox's own throughput table. A benchmark, not a test (not
// registered with CTest). Starts an in-process Sandbox (controllers on, as the controller
// benchmarks run it) and drives it over HTTPS keep-alive connections on loopback:
//   floor        GET /version round trips (authn + authz + routing, no storage work)
//   CSR creates  POST of kubelet client CSRs (decode, PKCS#10 verification, validation, store,
//                watch fan-out, persistence)
//   CSR GETs     GET of one CSR by name
//   watch events events delivered to W concurrent watchers while ConfigMaps are created
// and prints figure, floor and ratio. With --memory-csrs N it also creates N CSRs and reports
// the process RSS and the state file size.
//
//   build-<you>/tests/sandbox/joinguard-bench-sandbox --clients 4 --seconds 3
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
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
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kCsrs[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
constexpr char kCms[] = "/api/v1/namespaces/default/configmaps";
// Distinct CSR PEMs generated up front (key generation is not what is measured).
constexpr int kDistinctCsrs = 64;

struct Rate {
  double per_second = 0;
  int64_t errors = 0;
};

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

// Runs `op(client, thread, i)` on `clients` keep-alive connections for `seconds`.
template <typename Op>
Rate Drive(const std::string& url, const ClientOptions& o, int clients, double seconds, Op op) {
  std::atomic<int64_t> done{0}, errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      KeepAliveClient c(url, o);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        if (op(c, t, i)) {
          done.fetch_add(1, std::memory_order_relaxed);
        } else {
          errors.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measured window
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return Rate{static_cast<double>(done.load()) / elapsed, errors.load()};
}

int64_t RssKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

void Row(const char* what, double figure, const char* unit, double floor) {
  std::printf("| %-28s | %12.0f %-9s | %10.0f req/s | %6.2f |\n", what, figure, unit, floor,
              floor > 0 ? figure / floor : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 4, watchers = 4, watch_events = 2000, memory_csrs = 0;
  double seconds = 3;
  CLI::App app{"joinguard-bench-sandbox: sandbox API server throughput (figure, floor, ratio)"};
  app.add_option("--clients", clients, "Keep-alive client connections")->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "Measured window per row")->check(CLI::Range(0.2, 600.0));
  app.add_option("--watchers", watchers, "Concurrent watchers for the watch row")->check(CLI::Range(1, 64));
  app.add_option("--watch-events", watch_events, "Objects created for the watch row")
      ->check(CLI::Range(10, 1000000));
  app.add_option("--memory-csrs", memory_csrs, "Also create this many CSRs and report RSS/state")
      ->check(CLI::Range(0, 1000000));
  CLI11_PARSE(app, argc, argv);

  const std::string dir = joinguard::testing::MakeTempDir("jg-bench-sandbox-");
  SandboxOptions so;
  so.state_dir = dir + "/state";
  so.autoapprove_binding = false;
  auto sandbox = Sandbox::Start(so);
  if (!sandbox.ok()) {
    std::fprintf(stderr, "joinguard-bench-sandbox: %s\n", sandbox.status().message().c_str());
    return 1;
  }
  Sandbox& sb = **sandbox;
  auto cert = sb.IssueClientCert("kubernetes-admin", {"system:masters"});
  ClientOptions o;
  o.ca_pem = sb.ca_pem();
  o.cert_pem = cert->first;
  o.key_pem = cert->second;
  const std::string url = sb.url();

  std::vector<std::string> pems;
  for (int i = 0; i < kDistinctCsrs; ++i) pems.push_back(Base64Csr("bench-node-" + std::to_string(i)));

  Rate floor = Drive(url, o, clients, seconds, [](KeepAliveClient& c, int, int64_t) {
    auto r = c.Request("GET", "/version");
    return r.ok() && r->status == 200;
  });
  Rate creates = Drive(url, o, clients, seconds, [&](KeepAliveClient& c, int t, int64_t i) {
    std::string name = "bench-" + std::to_string(t) + "-" + std::to_string(i);
    auto r = c.Request("POST", kCsrs, Csr(name, pems[i % kDistinctCsrs]).dump());
    return r.ok() && r->status == 201;
  });
  Rate gets = Drive(url, o, clients, seconds, [&](KeepAliveClient& c, int t, int64_t) {
    auto r = c.Request("GET", std::string(kCsrs) + "/bench-" + std::to_string(t) + "-0");
    return r.ok() && r->status == 200;
  });

  // Watch fan-out: W watchers from the current RV, then one writer creates N ConfigMaps.
  std::vector<std::unique_ptr<joinguard::sandbox::testing::WatchStream>> streams;
  HttpsClient watch_client(url, o);
  const std::string from = std::to_string(sb.CurrentResourceVersionForTest());
  for (int w = 0; w < watchers; ++w) {
    auto s = watch_client.Watch(std::string(kCms) + "?watch=1&resourceVersion=" + from);
    if (!s.ok()) {
      std::fprintf(stderr, "watch: %s\n", s.status().message().c_str());
      return 1;
    }
    streams.push_back(std::move(*s));
  }
  std::atomic<int64_t> delivered{0};
  const auto watch_start = Clock::now();
  std::vector<std::thread> readers;
  for (auto& s : streams) {
    readers.emplace_back([&, stream = s.get()] {
      for (int n = 0; n < watch_events; ++n) {
        if (!stream->Next(std::chrono::seconds(60)).ok()) break;
        delivered.fetch_add(1);
      }
    });
  }
  {
    KeepAliveClient writer(url, o);
    for (int i = 0; i < watch_events; ++i) {
      json cm = {{"metadata", {{"name", "w-" + std::to_string(i)}}}, {"data", {{"k", "v"}}}};
      writer.Request("POST", kCms, cm.dump()).status().IgnoreError();
    }
  }
  for (auto& r : readers) r.join();
  const double watch_rate =
      delivered.load() / std::chrono::duration<double>(Clock::now() - watch_start).count();
  streams.clear();

  std::printf("joinguard-bench-sandbox: %d keep-alive clients, %.1f s per row, loopback HTTPS\n", clients,
              seconds);
  std::printf("| %-28s | %-22s | %-16s | %-6s |\n", "figure", "value", "floor (GET /version)", "ratio");
  std::printf("|------------------------------|------------------------|------------------|--------|\n");
  Row("floor: GET /version", floor.per_second, "req/s", floor.per_second);
  Row("CSR creates", creates.per_second, "creates/s", floor.per_second);
  Row("CSR GETs", gets.per_second, "GETs/s", floor.per_second);
  Row("watch events delivered", watch_rate, "events/s", floor.per_second);
  std::printf("errors: floor %lld, creates %lld, gets %lld; watch: %lld of %lld events delivered\n",
              static_cast<long long>(floor.errors), static_cast<long long>(creates.errors),
              static_cast<long long>(gets.errors), static_cast<long long>(delivered.load()),
              static_cast<long long>(watch_events) * watchers);

  if (memory_csrs > 0) {
    const auto start = Clock::now();
    for (int i = 0; i < memory_csrs; ++i) {
      auto c = sb.CreateObjectForTest(kCsrs, Csr("mem-" + std::to_string(i), pems[i % kDistinctCsrs]));
      if (!c.ok()) {
        std::fprintf(stderr, "create: %s\n", c.status().message().c_str());
        return 1;
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    sandbox->reset();  // flushes the state file
    std::ifstream state(dir + "/state/state.json", std::ios::binary | std::ios::ate);
    std::printf(
        "memory: %d CSRs created in-process in %.1f s; VmRSS %lld MiB (bench + sandbox); "
        "state.json %lld MiB\n",
        memory_csrs, secs, static_cast<long long>(RssKib() / 1024),
        static_cast<long long>(state.tellg() / (1 << 20)));
  }
  sandbox->reset();
  joinguard::testing::RemoveTree(dir);
  return 0;
}
