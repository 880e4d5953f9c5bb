// Table-driven tests of every policy check with real CSRs (the attacks and shapes of
// kubernetes/kubernetes pkg/controller/certificates/approver/sarapprove_test.go, made strict).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "controller/policy/checks.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/controller/csr_builder.h"
#include "tests/unit/controller/deny_reason_coverage.h"

namespace joinguard::controller::policy {
namespace {

using controller::testing::BuildContext;
using controller::testing::TestCsr;
using controller::testing::TestKey;
using Outcome = Verdict::Outcome;

struct Case {
  std::string name;
  std::function<void(TestCsr&)> mutate;
  Outcome outcome;
  std::string reason;  // expected reason code ("" for approve)
  std::function<void(Policy&)> policy = nullptr;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class PolicyTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyTableTest, Decides) {
  const Case& c = GetParam();
  TestCsr t;
  c.mutate(t);
  Policy p = DefaultPolicy();
  if (c.policy) c.policy(p);
  CsrContext ctx = BuildContext(t);
  Verdict v = Evaluate(ctx, p);
  EXPECT_EQ(OutcomeName(v.outcome), OutcomeName(c.outcome))
      << "reason=" << v.reason << " message=" << v.message;
  if (c.outcome != Outcome::kApprove && c.outcome != Outcome::kRetry)
    EXPECT_EQ(v.reason, c.reason) << v.message;
  if (c.outcome == Outcome::kDeny) {
    // Messages say what failed and what to do; they never contain the raw CSR.
    EXPECT_FALSE(v.message.empty());
    EXPECT_THAT(v.message, ::testing::Not(::testing::HasSubstr("BEGIN CERTIFICATE REQUEST")));
  }
}

void Nop(TestCsr&) {}

const Case kCases[] = {
    // ---- Good cases -------------------------------------------------------------------
    {"BootstrapP256WithoutKeyEncipherment", Nop, Outcome::kApprove, ""},
    {"BootstrapP256WithKeyEncipherment",
     [](TestCsr& t) {
       t.usages = {"key encipherment", "digital signature", "client auth"};
     },
     Outcome::kApprove, ""},
    {"BootstrapP384", [](TestCsr& t) { t.key = TestKey::kP384; }, Outcome::kApprove, ""},
    {"BootstrapRsa2048", [](TestCsr& t) { t.key = TestKey::kRsa2048; }, Outcome::kApprove, ""},
    {"BootstrapRsa3072",
     [](TestCsr& t) {
       t.key = TestKey::kRsa3072;
       t.usages = {"digital signature", "key encipherment", "client auth"};
     },
     Outcome::kApprove, ""},
    {"BootstrapSubjectOrderCnFirst",
     [](TestCsr& t) {
       t.subject = {{"CN", "system:node:worker-1"}, {"O", "system:nodes"}};
     },
     Outcome::kApprove, ""},
    {"BootstrapDottedNodeName", [](TestCsr& t) { t.WithNodeName("ip-10-0-0-1.ec2.internal"); },
     Outcome::kApprove, ""},
    {"ExpirationWithinCap", [](TestCsr& t) { t.expiration_seconds = 3600; }, Outcome::kApprove, ""},
    {"RenewalOwnIdentity",
     [](TestCsr& t) {
       t.AsRenewal("worker-1");
       t.facts.node_exists = true;  // a renewing node exists: not a reason to deny
     },
     Outcome::kApprove, ""},
    {"RenewalFactsUnknownDoNotMatter",
     [](TestCsr& t) {
       t.AsRenewal("worker-1");
       t.facts.node_exists.reset();
       t.facts.in_flight_for_node.reset();
     },
     Outcome::kApprove, ""},
    {"CustomAllowedGroup",
     [](TestCsr& t) {
       t.groups = {"system:bootstrappers", "system:bootstrappers:workers", "system:authenticated"};
     },
     Outcome::kApprove, "", [](Policy& p) { p.allowed_bootstrap_groups = {"system:bootstrappers:workers"}; }},
    {"NodeNamePatternMatches", [](TestCsr& t) { t.WithNodeName("worker-7"); }, Outcome::kApprove, "",
     [](Policy& p) {
       p.node_name_pattern = "worker-[0-9]+";
       ASSERT_OK(SetNodeNamePattern(p, p.node_name_pattern));
     }},
    {"Ed25519WhenAllowed", [](TestCsr& t) { t.key = TestKey::kEd25519; }, Outcome::kApprove, "",
     [](Policy& p) {
       p.allowed_keys.push_back(KeyRule{crypto::KeyAlgorithm::kEd25519, 0, {}});
     }},
    {"AllowedExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.3.6.1.4.1.99999.1", false}};
     },
     Outcome::kApprove, "", [](Policy& p) { p.allowed_extensions = {"1.3.6.1.4.1.99999.1"}; }},
    {"LaterDuplicatePendingIsNotOurProblem",
     [](TestCsr& t) {
       t.facts.in_flight_for_node = {{"csr-2", t.created + std::chrono::seconds(5), false}};
     },
     Outcome::kApprove, ""},
    {"InFlightListContainsSelf",
     [](TestCsr& t) {
       t.facts.in_flight_for_node = {{"csr-1", t.created, false}};
     },
     Outcome::kApprove, ""},

    // ---- Scope: not ours ----------------------------------------------------------------
    {"OtherSignerIgnored", [](TestCsr& t) { t.signer = "example.com/not-correct"; }, Outcome::kIgnore,
     "SignerNotHandled"},
    {"ServingSignerIgnored", [](TestCsr& t) { t.signer = "kubernetes.io/kubelet-serving"; }, Outcome::kIgnore,
     "SignerNotHandled"},
    {"ApiserverClientSignerIgnored", [](TestCsr& t) { t.signer = "kubernetes.io/kube-apiserver-client"; },
     Outcome::kIgnore, "SignerNotHandled"},
    {"UnparseableLeftPending",
     [](TestCsr& t) {
       t.raw_pem = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
     },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"RenewalNotHandledLeftPending",
     [](TestCsr& t) {
       t.AsRenewal("worker-1");
       t.dns_names = {"evil.example.com"};  // must not be denied either: not ours
     },
     Outcome::kLeavePending, "RenewalNotHandled", [](Policy& p) { p.allow_renewal = false; }},

    // ---- Requester -------------------------------------------------------------
    {"RequesterJoe",
     [](TestCsr& t) {
       t.username = "joe";
       t.groups = {"system:authenticated"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"BootstrapTokenWithoutAllowedGroup",
     [](TestCsr& t) {
       t.groups = {"system:bootstrappers", "system:authenticated"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"BootstrapTokenInOtherGroup",
     [](TestCsr& t) {
       t.groups = {"system:bootstrappers", "system:bootstrappers:ci-runners", "system:authenticated"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"BootstrapUserWithInvalidTokenId", [](TestCsr& t) { t.username = "system:bootstrap:ABC"; },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"NodeUserOutsideNodesGroup",
     [](TestCsr& t) {
       t.username = "system:node:worker-1";
       t.groups = {"system:authenticated"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"ServiceAccountRequester",
     [](TestCsr& t) {
       t.username = "system:serviceaccount:default:builder";
       t.groups = {"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},
    {"AdminRequester",
     [](TestCsr& t) {
       t.username = "kubernetes-admin";
       t.groups = {"system:masters"};
     },
     Outcome::kDeny, "RequesterNotAllowed"},

    // ---- Renewal identity ----------------------------------------------------------
    {"RenewalForAnotherNode",
     [](TestCsr& t) {
       t.AsRenewal("worker-1");
       t.WithNodeName("control-plane-1");
     },
     Outcome::kDeny, "RenewalIdentityMismatch"},

    // ---- Subject -------------------------------------------------------
    {"CnNotANode",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"CN", "mike"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"NoOrganization",
     [](TestCsr& t) {
       t.subject = {{"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"OrganizationSystemMaster",
     [](TestCsr& t) {
       t.subject = {{"O", "system:master"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"OrganizationSystemMastersInstead",
     [](TestCsr& t) {
       t.subject = {{"O", "system:masters"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"OrganizationSystemMastersAdded",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"O", "system:masters"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"ExtraOrganizationalUnit",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"OU", "anything"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"ExtraCountry",
     [](TestCsr& t) {
       t.subject = {{"C", "CH"}, {"O", "system:nodes"}, {"CN", "system:node:worker-1"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"ExtraSerialNumber",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"CN", "system:node:worker-1"}, {"serialNumber", "42"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"TwoCommonNames",
     [](TestCsr& t) {
       t.subject = {{"O", "system:nodes"}, {"CN", "system:node:worker-1"}, {"CN", "system:node:worker-2"}};
     },
     Outcome::kDeny, "SubjectNotExact"},
    {"MultiValuedRdn", [](TestCsr& t) { t.merge_subject_into_one_rdn = true; }, Outcome::kDeny,
     "SubjectNotExact"},

    // ---- Node name -----------------------------------------------------------------
    {"EmptyNodeName", [](TestCsr& t) { t.WithNodeName(""); }, Outcome::kDeny, "InvalidNodeName"},
    {"UpperCaseNodeName", [](TestCsr& t) { t.WithNodeName("Worker-1"); }, Outcome::kDeny, "InvalidNodeName"},
    {"UnderscoreNodeName", [](TestCsr& t) { t.WithNodeName("worker_1"); }, Outcome::kDeny, "InvalidNodeName"},
    {"EmptyLabelNodeName", [](TestCsr& t) { t.WithNodeName("a..b"); }, Outcome::kDeny, "InvalidNodeName"},
    {"TrailingDashNodeName", [](TestCsr& t) { t.WithNodeName("worker-"); }, Outcome::kDeny,
     "InvalidNodeName"},
    {"NodeNameWithColon", [](TestCsr& t) { t.WithNodeName("x:y"); }, Outcome::kDeny, "InvalidNodeName"},
    {"TooLongNodeName", [](TestCsr& t) { t.WithNodeName(std::string(254, 'a')); }, Outcome::kDeny,
     "InvalidNodeName"},
    {"NodeNamePatternMismatch", [](TestCsr& t) { t.WithNodeName("control-plane-1"); }, Outcome::kDeny,
     "NodeNamePattern",
     [](Policy& p) {
       p.node_name_pattern = "worker-[0-9]+";
       ASSERT_OK(SetNodeNamePattern(p, p.node_name_pattern));
     }},
    {"NodeNamePatternIsAFullMatch", [](TestCsr& t) { t.WithNodeName("worker-1.evil"); }, Outcome::kDeny,
     "NodeNamePattern",
     [](Policy& p) {
       p.node_name_pattern = "worker-[0-9]+";
       ASSERT_OK(SetNodeNamePattern(p, p.node_name_pattern));
     }},

    // ---- SANs ----------------------------------------------------------------------
    {"DnsSan", [](TestCsr& t) { t.dns_names = {"kubernetes.default.svc"}; }, Outcome::kDeny, "SanPresent"},
    {"IpSan", [](TestCsr& t) { t.ip_addresses = {"10.96.0.1"}; }, Outcome::kDeny, "SanPresent"},
    {"EmailSan", [](TestCsr& t) { t.emails = {"root@example.com"}; }, Outcome::kDeny, "SanPresent"},
    {"UriSan", [](TestCsr& t) { t.uris = {"spiffe://cluster/ns/kube-system/sa/admin"}; }, Outcome::kDeny,
     "SanPresent"},

    // ---- Extensions ---------------------------------------------------------------------------
    {"UnknownExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.3.6.1.4.1.99999.1", false}};
     },
     Outcome::kDeny, "ExtensionNotAllowed"},
    {"CriticalUnknownExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.3.6.1.4.1.99999.2", true}};
     },
     Outcome::kDeny, "ExtensionNotAllowed"},
    {"BasicConstraintsCa", [](TestCsr& t) { t.basic_constraints_ca = true; }, Outcome::kDeny,
     "ExtensionNotAllowed"},
    {"ChallengePasswordAttribute",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.3.6.1.4.1.99999.1", false}};
       t.challenge_password = true;
     },
     Outcome::kDeny, "ExtensionNotAllowed",
     [](Policy& p) { p.allowed_extensions = {"1.3.6.1.4.1.99999.1"}; }},

    // Defects of issue 10: each of these was approved (or hung) before.
    {"ChallengePasswordOnlyAttribute", [](TestCsr& t) { t.challenge_password = true; }, Outcome::kDeny,
     "ExtensionNotAllowed"},
    {"UnknownAttributeOnly", [](TestCsr& t) { t.extra_attribute_oids = {"1.3.6.1.4.1.99999.7"}; },
     Outcome::kDeny, "ExtensionNotAllowed"},
    {"DuplicatedAllowedExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.3.6.1.4.1.99999.1", false}, {"1.3.6.1.4.1.99999.1", false}};
     },
     Outcome::kDeny, "ExtensionNotAllowed",
     [](Policy& p) { p.allowed_extensions = {"1.3.6.1.4.1.99999.1"}; }},
    {"EmptySanExtension", [](TestCsr& t) { t.empty_san_extension = true; }, Outcome::kDeny, "SanPresent"},
    {"EmptyCriticalSanExtension",
     [](TestCsr& t) {
       t.empty_san_extension = true;
       t.san_extension_critical = true;
     },
     Outcome::kDeny, "SanPresent"},
    {"ExplicitCurveKeyIsNotP256", [](TestCsr& t) { t.key = TestKey::kP256ExplicitCurve; },
     Outcome::kLeavePending, "RequestUnparseable"},
    {"SeveralEcdsaEntriesCombine", [](TestCsr& t) { t.key = TestKey::kP384; }, Outcome::kApprove, "",
     [](Policy& p) {
       p.allowed_keys = {KeyRule{crypto::KeyAlgorithm::kEcdsa, 0, {"P-256"}},
                         KeyRule{crypto::KeyAlgorithm::kEcdsa, 0, {"P-384"}}};
     }},
    {"SeveralRsaEntriesCombine", [](TestCsr& t) { t.key = TestKey::kRsa2048; }, Outcome::kApprove, "",
     [](Policy& p) {
       p.allowed_keys = {KeyRule{crypto::KeyAlgorithm::kRsa, 3072, {}},
                         KeyRule{crypto::KeyAlgorithm::kRsa, 2048, {}}};
     }},
    {"SeveralEcdsaEntriesStillDenyOthers", [](TestCsr& t) { t.key = TestKey::kP521; }, Outcome::kDeny,
     "KeyNotAllowed",
     [](Policy& p) {
       p.allowed_keys = {KeyRule{crypto::KeyAlgorithm::kEcdsa, 0, {"P-256"}},
                         KeyRule{crypto::KeyAlgorithm::kEcdsa, 0, {"P-384"}}};
     }},
    {"ExpirationAboveInt32EvenWithoutCap", [](TestCsr& t) { t.expiration_seconds = 4294967296LL + 3600; },
     Outcome::kDeny, "ExpirationOutOfRange", [](Policy& p) { p.max_expiration_seconds = 0; }},

    // ---- Usages --------------------------------------------------------------------
    {"ServerAuthAdded",
     [](TestCsr& t) {
       t.usages = {"digital signature", "key encipherment", "client auth", "server auth"};
     },
     Outcome::kDeny, "UsagesNotAllowed"},
    {"ClientAuthOnly", [](TestCsr& t) { t.usages = {"client auth"}; }, Outcome::kDeny, "UsagesNotAllowed"},
    {"CodeSigningAdded",
     [](TestCsr& t) {
       t.usages = {"digital signature", "client auth", "code signing"};
     },
     Outcome::kDeny, "UsagesNotAllowed"},
    {"CertSign",
     [](TestCsr& t) {
       t.usages = {"digital signature", "client auth", "cert sign"};
     },
     Outcome::kDeny, "UsagesNotAllowed"},
    {"NoUsages", [](TestCsr& t) { t.usages = {}; }, Outcome::kDeny, "UsagesNotAllowed"},
    {"Ed25519WithKeyEncipherment",
     [](TestCsr& t) {
       t.key = TestKey::kEd25519;
       t.usages = {"digital signature", "key encipherment", "client auth"};
     },
     Outcome::kDeny, "UsagesNotAllowed",
     [](Policy& p) {
       p.allowed_keys.push_back(KeyRule{crypto::KeyAlgorithm::kEd25519, 0, {}});
     }},

    // ---- Keys ---------------------------------------------------------------------------
    {"P224", [](TestCsr& t) { t.key = TestKey::kP224; }, Outcome::kDeny, "KeyTooWeak"},
    {"Rsa1024", [](TestCsr& t) { t.key = TestKey::kRsa1024; }, Outcome::kDeny, "KeyTooWeak"},
    {"Rsa2048BelowRaisedMinimum", [](TestCsr& t) { t.key = TestKey::kRsa2048; }, Outcome::kDeny, "KeyTooWeak",
     [](Policy& p) { p.allowed_keys[1].min_bits = 3072; }},
    {"P521NotListed", [](TestCsr& t) { t.key = TestKey::kP521; }, Outcome::kDeny, "KeyNotAllowed"},
    {"Ed25519NotListedByDefault", [](TestCsr& t) { t.key = TestKey::kEd25519; }, Outcome::kDeny,
     "KeyNotAllowed"},

    // ---- Proof of possession ---------------------------------------------------------------------
    {"BadSignature", [](TestCsr& t) { t.corrupt_signature = true; }, Outcome::kDeny, "SignatureInvalid"},

    // ---- expirationSeconds ------------------------------------------------------------------
    {"ExpirationAboveCap", [](TestCsr& t) { t.expiration_seconds = 400LL * 24 * 3600; }, Outcome::kDeny,
     "ExpirationTooLong"},
    {"ExpirationRequired", Nop, Outcome::kDeny, "ExpirationRequired",
     [](Policy& p) { p.require_expiration_seconds = true; }},

    // ---- Existing-node protection and duplicates -------------------------------
    {"BootstrapForExistingNode", [](TestCsr& t) { t.facts.node_exists = true; }, Outcome::kDeny,
     "NodeExists"},
    {"BootstrapForExistingControlPlane",
     [](TestCsr& t) {
       t.WithNodeName("control-plane-1");
       t.facts.node_exists = true;
     },
     Outcome::kDeny, "NodeExists"},
    {"NodeExistenceUnknownRetries", [](TestCsr& t) { t.facts.node_exists.reset(); }, Outcome::kRetry, ""},
    {"InFlightUnknownRetries", [](TestCsr& t) { t.facts.in_flight_for_node.reset(); }, Outcome::kRetry, ""},
    {"DenyWinsOverRetry",
     [](TestCsr& t) {
       t.facts.node_exists.reset();
       t.dns_names = {"x.example.com"};
     },
     Outcome::kDeny, "SanPresent"},
    {"ApprovedDuplicateInFlight",
     [](TestCsr& t) {
       t.facts.in_flight_for_node = {{"csr-0", t.created + std::chrono::seconds(10), true}};
     },
     Outcome::kDeny, "DuplicateInFlight"},
    {"EarlierPendingDuplicate",
     [](TestCsr& t) {
       t.facts.in_flight_for_node = {{"csr-0", t.created - std::chrono::seconds(1), false}};
     },
     Outcome::kDeny, "DuplicateInFlight"},
    {"SameSecondPendingDuplicateTieBrokenByName",
     [](TestCsr& t) {
       t.facts.in_flight_for_node = {{"csr-0", t.created, false}};
     },
     Outcome::kDeny, "DuplicateInFlight"},
    {"ExistingNodeProtectionDisabled", [](TestCsr& t) { t.facts.node_exists = true; }, Outcome::kApprove, "",
     [](Policy& p) { p.deny_existing_node = false; }},
};

INSTANTIATE_TEST_SUITE_P(Checks, PolicyTableTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// Every deny reason code is exercised by the table above.
TEST(PolicyTableCoverageTest, EveryDenyReasonHasACase) {
  std::set<std::string> covered;
  for (const Case& c : kCases) {
    if (c.outcome == Outcome::kDeny) covered.insert(c.reason);
  }
  for (std::string_view r : AllDenyReasons()) {
    EXPECT_TRUE(covered.count(std::string(r))) << "no deny case for " << r;
  }
}

// And the other way round: every reason a case denies with is in AllDenyReasons() (a row of
// JG_POLICY_REASONS with the wrong scope would drop it from the list).
TEST(PolicyTableCoverageTest, EveryDenyCaseReasonIsListed) {
  testing::ExpectEveryDenyCaseReasonListed(kCases, AllDenyReasons(), "AllDenyReasons()");
}

// std::regex backtracked exponentially on nested quantifiers: this pattern and a 50-character
// DNS-valid name ending in "-a" pinned a worker for good. RE2 answers in linear time. The
// bounded wait turns a regression into a failure instead of a hung test binary.
TEST(NodeNamePatternTest, NestedQuantifiersDoNotHang) {
  Policy p = DefaultPolicy();
  ASSERT_OK(SetNodeNamePattern(p, "([a-z0-9]+\\.?)+"));
  TestCsr t;
  t.WithNodeName(std::string(48, 'a') + "-a");
  CsrContext ctx = BuildContext(t);
  auto done = std::make_shared<std::promise<Verdict>>();
  std::future<Verdict> result = done->get_future();
  std::thread([done, ctx, p] { done->set_value(Evaluate(ctx, p)); }).detach();
  if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "Evaluate did not return within 60 s: the node name pattern backtracks";
    std::fflush(stdout);
    std::_Exit(1);
  }
  Verdict v = result.get();
  EXPECT_EQ(v.outcome, Outcome::kDeny);
  EXPECT_EQ(v.reason, "NodeNamePattern");
}

TEST(NodeNamePatternTest, RejectsWhatRe2CannotDoInLinearTime) {
  Policy p = DefaultPolicy();
  EXPECT_THAT(SetNodeNamePattern(p, "(a)\\1"),
              joinguard::testing::StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("RE2")));
  EXPECT_THAT(
      SetNodeNamePattern(p, std::string(2000, 'a')),
      joinguard::testing::StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("longer than")));
  EXPECT_EQ(p.node_name_pattern, ".*");  // unchanged on error
}

// The check of DefaultChecks() named `name` (the name Verdict::check reports), run alone.
CheckResult RunDefaultCheckNamed(std::string_view name, const CsrContext& ctx, const Policy& p) {
  for (const Check& c : DefaultChecks()) {
    if (c.name == name) return c.evaluate(ctx, p);
  }
  ADD_FAILURE() << "DefaultChecks() has no check named " << name;
  return CheckResult::Approve();
}

TEST(CheckFunctionsTest, EachCheckAnswersOnItsOwn) {
  TestCsr t;
  t.dns_names = {"a.example.com"};
  CsrContext ctx = BuildContext(t);
  Policy p = DefaultPolicy();
  EXPECT_TRUE(RunDefaultCheckNamed("signer", ctx, p).is_approve());
  EXPECT_TRUE(RunDefaultCheckNamed("subject", ctx, p).is_approve());
  CheckResult r = RunDefaultCheckNamed("noSans", ctx, p);
  ASSERT_TRUE(r.is_deny());
  EXPECT_EQ(r.reason(), "SanPresent");
  EXPECT_THAT(r.message(), ::testing::HasSubstr("DNS:a.example.com"));
}

TEST(CheckFunctionsTest, RetryCarriesTheLookupError) {
  TestCsr t;
  t.facts.node_exists.reset();
  t.facts.lookup_error = "node cache not synced";
  CheckResult r = RunDefaultCheckNamed("nodeDoesNotExist", BuildContext(t), DefaultPolicy());
  ASSERT_TRUE(r.is_retry());
  EXPECT_THAT(r.status(),
              joinguard::testing::StatusIs(StatusCode::kUnavailable, ::testing::HasSubstr("not synced")));
}

TEST(CsrContextTest, ClassifiesFlowsAndTokenId) {
  TestCsr t;
  CsrContext boot = BuildContext(t);
  EXPECT_EQ(boot.flow(), Flow::kBootstrap);
  EXPECT_EQ(boot.token_id(), "abcdef");
  EXPECT_EQ(boot.node_name(), "worker-1");
  t.AsRenewal("worker-1");
  EXPECT_EQ(BuildContext(t).flow(), Flow::kRenewal);
  EXPECT_EQ(ClassifyFlow("joe", {"system:nodes"}), Flow::kOther);
}

TEST(CsrContextTest, Dns1123) {
  EXPECT_TRUE(IsDns1123Subdomain("a"));
  EXPECT_TRUE(IsDns1123Subdomain("ip-10-0-0-1.ec2.internal"));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(253, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain(""));
  EXPECT_FALSE(IsDns1123Subdomain(".a"));
  EXPECT_FALSE(IsDns1123Subdomain("a."));
  EXPECT_FALSE(IsDns1123Subdomain("-a"));
  EXPECT_FALSE(IsDns1123Subdomain("A"));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
}

}  // namespace
}  // namespace joinguard::controller::policy
