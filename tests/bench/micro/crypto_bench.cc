// Micro benchmarks of the crypto on joinguard's join path (common/crypto): what a joining node
// does (key generation, CSR build, discovery JWS check, CA pin) and what the controller and the
// sandbox signer do per CSR (parse, sign).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/jws.h"
#include "common/crypto/key.h"
#include "common/crypto/pin.h"

namespace joinguard::crypto {
namespace {

// Setup failures abort: a benchmark of a failing call would measure the error path.
template <typename T>
T Must(StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::abort();
  }
  return std::move(*v);
}

// A cluster-info kubeconfig of realistic size (the JWS content in token discovery).
std::string ClusterInfoKubeconfig() {
  std::string ca(1500, 'A');  // base64 of a ~1.1 KiB CA certificate
  return "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " + ca +
         "\n    server: https://10.0.0.1:6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\n"
         "kind: Config\npreferences: {}\nusers: null\n";
}

struct Ca {
  PrivateKey key;
  Certificate cert;
};

Ca MakeCa() {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "CA key");
  Certificate cert = Must(
      CreateSelfSignedCa(key, "kubernetes", std::chrono::hours(24 * 3650), std::chrono::system_clock::now()),
      "CA cert");
  return {std::move(key), std::move(cert)};
}

void BM_GenerateKeyP256(benchmark::State& state) {
  for (auto _ : state) {
    auto key = PrivateKey::Generate(KeyType::kEcdsaP256);
    if (!key.ok()) state.SkipWithError(key.status().ToString().c_str());
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_GenerateKeyP256);

void BM_BuildKubeletCsr(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  CsrTemplate tmpl = CsrTemplate::ForKubeletClient("worker-1");
  for (auto _ : state) {
    auto pem = BuildCsrPem(key, tmpl);
    if (!pem.ok()) state.SkipWithError(pem.status().ToString().c_str());
    benchmark::DoNotOptimize(pem);
  }
}
BENCHMARK(BM_BuildKubeletCsr);

void BM_ParseCsrFromPem(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  std::string pem = Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr");
  for (auto _ : state) {
    auto parsed = ParsedCsr::FromPem(pem);
    if (!parsed.ok() || !parsed->signature_valid()) state.SkipWithError("CSR did not parse/verify");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pem.size()));
}
BENCHMARK(BM_ParseCsrFromPem);

void BM_JwsCompute(benchmark::State& state) {
  std::string content = ClusterInfoKubeconfig();
  for (auto _ : state) {
    std::string jws = ComputeDetachedJws(content, "abcdef", "0123456789abcdef");
    benchmark::DoNotOptimize(jws);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * content.size()));
}
BENCHMARK(BM_JwsCompute);

void BM_JwsVerify(benchmark::State& state) {
  std::string content = ClusterInfoKubeconfig();
  std::string jws = ComputeDetachedJws(content, "abcdef", "0123456789abcdef");
  for (auto _ : state) {
    bool ok = DetachedJwsIsValid(jws, content, "abcdef", "0123456789abcdef");
    if (!ok) state.SkipWithError("JWS did not verify");
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * content.size()));
}
BENCHMARK(BM_JwsVerify);

void BM_SpkiPin(benchmark::State& state) {
  Ca ca = MakeCa();
  for (auto _ : state) {
    std::string pin = SpkiPin(ca.cert);
    benchmark::DoNotOptimize(pin);
  }
}
BENCHMARK(BM_SpkiPin);

void BM_PinSetCheck(benchmark::State& state) {
  Ca ca = MakeCa();
  PinSet pins;
  if (!pins.Allow(SpkiPin(ca.cert)).ok()) std::abort();
  for (auto _ : state) {
    Status s = pins.Check(ca.cert);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_PinSetCheck);

void BM_SignCsr(benchmark::State& state) {
  Ca ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  ParsedCsr csr = Must(
      ParsedCsr::FromPem(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr")), "parse");
  CertificateProfile profile;
  profile.usages = {"digital signature", "client auth"};
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    auto cert = SignCsr(csr, ca.cert, ca.key, profile, now);
    if (!cert.ok()) state.SkipWithError(cert.status().ToString().c_str());
    benchmark::DoNotOptimize(cert);
  }
}
BENCHMARK(BM_SignCsr);

// What one joining node spends on crypto before it POSTs its CSR.
void BM_NodeJoinCrypto(benchmark::State& state) {
  std::string content = ClusterInfoKubeconfig();
  std::string jws = ComputeDetachedJws(content, "abcdef", "0123456789abcdef");
  for (auto _ : state) {
    bool ok = DetachedJwsIsValid(jws, content, "abcdef", "0123456789abcdef");
    auto key = PrivateKey::Generate(KeyType::kEcdsaP256);
    if (!ok || !key.ok()) {
      state.SkipWithError("join crypto failed");
      break;
    }
    auto pem = BuildCsrPem(*key, CsrTemplate::ForKubeletClient("worker-1"));
    if (!pem.ok()) state.SkipWithError(pem.status().ToString().c_str());
    benchmark::DoNotOptimize(pem);
  }
}
BENCHMARK(BM_NodeJoinCrypto);

}  // namespace
}  // namespace joinguard::crypto

#ifdef JOINGUARD_BENCH_OWN_MAIN
BENCHMARK_MAIN();
#endif
