// The CSR store parses each request once per object version (kube_adapters DeriveCsr as the
// informer's derive function) and the reconciler decides on exactly that parse: a CSR replaced
// under its name (another uid, another key) or updated with other request bytes is parsed
// again, and re-decided on the new bytes, never on a parse of what the name held before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>

#include "common/kube/mock_client.h"
#include "controller/kube_adapters.h"
#include "tests/unit/controller/reconciler_fixture.h"

namespace joinguard::controller::testing {
namespace {

constexpr char kNode[] = "worker-1";  // TestCsr's default CN

std::vector<crypto::NameAttribute> Subject(const std::string& node) {
  return {{"O", "system:nodes"}, {"CN", "system:node:" + node}};
}

// InformerCsrLister over a store the test fills itself (the reflector that would report the
// first list as synced never runs).
class FilledStoreLister final : public CsrLister {
 public:
  explicit FilledStoreLister(const CsrInformer& informer) : store_(informer) {}
  bool HasSynced() const override { return true; }
  StoredCsr Get(const std::string& name) const override { return store_.Get(name); }
  std::vector<CsrPtr> BootstrapByNodeName(const std::string& node) const override {
    return store_.BootstrapByNodeName(node);
  }
  size_t PendingByRequester(const std::string& requester) const override {
    return store_.PendingByRequester(requester);
  }

 private:
  InformerCsrLister store_;
};

// A real CSR informer store (never started: the test applies watch events itself) with the
// controller's derive function and indexes, and a reconciler reading it through
// InformerCsrLister. The FakeCluster is the live API the reconciler writes to.
class CsrStoreTest : public ReconcilerFixture {
 protected:
  void SetUp() override {
    ReconcilerFixture::SetUp();
    auto informer = CsrInformer::Create(client_, kube::InformerOptions{}, clock_, logger_);
    ASSERT_TRUE(informer.ok()) << informer.status();
    informer_ = std::move(*informer);
    ASSERT_TRUE(AddCsrIndexers(*informer_).ok());
    informer_->BeginReplace();
    informer_->CommitReplace();  // synced, empty
    lister_ = std::make_unique<FilledStoreLister>(*informer_);
  }
  std::unique_ptr<CsrReconciler> MakeOnStore() {
    providers_.push_back(std::make_unique<StaticPolicyProvider>(policy::DefaultPolicy()));
    ReconcilerDeps d = Deps(providers_.back().get());
    d.csrs = lister_.get();
    auto r = CsrReconciler::Create(d, {});
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(*r);
  }
  // Creates the CSR live and delivers it to the store as a watch event.
  std::string PutAndWatch(const TestCsr& t) {
    std::string uid = cluster_.PutCsr(MakeCsr(t));
    Watch(kube::WatchEventType::kAdded, t.name);
    return uid;
  }
  // Delivers the live CSR `name` to the store.
  void Watch(kube::WatchEventType type, const std::string& name) {
    auto live = cluster_.LiveCsr(name);
    ASSERT_TRUE(live.has_value());
    informer_->Apply(type, kube::ToJson(*live));
  }
  void WatchDeleted(const kube::CertificateSigningRequest& last) {
    informer_->Apply(kube::WatchEventType::kDeleted, kube::ToJson(last));
  }
  std::string LiveUid(const std::string& name) {
    auto live = cluster_.LiveCsr(name);
    return live ? live->metadata.uid : "";
  }

  ::testing::NiceMock<kube::MockClient> client_;
  std::unique_ptr<CsrInformer> informer_;
  std::unique_ptr<FilledStoreLister> lister_;
};

TEST_F(CsrStoreTest, EachVersionIsParsedOnceAndEveryReadSharesTheParse) {
  PutAndWatch(TestCsr{});
  StoredCsr a = lister_->Get("csr-1");
  ASSERT_NE(a.object, nullptr);
  ASSERT_NE(a.derived, nullptr);
  ASSERT_NE(a.derived->request, nullptr);
  ASSERT_TRUE(a.derived->request->ok());
  EXPECT_TRUE(a.derived->bootstrap_client);
  EXPECT_EQ(a.derived->cn_node_name, kNode);
  EXPECT_EQ(lister_->Get("csr-1").derived->request.get(), a.derived->request.get()) << "a read parsed again";
  ASSERT_EQ(lister_->BootstrapByNodeName(kNode).size(), 1u);
}

TEST_F(CsrStoreTest, RecreatedUnderTheSameNameWithAnotherKeyIsReparsedAndRedecided) {
  // The name first holds a valid request, approved.
  TestCsr first;
  const std::string first_uid = PutAndWatch(first);
  const crypto::ParsedCsr* first_parse = &**lister_->Get("csr-1").derived->request;
  auto r = MakeOnStore();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Reason("csr-1"), kApprovedReason);
  Watch(kube::WatchEventType::kModified, "csr-1");

  // Deleted and re-created under the same name: another node name and a key the policy refuses.
  kube::CertificateSigningRequest last = *cluster_.LiveCsr("csr-1");
  cluster_.DeleteCsr("csr-1");
  WatchDeleted(last);
  TestCsr second;
  second.subject = Subject("other-node");
  second.key = TestKey::kP521;
  const std::string second_uid = PutAndWatch(second);
  ASSERT_NE(second_uid, first_uid);

  StoredCsr stored = lister_->Get("csr-1");
  ASSERT_NE(stored.derived->request, nullptr);
  EXPECT_NE(&**stored.derived->request, first_parse);
  EXPECT_EQ(stored.derived->cn_node_name, "other-node");
  EXPECT_EQ((*stored.derived->request)->key_info().curve, "P-521");

  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Reason("csr-1"), std::string(policy::reason::kKeyNotAllowed));
  ASSERT_EQ(cluster_.writes().size(), 2u);
  EXPECT_EQ(cluster_.writes()[1].uid, second_uid);
  EXPECT_EQ(cluster_.writes()[1].type, kube::kCsrDenied);
}

TEST_F(CsrStoreTest, ABadRequestReplacedByAGoodOneIsDecidedOnTheNewBytes) {
  TestCsr bad;
  bad.key = TestKey::kRsa1024;
  PutAndWatch(bad);
  // Replaced before any worker ran: the decision must be about the new object, written with its uid.
  kube::CertificateSigningRequest last = *cluster_.LiveCsr("csr-1");
  cluster_.DeleteCsr("csr-1");
  WatchDeleted(last);
  const std::string good_uid = PutAndWatch(TestCsr{});
  auto r = MakeOnStore();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Reason("csr-1"), kApprovedReason);
  ASSERT_EQ(cluster_.writes().size(), 1u);
  EXPECT_EQ(cluster_.writes()[0].uid, good_uid);
}

TEST_F(CsrStoreTest, UpdatedObjectIsReparsedUnlessItsRequestBytesAreUnchanged) {
  PutAndWatch(TestCsr{});
  const policy::ParsedRequest v1 = lister_->Get("csr-1").derived->request;

  // A new resourceVersion with the same bytes (what the API server allows: a CSR's spec is
  // immutable): the parse of those bytes is shared, the version is new.
  cluster_.TouchCsr("csr-1");
  Watch(kube::WatchEventType::kModified, "csr-1");
  StoredCsr touched = lister_->Get("csr-1");
  EXPECT_EQ(touched.object->metadata.resource_version, cluster_.LiveCsr("csr-1")->metadata.resource_version);
  EXPECT_EQ(touched.derived->request.get(), v1.get());

  // Same uid, other request bytes (a hostile or broken API server): parsed again.
  kube::CertificateSigningRequest changed = *cluster_.LiveCsr("csr-1");
  TestCsr other;
  other.subject = Subject("changed-node");
  changed.spec.request = BuildPem(other);
  changed.metadata.resource_version = "999999";
  informer_->Apply(kube::WatchEventType::kModified, kube::ToJson(changed));
  StoredCsr reparsed = lister_->Get("csr-1");
  EXPECT_NE(reparsed.derived->request.get(), v1.get());
  EXPECT_EQ(reparsed.derived->cn_node_name, "changed-node");
  EXPECT_THAT(lister_->BootstrapByNodeName(kNode), ::testing::IsEmpty());
  EXPECT_EQ(lister_->BootstrapByNodeName("changed-node").size(), 1u);
}

TEST_F(CsrStoreTest, DecidedVersionKeepsTheNodeNameButNotTheParse) {
  PutAndWatch(TestCsr{});
  auto r = MakeOnStore();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  Watch(kube::WatchEventType::kModified, "csr-1");
  StoredCsr decided = lister_->Get("csr-1");
  ASSERT_TRUE(IsDecided(*decided.object));
  EXPECT_EQ(decided.derived->request, nullptr);
  EXPECT_EQ(decided.derived->cn_node_name, kNode);
  // Still counted for its name (an approved duplicate denies a second join).
  EXPECT_EQ(lister_->BootstrapByNodeName(kNode).size(), 1u);
  // A later version of the decided CSR (certificate issued) keeps the name without a parse.
  cluster_.TouchCsr("csr-1");
  Watch(kube::WatchEventType::kModified, "csr-1");
  EXPECT_EQ(lister_->Get("csr-1").derived->cn_node_name, kNode);
  EXPECT_EQ(lister_->BootstrapByNodeName(kNode).size(), 1u);
}

// The store keeps of a decided CSR what the duplicate check and triage read, and drops the rest
// (TrimDecidedCsr); a pending CSR is kept whole (its approval write carries it).
TEST_F(CsrStoreTest, DecidedVersionIsStoredWithoutItsRequestBytes) {
  PutAndWatch(TestCsr{});
  StoredCsr pending = lister_->Get("csr-1");
  const kube::CertificateSigningRequest live_pending = *cluster_.LiveCsr("csr-1");
  EXPECT_EQ(pending.object->spec.request, live_pending.spec.request);
  EXPECT_EQ(pending.object->spec.usages, live_pending.spec.usages);
  EXPECT_EQ(pending.object->spec.uid, live_pending.spec.uid);

  auto r = MakeOnStore();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  Watch(kube::WatchEventType::kModified, "csr-1");
  const kube::CertificateSigningRequest live = *cluster_.LiveCsr("csr-1");
  const CsrPtr stored = lister_->Get("csr-1").object;
  ASSERT_FALSE(live.spec.request.empty());
  EXPECT_TRUE(stored->spec.request.empty());
  EXPECT_TRUE(stored->spec.usages.empty());
  EXPECT_TRUE(stored->spec.uid.empty());
  ASSERT_EQ(stored->status.conditions.size(), live.status.conditions.size());
  EXPECT_TRUE(stored->status.conditions[0].message.empty());
  // What the reconciler reads of a decided CSR is intact.
  EXPECT_TRUE(kube::IsApproved(*stored));
  EXPECT_EQ(stored->status.conditions[0].reason, live.status.conditions[0].reason);
  EXPECT_EQ(stored->metadata.name, live.metadata.name);
  EXPECT_EQ(stored->metadata.uid, live.metadata.uid);
  EXPECT_EQ(stored->metadata.creation_timestamp, live.metadata.creation_timestamp);
  EXPECT_EQ(stored->spec.username, live.spec.username);
  EXPECT_EQ(stored->spec.groups, live.spec.groups);
  EXPECT_EQ(stored->spec.signer_name, live.spec.signer_name);
  EXPECT_EQ(lister_->BootstrapByNodeName(kNode).size(), 1u);

  // The decided name still denies a second join for it, from the trimmed store.
  TestCsr second;
  second.name = "csr-2";
  PutAndWatch(second);
  EXPECT_EQ(r->Reconcile("csr-2").kind, ReconcileResult::Kind::kDone);
  EXPECT_NE(Reason("csr-2"), kApprovedReason);

  // The same bytes again without the conditions (a broken API server): the digest matches the
  // decided version's, which kept no parse, so the request is parsed from the new object.
  kube::CertificateSigningRequest undecided = live_pending;
  undecided.metadata.resource_version = "999999";
  informer_->Apply(kube::WatchEventType::kModified, kube::ToJson(undecided));
  StoredCsr again = lister_->Get("csr-1");
  ASSERT_NE(again.derived->request, nullptr);
  ASSERT_TRUE(again.derived->request->ok());
  EXPECT_EQ(again.derived->cn_node_name, kNode);
  EXPECT_EQ(again.object->spec.request, live_pending.spec.request);
  // Decided again with other request bytes under the same uid: compared by digest (the stored
  // decided version no longer holds its bytes) and derived from the new bytes.
  kube::CertificateSigningRequest changed = live;
  TestCsr other;
  other.subject = Subject("changed-node");
  changed.spec.request = BuildPem(other);
  changed.metadata.resource_version = "1000000";
  Watch(kube::WatchEventType::kModified, "csr-1");
  EXPECT_EQ(lister_->Get("csr-1").derived->cn_node_name, kNode);
  EXPECT_TRUE(lister_->Get("csr-1").object->spec.request.empty());
  informer_->Apply(kube::WatchEventType::kModified, kube::ToJson(changed));
  EXPECT_EQ(lister_->Get("csr-1").derived->cn_node_name, "changed-node");
}

// The Node store keeps what the serving facts read (name, addresses) and the index by address.
TEST(NodeStoreTrimTest, KeepsNameAndAddressesOnly) {
  kube::Node n;
  n.metadata.name = "worker-1";
  n.metadata.uid = "u1";
  n.metadata.resource_version = "7";
  n.metadata.labels = {{"kubernetes.io/hostname", "worker-1"}};
  n.metadata.annotations = {{"node.alpha.kubernetes.io/ttl", "0"}};
  n.provider_id = "aws:///i-1";
  n.addresses = {{"InternalIP", "10.0.0.7"}, {"Hostname", "worker-1"}};
  n.conditions.resize(3);
  TrimCachedNode(n, nullptr);
  EXPECT_EQ(n.metadata.name, "worker-1");
  EXPECT_EQ(n.metadata.uid, "u1");
  EXPECT_EQ(n.metadata.resource_version, "7");
  ASSERT_EQ(n.addresses.size(), 2u);
  EXPECT_EQ(n.addresses[0].address, "10.0.0.7");
  EXPECT_TRUE(n.metadata.labels.empty());
  EXPECT_TRUE(n.metadata.annotations.empty());
  EXPECT_TRUE(n.provider_id.empty());
  EXPECT_TRUE(n.conditions.empty());
}

// What the controller's CSR store keeps per kubelet CSR, with its derive function, transform and
// indexes (docs/controller-core.md#memory quotes these figures): a pending P-256 bootstrap CSR
// (object + parse + index entries) and the same CSR once decided (trimmed, no parse). mallinfo2
// counts the main arena, which this thread allocates from.
TEST_F(CsrStoreTest, MemoryPerCachedKubeletCsr) {
  constexpr int kCsrs = 2000;
  std::vector<kube::Json> pending, decided;
  for (int i = 0; i < kCsrs; ++i) {
    TestCsr t;
    t.name = "node-csr-" + std::to_string(i) + std::string(40, 'x');
    t.subject = Subject("bench-node-" + std::to_string(100000 + i));
    kube::CertificateSigningRequest c = MakeCsr(t);
    c.metadata.uid = "0b5c9b7e-2f0d-4c1e-9a53-" + std::to_string(100000000000 + i);
    c.metadata.resource_version = std::to_string(1000 + i);
    c.spec.uid = "3f1c7a1e-6c2b-4f7e-8b8a-1d2e3f4a5b6c";
    pending.push_back(kube::ToJson(c));
    c.metadata.resource_version = std::to_string(100000 + i);
    kube::CertificateSigningRequestCondition approved;
    approved.type = "Approved";
    approved.status = "True";
    approved.reason = "JoinguardApproved";
    approved.message = "approved by joinguard: bootstrap token abcdef, node bench-node-" + std::to_string(i);
    c.status.conditions.push_back(approved);
    decided.push_back(kube::ToJson(c));
  }
  const size_t empty = mallinfo2().uordblks;
  for (const kube::Json& j : pending) informer_->Apply(kube::WatchEventType::kAdded, j);
  const size_t with_pending = mallinfo2().uordblks;
  for (const kube::Json& j : decided) informer_->Apply(kube::WatchEventType::kModified, j);
  const size_t with_decided = mallinfo2().uordblks;
  ASSERT_EQ(informer_->Size(), static_cast<size_t>(kCsrs));
  ASSERT_EQ(lister_->PendingByRequester(TestCsr{}.username), 0u);
  const double per_pending = static_cast<double>(with_pending - empty) / kCsrs;
  const double per_decided = static_cast<double>(with_decided - empty) / kCsrs;
  std::printf("CSR store per kubelet CSR: pending %.0f bytes, decided %.0f bytes (%d CSRs)\n", per_pending,
              per_decided, kCsrs);
  // Figures on x86-64 glibc: about 3.3 KiB pending and 2.0 KiB decided. A decided CSR that kept
  // its request bytes, usages and condition message (about 2.7 KiB) fails the second bound.
  EXPECT_LT(per_pending, 4096.0);
  EXPECT_LT(per_decided, 2304.0);
}

TEST_F(CsrStoreTest, OtherSignersAreNeitherParsedNorIndexed) {
  TestCsr t;
  t.signer = "example.com/other";
  PutAndWatch(t);
  StoredCsr stored = lister_->Get("csr-1");
  ASSERT_NE(stored.object, nullptr);
  EXPECT_EQ(stored.derived, nullptr);
  EXPECT_THAT(lister_->BootstrapByNodeName(kNode), ::testing::IsEmpty());
}

TEST_F(CsrStoreTest, AnUnparseableRequestIsKeptWithItsError) {
  PutAndWatch(TestCsr{});
  kube::CertificateSigningRequest junk = *cluster_.LiveCsr("csr-1");
  junk.spec.request = "not a PEM block";
  junk.metadata.resource_version = "999999";
  informer_->Apply(kube::WatchEventType::kModified, kube::ToJson(junk));
  StoredCsr stored = lister_->Get("csr-1");
  ASSERT_NE(stored.derived->request, nullptr);
  EXPECT_FALSE(stored.derived->request->ok());
  EXPECT_EQ(stored.derived->cn_node_name, "");
}

}  // namespace
}  // namespace joinguard::controller::testing
