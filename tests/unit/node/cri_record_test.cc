// Where the CRI endpoint is recorded (cmd/kubeadm/app/phases/kubelet/config.go,
// phases/patchnode/patchnode.go): instance-config.yaml from v1.34, the Node annotation before,
// the annotation's wait for the Node and its errors, against a scripted API and a fake clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node-helper/cri/record.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/unimplemented_client.h"

namespace joinguard::node::cri {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

struct KindCase {
  std::string version;
  RecordKind kind;
};

class RecordKindTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(RecordKindTest, ByClusterVersion) { EXPECT_EQ(RecordKindFor(GetParam().version), GetParam().kind); }

INSTANTIATE_TEST_SUITE_P(NodeLocalCriSocket, RecordKindTest,
                         ::testing::Values(KindCase{"v1.31.0", RecordKind::kNodeAnnotation},
                                           KindCase{"v1.33.9", RecordKind::kNodeAnnotation},
                                           KindCase{"v1.34.0", RecordKind::kInstanceConfig},
                                           KindCase{"v1.34.0-rc.1", RecordKind::kInstanceConfig},
                                           KindCase{"1.35.2", RecordKind::kInstanceConfig},
                                           KindCase{"v2.0.0", RecordKind::kInstanceConfig},
                                           // Unknown: the annotation, which every kubeadm reads.
                                           KindCase{"", RecordKind::kNodeAnnotation},
                                           KindCase{"latest", RecordKind::kNodeAnnotation},
                                           KindCase{"v1.34", RecordKind::kNodeAnnotation},
                                           KindCase{"v1.99999999999.0", RecordKind::kNodeAnnotation}));

TEST(InstanceConfigTest, KubeadmsFileContent) {
  EXPECT_EQ(InstanceConfigYaml("unix:///var/run/crio/crio.sock"),
            "containerRuntimeEndpoint: \"unix:///var/run/crio/crio.sock\"\n");
  EXPECT_EQ(InstanceConfigYaml("unix:///odd\"dir\\x.sock"),
            "containerRuntimeEndpoint: \"unix:///odd\\\"dir\\\\x.sock\"\n");
}

struct FlagCase {
  std::string name, in, out;
};

class RuntimeFlagTest : public ::testing::TestWithParam<FlagCase> {};

TEST_P(RuntimeFlagTest, Removed) {
  EXPECT_EQ(WithoutRuntimeEndpointFlag(GetParam().in, "unix:///run/c.sock"), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    FlagsEnv, RuntimeFlagTest,
    ::testing::Values(
        FlagCase{"Only", "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/c.sock\"\n",
                 "KUBELET_KUBEADM_ARGS=\"\"\n"},
        FlagCase{"First",
                 "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/c.sock "
                 "--hostname-override=n\"\n",
                 "KUBELET_KUBEADM_ARGS=\"--hostname-override=n\"\n"},
        FlagCase{"Last", "KUBELET_KUBEADM_ARGS=\"--a=b --container-runtime-endpoint=unix:///run/c.sock\"\n",
                 "KUBELET_KUBEADM_ARGS=\"--a=b\"\n"},
        FlagCase{"Middle",
                 "KUBELET_KUBEADM_ARGS=\"--a=b --container-runtime-endpoint=unix:///run/c.sock --z=y\"\n",
                 "KUBELET_KUBEADM_ARGS=\"--a=b --z=y\"\n"},
        FlagCase{"OtherValueStays",
                 "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/c.sock.bak --a=b\"\n",
                 "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/c.sock.bak --a=b\"\n"},
        FlagCase{"NotAFlagOfItsOwn",
                 "KUBELET_KUBEADM_ARGS=\"--x=--container-runtime-endpoint=unix:///run/c.sock\"\n",
                 "KUBELET_KUBEADM_ARGS=\"--x=--container-runtime-endpoint=unix:///run/c.sock\"\n"}),
    [](const auto& info) { return info.param.name; });

// GET/PATCH of one Node: absent for the first `absent_gets` GETs, then present; PATCH answers
// are scripted.
class NodeApi : public ::joinguard::testing::UnimplementedClient {
 public:
  StatusOr<kube::Json> GetRaw(const kube::Resource& r, std::string_view, std::string_view name,
                              std::string_view) override {
    ++gets;
    if (r.plural != "nodes" || gets <= absent_gets) {
      return NotFoundError("nodes \"" + std::string(name) + "\" not found").WithReason("NotFound", 404);
    }
    return kube::Json{{"metadata", {{"name", std::string(name)}}}};
  }
  StatusOr<kube::Json> PatchRaw(const kube::Resource& r, std::string_view, std::string_view name,
                                kube::PatchType type, const kube::Json& patch, std::string_view) override {
    patches.push_back({std::string(r.plural) + "/" + std::string(name), type, patch});
    if (!patch_errors.empty()) {
      Status s = patch_errors.front();
      patch_errors.erase(patch_errors.begin());
      return s;
    }
    return patch;
  }

  struct Patch {
    std::string target;
    kube::PatchType type;
    kube::Json body;
  };
  int absent_gets = 0;
  int gets = 0;
  std::vector<Status> patch_errors;
  std::vector<Patch> patches;
};

class AnnotateNodeTest : public ::testing::Test {
 protected:
  Status Annotate(runtime::Duration timeout = std::chrono::minutes(1)) {
    AnnotateDeps deps;
    deps.clock = &clock_;
    deps.wait = [this](runtime::Duration d) {
      waited_ += d;
      clock_.Advance(d);
    };
    return AnnotateNode(api_, "node-1", "unix:///var/run/crio/crio.sock", timeout, deps);
  }
  runtime::FakeClock clock_;
  runtime::Duration waited_{0};
  NodeApi api_;
};

TEST_F(AnnotateNodeTest, WaitsForTheKubeletToRegisterTheNodeThenPatches) {
  api_.absent_gets = 4;
  ASSERT_OK(Annotate());
  EXPECT_EQ(api_.gets, 5);
  EXPECT_EQ(waited_, 4 * kApiCallRetryInterval);
  ASSERT_EQ(api_.patches.size(), 1u);
  EXPECT_EQ(api_.patches[0].target, "nodes/node-1");
  EXPECT_EQ(api_.patches[0].type, kube::PatchType::kStrategicMerge);
  EXPECT_EQ(
      api_.patches[0].body,
      (kube::Json{{"metadata",
                   {{"annotations",
                     {{"kubeadm.alpha.kubernetes.io/cri-socket", "unix:///var/run/crio/crio.sock"}}}}}}));
}

TEST_F(AnnotateNodeTest, NodeThatNeverAppearsIsKubeadmsErrorWithinTheTimeout) {
  api_.absent_gets = 1'000'000;
  Status s = Annotate(std::chrono::seconds(5));
  EXPECT_THAT(
      s, StatusIs(StatusCode::kNotFound,
                  "error uploading crisocket: could not get node \"node-1\": nodes \"node-1\" not found"));
  EXPECT_EQ(s.reason(), "CRISocketNotRecorded");
  EXPECT_LE(waited_, std::chrono::seconds(5));
  EXPECT_GE(waited_, std::chrono::seconds(5) - kApiCallRetryInterval);
  EXPECT_TRUE(api_.patches.empty());
}

TEST_F(AnnotateNodeTest, ConflictIsRetriedForbiddenIsNot) {
  api_.patch_errors = {AbortedError("the object has been modified").WithReason("Conflict", 409)};
  ASSERT_OK(Annotate());
  EXPECT_EQ(api_.patches.size(), 2u);

  api_.patches.clear();
  api_.patch_errors = {PermissionDeniedError("nodes \"node-1\" is forbidden").WithReason("Forbidden", 403)};
  EXPECT_THAT(Annotate(),
              StatusIs(StatusCode::kPermissionDenied,
                       "error uploading crisocket: error patching Node \"node-1\": nodes \"node-1\" is "
                       "forbidden"));
  EXPECT_EQ(api_.patches.size(), 1u);
}

}  // namespace
}  // namespace joinguard::node::cri
