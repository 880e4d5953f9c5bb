#include "common/crypto/openssl_handles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>

#include <thread>

#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

void ProvokeOpenSslError() {
  const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01};
  const unsigned char* p = junk;
  X509Ptr x(d2i_X509(nullptr, &p, sizeof(junk)));
  ASSERT_EQ(x, nullptr);
}

TEST(OpenSslErrorTest, DrainsTheQueueIntoTheStatus) {
  ProvokeOpenSslError();
  ASSERT_NE(ERR_peek_error(), 0u);
  Status s = OpenSslError("parsing certificate", StatusCode::kInvalidArgument);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, StartsWith("parsing certificate: error:")));
  EXPECT_EQ(ERR_peek_error(), 0u) << "the queue must be empty afterwards";
  // A second call has nothing stale to report.
  EXPECT_THAT(OpenSslError("next"), StatusIs(StatusCode::kInternal, "next: no detail from OpenSSL"));
}

TEST(OpenSslErrorTest, ClearOpenSslErrorsAndPerThreadQueues) {
  ProvokeOpenSslError();
  std::thread([] { EXPECT_EQ(ERR_peek_error(), 0u); }).join();  // queues are thread-local
  ClearOpenSslErrors();
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(OpenSslHandlesTest, OwnersFreeTheirObjects) {
  // Exercised under AddressSanitizer's leak checker in the sanitizer build.
  X509ExtensionsPtr exts(sk_X509_EXTENSION_new_null());
  ASSERT_NE(exts, nullptr);
  X509StackPtr certs(sk_X509_new_null());
  ASSERT_NE(certs, nullptr);
  X509Ptr cert(X509_new());
  ASSERT_EQ(X509_up_ref(cert.get()), 1);
  ASSERT_GT(sk_X509_push(certs.get(), cert.get()), 0);
  BignumPtr bn(BN_new());
  ASSERT_EQ(BN_set_word(bn.get(), 42), 1);
  Asn1IntegerPtr i(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  EXPECT_EQ(ASN1_INTEGER_get(i.get()), 42);
}

}  // namespace
}  // namespace joinguard::crypto
