// Test-only helpers for the sandbox logic unit tests: real keys, CSRs and CA material.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"

namespace joinguard::sandbox::logic::testing {

inline std::string MakeCsrPem(const crypto::CsrTemplate& tmpl,
                              crypto::KeyType type = crypto::KeyType::kEcdsaP256) {
  auto key = crypto::PrivateKey::Generate(type);
  if (!key.ok()) return "";
  auto pem = crypto::BuildCsrPem(*key, tmpl);
  return pem.ok() ? *pem : "";
}

inline crypto::CsrTemplate Subject(const std::string& cn, const std::vector<std::string>& orgs) {
  crypto::CsrTemplate t;
  for (const auto& o : orgs) t.subject.push_back({"O", o});
  t.subject.push_back({"CN", cn});
  return t;
}

// A CSR object as the REST API shows it.
inline nlohmann::json CsrObject(const std::string& name, const std::string& pem, const std::string& signer,
                                const std::vector<std::string>& usages) {
  return {{"apiVersion", "certificates.k8s.io/v1"},
          {"kind", "CertificateSigningRequest"},
          {"metadata",
           {{"name", name},
            {"uid", "uid-" + name},
            {"resourceVersion", "7"},
            {"creationTimestamp", "2026-11-29T03:00:00Z"}}},
          {"spec", {{"request", crypto::Base64Encode(pem)}, {"signerName", signer}, {"usages", usages}}}};
}

inline nlohmann::json KubeletClientCsr(const std::string& name, const std::string& node = "node-1") {
  return CsrObject(name, MakeCsrPem(crypto::CsrTemplate::ForKubeletClient(node)),
                   "kubernetes.io/kube-apiserver-client-kubelet", {"digital signature", "client auth"});
}

inline std::chrono::system_clock::time_point FixedNow() {
  // 2026-11-29T03:00:00Z
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795921200));
}

}  // namespace joinguard::sandbox::logic::testing
