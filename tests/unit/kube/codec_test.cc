// Golden-file tests for the ONE codec: shapes from kubernetes/api (certificates/v1,
// coordination/v1, core/v1, authorization/v1) and apimachinery (meta/v1 Status).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/objects.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/kube/test_util.h"

namespace joinguard::kube {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using testutil::ReadGolden;

// Removes JSON-pointer paths (fields this codec does not model) from a copy.
Json Without(Json j, const std::vector<std::string>& pointers) {
  for (const auto& p : pointers) {
    Json::json_pointer ptr(p);
    if (j.contains(ptr)) j.at(ptr.parent_pointer()).erase(ptr.back());
  }
  return j;
}

template <typename T>
void CheckGolden(const std::string& file, const std::vector<std::string>& unmodelled) {
  SCOPED_TRACE(file);
  const Json golden = ReadGolden(file);
  ASSERT_TRUE(golden.is_object()) << "golden file missing or not JSON";
  ASSERT_OK_AND_ASSIGN(T obj, Decode<T>(golden));
  // Round trip keeps everything, including unknown fields and nulls.
  EXPECT_EQ(ToJson(obj), golden);
  // The modelled fields alone serialise to the golden minus what we do not model.
  obj.raw = Json();
  EXPECT_EQ(ToJson(obj), Without(golden, unmodelled));
}

TEST(CodecGolden, RoundTrips) {
  CheckGolden<CertificateSigningRequest>("csr.json", {"/metadata/managedFields", "/spec/futureSpecField"});
  CheckGolden<ConfigMap>("configmap_cluster_info.json", {});
  CheckGolden<Secret>("secret_bootstrap_token.json", {});
  CheckGolden<Node>("node.json", {"/spec/podCIDR", "/status/nodeInfo"});
  CheckGolden<Lease>("lease.json", {"/metadata/managedFields", "/spec/futureLeaseField"});
  CheckGolden<Event>("event.json", {"/eventTime"});
  CheckGolden<SubjectAccessReview>("sar_response.json", {"/metadata/creationTimestamp"});
  CheckGolden<ApiStatus>("status_conflict.json", {});
  CheckGolden<ApiStatus>("status_invalid.json", {});
  CheckGolden<ClusterRoleBinding>("clusterrolebinding.json", {});
}

TEST(CodecCsr, DecodesFields) {
  ASSERT_OK_AND_ASSIGN(auto csr, Decode<CertificateSigningRequest>(ReadGolden("csr.json")));
  EXPECT_EQ(csr.metadata.name, "csr-8vbnw");
  EXPECT_EQ(csr.metadata.resource_version, "1234");
  EXPECT_EQ(FormatTime(*csr.metadata.creation_timestamp), "2026-11-29T03:06:24Z");
  EXPECT_THAT(csr.spec.request, HasSubstr("-----BEGIN CERTIFICATE REQUEST-----"));
  EXPECT_EQ(csr.spec.signer_name, "kubernetes.io/kube-apiserver-client-kubelet");
  EXPECT_EQ(csr.spec.expiration_seconds, 86400);
  EXPECT_THAT(csr.spec.usages, ::testing::ElementsAre("digital signature", "client auth"));
  EXPECT_EQ(csr.spec.username, "system:bootstrap:abcdef");
  EXPECT_EQ(csr.spec.groups.size(), 3u);
  EXPECT_EQ(csr.spec.extra.at("authentication.kubernetes.io/credential-id")[0], "X509SHA256=00ff");
  EXPECT_TRUE(IsApproved(csr));
  EXPECT_FALSE(IsDenied(csr));
  EXPECT_TRUE(IsIssued(csr));
  EXPECT_THAT(csr.status.certificate, HasSubstr("-----BEGIN CERTIFICATE-----"));
  ASSERT_NE(FindCondition(csr, "Approved"), nullptr);
  EXPECT_EQ(FindCondition(csr, "Approved")->reason, "AutoApproved");
}

TEST(CodecCsr, ReadModifyWriteKeepsUnknownFields) {
  const Json golden = ReadGolden("csr_list.json")["items"][0];
  ASSERT_OK_AND_ASSIGN(auto csr, Decode<CertificateSigningRequest>(golden));
  EXPECT_FALSE(IsApproved(csr));
  Json with_unknown = golden;
  with_unknown["metadata"]["managedFields"] = Json::array({{{"manager", "kubectl"}}});
  with_unknown["spec"]["newField"] = "x";
  with_unknown["status"]["futureStatus"] = 7;
  ASSERT_OK_AND_ASSIGN(csr, Decode<CertificateSigningRequest>(with_unknown));
  CertificateSigningRequestCondition c;
  c.type = "Approved";
  c.status = "True";
  c.reason = "JoinguardApproved";
  c.message = "node worker-1";
  c.last_update_time = Time(std::chrono::seconds(1'800'000'000));
  csr.status.conditions.push_back(c);
  csr.metadata.labels["joinguard.io/checked"] = "true";
  const Json out = ToJson(csr);
  EXPECT_EQ(out["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(out["spec"]["newField"], "x");
  EXPECT_EQ(out["status"]["futureStatus"], 7);
  EXPECT_EQ(out["spec"]["request"], golden["spec"]["request"]);
  ASSERT_EQ(out["status"]["conditions"].size(), 1u);
  EXPECT_EQ(out["status"]["conditions"][0]["type"], "Approved");
  EXPECT_EQ(out["status"]["conditions"][0]["lastUpdateTime"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(out["metadata"]["labels"]["joinguard.io/checked"], "true");
  // Removing a modelled field removes it from the output too.
  csr.metadata.labels.clear();
  EXPECT_FALSE(ToJson(csr)["metadata"].contains("labels"));
}

TEST(CodecCsr, ListDecodes) {
  ASSERT_OK_AND_ASSIGN(auto list, DecodeList<CertificateSigningRequest>(ReadGolden("csr_list.json")));
  EXPECT_EQ(list.resource_version, "1300");
  EXPECT_FALSE(list.continue_token.empty());
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[0].metadata.name, "node-csr-abc");
  EXPECT_EQ(list.items[1].metadata.name, "csr-8vbnw");
}

TEST(CodecCsr, NewObjectSerialisesRequestAsBase64) {
  CertificateSigningRequest csr;
  csr.metadata.generate_name = "csr-";
  csr.spec.request = "-----BEGIN CERTIFICATE REQUEST-----\nabc\n-----END CERTIFICATE REQUEST-----\n";
  csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet";
  csr.spec.usages = {"digital signature", "client auth"};
  const Json j = ToJson(csr);
  EXPECT_EQ(j["apiVersion"], "certificates.k8s.io/v1");
  EXPECT_EQ(j["kind"], "CertificateSigningRequest");
  EXPECT_EQ(j["metadata"], Json({{"generateName", "csr-"}}));
  EXPECT_EQ(
      j["spec"]["request"],
      "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KYWJjCi0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=");
  EXPECT_FALSE(j["spec"].contains("expirationSeconds"));
}

TEST(CodecErrors, NameTheField) {
  Json j = ReadGolden("csr.json");
  j["spec"]["request"] = "not base64!!";
  EXPECT_THAT(Decode<CertificateSigningRequest>(j),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("spec.request")));
  j = ReadGolden("csr.json");
  j["spec"]["usages"] = "client auth";
  EXPECT_THAT(Decode<CertificateSigningRequest>(j),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("spec.usages")));
  j = ReadGolden("csr.json");
  j["status"]["conditions"][0]["lastUpdateTime"] = "yesterday";
  EXPECT_THAT(Decode<CertificateSigningRequest>(j),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("lastUpdateTime")));
  EXPECT_THAT(Decode<Lease>(Json::array()), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJson("{not json"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(CodecNullTimes, NullIsUnset) {
  // kubectl 1.20 sends "lastTransitionTime": null (kubernetes/kubectl pkg/cmd/certificates/certificates.go).
  Json j = ReadGolden("csr.json");
  j["status"]["conditions"][0]["lastTransitionTime"] = nullptr;
  ASSERT_OK_AND_ASSIGN(auto csr, Decode<CertificateSigningRequest>(j));
  EXPECT_FALSE(csr.status.conditions[0].last_transition_time.has_value());
}

TEST(CodecSecret, DataIsDecodedBytes) {
  ASSERT_OK_AND_ASSIGN(auto s, Decode<Secret>(ReadGolden("secret_bootstrap_token.json")));
  EXPECT_EQ(s.type, "bootstrap.kubernetes.io/token");
  EXPECT_EQ(s.data.at("token-id"), "abcdef");
  EXPECT_EQ(s.data.at("token-secret"), "0123456789abcdef");
  EXPECT_EQ(s.data.at("auth-extra-groups"), "system:bootstrappers:kubeadm:default-node-token");
  s.data["token-secret"] = "fedcba9876543210";
  EXPECT_EQ(ToJson(s)["data"]["token-secret"], "ZmVkY2JhOTg3NjU0MzIxMA==");
}

TEST(CodecConfigMap, ClusterInfo) {
  ASSERT_OK_AND_ASSIGN(auto cm, Decode<ConfigMap>(ReadGolden("configmap_cluster_info.json")));
  EXPECT_EQ(cm.metadata.namespace_, "kube-public");
  EXPECT_THAT(cm.data.at("kubeconfig"), HasSubstr("server: https://10.0.0.1:6443"));
  EXPECT_EQ(cm.data.count("jws-kubeconfig-abcdef"), 1u);
}

TEST(CodecNode, AddressesAndConditions) {
  ASSERT_OK_AND_ASSIGN(auto n, Decode<Node>(ReadGolden("node.json")));
  ASSERT_EQ(n.addresses.size(), 3u);
  EXPECT_EQ(n.addresses[1].address, "fd00::3");
  EXPECT_EQ(n.addresses[2].type, "Hostname");
  ASSERT_EQ(n.conditions.size(), 1u);
  EXPECT_EQ(n.conditions[0].type, "Ready");
  EXPECT_EQ(n.provider_id, "kind://docker/kind/worker-1");
}

TEST(CodecLease, MicroTimeAndUnknownFields) {
  ASSERT_OK_AND_ASSIGN(auto l, Decode<Lease>(ReadGolden("lease.json")));
  EXPECT_EQ(l.spec.holder_identity, "pod-a_1234");
  EXPECT_EQ(l.spec.lease_duration_seconds, 15);
  EXPECT_EQ(l.spec.lease_transitions, 3);
  EXPECT_EQ(FormatMicroTime(*l.spec.renew_time), "2026-11-29T03:06:26.654321Z");
  l.spec.holder_identity = "pod-b_5678";
  l.spec.renew_time = *l.spec.renew_time + std::chrono::microseconds(1'000'001);
  const Json out = ToJson(l);
  EXPECT_EQ(out["spec"]["holderIdentity"], "pod-b_5678");
  EXPECT_EQ(out["spec"]["renewTime"], "2026-11-29T03:06:27.654322Z");
  EXPECT_EQ(out["spec"]["acquireTime"], "2026-11-29T03:06:24.123456Z");
  EXPECT_EQ(out["spec"]["futureLeaseField"], "keep-me");
  EXPECT_EQ(out["metadata"]["managedFields"][0]["manager"], "joinguard");
  EXPECT_EQ(out["metadata"]["resourceVersion"], "99");
}

TEST(CodecStatus, Details) {
  ASSERT_OK_AND_ASSIGN(auto st, Decode<ApiStatus>(ReadGolden("status_invalid.json")));
  EXPECT_EQ(st.reason, "Invalid");
  EXPECT_EQ(st.code, 422);
  ASSERT_EQ(st.causes.size(), 1u);
  EXPECT_EQ(st.causes[0].field, "spec.usages");
}

TEST(CodecSar, RequestShape) {
  SubjectAccessReview sar;
  sar.resource_attributes = ResourceAttributes{"",        "approve", "certificates.k8s.io",          "*",
                                               "signers", "",        "kubernetes.io/kubelet-serving"};
  sar.user = "alice";
  sar.groups = {"g1"};
  const Json j = ToJson(sar);
  EXPECT_EQ(j["spec"]["resourceAttributes"]["verb"], "approve");
  EXPECT_FALSE(j["spec"]["resourceAttributes"].contains("namespace"));
  EXPECT_FALSE(j["spec"].contains("nonResourceAttributes"));
  EXPECT_EQ(j["metadata"], Json::object());
}

TEST(CodecCrb, Decodes) {
  ASSERT_OK_AND_ASSIGN(auto crb, Decode<ClusterRoleBinding>(ReadGolden("clusterrolebinding.json")));
  EXPECT_EQ(crb.metadata.name, "kubeadm:node-autoapprove-bootstrap");
  EXPECT_EQ(crb.role_ref.name, "system:certificates.k8s.io:certificatesigningrequests:nodeclient");
  ASSERT_EQ(crb.subjects.size(), 1u);
  EXPECT_EQ(crb.subjects[0].kind, "Group");
}

TEST(CodecMeta, ReferenceAndMetaOf) {
  ASSERT_OK_AND_ASSIGN(auto csr, Decode<CertificateSigningRequest>(ReadGolden("csr.json")));
  ObjectReference r = ReferenceTo(csr);
  EXPECT_EQ(r.kind, "CertificateSigningRequest");
  EXPECT_EQ(r.api_version, "certificates.k8s.io/v1");
  EXPECT_EQ(r.name, "csr-8vbnw");
  EXPECT_EQ(MetaOf(ReadGolden("lease.json")).namespace_, "kube-system");
}

TEST(MetaTime, FormatsAndParses) {
  const Time t = Time(std::chrono::seconds(1'795'921'584)) + std::chrono::microseconds(123456);
  EXPECT_EQ(FormatTime(t), "2026-11-29T03:06:24Z");
  EXPECT_EQ(FormatMicroTime(t), "2026-11-29T03:06:24.123456Z");
  EXPECT_EQ(FormatMicroTime(Time(std::chrono::seconds(1'795'921'584))), "2026-11-29T03:06:24.000000Z");
  ASSERT_OK_AND_ASSIGN(Time p, ParseTime("2026-11-29T03:06:24.123456Z"));
  EXPECT_EQ(p, t);
  ASSERT_OK_AND_ASSIGN(p, ParseTime("2026-11-29T05:06:24+02:00"));
  EXPECT_EQ(FormatTime(p), "2026-11-29T03:06:24Z");
  ASSERT_OK_AND_ASSIGN(p, ParseTime("2026-11-29T03:06:24.5Z"));
  EXPECT_EQ(FormatMicroTime(p), "2026-11-29T03:06:24.500000Z");
  EXPECT_THAT(ParseTime("2026-11-29 03:06:24"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTime("2026-11-29T03:06:24"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTime(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(Resource, Paths) {
  EXPECT_EQ(resources::kCertificateSigningRequests.ObjectPath("", "csr-1", "approval"),
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval");
  EXPECT_EQ(resources::kConfigMaps.ObjectPath("kube-public", "cluster-info"),
            "/api/v1/namespaces/kube-public/configmaps/cluster-info");
  EXPECT_EQ(resources::kLeases.CollectionPath("kube-system"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
  EXPECT_EQ(resources::kNodes.CollectionPath("ignored"), "/api/v1/nodes");
  EXPECT_EQ(resources::kClusterRoleBindings.ObjectPath("", "kubeadm:node-autoapprove-bootstrap"),
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm%3Anode-autoapprove-bootstrap");
  EXPECT_EQ(resources::kConfigMaps.GroupResource(), "configmaps");
  EXPECT_EQ(resources::kLeases.GroupResource(), "leases.coordination.k8s.io");
}

}  // namespace
}  // namespace joinguard::kube
