// Table-driven tests of the kubelet serving-certificate checks with real CSRs
// (the attacks of k0sproject/k0s#8333, GHSA-87pw-5j2g-6376 and kubernetes/kubernetes#50635).
// Every deny reason has a case (EveryServingDenyReasonHasACase).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "controller/policy/serving_checks.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/controller/csr_builder.h"
#include "tests/unit/controller/deny_reason_coverage.h"

namespace joinguard::controller::policy {
namespace {

using controller::testing::BuildContext;
using controller::testing::TestCsr;
using controller::testing::TestKey;
using Outcome = Verdict::Outcome;

// worker-1 owns 192.168.1.10, fd00::10 and the names worker-1 / worker-1.example.internal;
// worker-2 owns 192.168.1.20; the API server is at 192.168.1.2 and api.example.internal.
TestCsr ServingCsr() {
  TestCsr t;
  t.signer = std::string(kKubeletServingSigner);
  t.usages = {"digital signature", "server auth"};
  t.AsRenewal("worker-1");
  t.dns_names = {"worker-1", "worker-1.example.internal"};
  t.ip_addresses = {"192.168.1.10", "fd00::10"};
  ServingFacts f;
  f.node_addresses = {{"Hostname", "worker-1"},       {"InternalDNS", "worker-1.example.internal"},
                      {"InternalIP", "192.168.1.10"}, {"InternalIP", "fd00::10"},
                      {"InternalIP", "192.168.1.2"},   // claims the API server's address too
                      {"ExternalIP", "10.96.0.1"},     // and a Service IP
                      {"InternalIP", "192.168.1.20"},  // and worker-2's address
                      {"InternalIP", "172.16.0.5"}};
  f.claimed_by_other_nodes = {{"192.168.1.20", {"worker-2"}},
                              {"192.168.1.10", {"worker-1"}}};  // itself only: not a conflict
  t.facts.serving = f;
  t.facts.api_server_addresses = {"192.168.1.2", "api.example.internal"};
  return t;
}

Policy ServingPolicy() {
  Policy p = DefaultPolicy();
  p.serving.enabled = true;
  return p;
}

struct Case {
  std::string name;
  std::function<void(TestCsr&)> mutate;
  Outcome outcome;
  std::string reason;
  std::function<void(Policy&)> policy = nullptr;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class ServingTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(ServingTableTest, Decides) {
  const Case& c = GetParam();
  TestCsr t = ServingCsr();
  c.mutate(t);
  Policy p = ServingPolicy();
  if (c.policy) c.policy(p);
  Verdict v = Evaluate(BuildContext(t), p, ServingChecks());
  EXPECT_EQ(OutcomeName(v.outcome), OutcomeName(c.outcome))
      << "reason=" << v.reason << " message=" << v.message;
  if (c.outcome == Outcome::kDeny || c.outcome == Outcome::kLeavePending || c.outcome == Outcome::kIgnore) {
    EXPECT_EQ(v.reason, c.reason) << v.message;
  }
  if (c.outcome == Outcome::kDeny) {
    EXPECT_FALSE(v.message.empty());
    EXPECT_THAT(v.message, ::testing::Not(::testing::HasSubstr("BEGIN CERTIFICATE REQUEST")));
  }
}

void Nop(TestCsr&) {}

const Case kCases[] = {
    // ---- approve ----
    {"OwnAddresses", Nop, Outcome::kApprove, ""},
    {"IpOnly", [](TestCsr& t) { t.dns_names.clear(); }, Outcome::kApprove, ""},
    {"DnsOnly", [](TestCsr& t) { t.ip_addresses.clear(); }, Outcome::kApprove, ""},
    {"DnsCaseAndTrailingDotInsensitive", [](TestCsr& t) { t.dns_names = {"Worker-1.Example.Internal"}; },
     Outcome::kApprove, ""},
    {"RsaWithKeyEncipherment",
     [](TestCsr& t) {
       t.key = TestKey::kRsa2048;
       t.usages = {"key encipherment", "digital signature", "server auth"};
     },
     Outcome::kApprove, ""},
    {"InsideAllowedCidr", Nop, Outcome::kApprove, "",
     [](Policy& p) {
       p.serving.allowed_cidrs = {"192.168.1.0/24", "fd00::/8"};
     }},
    {"ExpirationUnderCap", [](TestCsr& t) { t.expiration_seconds = 3600; }, Outcome::kApprove, ""},
    {"ApiServerAddressAllowedWhenConfigured",
     [](TestCsr& t) {
       t.ip_addresses = {"192.168.1.2"};
       t.dns_names.clear();
     },
     Outcome::kApprove, "", [](Policy& p) { p.serving.deny_api_server_addresses = false; }},
    // ---- not ours ----
    {"ClientSignerIgnored", [](TestCsr& t) { t.signer = std::string(kKubeletClientSigner); },
     Outcome::kIgnore, std::string(reason::kSignerNotHandled)},
    {"ServingDisabledIgnored", Nop, Outcome::kIgnore, std::string(reason::kSignerNotHandled),
     [](Policy& p) { p.serving.enabled = false; }},
    {"Unparseable", [](TestCsr& t) { t.raw_pem = "junk"; }, Outcome::kLeavePending,
     std::string(reason::kRequestUnparseable)},
    // ---- requester and subject ----
    {"BootstrapTokenRequester",
     [](TestCsr& t) {
       t.username = "system:bootstrap:abcdef";
       t.groups = {"system:bootstrappers"};
     },
     Outcome::kDeny, std::string(reason::kServingRequesterNotNode)},
    {"NodeUserWithoutNodesGroup", [](TestCsr& t) { t.groups = {"system:authenticated"}; }, Outcome::kDeny,
     std::string(reason::kServingRequesterNotNode)},
    {"EmptyNodeUser", [](TestCsr& t) { t.username = "system:node:"; }, Outcome::kDeny,
     std::string(reason::kServingRequesterNotNode)},
    {"OtherNodesName", [](TestCsr& t) { t.WithNodeName("worker-2"); }, Outcome::kDeny,
     std::string(reason::kServingIdentityMismatch)},
    {"ExtraOrganization",
     [](TestCsr& t) {
       t.subject.push_back({"O", "system:masters"});
     },
     Outcome::kDeny, std::string(reason::kSubjectNotExact)},
    {"WrongOrganization", [](TestCsr& t) { t.subject[0].value = "system:masters"; }, Outcome::kDeny,
     std::string(reason::kSubjectNotExact)},
    {"InvalidNodeName",
     [](TestCsr& t) {
       t.WithNodeName("Worker_1");
       t.username = "system:node:Worker_1";
     },
     Outcome::kDeny, std::string(reason::kInvalidNodeName)},
    {"NodeNamePattern", Nop, Outcome::kDeny, std::string(reason::kNodeNamePattern),
     [](Policy& p) { ASSERT_OK(SetNodeNamePattern(p, "gpu-.*")); }},
    {"ExtraExtension",
     [](TestCsr& t) {
       t.extra_extensions = {{"1.2.3.4", false}};
     },
     Outcome::kDeny, std::string(reason::kExtensionNotAllowed)},
    // ---- key, usages, signature, expiration ----
    {"WeakCurve", [](TestCsr& t) { t.key = TestKey::kP224; }, Outcome::kDeny,
     std::string(reason::kKeyTooWeak)},
    {"KeyNotAllowed", [](TestCsr& t) { t.key = TestKey::kEd25519; }, Outcome::kDeny,
     std::string(reason::kKeyNotAllowed)},
    {"ClientUsages",
     [](TestCsr& t) {
       t.usages = {"digital signature", "client auth"};
     },
     Outcome::kDeny, std::string(reason::kUsagesNotAllowed)},
    {"ExtraClientAuth",
     [](TestCsr& t) {
       t.usages = {"digital signature", "server auth", "client auth"};
     },
     Outcome::kDeny, std::string(reason::kUsagesNotAllowed)},
    {"DuplicateUsage",
     [](TestCsr& t) {
       t.usages = {"digital signature", "server auth", "server auth"};
     },
     Outcome::kDeny, std::string(reason::kUsagesNotAllowed)},
    {"BadSignature", [](TestCsr& t) { t.corrupt_signature = true; }, Outcome::kDeny,
     std::string(reason::kSignatureInvalid)},
    {"ExpirationTooLong", [](TestCsr& t) { t.expiration_seconds = 400 * 86400; }, Outcome::kDeny,
     std::string(reason::kExpirationTooLong)},
    {"ExpirationRequired", Nop, Outcome::kDeny, std::string(reason::kExpirationRequired),
     [](Policy& p) { p.require_expiration_seconds = true; }},
    // ---- SANs ----
    {"NoSans",
     [](TestCsr& t) {
       t.dns_names.clear();
       t.ip_addresses.clear();
     },
     Outcome::kDeny, std::string(reason::kServingSanMissing)},
    {"EmailSan", [](TestCsr& t) { t.emails = {"root@example.com"}; }, Outcome::kDeny,
     std::string(reason::kServingSanNotAllowed)},
    {"UriSan", [](TestCsr& t) { t.uris = {"spiffe://cluster/ns/kube-system/sa/admin"}; }, Outcome::kDeny,
     std::string(reason::kServingSanNotAllowed)},
    // ---- addresses ----
    {"ApiServerIp", [](TestCsr& t) { t.ip_addresses = {"192.168.1.2"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressDenied)},
    {"ApiServerName", [](TestCsr& t) { t.dns_names = {"API.example.internal."}; }, Outcome::kDeny,
     std::string(reason::kServingAddressDenied)},
    {"ServiceCidrIp", [](TestCsr& t) { t.ip_addresses = {"10.96.0.1"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressDenied)},
    {"ServiceCidrIpAsV4MappedV6", [](TestCsr& t) { t.ip_addresses = {"::ffff:10.96.0.1"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressDenied)},
    {"OutsideAllowedCidr", [](TestCsr& t) { t.ip_addresses = {"172.16.0.5"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressNotAllowed),
     [](Policy& p) { p.serving.allowed_cidrs = {"192.168.0.0/16"}; }},
    {"IpNotOwned", [](TestCsr& t) { t.ip_addresses = {"192.168.1.99"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressNotOwned)},
    {"DnsNotOwned", [](TestCsr& t) { t.dns_names = {"kubernetes.default.svc"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressNotOwned)},
    {"DnsIsAnIpTypedAddress", [](TestCsr& t) { t.dns_names = {"192.168.1.10"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressNotOwned)},
    {"OtherNodesIp", [](TestCsr& t) { t.ip_addresses = {"192.168.1.20"}; }, Outcome::kDeny,
     std::string(reason::kServingAddressClaimed)},
    {"OtherNodesDnsName",
     [](TestCsr& t) { t.facts.serving->claimed_by_other_nodes["worker-1.example.internal"] = {"worker-9"}; },
     Outcome::kDeny, std::string(reason::kServingAddressClaimed)},
    {"OtherNodesIpSpelledDifferently",
     [](TestCsr& t) {
       t.ip_addresses = {"fd00:0:0:0:0:0:0:10"};
       t.facts.serving->claimed_by_other_nodes[CanonicalAddressKey("fd00::10")] = {"worker-3"};
     },
     Outcome::kDeny, std::string(reason::kServingAddressClaimed)},
    // ---- facts ----
    {"NodeNotInCacheRetries", [](TestCsr& t) { t.facts.serving.reset(); }, Outcome::kRetry, ""},
    {"DeniedCidrWinsOverMissingNode",
     [](TestCsr& t) {
       t.facts.serving.reset();
       t.ip_addresses = {"10.96.0.1"};
     },
     Outcome::kDeny, std::string(reason::kServingAddressDenied)},
};

INSTANTIATE_TEST_SUITE_P(Table, ServingTableTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

TEST(ServingChecksTest, EveryServingDenyReasonHasACase) {
  std::set<std::string> covered;
  for (const Case& c : kCases) {
    if (c.outcome == Outcome::kDeny) covered.insert(c.reason);
  }
  for (std::string_view r : AllServingDenyReasons()) {
    EXPECT_TRUE(covered.count(std::string(r))) << "no table case denies with " << std::string(r);
  }
}

TEST(ServingChecksTest, EveryDenyCaseReasonIsListed) {
  testing::ExpectEveryDenyCaseReasonListed(kCases, AllServingDenyReasons(), "AllServingDenyReasons()");
}

TEST(IpNetTest, ParsesAndContains) {
  ASSERT_OK_AND_ASSIGN(IpNet n, ParseIpNet("10.96.0.0/12"));
  EXPECT_TRUE(n.Contains(*ParseIpAddress("10.96.0.1")));
  EXPECT_TRUE(n.Contains(*ParseIpAddress("10.111.255.255")));
  EXPECT_FALSE(n.Contains(*ParseIpAddress("10.112.0.0")));
  EXPECT_TRUE(n.Contains(*ParseIpAddress("::ffff:10.100.0.1")));
  EXPECT_FALSE(n.Contains(*ParseIpAddress("fd00::1")));
  ASSERT_OK_AND_ASSIGN(IpNet v6, ParseIpNet("fd00::/8"));
  EXPECT_TRUE(v6.Contains(*ParseIpAddress("fdff::1")));
  EXPECT_FALSE(v6.Contains(*ParseIpAddress("10.0.0.1")));
  ASSERT_OK_AND_ASSIGN(IpNet all, ParseIpNet("0.0.0.0/0"));
  EXPECT_TRUE(all.Contains(*ParseIpAddress("255.255.255.255")));
  ASSERT_OK_AND_ASSIGN(IpNet host, ParseIpNet("192.168.1.2"));
  EXPECT_TRUE(host.Contains(*ParseIpAddress("192.168.1.2")));
  EXPECT_FALSE(host.Contains(*ParseIpAddress("192.168.1.3")));
}

TEST(IpNetTest, RefusesJunk) {
  for (const char* bad : {"", "10.0.0.0/33", "fd00::/129", "10.0.0.1/8", "10.0.0.0/", "10.0.0.0/-1",
                          "10.0.0.0/1x", "10.0.0.0/0008", "host/8", "10.0.0.256/32"}) {
    EXPECT_THAT(ParseIpNet(bad).status(), joinguard::testing::StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(IpNetTest, CanonicalKeys) {
  EXPECT_EQ(CanonicalAddressKey("::ffff:10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(CanonicalAddressKey("FD00:0:0::1"), "fd00::1");
  EXPECT_EQ(CanonicalAddressKey("Worker-1.Example."), "worker-1.example");
}

TEST(ServingPolicyTest, ParsesSettingsAndRefusesBadOnes) {
  ASSERT_OK_AND_ASSIGN(Policy p, ParsePolicyYaml(R"(apiVersion: joinguard.io/v1alpha1
kind: CsrPolicy
serving:
  enabled: true
  allowedCIDRs: [192.168.0.0/16]
  deniedCIDRs: [10.96.0.0/12, 192.168.1.2/32]
  denyAPIServerAddresses: false
  maxExpirationSeconds: 86400
joinGrants:
  withoutGrant: refuse
brakes:
  maxApprovalsPerToken: 5
  windowSeconds: 30
  maxPendingPerRequester: 3
)"));
  EXPECT_TRUE(p.serving.enabled);
  EXPECT_EQ(p.serving.allowed_cidrs, std::vector<std::string>{"192.168.0.0/16"});
  EXPECT_EQ(p.serving.denied_cidrs.size(), 2u);
  EXPECT_FALSE(p.serving.deny_api_server_addresses);
  EXPECT_EQ(p.serving.max_expiration_seconds, 86400);
  EXPECT_EQ(p.grants.without_grant, UngrantedTokens::kRefuse);
  EXPECT_EQ(p.brakes.max_approvals_per_token, 5);
  EXPECT_EQ(p.brakes.window_seconds, 30);
  EXPECT_EQ(p.brakes.max_pending_per_requester, 3);

  Policy d = DefaultPolicy();
  EXPECT_FALSE(d.serving.enabled);
  EXPECT_EQ(d.grants.without_grant, UngrantedTokens::kGlobalRules);
  EXPECT_EQ(d.serving.denied_cidrs, std::vector<std::string>{"10.96.0.0/12"});

  const std::pair<const char*, const char*> kBad[] = {
      {"serving: {deniedCIDRs: [10.0.0.1/8]}", "serving.deniedCIDRs[0]"},
      {"serving: {allowedCIDRs: [nope]}", "serving.allowedCIDRs[0]"},
      {"serving: {maxExpirationSeconds: 10}", "serving.maxExpirationSeconds"},
      {"serving: {enabeld: true}", "serving.enabeld"},
      {"serving: {allowedUsages: [{algorithm: ECDSA, sets: [[digital signature, client auth]]}]}",
       "serving.allowedUsages[0].sets[0]"},
      {"joinGrants: {withoutGrant: maybe}", "joinGrants.withoutGrant"},
      {"brakes: {windowSeconds: 0}", "brakes.windowSeconds"},
      {"brakes: {maxApprovalsPerToken: -1}", "brakes.maxApprovalsPerToken"},
      // Range-checked in the field's own type, never narrowed (2^32+5 is not 5).
      {"serving: {maxExpirationSeconds: 2147483648}", "serving.maxExpirationSeconds"},
      {"serving: {maxExpirationSeconds: 9223372036854775808}", "serving.maxExpirationSeconds"},
      {"serving: {maxExpirationSeconds: -600}", "serving.maxExpirationSeconds"},
      {"brakes: {maxApprovalsPerToken: 4294967301}", "brakes.maxApprovalsPerToken"},
      {"brakes: {maxApprovalsPerToken: 1000001}", "brakes.maxApprovalsPerToken"},
      {"brakes: {windowSeconds: 9223372036854775807}", "brakes.windowSeconds"},
      {"brakes: {windowSeconds: 99999999999999999999}", "brakes.windowSeconds"},
      {"brakes: {maxPendingPerRequester: 4294967306}", "brakes.maxPendingPerRequester"},
      {"brakes: {maxPendingPerRequester: 0x10}", "brakes.maxPendingPerRequester"},
  };
  for (const auto& [body, field] : kBad) {
    std::string doc = std::string("apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n") + body + "\n";
    EXPECT_THAT(ParsePolicyYaml(doc).status(),
                joinguard::testing::StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr(field)))
        << body;
  }
}

}  // namespace
}  // namespace joinguard::controller::policy
