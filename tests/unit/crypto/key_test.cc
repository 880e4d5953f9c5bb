#include "common/crypto/key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "common/crypto/pem.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/crypto/test_util.h"
#include "tests/testing/vectors.h"

namespace joinguard::crypto {
namespace {

namespace vectors = ::joinguard::testing::vectors;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunOpenSsl;
using testing::TempDir;

struct KeyCase {
  KeyType type;
  KeyAlgorithm algorithm;
  int bits;
  std::string curve;
  std::string description;
  std::string traditional_block;  // BEGIN line of the traditional encoding
  friend void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.description; }
};

std::string Name(const ::testing::TestParamInfo<KeyCase>& info) {
  std::string n = info.param.description;
  for (char& c : n) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

class KeyTypeTest : public ::testing::TestWithParam<KeyCase> {};

INSTANTIATE_TEST_SUITE_P(
    AllTypes, KeyTypeTest,
    ::testing::Values(
        KeyCase{KeyType::kEcdsaP256, KeyAlgorithm::kEcdsa, 256, "P-256", "ECDSA P-256", "EC PRIVATE KEY"},
        KeyCase{KeyType::kEcdsaP384, KeyAlgorithm::kEcdsa, 384, "P-384", "ECDSA P-384", "EC PRIVATE KEY"},
        KeyCase{KeyType::kRsa2048, KeyAlgorithm::kRsa, 2048, "", "RSA 2048", "RSA PRIVATE KEY"},
        KeyCase{KeyType::kRsa3072, KeyAlgorithm::kRsa, 3072, "", "RSA 3072", "RSA PRIVATE KEY"},
        KeyCase{KeyType::kRsa4096, KeyAlgorithm::kRsa, 4096, "", "RSA 4096", "RSA PRIVATE KEY"},
        // Ed25519 has no traditional form: it falls back to PKCS#8.
        KeyCase{KeyType::kEd25519, KeyAlgorithm::kEd25519, 256, "", "Ed25519", "PRIVATE KEY"}),
    Name);

TEST_P(KeyTypeTest, GenerateDescribeAndRoundTripEveryFormat) {
  const KeyCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(c.type));
  KeyInfo info = key.Info();
  EXPECT_EQ(info.algorithm, c.algorithm);
  EXPECT_EQ(info.bits, c.bits);
  EXPECT_EQ(info.curve, c.curve);
  EXPECT_EQ(info.ToString(), c.description);
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());

  ASSERT_OK_AND_ASSIGN(std::string trad, key.ToPem(PrivateKeyPemFormat::kTraditional));
  EXPECT_EQ(trad.rfind("-----BEGIN " + c.traditional_block + "-----\n", 0), 0u) << trad.substr(0, 40);
  ASSERT_OK_AND_ASSIGN(std::string pkcs8, key.ToPem(PrivateKeyPemFormat::kPkcs8));
  EXPECT_EQ(pkcs8.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  ASSERT_OK_AND_ASSIGN(std::string def, key.ToPem());
  EXPECT_EQ(def, trad);  // the kubelet default is the traditional form

  for (const std::string& pem : {trad, pkcs8}) {
    ASSERT_OK_AND_ASSIGN(PrivateKey back, PrivateKey::FromPem(pem));
    ASSERT_OK_AND_ASSIGN(std::string back_spki, back.PublicKeySpkiDer());
    EXPECT_EQ(back_spki, spki);
    EXPECT_EQ(back.Info().ToString(), c.description);
    EXPECT_EQ(EVP_PKEY_eq(back.get(), key.get()), 1);
  }

  if (testing::HaveOpenSslCli()) {
    // Interop: the OpenSSL CLI reads what we write and derives the same public key.
    TempDir dir;
    testing::WriteText(dir.File("key.pem"), trad);
    auto r = RunOpenSsl(
        {"pkey", "-in", dir.File("key.pem"), "-pubout", "-outform", "DER", "-out", dir.File("pub.der")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(testing::ReadText(dir.File("pub.der")), spki);
  }
}

TEST(KeyTest, ParsesV10FixtureAndItsSpki) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(vectors::kV10EcKeyPem));
  EXPECT_EQ(key.Info().ToString(), "ECDSA P-256");
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  EXPECT_EQ(HexEncode(spki),
            "3059301306072a8648ce3d020106082a8648ce3d03010703420004c4db0c634413c3cddedde14e64c2eaa53ea"
            "fa8402fa52328e7ef53494fdf68949c61e4ac1f194ab4ef7a9db3dc41b5823068e1ae9056619727d3b8aed7"
            "6e43a4");
  // Writing it back gives the same SEC 1 DER (keyutil.MarshalPrivateKeyToPEM layout).
  ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem());
  EXPECT_EQ(pem, vectors::kV10EcKeyPem);
}

TEST(KeyTest, SkipsEcParametersAndOtherBlocks) {
  // `openssl ecparam -genkey` output: an EC PARAMETERS block before the key.
  const std::string params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
  const std::string cert_like = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  ASSERT_OK_AND_ASSIGN(PrivateKey key,
                       PrivateKey::FromPem("leading text\n" + params + cert_like + vectors::kV10EcKeyPem));
  EXPECT_EQ(key.Info().curve, "P-256");
}

TEST(KeyTest, ParsesKeysMadeByTheOpenSslCli) {
  if (!testing::HaveOpenSslCli()) GTEST_SKIP() << "no openssl CLI";
  TempDir dir;
  struct Cli {
    std::vector<std::string> args;
    KeyAlgorithm algorithm;
    int bits;
    std::string curve;
    std::string text;
  };
  // P-224 and RSA-1024 are weak keys the controller must refuse: KeyInfo must say exactly what they are.
  const std::vector<Cli> cases = {
      {{"ecparam", "-genkey", "-name", "secp224r1"}, KeyAlgorithm::kEcdsa, 224, "P-224", "ECDSA P-224"},
      {{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224"},
       KeyAlgorithm::kEcdsa,
       224,
       "P-224",
       "ECDSA P-224"},
      {{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"},
       KeyAlgorithm::kRsa,
       1024,
       "",
       "RSA 1024"},
      {{"genrsa", "-traditional", "1024"}, KeyAlgorithm::kRsa, 1024, "", "RSA 1024"},
      {{"genpkey", "-algorithm", "ED25519"}, KeyAlgorithm::kEd25519, 256, "", "Ed25519"},
      {{"ecparam", "-genkey", "-name", "secp521r1"}, KeyAlgorithm::kEcdsa, 521, "P-521", "ECDSA P-521"},
      {{"ecparam", "-genkey", "-name", "secp256k1"},
       KeyAlgorithm::kEcdsa,
       256,
       "secp256k1",
       "ECDSA secp256k1"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir.File("k" + std::to_string(i) + ".pem");
    std::vector<std::string> args = cases[i].args;
    args.insert(args.begin() + 1, {"-out", path});  // genrsa wants the size last
    auto r = RunOpenSsl(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(testing::ReadText(path)));
    KeyInfo info = key.Info();
    EXPECT_EQ(info.algorithm, cases[i].algorithm) << cases[i].text;
    EXPECT_EQ(info.bits, cases[i].bits) << cases[i].text;
    EXPECT_EQ(info.curve, cases[i].curve) << cases[i].text;
    EXPECT_EQ(info.ToString(), cases[i].text);
  }
}

TEST(KeyTest, MalformedInputIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem());
  const std::string truncated = pem.substr(0, pem.size() / 2);
  std::string garbage_b64 = pem;
  garbage_b64.replace(40, 8, "!!!!!!!!");
  std::string bad_der = "-----BEGIN EC PRIVATE KEY-----\n" + Base64Encode("not a key at all") +
                        "\n-----END EC PRIVATE KEY-----\n";
  std::string rsa_in_ec = pem;  // an EC key labelled as RSA does not parse as PKCS#1
  rsa_in_ec.replace(rsa_in_ec.find("EC PRIVATE"), 10, "RSA PRIVATE");
  rsa_in_ec.replace(rsa_in_ec.rfind("EC PRIVATE"), 10, "RSA PRIVATE");
  const std::string encrypted =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n" +
      Base64Encode("ciphertext") + "\n-----END RSA PRIVATE KEY-----\n";
  const std::string public_only = PublicKeyPem(key.get()).value();
  for (const std::string& input :
       {std::string(), truncated, garbage_b64, bad_der, rsa_in_ec, encrypted, public_only,
        std::string(1 << 20, 'J'),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    auto r = PrivateKey::FromPem(input);
    EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument)) << input.substr(0, 60);
    // Never echo key material.
    EXPECT_THAT(r.status().message(), Not(HasSubstr(pem.substr(40, 20))));
  }
}

TEST(KeyTest, NeverCrashesOnCorruptKeys) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  for (PrivateKeyPemFormat format : {PrivateKeyPemFormat::kTraditional, PrivateKeyPemFormat::kPkcs8}) {
    ASSERT_OK_AND_ASSIGN(std::string pem, key.ToPem(format));
    auto block = PemDecode(pem);
    ASSERT_TRUE(block.has_value());
    for (size_t len = 0; len < block->bytes.size(); ++len) {
      EXPECT_THAT(PrivateKey::FromPem(PemEncode(block->type, block->bytes.substr(0, len))),
                  StatusIs(StatusCode::kInvalidArgument));
    }
    uint32_t seed = 7;
    for (int i = 0; i < 500; ++i) {
      std::string der = block->bytes;
      seed = seed * 1103515245u + 12345u;
      der[seed % der.size()] ^= static_cast<char>(1u << ((seed >> 8) % 8));
      auto r = PrivateKey::FromPem(PemEncode(block->type, der));
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      }
    }
  }
}

TEST(KeyTest, PublicKeyHelpers) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEd25519));
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr pub, ParsePublicKeySpkiDer(spki));
  EXPECT_EQ(DescribeKey(pub.get()).ToString(), "Ed25519");
  EXPECT_THAT(ParsePublicKeySpkiDer(spki + "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePublicKeySpkiDer("junk"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string pem, PublicKeyPem(pub.get()));
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(DescribeKey(nullptr).algorithm, KeyAlgorithm::kOther);
}

}  // namespace
}  // namespace joinguard::crypto
