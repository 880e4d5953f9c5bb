// kube-controller-manager csrsigning for the two kubelet signers.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"

namespace joinguard::sandbox::logic {

struct CaMaterial {
  crypto::Certificate cert;
  crypto::PrivateKey key;
};

// For an Approved, not Denied/Failed, not yet issued CSR with signer kube-apiserver-client-kubelet
// or kubelet-serving: returns the updated CSR JSON (status.certificate set, or a Failed condition
// when the request violates the signer's rules). nullopt = nothing to do.
// Validity = min(expirationSeconds (if set), 1 year), capped at the CA's NotAfter; backdated 5 min.
// `parsed` (optional): the parse of exactly this CSR's spec.request, made earlier (the create
// strategy's); without it the request is parsed here.
std::optional<nlohmann::json> SignCsr(const nlohmann::json& csr, const CaMaterial& ca,
                                      std::chrono::system_clock::time_point now,
                                      const crypto::ParsedCsr* parsed = nullptr);

// capihelper.ValidateKubeletClientCSR / ValidateKubeletServingCSR: the upstream error text, or
// nullopt when the request fits the signer.
std::optional<std::string> ValidateKubeletClientCsr(const crypto::ParsedCsr& req,
                                                    const std::set<std::string>& usages);
std::optional<std::string> ValidateKubeletServingCsr(const crypto::ParsedCsr& req,
                                                     const std::set<std::string>& usages);

// signer.duration(): 1 year unless expirationSeconds is set (then min(it, 1 year), ≥ 10 min).
std::chrono::seconds SignerDuration(const nlohmann::json& csr);

}  // namespace joinguard::sandbox::logic
