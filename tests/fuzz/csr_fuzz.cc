// CSR parser (PEM and DER) and the whole client-CSR policy over whatever parses.
#include "common/crypto/csr.h"
#include "controller/policy/checks.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  using namespace joinguard::controller::policy;
  const std::string_view in = fuzz::AsView(data, size);
  static const Policy* const kPolicy = new Policy(DefaultPolicy());
  for (auto parsed : {crypto::ParsedCsr::FromPem(in), crypto::ParsedCsr::FromDer(in)}) {
    CsrObject csr;
    csr.name = "csr-fuzz";
    csr.signer_name = std::string(kKubeletClientSigner);
    csr.usages = {"digital signature", "client auth"};
    csr.username = "system:bootstrap:abcdef";
    csr.groups = {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token"};
    csr.request_pem = std::string(in);
    const bool parsed_ok = parsed.ok();
    const bool sig_ok = parsed_ok && parsed->signature_valid();
    CsrFacts facts{false, std::vector<InFlightCsr>{}, ""};
    CsrContext ctx(std::move(csr), std::move(parsed), facts);
    Verdict v = Evaluate(ctx, *kPolicy);
    // Whatever the bytes, an approval needs a request that parsed with a valid self-signature
    // and no subjectAltName extension.
    if (v.outcome == Verdict::Outcome::kApprove) {
      fuzz::Require(parsed_ok && sig_ok, "approved a request that did not parse or verify");
      fuzz::Require(!ctx.parsed().HasSanExtension(), "approved a request with a SAN extension");
    }
  }
  return 0;
}
