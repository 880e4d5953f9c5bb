// The hostile-input corpus, CSR part: requests an attacker holding a bootstrap token would
// send. Every case must end in the named deny or in "left pending" (unparseable: a human
// decides), never an approval, a crash or a hang.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "controller/policy/checks.h"
#include "tests/unit/controller/csr_builder.h"

namespace joinguard::controller::policy {
namespace {

using controller::testing::BuildContext;
using controller::testing::TestCsr;
using controller::testing::TestKey;
using Outcome = Verdict::Outcome;

struct HostileCsr {
  std::string name;
  std::function<void(TestCsr&)> mutate;
  Outcome outcome;     // kDeny or kLeavePending
  std::string reason;  // the reason code
};
std::ostream& operator<<(std::ostream& os, const HostileCsr& c) { return os << c.name; }

void Cn(TestCsr& t, const std::string& cn) { t.subject = {{"O", "system:nodes"}, {"CN", cn}}; }

std::string Pem(const std::string& type, const std::string& body) {
  return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
}

const HostileCsr kCorpus[] = {
    // Subject.
    {"SeveralCommonNames",
     [](TestCsr& t) {
       t.subject = {
           {"O", "system:nodes"}, {"CN", "system:node:worker-1"}, {"CN", "system:node:control-plane-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"CnWithNul", [](TestCsr& t) { Cn(t, std::string("system:node:worker-1\0control-plane-1", 36)); },
     Outcome::kDeny, "InvalidNodeName"},
    {"CnWithNewline", [](TestCsr& t) { Cn(t, "system:node:worker-1\nsystem:node:control-plane-1"); },
     Outcome::kDeny, "InvalidNodeName"},
    {"CnWithCyrillicLookAlikeInName", [](TestCsr& t) { Cn(t, "system:node:w\xD0\xBErker-1"); },
     Outcome::kDeny, "InvalidNodeName"},
    {"CnWithCyrillicLookAlikeInPrefix", [](TestCsr& t) { Cn(t, "system:nod\xD0\xB5:worker-1"); },
     Outcome::kDeny, "SubjectNotExact"},
    {"CnWithFullwidthColon", [](TestCsr& t) { Cn(t, "system:node\xEF\xBC\x9Aworker-1"); }, Outcome::kDeny,
     "SubjectNotExact"},
    {"CnWithTrailingSpace", [](TestCsr& t) { Cn(t, "system:node:worker-1 "); }, Outcome::kDeny,
     "InvalidNodeName"},
    {"CnWithZeroWidthSpace", [](TestCsr& t) { Cn(t, "system:node:worker\xE2\x80\x8B-1"); }, Outcome::kDeny,
     "InvalidNodeName"},
    {"CnUpperCase", [](TestCsr& t) { Cn(t, "system:node:WORKER-1"); }, Outcome::kDeny, "InvalidNodeName"},
    {"CnTrailingDot", [](TestCsr& t) { Cn(t, "system:node:worker-1."); }, Outcome::kDeny, "InvalidNodeName"},
    {"OrganizationListWithSystemMasters",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"O", "system:masters"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"OrganizationTwice",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"O", "system:nodes"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"OrganizationalUnit",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"OU", "system:masters"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"SerialNumber",
     [](TestCsr& t) {
       t.subject = {{"serialNumber", "1"}, {"O", "system:nodes"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"ExtraRdnByOid",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"CN", "system:node:worker-1"}, {"1.3.6.1.4.1.99999.3", "x"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"MultiValuedRdn", [](TestCsr& t) { t.merge_subject_into_one_rdn = true; }, Outcome::kDeny,
     "SubjectNotExact"},
    // Size.
    {"OneMebibyteOfBase64",
     [](TestCsr& t) { t.raw_pem = Pem("CERTIFICATE REQUEST", std::string(1 << 20, 'A')); },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"HalfMebibyteSubject",  // OpenSSL caps a name at 1 MiB (X509_NAME_MAX)
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"},
                    {"CN", "system:node:worker-1"},
                    {"1.3.6.1.4.1.99999.4", std::string(1 << 19, 'a')}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    // Not a CSR.
    {"NotPem", [](TestCsr& t) { t.raw_pem = "hello"; }, Outcome::kLeavePending, "RequestUnparseable"},
    {"CertificateBlock", [](TestCsr& t) { t.raw_pem = Pem("CERTIFICATE", "MIIB"); }, Outcome::kLeavePending,
     "RequestUnparseable"},
    {"TruncatedDer", [](TestCsr& t) { t.raw_pem = Pem("CERTIFICATE REQUEST", "MIIBCjCBsQIBADAvMRUw"); },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"TwoBlocks",
     [](TestCsr& t) {
       TestCsr good;
       std::string pem = controller::testing::BuildPem(good);
       t.raw_pem = pem + pem;
     },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"TextBeforeBlock",
     [](TestCsr& t) { t.raw_pem = "approve me\n" + controller::testing::BuildPem(TestCsr{}); },
     Outcome::kLeavePending, "RequestUnparseable"},
    // Signature and keys.
    {"BadSignature", [](TestCsr& t) { t.corrupt_signature = true; }, Outcome::kDeny, "SignatureInvalid"},
    {"Rsa1024", [](TestCsr& t) { t.key = TestKey::kRsa1024; }, Outcome::kDeny, "KeyTooWeak"},
    {"P224", [](TestCsr& t) { t.key = TestKey::kP224; }, Outcome::kDeny, "KeyTooWeak"},
    {"ExplicitCurveParameters", [](TestCsr& t) { t.key = TestKey::kP256ExplicitCurve; },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"Ed25519NotAllowedByDefault", [](TestCsr& t) { t.key = TestKey::kEd25519; }, Outcome::kDeny,
     "KeyNotAllowed"},
    // Extensions and attributes.
    {"DuplicatedExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"2.5.29.15", false}, {"2.5.29.15", false}};
     },
     Outcome::kDeny, "ExtensionNotAllowed"},
    {"BasicConstraintsCa", [](TestCsr& t) { t.basic_constraints_ca = true; }, Outcome::kDeny,
     "ExtensionNotAllowed"},
    {"ChallengePassword", [](TestCsr& t) { t.challenge_password = true; }, Outcome::kDeny,
     "ExtensionNotAllowed"},
    {"UnknownAttribute", [](TestCsr& t) { t.extra_attribute_oids = {"1.2.3.4"}; }, Outcome::kDeny,
     "ExtensionNotAllowed"},
    {"MalformedExtensionRequestAttribute",
     [](TestCsr& t) { t.extra_attribute_oids = {"1.2.840.113549.1.9.14"}; }, Outcome::kLeavePending,
     "RequestUnparseable"},
    // SAN tricks: no SAN of any shape is allowed on a client certificate.
    {"EmptySan", [](TestCsr& t) { t.empty_san_extension = true; }, Outcome::kDeny, "SanPresent"},
    {"EmptyCriticalSan",
     [](TestCsr& t) {
       t.empty_san_extension = true;
       t.san_extension_critical = true;
     },
     Outcome::kDeny, "SanPresent"},
    {"IpInsideDnsSan", [](TestCsr& t) { t.dns_names = {"10.96.0.1"}; }, Outcome::kDeny, "SanPresent"},
    {"WildcardDnsSan", [](TestCsr& t) { t.dns_names = {"*.cluster.local"}; }, Outcome::kDeny, "SanPresent"},
    {"Ipv4MappedIpv6San", [](TestCsr& t) { t.ip_addresses = {"::ffff:10.96.0.1"}; }, Outcome::kDeny,
     "SanPresent"},
    {"TrailingDotDnsSan", [](TestCsr& t) { t.dns_names = {"worker-1."}; }, Outcome::kDeny, "SanPresent"},
    {"UpperCaseDnsSan", [](TestCsr& t) { t.dns_names = {"WORKER-1"}; }, Outcome::kDeny, "SanPresent"},
    {"SanEqualToTheNodeName", [](TestCsr& t) { t.dns_names = {"worker-1"}; }, Outcome::kDeny, "SanPresent"},
    // Object fields.
    {"RepeatedUsage",
     [](TestCsr& t) {
       t.usages = {"digital signature", "client auth", "client auth"};
     },
     Outcome::kDeny, "UsagesNotAllowed"},
    {"ExpirationBeyondInt32", [](TestCsr& t) { t.expiration_seconds = int64_t{1} << 40; }, Outcome::kDeny,
     "ExpirationOutOfRange"},
    {"NegativeExpiration", [](TestCsr& t) { t.expiration_seconds = -1; }, Outcome::kDeny,
     "ExpirationOutOfRange"},
    {"BootstrapUserWithTrailingSpace", [](TestCsr& t) { t.username = "system:bootstrap:abcdef "; },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"RenewalForAnotherNodeWithMastersGroup",
     [](TestCsr& t) {
       t.AsRenewal("worker-1");
       t.groups.push_back("system:masters");
       t.WithNodeName("control-plane-1");
     },
     Outcome::kDeny, "RenewalIdentityMismatch"},
};

class HostileCsrTest : public ::testing::TestWithParam<HostileCsr> {};

TEST_P(HostileCsrTest, NeverApproved) {
  const HostileCsr& c = GetParam();
  TestCsr t;
  c.mutate(t);
  Verdict v = Evaluate(BuildContext(t), DefaultPolicy());
  EXPECT_EQ(OutcomeName(v.outcome), OutcomeName(c.outcome)) << v.reason << ": " << v.message;
  EXPECT_EQ(v.reason, c.reason) << v.message;
  EXPECT_FALSE(v.message.empty());
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileCsrTest, ::testing::ValuesIn(kCorpus),
                         [](const ::testing::TestParamInfo<HostileCsr>& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard::controller::policy
