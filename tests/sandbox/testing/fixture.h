// Shared gtest fixture for the sandbox's own tests: starts a Sandbox on port 0 and hands out
// HTTPS clients for various identities.
#pragma once

#include <stdlib.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/testing/https_client.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::sandbox::testing {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;

class SandboxTest : public ::testing::Test {
 public:
  void StartSandbox(SandboxOptions options = {}) {
    auto sb = Sandbox::Start(options);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(sb).value();
  }
  void TearDown() override { sandbox_.reset(); }

  HttpsClient ClientAs(const std::string& user, const std::vector<std::string>& groups) {
    auto pair = sandbox_->IssueClientCert(user, groups);
    EXPECT_TRUE(pair.ok()) << pair.status();
    ClientOptions o;
    o.ca_pem = sandbox_->ca_pem();
    if (pair.ok()) {
      o.cert_pem = pair->first;
      o.key_pem = pair->second;
    }
    return HttpsClient(sandbox_->url(), o);
  }
  HttpsClient Admin() { return ClientAs("kubernetes-admin", {"system:masters"}); }
  HttpsClient Anonymous() {
    ClientOptions o;
    o.ca_pem = sandbox_->ca_pem();
    return HttpsClient(sandbox_->url(), o);
  }
  HttpsClient WithToken(const std::string& token) {
    ClientOptions o;
    o.ca_pem = sandbox_->ca_pem();
    o.bearer_token = token;
    return HttpsClient(sandbox_->url(), o);
  }

  // A kubelet-style client CSR object (PEM made with OpenSSL through common/crypto).
  static nlohmann::json KubeletCsr(
      const std::string& name, const std::string& node,
      const std::string& signer = "kubernetes.io/kube-apiserver-client-kubelet") {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    EXPECT_TRUE(key.ok());
    auto pem = crypto::BuildCsrPem(*key, crypto::CsrTemplate::ForKubeletClient(node));
    EXPECT_TRUE(pem.ok());
    nlohmann::json csr = {{"apiVersion", "certificates.k8s.io/v1"},
                          {"kind", "CertificateSigningRequest"},
                          {"metadata", {{"name", name}}},
                          {"spec",
                           {{"request", Base64(*pem)},
                            {"signerName", signer},
                            {"usages", {"digital signature", "client auth"}}}}};
    if (name.empty()) csr["metadata"] = {{"generateName", "csr-"}};
    return csr;
  }
  static std::string Base64(const std::string& s) { return crypto::Base64Encode(s); }

  static TokenSpec MakeToken(const std::string& id, const std::string& secret) {
    TokenSpec t;
    t.id = id;
    t.secret = secret;
    return t;
  }

  static std::string MakeTempDir() {
    char tmpl[] = "/tmp/jg-sandbox-test-XXXXXX";
    char* dir = mkdtemp(tmpl);
    EXPECT_NE(dir, nullptr);
    return dir ? dir : "";
  }

  std::unique_ptr<Sandbox> sandbox_;
};

}  // namespace joinguard::sandbox::testing
