#include "common/crypto/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "common/crypto/encoding.h"
#include "common/crypto/pem.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/crypto/test_util.h"
#include "tests/testing/vectors.h"

namespace joinguard::crypto {
namespace {

namespace vectors = ::joinguard::testing::vectors;
using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunOpenSsl;
using testing::TempDir;

StatusOr<std::string> Der(const std::string& pem) {
  auto block = PemDecode(pem);
  if (!block) return InvalidArgumentError("no block");
  return block->bytes;
}

// Verifies a CSR with `openssl req -verify -noout`.
void ExpectOpenSslVerifies(const std::string& pem) {
  if (!testing::HaveOpenSslCli()) return;
  TempDir dir;
  testing::WriteText(dir.File("req.pem"), pem);
  auto r = RunOpenSsl({"req", "-in", dir.File("req.pem"), "-verify", "-noout"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // OpenSSL 3.0 exits 0 even when the self-signature fails: check its verdict too.
  EXPECT_THAT(r.output, HasSubstr("verify OK"));
}

TEST(CsrBuildTest, KubeletClientCsrMatchesGo) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(vectors::kV10EcKeyPem));
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient("fake-node-name")));
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u);
  ExpectOpenSslVerifies(pem);

  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  ASSERT_EQ(csr.subject_rdns().size(), 2u);
  EXPECT_THAT(csr.subject_rdns()[0], ElementsAre(NameAttribute{"O", "system:nodes"}));
  EXPECT_THAT(csr.subject_rdns()[1], ElementsAre(NameAttribute{"CN", "system:node:fake-node-name"}));
  EXPECT_EQ(csr.CommonName(), "system:node:fake-node-name");
  EXPECT_THAT(csr.Organizations(), ElementsAre("system:nodes"));
  EXPECT_EQ(csr.attribute_count(), 0);
  EXPECT_TRUE(csr.extensions().empty());
  EXPECT_FALSE(csr.HasAnySan());
  EXPECT_TRUE(csr.signature_valid());
  EXPECT_OK(csr.VerifySignature());
  EXPECT_EQ(csr.signature_algorithm(), "ecdsa-with-SHA256");
  EXPECT_EQ(csr.key_info().ToString(), "ECDSA P-256");
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  EXPECT_EQ(csr.spki_der(), spki);

  // Byte-level: both values are PrintableString (tag 0x13), one attribute per RDN SET, and the
  // attribute set is present but empty ([0] with length 0), as Go's x509 writes it.
  ASSERT_OK_AND_ASSIGN(std::string der, Der(pem));
  EXPECT_EQ(der, csr.der());
  const std::string o_rdn = std::string("\x31\x15\x30\x13\x06\x03\x55\x04\x0a\x13\x0c", 11) + "system:nodes";
  const std::string cn_rdn =
      std::string("\x31\x23\x30\x21\x06\x03\x55\x04\x03\x13\x1a", 11) + "system:node:fake-node-name";
  EXPECT_NE(der.find(o_rdn + cn_rdn), std::string::npos) << HexEncode(der);
  EXPECT_NE(der.find(spki + std::string("\xa0\x00", 2)), std::string::npos);
}

// keep_der = false (the controller's long-lived parse) drops only the DER copy: every value a
// check reads is the same, and re-reading the request (SignCsr) is refused, not mis-signed.
TEST(CsrParseTest, WithoutDerKeepsEveryCheckedValue) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  CsrTemplate t = CsrTemplate::ForKubeletClient("n1");
  t.dns_names = {"n1.example"};
  t.ip_addresses = {"10.0.0.7"};
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, t));
  ASSERT_OK_AND_ASSIGN(ParsedCsr full, ParsedCsr::FromPem(pem));
  ASSERT_OK_AND_ASSIGN(ParsedCsr lean, ParsedCsr::FromPem(pem, {.keep_der = false}));
  EXPECT_FALSE(full.der().empty());
  EXPECT_TRUE(lean.der().empty());
  EXPECT_EQ(lean.subject_rdns(), full.subject_rdns());
  EXPECT_EQ(lean.dns_names(), full.dns_names());
  EXPECT_EQ(lean.ip_addresses(), full.ip_addresses());
  EXPECT_EQ(lean.spki_der(), full.spki_der());
  EXPECT_EQ(lean.key_info().ToString(), full.key_info().ToString());
  EXPECT_EQ(lean.attribute_oids(), full.attribute_oids());
  ASSERT_EQ(lean.extensions().size(), full.extensions().size());
  EXPECT_EQ(lean.signature_algorithm(), full.signature_algorithm());
  EXPECT_TRUE(lean.signature_valid());
  EXPECT_OK(lean.VerifySignature());
  // The checks still run on bad bytes: a flipped signature byte is not valid either way.
  ASSERT_OK_AND_ASSIGN(std::string der, Der(pem));
  der[der.size() - 2] ^= 0x01;
  ASSERT_OK_AND_ASSIGN(ParsedCsr flipped, ParsedCsr::FromDer(der, {.keep_der = false}));
  EXPECT_FALSE(flipped.signature_valid());
  EXPECT_FALSE(ParsedCsr::FromPem("junk", {.keep_der = false}).ok());
}

TEST(CsrBuildTest, UsesUtf8StringWhenNotPrintableAsGoDoes) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  CsrTemplate t;
  t.subject = {{"CN", "*.example"}, {"O", "caf\xc3\xa9"}, {"OU", "a&b"}, {"L", "plain"}};
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, t));
  ASSERT_OK_AND_ASSIGN(std::string der, Der(pem));
  EXPECT_NE(der.find(std::string("\x0c\x09*.example", 11)), std::string::npos);
  EXPECT_NE(der.find(std::string("\x0c\x05"
                                 "caf\xc3\xa9",
                                 7)),
            std::string::npos);
  EXPECT_NE(der.find(std::string("\x0c\x03"
                                 "a&b",
                                 5)),
            std::string::npos);
  EXPECT_NE(der.find(std::string("\x13\x05plain", 7)), std::string::npos);
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  EXPECT_EQ(csr.SubjectValues("O"), std::vector<std::string>{"caf\xc3\xa9"});
  EXPECT_EQ(csr.SubjectValues("OU"), std::vector<std::string>{"a&b"});
  ExpectOpenSslVerifies(pem);
}

struct DigestCase {
  KeyType type;
  std::string algorithm;
  friend void PrintTo(const DigestCase& c, std::ostream* os) { *os << c.algorithm; }
};

class CsrDigestTest : public ::testing::TestWithParam<DigestCase> {};

// client-go cert.MakeCSR: RSA <3072 → SHA-256, ≥3072 → SHA-384, ≥4096 → SHA-512; ECDSA by curve.
INSTANTIATE_TEST_SUITE_P(KeyTypes, CsrDigestTest,
                         ::testing::Values(DigestCase{KeyType::kEcdsaP256, "ecdsa-with-SHA256"},
                                           DigestCase{KeyType::kEcdsaP384, "ecdsa-with-SHA384"},
                                           DigestCase{KeyType::kRsa2048, "sha256WithRSAEncryption"},
                                           DigestCase{KeyType::kRsa3072, "sha384WithRSAEncryption"},
                                           DigestCase{KeyType::kRsa4096, "sha512WithRSAEncryption"},
                                           DigestCase{KeyType::kEd25519, "ED25519"}),
                         [](const ::testing::TestParamInfo<DigestCase>& info) {
                           std::string n = info.param.algorithm;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST_P(CsrDigestTest, SignsWithTheUpstreamDigestAndVerifies) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(GetParam().type));
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient("n1")));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  EXPECT_EQ(csr.signature_algorithm(), GetParam().algorithm);
  EXPECT_TRUE(csr.signature_valid());
  EXPECT_EQ(csr.key_info().ToString(), key.Info().ToString());
  ExpectOpenSslVerifies(pem);
}

TEST(CsrBuildTest, SansRoundTripInGoOrder) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  CsrTemplate t = CsrTemplate::ForKubeletClient("node-1");
  t.dns_names = {"node-1", "node-1.example.com"};
  t.ip_addresses = {"10.0.0.1", "fd00::1", "::ffff:192.168.1.2"};
  t.emails = {"admin@example.com"};
  t.uris = {"spiffe://cluster.local/ns/x"};
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, t));
  ExpectOpenSslVerifies(pem);
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  EXPECT_THAT(csr.dns_names(), ElementsAre("node-1", "node-1.example.com"));
  // IPv4-mapped IPv6 is written as 4 bytes (Go's To4) and prints as IPv4.
  EXPECT_THAT(csr.ip_addresses(), ElementsAre("10.0.0.1", "fd00::1", "192.168.1.2"));
  EXPECT_THAT(csr.emails(), ElementsAre("admin@example.com"));
  EXPECT_THAT(csr.uris(), ElementsAre("spiffe://cluster.local/ns/x"));
  EXPECT_TRUE(csr.other_san_types().empty());
  EXPECT_TRUE(csr.HasAnySan());
  EXPECT_EQ(csr.attribute_count(), 1);
  ASSERT_EQ(csr.extensions().size(), 1u);
  EXPECT_EQ(csr.extensions()[0].oid, "2.5.29.17");
  EXPECT_EQ(csr.extensions()[0].name, "subjectAltName");
  EXPECT_FALSE(csr.extensions()[0].critical);
  if (testing::HaveOpenSslCli()) {
    TempDir dir;
    testing::WriteText(dir.File("req.pem"), pem);
    auto r = RunOpenSsl({"req", "-in", dir.File("req.pem"), "-noout", "-text"});
    ASSERT_EQ(r.exit_code, 0);
    // Go's marshalSANs order: DNS, email, IP, URI.
    EXPECT_THAT(r.output, HasSubstr("DNS:node-1, DNS:node-1.example.com, email:admin@example.com, "
                                    "IP Address:10.0.0.1, IP Address:FD00:0:0:0:0:0:0:1, "
                                    "IP Address:192.168.1.2, URI:spiffe://cluster.local/ns/x"));
  }
}

TEST(CsrBuildTest, RejectsBadTemplates) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  CsrTemplate bad_ip = CsrTemplate::ForKubeletClient("n");
  bad_ip.ip_addresses = {"10.0.0.300"};
  EXPECT_THAT(BuildCsrPem(key, bad_ip), StatusIs(StatusCode::kInvalidArgument, HasSubstr("10.0.0.300")));
  CsrTemplate bad_type;
  bad_type.subject = {{"notAnAttribute", "x"}};
  EXPECT_THAT(BuildCsrPem(key, bad_type), StatusIs(StatusCode::kInvalidArgument));
  CsrTemplate bad_dns;
  bad_dns.dns_names = {
      "b\xc3\xa4"
      "d.example"};
  EXPECT_THAT(BuildCsrPem(key, bad_dns), StatusIs(StatusCode::kInvalidArgument));
  CsrTemplate bad_utf8;
  bad_utf8.subject = {{"CN", "\xff\xfe"}};
  EXPECT_THAT(BuildCsrPem(key, bad_utf8), StatusIs(StatusCode::kInvalidArgument));
  // Dotted OIDs are accepted for attribute types.
  CsrTemplate oid;
  oid.subject = {{"2.5.4.3", "by-oid"}};
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, oid));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  EXPECT_EQ(csr.CommonName(), "by-oid");
}

TEST(CsrParseTest, OpenSslCliCsrWithEverything) {
  if (!testing::HaveOpenSslCli()) GTEST_SKIP() << "no openssl CLI";
  TempDir dir;
  // dirName needs a config section.
  testing::WriteText(dir.File("openssl.cnf"),
                     "[req]\ndistinguished_name=dn\n[dn]\n[dir_sect]\nCN=dir-name\n");
  auto r = RunOpenSsl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-keyout", dir.File("key.pem"), "-out", dir.File("req.pem"), "-subj",
                       "/O=system:nodes/OU=a+OU=b/CN=system:node:foo/C=US/serialNumber=42/"
                       "emailAddress=x@y.z",
                       "-addext",
                       "subjectAltName=DNS:foo.example,IP:10.0.0.1,IP:fd00::1,email:a@b.c,"
                       "URI:spiffe://x/y,otherName:1.2.3.4;UTF8:other,dirName:dir_sect",
                       "-addext", "keyUsage=critical,digitalSignature", "-config", dir.File("openssl.cnf")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string pem = testing::ReadText(dir.File("req.pem"));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  ASSERT_EQ(csr.subject_rdns().size(), 6u);
  EXPECT_THAT(csr.subject_rdns()[0], ElementsAre(NameAttribute{"O", "system:nodes"}));
  EXPECT_THAT(csr.subject_rdns()[1],
              ElementsAre(NameAttribute{"OU", "a"}, NameAttribute{"OU", "b"}));  // multi-valued
  EXPECT_THAT(csr.subject_rdns()[2], ElementsAre(NameAttribute{"CN", "system:node:foo"}));
  EXPECT_THAT(csr.subject_rdns()[3], ElementsAre(NameAttribute{"C", "US"}));
  EXPECT_THAT(csr.subject_rdns()[4], ElementsAre(NameAttribute{"serialNumber", "42"}));
  EXPECT_THAT(csr.subject_rdns()[5], ElementsAre(NameAttribute{"emailAddress", "x@y.z"}));
  EXPECT_THAT(csr.SubjectValues("OU"), ElementsAre("a", "b"));
  EXPECT_THAT(csr.dns_names(), ElementsAre("foo.example"));
  EXPECT_THAT(csr.ip_addresses(), ElementsAre("10.0.0.1", "fd00::1"));
  EXPECT_THAT(csr.emails(), ElementsAre("a@b.c"));
  EXPECT_THAT(csr.uris(), ElementsAre("spiffe://x/y"));
  EXPECT_THAT(csr.other_san_types(), ElementsAre("otherName", "directoryName"));
  ASSERT_EQ(csr.extensions().size(), 2u);
  EXPECT_EQ(csr.extensions()[0].name, "subjectAltName");
  EXPECT_EQ(csr.extensions()[1].name, "keyUsage");
  EXPECT_EQ(csr.extensions()[1].oid, "2.5.29.15");
  EXPECT_TRUE(csr.extensions()[1].critical);
  EXPECT_EQ(csr.attribute_count(), 1);
  EXPECT_TRUE(csr.signature_valid());
  EXPECT_EQ(csr.key_info().ToString(), "ECDSA P-256");
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(testing::ReadText(dir.File("key.pem"))));
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  EXPECT_EQ(csr.spki_der(), spki);
}

TEST(CsrParseTest, ChallengePasswordAttributeIsCounted) {
  if (!testing::HaveOpenSslCli()) GTEST_SKIP() << "no openssl CLI";
  TempDir dir;
  testing::WriteText(dir.File("openssl.cnf"),
                     "[req]\nprompt=no\ndistinguished_name=dn\nattributes=attrs\n"
                     "[dn]\nO=system:nodes\nCN=system:node:x\n[attrs]\nchallengePassword=hunter22\n");
  auto r =
      RunOpenSsl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                  dir.File("key.pem"), "-out", dir.File("req.pem"), "-config", dir.File("openssl.cnf")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(testing::ReadText(dir.File("req.pem"))));
  EXPECT_EQ(csr.attribute_count(), 1);
  EXPECT_TRUE(csr.extensions().empty());
  EXPECT_FALSE(csr.HasAnySan());
  EXPECT_EQ(csr.CommonName(), "system:node:x");
}

TEST(CsrParseTest, WeakKeysAreDescribed) {
  if (!testing::HaveOpenSslCli()) GTEST_SKIP() << "no openssl CLI";
  TempDir dir;
  struct Weak {
    std::vector<std::string> newkey;
    std::string text;
    int bits;
  };
  for (const Weak& w : {Weak{{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-224"}, "ECDSA P-224", 224},
                        Weak{{"-newkey", "rsa:1024"}, "RSA 1024", 1024}}) {
    std::vector<std::string> args = {"req",
                                     "-new",
                                     "-nodes",
                                     "-keyout",
                                     dir.File("k.pem"),
                                     "-out",
                                     dir.File("r.pem"),
                                     "-subj",
                                     "/O=system:nodes/CN=system:node:weak"};
    args.insert(args.begin() + 2, w.newkey.begin(), w.newkey.end());
    auto r = RunOpenSsl(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(testing::ReadText(dir.File("r.pem"))));
    EXPECT_EQ(csr.key_info().ToString(), w.text);
    EXPECT_EQ(csr.key_info().bits, w.bits);
    EXPECT_TRUE(csr.signature_valid());
    // BuildCsrPem can sign with such keys too (tests of the controller need them).
    ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(testing::ReadText(dir.File("k.pem"))));
    ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient("weak")));
    ExpectOpenSslVerifies(pem);
  }
}

class CsrMalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(key_, PrivateKey::Generate(KeyType::kEcdsaP256));
    ASSERT_OK_AND_ASSIGN(pem_, BuildCsrPem(key_, CsrTemplate::ForKubeletClient("n")));
    ASSERT_OK_AND_ASSIGN(der_, Der(pem_));
  }
  PrivateKey key_{EvpPkeyPtr()};
  std::string pem_;
  std::string der_;
};

TEST_F(CsrMalformedTest, BadPemIsInvalidArgument) {
  std::string garbage = pem_;
  garbage.replace(60, 10, "!!!!!!!!!!");
  std::string wrong_type = PemEncode("CERTIFICATE", der_);
  std::string with_headers = "-----BEGIN CERTIFICATE REQUEST-----\nX-Foo: bar\n\n" + Base64Encode(der_) +
                             "\n-----END CERTIFICATE REQUEST-----\n";
  const std::vector<std::string> inputs = {
      "",
      pem_.substr(0, pem_.size() / 2),
      garbage,
      wrong_type,
      std::string(1 << 20, '#'),
      pem_ + pem_,             // a second block
      pem_ + "trailing junk",  // trailing data
      "junk\n" + pem_,         // leading data
      "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n" + pem_,
      with_headers,
      PemEncode("CERTIFICATE REQUEST", der_.substr(0, der_.size() - 5)),  // truncated DER
      PemEncode("CERTIFICATE REQUEST", der_ + "xx"),                      // trailing DER
      PemEncode("CERTIFICATE REQUEST", "definitely not DER"),
  };
  for (const auto& in : inputs) {
    EXPECT_THAT(ParsedCsr::FromPem(in), StatusIs(StatusCode::kInvalidArgument)) << in.substr(0, 80);
  }
  EXPECT_THAT(ParsedCsr::FromPem(wrong_type),
              StatusIs(StatusCode::kInvalidArgument, "PEM block type must be CERTIFICATE REQUEST"));
  // Surrounding whitespace and the legacy block name are fine.
  EXPECT_OK(ParsedCsr::FromPem("\n\n" + pem_ + "\n \n"));
  EXPECT_OK(ParsedCsr::FromPem(PemEncode("NEW CERTIFICATE REQUEST", der_)));
}

TEST_F(CsrMalformedTest, FlippedSignatureByteIsDetected) {
  std::string bad = der_;
  bad[bad.size() - 3] ^= 0x01;  // inside the signature value
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromDer(bad));
  EXPECT_FALSE(csr.signature_valid());
  EXPECT_THAT(csr.VerifySignature(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("signature")));
  // The subject still parses: a policy can name what was asked for.
  EXPECT_EQ(csr.CommonName(), "system:node:n");
  if (testing::HaveOpenSslCli()) {
    TempDir dir;
    testing::WriteText(dir.File("bad.pem"), PemEncode("CERTIFICATE REQUEST", bad));
    auto r = RunOpenSsl({"req", "-in", dir.File("bad.pem"), "-verify", "-noout"});
    EXPECT_THAT(r.output, Not(HasSubstr("verify OK")));
    EXPECT_TRUE(r.exit_code != 0 || r.output.find("verify failure") != std::string::npos) << r.output;
  }
  // A flipped byte in the signed part also breaks the signature.
  std::string tampered = der_;
  size_t at = tampered.find("system:node:n");
  ASSERT_NE(at, std::string::npos);
  tampered[at + 12] = 'm';
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr2, ParsedCsr::FromDer(tampered));
  EXPECT_EQ(csr2.CommonName(), "system:node:m");
  EXPECT_FALSE(csr2.signature_valid());
}

TEST_F(CsrMalformedTest, NeverCrashesOnCorruptDer) {
  // Every truncation and many random corruptions: an error or a value, never a crash.
  for (size_t len = 0; len < der_.size(); ++len) {
    EXPECT_THAT(ParsedCsr::FromDer(der_.substr(0, len)), StatusIs(StatusCode::kInvalidArgument));
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string d = der_;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) d[rng() % d.size()] = static_cast<char>(rng());
    auto r = ParsedCsr::FromDer(d);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

// V10: kubelet's deterministic CSR name.
TEST(DigestedCsrNameTest, V10Vectors) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(vectors::kV10EcKeyPem));
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  EXPECT_EQ(DigestedCsrName(spki, "system:node:fake-node-name", {"system:nodes"},
                            {"digital signature", "client auth"}),
            "node-csr-l5spdqkj_HZW1PnwPXrXFJOMuCEgXGCFhdYDWvT2MxI");
  EXPECT_EQ(DigestedCsrName(spki, "system:node:fake-node-name", {"system:nodes"},
                            {"digital signature", "key encipherment", "client auth"}),
            "node-csr-5fJ1Pcoe1-9BYoWNOW4WaIbcdq6AhwuGCLFadUM4bcM");
  // The spki from a CSR built with that key gives the same name.
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient("fake-node-name")));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  EXPECT_EQ(DigestedCsrName(csr.spki_der(), csr.CommonName(), csr.Organizations(),
                            {"digital signature", "client auth"}),
            "node-csr-l5spdqkj_HZW1PnwPXrXFJOMuCEgXGCFhdYDWvT2MxI");
}

}  // namespace
}  // namespace joinguard::crypto
