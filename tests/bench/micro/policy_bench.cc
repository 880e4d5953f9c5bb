// Micro benchmarks of the controller's pure policy evaluation (controller/policy): a real
// kubelet bootstrap CSR, the default policy, an approve case and deny cases.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "controller/policy/checks.h"
#include "controller/policy/csr_context.h"
#include "controller/policy/policy.h"

namespace joinguard::controller::policy {
namespace {

struct Input {
  CsrObject object;
  CsrFacts facts;
};

// A bootstrap CSR exactly as kubelet sends it through a kubeadm token, for `node`.
Input BootstrapCsr(const std::string& node, const std::vector<std::string>& dns_names = {}) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  if (!key.ok()) std::abort();
  crypto::CsrTemplate tmpl = crypto::CsrTemplate::ForKubeletClient(node);
  tmpl.dns_names = dns_names;
  auto pem = crypto::BuildCsrPem(*key, tmpl);
  if (!pem.ok()) {
    std::fprintf(stderr, "BuildCsrPem: %s\n", pem.status().ToString().c_str());
    std::abort();
  }
  Input in;
  in.object.name = "node-csr-bench";
  in.object.uid = "6b1c2f7e-0000-4000-8000-000000000001";
  in.object.resource_version = "42";
  in.object.creation_time = std::chrono::system_clock::now();
  in.object.signer_name = std::string(kKubeletClientSigner);
  in.object.usages = {"digital signature", "client auth"};
  in.object.username = "system:bootstrap:abcdef";
  in.object.groups = {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                      "system:authenticated"};
  in.object.request_pem = *pem;
  in.facts.node_exists = false;
  in.facts.in_flight_for_node = std::vector<InFlightCsr>{};
  return in;
}

CsrContext MakeContext(const Input& in) {
  return CsrContext(in.object, crypto::ParsedCsr::FromPem(in.object.request_pem), in.facts);
}

// Checks once, outside the timed loop, that the case decides as its name says.
bool Expect(benchmark::State& state, const Verdict& v, Verdict::Outcome want, const std::string& reason) {
  if (v.outcome == want && v.reason == reason) return true;
  std::string msg =
      "unexpected verdict " + std::string(OutcomeName(v.outcome)) + " (" + v.reason + "): " + v.message;
  state.SkipWithError(msg.c_str());
  return false;
}

// Evaluate() alone on a context built once (the checks, no parsing).
void BM_EvaluateApprove(benchmark::State& state) {
  const Policy p = DefaultPolicy();
  const CsrContext ctx = MakeContext(BootstrapCsr("worker-1"));
  if (!Expect(state, Evaluate(ctx, p), Verdict::Outcome::kApprove, "")) return;
  for (auto _ : state) {
    Verdict v = Evaluate(ctx, p);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_EvaluateApprove);

// Deny on the last (fact-based) check: every shape check runs first.
void BM_EvaluateDenyNodeExists(benchmark::State& state) {
  const Policy p = DefaultPolicy();
  Input in = BootstrapCsr("worker-1");
  in.facts.node_exists = true;
  const CsrContext ctx = MakeContext(in);
  if (!Expect(state, Evaluate(ctx, p), Verdict::Outcome::kDeny, std::string(reason::kNodeExists))) return;
  for (auto _ : state) {
    Verdict v = Evaluate(ctx, p);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_EvaluateDenyNodeExists);

// Deny on a shape check (a SAN in a client certificate request).
void BM_EvaluateDenySan(benchmark::State& state) {
  const Policy p = DefaultPolicy();
  const CsrContext ctx = MakeContext(BootstrapCsr("worker-1", {"evil.example.com"}));
  if (!Expect(state, Evaluate(ctx, p), Verdict::Outcome::kDeny, std::string(reason::kSanPresent))) return;
  for (auto _ : state) {
    Verdict v = Evaluate(ctx, p);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_EvaluateDenySan);

// What the reconciler pays per CSR: parse the request, build the context, evaluate.
void BM_ParseContextEvaluateApprove(benchmark::State& state) {
  const Policy p = DefaultPolicy();
  const Input in = BootstrapCsr("worker-1");
  if (!Expect(state, Evaluate(MakeContext(in), p), Verdict::Outcome::kApprove, "")) return;
  for (auto _ : state) {
    CsrContext ctx = MakeContext(in);
    Verdict v = Evaluate(ctx, p);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ParseContextEvaluateApprove);

// Loading the default policy (regex compile included) — paid on every policy reload.
void BM_DefaultPolicy(benchmark::State& state) {
  for (auto _ : state) {
    Policy p = DefaultPolicy();
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_DefaultPolicy);

}  // namespace
}  // namespace joinguard::controller::policy
