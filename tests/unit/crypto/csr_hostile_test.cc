// Parser-level defences of ParsedCsr against requests crafted to slip past a policy.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/crypto/openssl_handles.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

EvpPkeyPtr NewP256() { return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

X509ReqPtr NewRequest(EVP_PKEY* key) {
  X509ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("system:nodes"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("system:node:worker-1"), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key);
  return req;
}

std::string SignAndDer(X509_REQ* req, EVP_PKEY* key) {
  X509_REQ_sign(req, key, EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

TEST(CsrHostileTest, ExplicitCurveParametersAreRefusedAsGoDoes) {
  EvpPkeyPtr key = NewP256();
  ASSERT_TRUE(key);
  // The same P-256 key, but its SPKI spells the curve out instead of naming it.
  ASSERT_EQ(
      EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT),
      1);
  X509ReqPtr req = NewRequest(key.get());
  std::string der = SignAndDer(req.get(), key.get());
  EXPECT_THAT(ParsedCsr::FromDer(der),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("explicit (or implicit) curve parameters")));
  // And a key read back from such an encoding is not described as an ECDSA P-256 key.
  unsigned char* spki = nullptr;
  int len = i2d_PUBKEY(key.get(), &spki);
  ASSERT_GT(len, 0);
  std::string spki_der(reinterpret_cast<char*>(spki), static_cast<size_t>(len));
  OPENSSL_free(spki);
  ASSERT_OK_AND_ASSIGN(EvpPkeyPtr back, ParsePublicKeySpkiDer(spki_der));
  EXPECT_EQ(DescribeKey(back.get()).algorithm, KeyAlgorithm::kOther);
}

TEST(CsrHostileTest, NamedCurveStillParses) {
  EvpPkeyPtr key = NewP256();
  X509ReqPtr req = NewRequest(key.get());
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromDer(SignAndDer(req.get(), key.get())));
  EXPECT_EQ(csr.key_info().curve, "P-256");
  EXPECT_TRUE(csr.attribute_oids().empty());
}

TEST(CsrHostileTest, AttributeOidsAreListed) {
  EvpPkeyPtr key = NewP256();
  X509ReqPtr req = NewRequest(key.get());
  X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_ASC,
                            reinterpret_cast<const unsigned char*>("hunter2"), -1);
  ASN1_OBJECT* unknown = OBJ_txt2obj("1.3.6.1.4.1.99999.7", 1);
  X509_REQ_add1_attr_by_OBJ(req.get(), unknown, MBSTRING_ASC, reinterpret_cast<const unsigned char*>("x"),
                            -1);
  ASN1_OBJECT_free(unknown);
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromDer(SignAndDer(req.get(), key.get())));
  // DER sorts the SET OF attributes, so the order is the encoding's, not the insertion order.
  EXPECT_THAT(csr.attribute_oids(),
              ::testing::UnorderedElementsAre("1.2.840.113549.1.9.7", "1.3.6.1.4.1.99999.7"));
}

TEST(CsrHostileTest, EmptyCriticalSanExtensionIsSeen) {
  EvpPkeyPtr key = NewP256();
  X509ReqPtr req = NewRequest(key.get());
  GeneralNamesPtr empty(sk_GENERAL_NAME_new_null());
  STACK_OF(X509_EXTENSION)* exts = nullptr;
  ASSERT_EQ(X509V3_add1_i2d(&exts, NID_subject_alt_name, empty.get(), 1, X509V3_ADD_DEFAULT), 1);
  X509ExtensionsPtr owned(exts);
  X509_REQ_add_extensions(req.get(), exts);
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromDer(SignAndDer(req.get(), key.get())));
  EXPECT_FALSE(csr.HasAnySan());       // no names...
  EXPECT_TRUE(csr.HasSanExtension());  // ...but the extension is there
  ASSERT_EQ(csr.extensions().size(), 1u);
  EXPECT_TRUE(csr.extensions()[0].critical);
}

}  // namespace
}  // namespace joinguard::crypto
