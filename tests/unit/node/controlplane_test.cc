// node-helper/controlplane: ClusterConfiguration decoding, kubeadm-certs decryption (with the
// V9 layout vector, computed outside this project), certificate specs, static Pod flags and
// the etcd gateway client's answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/aead.h"
#include "common/crypto/cert.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "node-helper/controlplane/certs.h"
#include "node-helper/controlplane/cluster_config.h"
#include "node-helper/controlplane/download_certs.h"
#include "node-helper/controlplane/etcd_client.h"
#include "node-helper/controlplane/manifests.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::node::controlplane {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// kubeadm-join reference vector V9 (AES-256-GCM, kubeadm-certs layout nonce || ct || tag).
constexpr char kV9Key[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kV9Sealed[] = "6465666768696a6b6c6d6e6f2b7eac12548d37ea5fd8c3c185abb180bd291c56cee9174a0c";

TEST(ClusterConfigTest, DecodesWithKubeadmDefaults) {
  auto c = ParseClusterConfiguration(
      "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.31.2\n"
      "controlPlaneEndpoint: cp.example.com\napiServer:\n  certSANs: [Foo.Example.COM]\n"
      "  extraArgs:\n    audit-log-path: /var/log/a\n");
  ASSERT_OK(c);
  EXPECT_EQ(c->control_plane_endpoint, "cp.example.com:6443")
      << "a port-less endpoint gets the default bind port";
  EXPECT_EQ(c->certificates_dir, "/etc/kubernetes/pki");
  EXPECT_EQ(c->service_subnet, "10.96.0.0/12");
  EXPECT_EQ(c->local_etcd.data_dir, "/var/lib/etcd");
  EXPECT_THAT(c->api_server.cert_sans, ElementsAre("foo.example.com"));
  ASSERT_EQ(c->api_server.extra_args.size(), 1u);
  EXPECT_EQ(c->api_server.extra_args[0].name, "audit-log-path");
}

TEST(ClusterConfigTest, RefusesWhatKubeadmCannotDecode) {
  EXPECT_THAT(
      ParseClusterConfiguration("apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("failed to decode cluster configuration data")));
  EXPECT_THAT(ParseClusterConfiguration("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
                                        "clusterName: a\nclusterName: b\n"),
              StatusIs(StatusCode::kInvalidArgument))
      << "duplicate keys (strict YAML)";
}

kube::Secret SecretWith(const std::string& key_hex, const std::map<std::string, std::string>& plain) {
  kube::Secret s;
  auto key = crypto::HexDecode(key_hex);
  for (const auto& [k, v] : plain) s.data[k] = v.empty() ? "" : *crypto::AesGcmSeal(*key, v);
  return s;
}

std::map<std::string, std::string> SharedPems() {
  auto ca_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto ca =
      *crypto::CreateSelfSignedCa(ca_key, "ca", std::chrono::hours(1), std::chrono::system_clock::now());
  std::string crt = ca.ToPem(), key = *ca_key.ToPem();
  return {{"ca.crt", crt},
          {"ca.key", key},
          {"front-proxy-ca.crt", crt},
          {"front-proxy-ca.key", key},
          {"sa.pub", *crypto::PublicKeyPem(ca_key.get())},
          {"sa.key", key},
          {"etcd-ca.crt", crt},
          {"etcd-ca.key", ""}};
}

TEST(DownloadCertsTest, DecryptsEveryFileWithKubeadmsModes) {
  ClusterConfiguration cluster;
  auto files = DecryptKubeadmCerts(SecretWith(kV9Key, SharedPems()), kV9Key, cluster);
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 7u) << "the empty etcd-ca.key (absent at upload) is skipped";
  for (const auto& f : *files) {
    EXPECT_EQ(f.mode, f.file.name.ends_with(".key") ? 0600u : 0644u) << f.file.name;
    EXPECT_EQ(f.file.path, "/etc/kubernetes/pki/" + f.file.name);
  }
}

TEST(DownloadCertsTest, V9VectorDecryptsWithOurAead) {
  // The V9 plaintext is "cert-data": not PEM, so kubeadm refuses to write it. Reaching that
  // check proves the independently computed ciphertext authenticated and decrypted.
  auto pems = SharedPems();
  kube::Secret secret = SecretWith(kV9Key, pems);
  secret.data["ca.crt"] = *crypto::HexDecode(kV9Sealed);
  EXPECT_THAT(
      DecryptKubeadmCerts(secret, kV9Key, ClusterConfiguration{}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("ca.crt: unknown data found in Secret entry")));
  EXPECT_EQ(*crypto::AesGcmOpen(*crypto::HexDecode(kV9Key), *crypto::HexDecode(kV9Sealed)), "cert-data");
}

TEST(DownloadCertsTest, FailuresCarryKubeadmsTexts) {
  ClusterConfiguration cluster;
  const std::string other(64, 'e');
  EXPECT_THAT(
      DecryptKubeadmCerts(SecretWith(kV9Key, SharedPems()), other, cluster),
      StatusIs(StatusCode::kDataLoss,
               "error decoding secret data with provided key: cipher: message authentication failed"));
  EXPECT_THAT(DecryptKubeadmCerts(SecretWith(kV9Key, SharedPems()), "zz", cluster),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("error decoding certificate key: encoding/hex: invalid byte: U+007A 'z'")));
  auto pems = SharedPems();
  pems.erase("etcd-ca.crt");
  EXPECT_THAT(DecryptKubeadmCerts(SecretWith(kV9Key, pems), kV9Key, cluster),
              StatusIs(StatusCode::kNotFound,
                       "the Secret does not include the required certificate or key - name: "
                       "etcd/ca.crt, path: /etc/kubernetes/pki/etcd/ca.crt"));
  kube::Secret shortened = SecretWith(kV9Key, SharedPems());
  shortened.data["sa.key"] = "short";
  EXPECT_THAT(DecryptKubeadmCerts(shortened, kV9Key, cluster),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("size of data is less than the nonce")));
}

TEST(DownloadCertsTest, ExternalEtcdFilesGoToTheirConfiguredPaths) {
  ClusterConfiguration cluster;
  cluster.external_etcd = EtcdExternal{{"https://e:2379"}, "/etc/etcd/ca.pem", "", ""};
  auto files = SharedFiles(cluster);
  EXPECT_EQ(files.back().secret_key, "external-etcd-ca.crt");
  EXPECT_EQ(files.back().path, "/etc/etcd/ca.pem");
}

struct ServiceIpCase {
  std::string cidr, ip;
};
class FirstServiceIpTest : public ::testing::TestWithParam<ServiceIpCase> {};
TEST_P(FirstServiceIpTest, AddsOneToTheNetwork) {
  EXPECT_EQ(*FirstServiceIp(GetParam().cidr), GetParam().ip);
}
INSTANTIATE_TEST_SUITE_P(Table, FirstServiceIpTest,
                         ::testing::Values(ServiceIpCase{"10.96.0.0/12", "10.96.0.1"},
                                           ServiceIpCase{"10.96.5.7/12", "10.96.0.1"},
                                           ServiceIpCase{"192.168.0.0/16,fd00::/108", "192.168.0.1"},
                                           ServiceIpCase{"fd00:10:96::/112", "fd00:10:96::1"}));

// Hostile prefix lengths are refused, never read through an overflowing atoi (issue 10).
class BadServiceSubnetTest : public ::testing::TestWithParam<std::string> {};
TEST_P(BadServiceSubnetTest, IsRefusedWithKubeadmsMessage) {
  auto ip = FirstServiceIp(GetParam());
  ASSERT_FALSE(ip.ok()) << GetParam() << " gave " << *ip;
  EXPECT_THAT(ip.status().message(), HasSubstr("unable to get first IP address from the given CIDR"));
}
INSTANTIATE_TEST_SUITE_P(Table, BadServiceSubnetTest,
                         ::testing::Values("10.96.0.0/4294967308", "10.96.0.0/99999999999999999999",
                                           "10.96.0.0/-1", "10.96.0.0/12x", "10.96.0.0/", "10.96.0.0/33",
                                           "fd00::/129"));

TEST(CertSpecsTest, ApiServerSansAreKubeadms) {
  ClusterConfiguration c;
  c.control_plane_endpoint = "[fd00::10]:6443";
  c.api_server.cert_sans = {"b.example", "10.0.0.9", "a.example", "bad_name", "*.wild.example"};
  std::vector<std::string> warnings;
  auto specs = ControlPlaneLeafSpecs(c, "cp-2", "10.0.0.2", &warnings);
  ASSERT_OK(specs);
  ASSERT_EQ(specs->size(), 7u);
  const auto& api = (*specs)[0];
  EXPECT_THAT(api.dns_names, ElementsAre("*.wild.example", "a.example", "b.example", "cp-2", "kubernetes",
                                         "kubernetes.default", "kubernetes.default.svc",
                                         "kubernetes.default.svc.cluster.local"));
  EXPECT_THAT(api.ip_addresses, ElementsAre("10.96.0.1", "10.0.0.2", "fd00::10", "10.0.0.9"));
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("'bad_name' was not added to the 'apiserver' SAN")));
  c.external_etcd = EtcdExternal{};
  EXPECT_EQ(ControlPlaneLeafSpecs(c, "cp-2", "10.0.0.2", nullptr)->size(), 3u)
      << "external etcd: rows 1-3 only";
}

TEST(CertSpecsTest, KeyTypes) {
  EXPECT_EQ(*KeyTypeFor("RSA-2048"), crypto::KeyType::kRsa2048);
  EXPECT_EQ(*KeyTypeFor("ECDSA-P384"), crypto::KeyType::kEcdsaP384);
  EXPECT_THAT(KeyTypeFor("DSA"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ManifestsTest, ExtraArgsReplaceEveryDefaultOfTheirName) {
  EXPECT_THAT(BuildFlags({{"b", "1"}, {"a", "1"}, {"c", "x"}}, {{"c", "y"}, {"c", "a"}}),
              ElementsAre("--a=1", "--b=1", "--c=a", "--c=y"));
}

TEST(ManifestsTest, EtcdTagFollowsTheMinor) {
  EXPECT_EQ(DefaultEtcdTag("v1.31.3"), "3.5.15-0");
  EXPECT_EQ(DefaultEtcdTag("v1.34.0"), "3.6.4-0");
  EXPECT_EQ(DefaultEtcdTag("v1.40.0"), "3.6.4-0");
}

TEST(ManifestsTest, EtcdManifestFlags) {
  ClusterConfiguration c;
  c.kubernetes_version = "v1.34.0";
  ManifestInputs in;
  in.cluster = &c;
  in.node_name = "cp-2";
  in.advertise_address = "fd00::2";
  auto m = EtcdManifest(in, "cp-1=https://[fd00::1]:2380,cp-2=https://[fd00::2]:2380");
  EXPECT_THAT(JsonToYaml(m.pod), HasSubstr("--listen-client-urls=https://[::1]:2379,https://[fd00::2]:2379"));
  EXPECT_THAT(JsonToYaml(m.pod), HasSubstr("--feature-gates=InitialCorruptCheck=true"))
      << "etcd 3.6 for 1.34";
  EXPECT_THAT(JsonToYaml(m.pod),
              HasSubstr("kubeadm.kubernetes.io/etcd.advertise-client-urls: https://[fd00::2]:2379"));
}

// A scripted transport: answers each POST path with a fixed response.
class ScriptedTransport : public kube::HttpTransport {
 public:
  explicit ScriptedTransport(std::map<std::string, kube::HttpResponse> answers)
      : answers_(std::move(answers)) {}
  StatusOr<kube::HttpResponse> Do(const kube::HttpRequest& r, std::stop_token) override {
    auto it = answers_.find(r.path_and_query);
    if (it == answers_.end()) return UnavailableError("connection refused");
    return it->second;
  }
  StatusOr<kube::HttpResponse> Stream(const kube::HttpRequest&, const kube::LineCallback&,
                                      std::stop_token) override {
    return UnimplementedError("no streams");
  }

 private:
  std::map<std::string, kube::HttpResponse> answers_;
};

TEST(EtcdClientTest, ParsesGatewayAnswersAndErrors) {
  std::map<std::string, kube::HttpResponse> answers = {
      {"/v3/cluster/member/list",
       {200,
        {},
        R"({"header":{},"members":[{"ID":"12345678901234567890","name":"cp-1","peerURLs":["https://a:2380"],)"
        R"("clientURLs":["https://a:2379"]},{"ID":"42","peerURLs":["https://b:2380"],"isLearner":true}]})"}},
      {"/v3/cluster/member/add",
       {400,
        {},
        R"({"error":"etcdserver: Peer URLs already exists","code":9,"message":"etcdserver: Peer URLs already exists"})"}},
      {"/v3/cluster/member/promote",
       {400,
        {},
        R"({"code":9,"message":"etcdserver: can only promote a learner member which is in sync with leader"})"}}};
  auto client = EtcdClient::Create({"https://a:2379"}, {}, [&](const kube::TransportConfig&) {
    return StatusOr<std::unique_ptr<kube::HttpTransport>>(std::make_unique<ScriptedTransport>(answers));
  });
  ASSERT_OK(client);
  auto members = (*client)->MemberList();
  ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].id, "12345678901234567890");
  EXPECT_FALSE((*members)[0].is_learner);
  EXPECT_TRUE((*members)[1].is_learner);
  EXPECT_EQ((*members)[1].name, "");
  EXPECT_THAT((*client)->MemberAdd("https://b:2380", true), StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT((*client)->MemberPromote("42"),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("in sync with leader")));
  ASSERT_OK((*client)->Sync());
  EXPECT_THAT((*client)->endpoints(), ElementsAre("https://a:2379")) << "learners are not endpoints";
}

}  // namespace
}  // namespace joinguard::node::controlplane
