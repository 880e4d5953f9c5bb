// The named-curve fast paths (common/crypto/named_curve.h, csr_der.h) against OpenSSL's generic
// ones: the same parse results, bytes and keys, for every kind of key and for hostile bytes.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/csr_der.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "common/crypto/named_curve.h"
#include "common/crypto/pem.h"
#include "common/crypto/x509_internal.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/crypto/test_util.h"

namespace joinguard::crypto {
namespace {

// Every observable field of a parse, or its error: what the fast path must reproduce.
std::string FastPathDescribeParse(const StatusOr<ParsedCsr>& parsed) {
  if (!parsed.ok()) return "error: " + parsed.status().ToString();
  std::ostringstream o;
  for (const auto& rdn : parsed->subject_rdns()) {
    o << "rdn:";
    for (const NameAttribute& a : rdn) o << a.type << "=" << a.value << ";";
    o << "\n";
  }
  auto list = [&o](const char* what, const std::vector<std::string>& v) {
    o << what << ":";
    for (const std::string& s : v) o << s << ";";
    o << "\n";
  };
  list("dns", parsed->dns_names());
  list("ip", parsed->ip_addresses());
  list("email", parsed->emails());
  list("uri", parsed->uris());
  list("other", parsed->other_san_types());
  const KeyInfo& k = parsed->key_info();
  o << "key:" << static_cast<int>(k.algorithm) << "/" << k.bits << "/" << k.curve << "/" << k.type_name << "/"
    << k.ToString() << "\n";
  o << "spki:" << Base64Encode(parsed->spki_der()) << "\n";
  for (const CsrExtension& e : parsed->extensions())
    o << "ext:" << e.oid << "/" << e.name << "/" << e.critical << "\n";
  o << "attributes:" << parsed->attribute_count() << "\n";
  list("attribute_oids", parsed->attribute_oids());
  o << "sigalg:" << parsed->signature_algorithm() << "\nvalid:" << parsed->signature_valid()
    << "\nder:" << Base64Encode(parsed->der()) << "\n";
  return o.str();
}

// True when the fast path (not d2i_X509_REQ) handles `der`.
bool FastPathTakes(std::string_view der) {
  std::unique_ptr<internal::CsrDer> view = internal::CsrDer::Decode(der);
  return view && internal::NamedCurvePublicKey(view->key_algorithm(), view->key_bits()) != nullptr;
}

// Parses `in` through both CSR parsers and reports the first few disagreements as failures;
// counts inputs the fast path took and the disagreements.
void CompareParsers(const std::string& in, int* fast_taken, int* mismatches) {
  if (FastPathTakes(in)) ++*fast_taken;
  const std::string want = FastPathDescribeParse(internal::ParseCsrWithX509Req(in, {}));
  const std::string got = FastPathDescribeParse(ParsedCsr::FromDer(in));
  if (got != want && ++*mismatches <= 3) {
    ADD_FAILURE() << "input " << Base64Encode(in) << "\nfast path: " << got << "\nd2i_X509_REQ: " << want;
  }
}

PrivateKey FastPathKey(const char* type, const char* group = nullptr) {
  EVP_PKEY* raw = group != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, group)
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  if (raw == nullptr) std::abort();
  return PrivateKey(EvpPkeyPtr(raw));
}

PrivateKey FastPathEcKeyWith(const char* param, const char* value) {
  PrivateKey key = FastPathKey("EC", "P-256");
  if (EVP_PKEY_set_utf8_string_param(key.get(), param, value) != 1) std::abort();
  return key;
}

CsrTemplate FastPathTemplateWithSans() {
  CsrTemplate t = CsrTemplate::ForKubeletClient("worker-1");
  t.dns_names = {"worker-1", "worker-1.example.com"};
  t.ip_addresses = {"10.0.0.7", "fd00::7"};
  t.emails = {"ops@example.com"};
  t.uris = {"spiffe://cluster.local/ns/kube-system/sa/x"};
  return t;
}

std::string FastPathCsrDer(const PrivateKey& key, const CsrTemplate& tmpl) {
  StatusOr<std::string> pem = BuildCsrPem(key, tmpl);
  if (!pem.ok()) std::abort();
  auto block = PemDecode(*pem);
  if (!block) std::abort();
  return block->bytes;
}

struct FastPathKeyCase {
  const char* name;
  PrivateKey key;
  bool fast;     // the named-curve paths must take it
  bool refused;  // ParsedCsr refuses the request (RFC 5480 explicit curve parameters)
};

std::vector<FastPathKeyCase> FastPathKeyCases() {
  std::vector<FastPathKeyCase> cases;
  cases.push_back({"P-256", FastPathKey("EC", "P-256"), true, false});
  cases.push_back({"P-384", FastPathKey("EC", "P-384"), true, false});
  cases.push_back({"P-521", FastPathKey("EC", "P-521"), true, false});
  cases.push_back({"P-224 (not a fast curve)", FastPathKey("EC", "P-224"), false, false});
  cases.push_back({"P-256 compressed point",
                   FastPathEcKeyWith(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), false,
                   false});
  cases.push_back(
      {"P-256 explicit parameters", FastPathEcKeyWith(OSSL_PKEY_PARAM_EC_ENCODING, "explicit"), false, true});
  cases.push_back({"Ed25519", FastPathKey("ED25519"), false, false});
  cases.push_back({"RSA 2048", *PrivateKey::Generate(KeyType::kRsa2048), false, false});
  return cases;
}

TEST(NamedCurveFastPathTest, ParseAgreesWithX509ReqForEveryKeyKind) {
  for (const FastPathKeyCase& c : FastPathKeyCases()) {
    for (const CsrTemplate& tmpl : {CsrTemplate::ForKubeletClient("worker-1"), FastPathTemplateWithSans()}) {
      SCOPED_TRACE(c.name);
      const std::string der = FastPathCsrDer(c.key, tmpl);
      EXPECT_EQ(FastPathTakes(der), c.fast);
      const StatusOr<ParsedCsr> fast = ParsedCsr::FromDer(der);
      EXPECT_EQ(FastPathDescribeParse(fast), FastPathDescribeParse(internal::ParseCsrWithX509Req(der, {})));
      EXPECT_EQ(FastPathDescribeParse(ParsedCsr::FromDer(der, {.keep_der = false})),
                FastPathDescribeParse(internal::ParseCsrWithX509Req(der, {.keep_der = false})));
    }
  }
}

// Hostile bytes: every truncation and every flipped byte of a request with SANs reads exactly as
// d2i_X509_REQ reads it (the same fields, or the same error).
TEST(NamedCurveFastPathTest, ParseAgreesWithX509ReqOnEveryTruncationAndFlippedByte) {
  const std::string der = FastPathCsrDer(FastPathKey("EC", "P-256"), FastPathTemplateWithSans());
  ASSERT_TRUE(FastPathTakes(der));
  std::vector<std::string> inputs = {der + std::string(1, '\0'), der + der};
  for (size_t i = 0; i < der.size(); ++i) {
    inputs.push_back(der.substr(0, i));
    for (unsigned char mask : {0xffu, 0x01u, 0x80u}) {
      std::string flipped = der;
      flipped[i] = static_cast<char>(static_cast<unsigned char>(flipped[i]) ^ mask);
      inputs.push_back(std::move(flipped));
    }
  }
  int fast_taken = 0;
  int mismatches = 0;
  for (const std::string& in : inputs) {
    CompareParsers(in, &fast_taken, &mismatches);
  }
  EXPECT_EQ(mismatches, 0);
  // Many flips land in fields the fast path still decodes (names, SANs, signature): the
  // comparison above covered the fast path, not only the fallback.
  EXPECT_GT(fast_taken, static_cast<int>(inputs.size()) / 3);
}

// Seeded random edits of a P-384 request with SANs: several bytes at once, inserted and removed
// bytes (length fields that no longer match), the same comparison as above.
TEST(NamedCurveFastPathTest, ParseAgreesWithX509ReqOnRandomEdits) {
  const std::string der = FastPathCsrDer(FastPathKey("EC", "P-384"), FastPathTemplateWithSans());
  ASSERT_TRUE(FastPathTakes(der));
  std::mt19937 rng(20261130);  // fixed: a failure replays
  constexpr int kEdits = 2000;
  int fast_taken = 0;
  int mismatches = 0;
  for (int n = 0; n < kEdits; ++n) {
    std::string in = der;
    const int changes = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < changes && !in.empty(); ++c) {
      const size_t at = rng() % in.size();
      switch (rng() % 6) {  // mostly in place: those keep the structure (and the fast path) longer
        case 0:
          in.insert(at, 1, static_cast<char>(rng()));
          break;
        case 1:
          in.erase(at, 1);
          break;
        default:
          in[at] = static_cast<char>(rng());
          break;
      }
    }
    CompareParsers(in, &fast_taken, &mismatches);
  }
  EXPECT_EQ(mismatches, 0);
  RecordProperty("edits_through_the_fast_path", fast_taken);
  EXPECT_GT(fast_taken, kEdits / 20);
}

// The CSR fuzz target's seed corpus (PEM and DER requests of every shape it starts from).
TEST(NamedCurveFastPathTest, ParseAgreesWithX509ReqOnTheFuzzCorpus) {
  const std::vector<std::string> files = testing::TempDir::List(JOINGUARD_CSR_FUZZ_CORPUS);
  ASSERT_FALSE(files.empty()) << JOINGUARD_CSR_FUZZ_CORPUS;
  for (const std::string& name : files) {
    SCOPED_TRACE(name);
    std::ifstream in(std::string(JOINGUARD_CSR_FUZZ_CORPUS) + "/" + name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto block = PemDecode(bytes);
    const std::string der = block ? block->bytes : bytes;
    EXPECT_EQ(FastPathDescribeParse(ParsedCsr::FromDer(der)),
              FastPathDescribeParse(internal::ParseCsrWithX509Req(der, {})));
  }
}

TEST(NamedCurveFastPathTest, BuildCsrWritesTheEncodersSpki) {
  for (const FastPathKeyCase& c : FastPathKeyCases()) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::string want, c.key.PublicKeySpkiDer());
    X509_PUBKEY* spki = X509_PUBKEY_new();
    ASSERT_NE(spki, nullptr);
    const bool fast = internal::SetNamedCurveSpki(spki, c.key.get());
    EXPECT_EQ(fast, c.fast);
    if (fast) {
      ASSERT_OK_AND_ASSIGN(std::string got, DerEncode<X509_PUBKEY>(i2d_X509_PUBKEY, spki, "spki"));
      EXPECT_EQ(Base64Encode(got), Base64Encode(want));
    }
    X509_PUBKEY_free(spki);
    const std::string der = FastPathCsrDer(c.key, FastPathTemplateWithSans());
    if (c.refused) {
      EXPECT_FALSE(ParsedCsr::FromDer(der).ok());
      continue;
    }
    ASSERT_OK_AND_ASSIGN(ParsedCsr parsed, ParsedCsr::FromDer(der));
    EXPECT_EQ(Base64Encode(parsed.spki_der()), Base64Encode(want));
    EXPECT_TRUE(parsed.signature_valid());
    EXPECT_EQ(parsed.key_info().ToString(), c.key.Info().ToString());
  }
}

TEST(NamedCurveFastPathTest, GeneratedKeysAreShapedLikeQKeygenKeys) {
  for (auto [type, group] :
       {std::pair{KeyType::kEcdsaP256, "P-256"}, std::pair{KeyType::kEcdsaP384, "P-384"}}) {
    SCOPED_TRACE(group);
    ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(type));
    PrivateKey reference = FastPathKey("EC", group);
    EXPECT_EQ(key.Info().ToString(), reference.Info().ToString());
    EXPECT_EQ(key.Info().curve, reference.Info().curve);
    ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
    ASSERT_OK_AND_ASSIGN(std::string ref_spki, reference.PublicKeySpkiDer());
    ASSERT_EQ(spki.size(), ref_spki.size());
    const size_t point_size = (spki.size() - 1) / 2;  // everything before the point's X and Y
    EXPECT_EQ(spki.substr(0, spki.size() - 2 * point_size),
              ref_spki.substr(0, ref_spki.size() - 2 * point_size));
    EXPECT_NE(spki, ref_spki);
    for (PrivateKeyPemFormat format : {PrivateKeyPemFormat::kTraditional, PrivateKeyPemFormat::kPkcs8}) {
      ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem(format));
      ASSERT_OK_AND_ASSIGN(std::string ref_pem, reference.ToPem(format));
      EXPECT_EQ(pem.size(), ref_pem.size());
      ASSERT_OK_AND_ASSIGN(PrivateKey back, PrivateKey::FromPem(pem));
      EXPECT_EQ(*back.PublicKeySpkiDer(), spki);
    }
    ASSERT_OK_AND_ASSIGN(PrivateKey second, PrivateKey::Generate(type));
    EXPECT_NE(*second.PublicKeySpkiDer(), spki);
  }
}

struct FastPathCa {
  PrivateKey key;
  Certificate cert;
};

FastPathCa MakeFastPathCa(SystemTime now) {
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcdsaP256);
  Certificate cert = *CreateSelfSignedCa(key, "kubernetes", std::chrono::hours(24), now);
  return {std::move(key), std::move(cert)};
}

TEST(NamedCurveFastPathTest, SignCsrAndSignCsrDerIssueTheSameCertificate) {
  const SystemTime now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  FastPathCa ca = MakeFastPathCa(now);
  CertificateProfile profile;
  profile.usages = {"digital signature", "client auth"};
  for (const FastPathKeyCase& c : FastPathKeyCases()) {
    if (c.refused) continue;
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(*BuildCsrPem(c.key, FastPathTemplateWithSans())));
    ASSERT_OK_AND_ASSIGN(Certificate signed_cert, SignCsr(csr, ca.cert, ca.key, profile, now));
    ASSERT_OK_AND_ASSIGN(std::string der, SignCsrDer(csr, ca.cert, ca.key, profile, now));
    ASSERT_OK_AND_ASSIGN(Certificate from_der, Certificate::FromDer(der));
    for (const Certificate* cert : {&signed_cert, &from_der}) {
      EXPECT_EQ(cert->CommonName(), "system:node:worker-1");
      EXPECT_EQ(cert->Organizations(), std::vector<std::string>{"system:nodes"});
      EXPECT_EQ(cert->DnsNames(), csr.dns_names());
      EXPECT_EQ(cert->IpAddresses(), csr.ip_addresses());
      EXPECT_EQ(Base64Encode(cert->SpkiDer()), Base64Encode(csr.spki_der()));
      // The decoded key is there (chain verification and PublicKeyInfo read it).
      EXPECT_EQ(cert->PublicKeyInfo().ToString(), csr.key_info().ToString());
      EXPECT_OK(VerifyCertificate(*cert, {ca.cert}, {}, now));
    }
  }
}

// The cached curve templates are shared by every thread: parse, build, sign and generate at once.
TEST(NamedCurveFastPathTest, ConcurrentUseOfTheSharedCurveTemplates) {
  const SystemTime now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  FastPathCa ca = MakeFastPathCa(now);
  CertificateProfile profile;
  profile.usages = {"digital signature", "client auth"};
  constexpr int kThreads = 4;
  constexpr int kRounds = 40;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        StatusOr<PrivateKey> key =
            PrivateKey::Generate(t % 2 == 0 ? KeyType::kEcdsaP256 : KeyType::kEcdsaP384);
        if (!key.ok()) continue;
        StatusOr<std::string> pem = BuildCsrPem(*key, CsrTemplate::ForKubeletClient("n" + std::to_string(t)));
        if (!pem.ok()) continue;
        StatusOr<ParsedCsr> csr = ParsedCsr::FromPem(*pem);
        if (!csr.ok() || !csr->signature_valid() || csr->spki_der() != *key->PublicKeySpkiDer()) continue;
        StatusOr<std::string> der = SignCsrDer(*csr, ca.cert, ca.key, profile, now);
        if (!der.ok()) continue;
        StatusOr<Certificate> cert = Certificate::FromDer(*der);
        if (!cert.ok() || cert->SpkiDer() != csr->spki_der()) continue;
        good.fetch_add(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kRounds);
}

}  // namespace
}  // namespace joinguard::crypto
