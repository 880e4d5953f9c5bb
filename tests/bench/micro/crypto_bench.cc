// Micro benchmarks of the crypto on joinguard's join path (common/crypto): what a joining node
// does (key generation, CSR build, discovery JWS check, CA pin) and what the controller and the
// sandbox signer do per CSR (parse, sign).
//
// The rows that have a cryptographic floor report it from the same run, as counters:
// figure_us (thread CPU per call), floor_us (thread CPU of the bare OpenSSL operation the call
// cannot avoid, measured right before the row) and ratio = figure_us / floor_us. Floors:
// one ECDSA P-256 verification (EVP_DigestVerify of the same request's signature with the key
// already decoded) for parsing, one ECDSA P-256 signature (EVP_DigestSign of a request-sized
// message) for building, signing and key generation (a key pair costs about one fixed-base
// scalar multiplication, as a signature does), two signatures for a node's join crypto.
//   build/tests/bench/micro/joinguard-bench-micro --benchmark_filter='Floor|Csr|Key|NodeJoin'
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/jws.h"
#include "common/crypto/key.h"
#include "common/crypto/pem.h"
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

double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Thread CPU microseconds per call of `fn`, over kFloorCpuUs of CPU (after one warm-up call).
constexpr double kFloorCpuUs = 100'000;
template <typename Fn>
double CpuUsPerCall(Fn&& fn) {
  fn();
  const double start = ThreadCpuUs();
  int calls = 0;
  do {
    fn();
    ++calls;
  } while (ThreadCpuUs() - start < kFloorCpuUs);
  return (ThreadCpuUs() - start) / calls;
}

// What a row's timed loop cost per iteration, next to its floor.
void ReportAgainstFloor(benchmark::State& state, double loop_start_cpu_us, double floor_us) {
  const double figure = (ThreadCpuUs() - loop_start_cpu_us) / static_cast<double>(state.iterations());
  state.counters["figure_us"] = figure;
  state.counters["floor_us"] = floor_us;
  state.counters["ratio"] = figure / floor_us;
}

// The to-be-signed bytes and signature of a request: what X509_REQ_verify checks.
struct SignedRequest {
  EvpPkeyPtr key;  // the request's public key, decoded once
  std::string tbs;
  std::string signature;
};

SignedRequest DecodeSignedRequest(const std::string& pem) {
  auto block = PemDecode(pem);
  if (!block) std::abort();
  const auto* p = reinterpret_cast<const unsigned char*>(block->bytes.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(block->bytes.size())));
  if (!req) std::abort();
  SignedRequest out;
  out.key.reset(X509_REQ_get_pubkey(req.get()));
  unsigned char* tbs = nullptr;
  const int len = i2d_re_X509_REQ_tbs(req.get(), &tbs);
  if (!out.key || len <= 0) std::abort();
  out.tbs.assign(reinterpret_cast<char*>(tbs), static_cast<size_t>(len));
  OPENSSL_free(tbs);
  const ASN1_BIT_STRING* sig = nullptr;
  X509_REQ_get0_signature(req.get(), &sig, nullptr);
  out.signature.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(sig)),
                       static_cast<size_t>(ASN1_STRING_length(sig)));
  return out;
}

// One bare ECDSA P-256 / SHA-256 verification: a fresh context per call, as any verifier needs.
bool BareVerify(const SignedRequest& r) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, r.key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(r.signature.data()),
                          r.signature.size(), reinterpret_cast<const unsigned char*>(r.tbs.data()),
                          r.tbs.size()) == 1;
}

// One bare ECDSA P-256 / SHA-256 signature over `message`.
bool BareSign(EVP_PKEY* key, const std::string& message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char sig[128];
  size_t sig_len = sizeof(sig);
  return ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(message.data()),
                        message.size()) == 1;
}

double VerifyFloorUs() {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  SignedRequest r =
      DecodeSignedRequest(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr"));
  return CpuUsPerCall([&r] {
    if (!BareVerify(r)) std::abort();
  });
}

double SignFloorUs() {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  SignedRequest r =
      DecodeSignedRequest(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr"));
  return CpuUsPerCall([&] {
    if (!BareSign(key.get(), r.tbs)) std::abort();
  });
}

void BM_FloorEcdsaP256Verify(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  SignedRequest r =
      DecodeSignedRequest(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr"));
  for (auto _ : state) {
    bool ok = BareVerify(r);
    if (!ok) state.SkipWithError("bare verify failed");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_FloorEcdsaP256Verify);

void BM_FloorEcdsaP256Sign(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  SignedRequest r =
      DecodeSignedRequest(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr"));
  for (auto _ : state) {
    bool ok = BareSign(key.get(), r.tbs);
    if (!ok) state.SkipWithError("bare sign failed");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_FloorEcdsaP256Sign);

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
  const double floor_us = SignFloorUs();
  const double start = ThreadCpuUs();
  for (auto _ : state) {
    auto key = PrivateKey::Generate(KeyType::kEcdsaP256);
    if (!key.ok()) state.SkipWithError(key.status().ToString().c_str());
    benchmark::DoNotOptimize(key);
  }
  ReportAgainstFloor(state, start, floor_us);
}
BENCHMARK(BM_GenerateKeyP256);

void BM_BuildKubeletCsr(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  CsrTemplate tmpl = CsrTemplate::ForKubeletClient("worker-1");
  const double floor_us = SignFloorUs();
  const double start = ThreadCpuUs();
  for (auto _ : state) {
    auto pem = BuildCsrPem(key, tmpl);
    if (!pem.ok()) state.SkipWithError(pem.status().ToString().c_str());
    benchmark::DoNotOptimize(pem);
  }
  ReportAgainstFloor(state, start, floor_us);
}
BENCHMARK(BM_BuildKubeletCsr);

void BM_ParseCsrFromPem(benchmark::State& state) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  std::string pem = Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr");
  const double floor_us = VerifyFloorUs();
  const double start = ThreadCpuUs();
  for (auto _ : state) {
    auto parsed = ParsedCsr::FromPem(pem);
    if (!parsed.ok() || !parsed->signature_valid()) state.SkipWithError("CSR did not parse/verify");
    benchmark::DoNotOptimize(parsed);
  }
  ReportAgainstFloor(state, start, floor_us);
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

// A kubelet client request and the CA that signs it, as both signing benchmarks use them.
struct SignInputs {
  Ca ca;
  ParsedCsr csr;
  CertificateProfile profile;
};

// Times `sign(inputs, now)` (a SignCsr variant) against the bare ECDSA sign floor.
template <typename Sign>
void RunSignBenchmark(benchmark::State& state, Sign sign) {
  PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256), "key");
  SignInputs in{
      MakeCa(),
      Must(ParsedCsr::FromPem(Must(BuildCsrPem(key, CsrTemplate::ForKubeletClient("worker-1")), "csr")),
           "parse"),
      {}};
  in.profile.usages = {"digital signature", "client auth"};
  const auto now = std::chrono::system_clock::now();
  const double floor_us = SignFloorUs();
  const double start = ThreadCpuUs();
  for (auto _ : state) {
    auto out = sign(in, now);
    if (!out.ok()) state.SkipWithError(out.status().ToString().c_str());
    benchmark::DoNotOptimize(out);
  }
  ReportAgainstFloor(state, start, floor_us);
}

void BM_SignCsr(benchmark::State& state) {
  RunSignBenchmark(state, [](const SignInputs& in, std::chrono::system_clock::time_point now) {
    return SignCsr(in.csr, in.ca.cert, in.ca.key, in.profile, now);
  });
}
BENCHMARK(BM_SignCsr);

// What the sandbox's signer needs: the certificate's DER, not a Certificate read back from it.
void BM_SignCsrDer(benchmark::State& state) {
  RunSignBenchmark(state, [](const SignInputs& in, std::chrono::system_clock::time_point now) {
    return SignCsrDer(in.csr, in.ca.cert, in.ca.key, in.profile, now);
  });
}
BENCHMARK(BM_SignCsrDer);

// What one joining node spends on crypto before it POSTs its CSR.
void BM_NodeJoinCrypto(benchmark::State& state) {
  std::string content = ClusterInfoKubeconfig();
  std::string jws = ComputeDetachedJws(content, "abcdef", "0123456789abcdef");
  const double floor_us = 2 * SignFloorUs();  // a key pair and the CSR's signature
  const double start = ThreadCpuUs();
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
  ReportAgainstFloor(state, start, floor_us);
}
BENCHMARK(BM_NodeJoinCrypto);

}  // namespace
}  // namespace joinguard::crypto

#ifdef JOINGUARD_BENCH_OWN_MAIN
BENCHMARK_MAIN();
#endif
