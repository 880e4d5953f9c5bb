// Strategic merge patches on a static Pod (node-helper/phases/patches.h): lists with a
// patchMergeKey in k8s.io/api/core/v1 (containers, env, volumes, volumeMounts, ...) merge element
// by element, every other list is replaced, and the directives joinguard-node does not implement
// are refused with the file's name instead of being applied wrongly. One case per rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/files/atomic_file.h"
#include "node-helper/phases/patches.h"
#include "node-helper/phases/yaml_json.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node::phases {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// The shape of a kubeadm static Pod, trimmed to what the cases touch.
Json BasePod() {
  return Json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "kube-apiserver", "namespace": "kube-system", "annotations": {"a": "1"}},
    "spec": {
      "hostNetwork": true,
      "containers": [{
        "name": "kube-apiserver",
        "command": ["kube-apiserver", "--x=1"],
        "resources": {"requests": {"cpu": "250m"}},
        "env": [{"name": "A", "value": "1"}],
        "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": true}]
      }],
      "volumes": [{"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"}}]
    }
  })");
}

struct PodPatchCase {
  std::string name;
  std::string patch_yaml;
  std::string pointer;           // where to look after the patch
  std::optional<Json> expected;  // nullopt: the pointer must be absent
  std::string error;             // non-empty: the patch is refused with this in the message
};

class PodPatchTest : public ::testing::TestWithParam<PodPatchCase> {};

TEST_P(PodPatchTest, Applies) {
  const PodPatchCase& c = GetParam();
  auto patch = StrictYamlToJson(c.patch_yaml, "the case's patch");
  ASSERT_OK(patch);
  const PatchFile file{"/patches/kube-apiserver+strategic.yaml", "kube-apiserver", PatchType::kStrategicMerge,
                       *patch};
  Json pod = BasePod();
  Status s = ApplyPatch(file, &pod, PodMergeKeys());
  if (!c.error.empty()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr(c.error));
    EXPECT_THAT(s.message(), HasSubstr("/patches/kube-apiserver+strategic.yaml"));
    return;
  }
  ASSERT_OK(s);
  const Json::json_pointer at(c.pointer);
  if (!c.expected) {
    EXPECT_FALSE(pod.contains(at)) << pod.dump(2);
    return;
  }
  ASSERT_TRUE(pod.contains(at)) << pod.dump(2);
  EXPECT_EQ(pod[at], *c.expected) << pod.dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PodPatchTest,
    ::testing::Values(
        PodPatchCase{"ContainerMergesByNameKeepingItsCommand",
                     "spec:\n  containers:\n  - name: kube-apiserver\n    resources:\n      limits:\n        "
                     "memory: 1Gi\n",
                     "/spec/containers/0",
                     Json::parse(R"({"name": "kube-apiserver", "command": ["kube-apiserver", "--x=1"],
                       "resources": {"requests": {"cpu": "250m"}, "limits": {"memory": "1Gi"}},
                       "env": [{"name": "A", "value": "1"}],
                       "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": true}]})"),
                     ""},
        PodPatchCase{"NewContainerIsAppended",
                     "spec:\n  containers:\n  - name: sidecar\n    image: busybox\n", "/spec/containers",
                     Json::parse(R"([{"name": "kube-apiserver", "command": ["kube-apiserver", "--x=1"],
                       "resources": {"requests": {"cpu": "250m"}}, "env": [{"name": "A", "value": "1"}],
                       "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": true}]},
                       {"name": "sidecar", "image": "busybox"}])"),
                     ""},
        PodPatchCase{"PatchDeleteRemovesTheElementWithItsKey",
                     "spec:\n  containers:\n  - name: kube-apiserver\n    $patch: delete\n",
                     "/spec/containers", Json::array(), ""},
        PodPatchCase{
            "EnvMergesByName",
            "spec:\n  containers:\n  - name: kube-apiserver\n    env:\n    - name: B\n      value: \"2\"\n"
            "    - name: A\n      value: \"9\"\n",
            "/spec/containers/0/env",
            Json::parse(R"([{"name": "A", "value": "9"}, {"name": "B", "value": "2"}])"), ""},
        PodPatchCase{
            "VolumeMountsMergeByMountPath",
            "spec:\n  containers:\n  - name: kube-apiserver\n    volumeMounts:\n    - name: extra\n"
            "      mountPath: /extra\n    - name: k8s-certs\n      mountPath: /etc/kubernetes/pki\n"
            "      readOnly: false\n",
            "/spec/containers/0/volumeMounts",
            Json::parse(R"([{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": false},
                                     {"name": "extra", "mountPath": "/extra"}])"),
            ""},
        PodPatchCase{"VolumesMergeByName", "spec:\n  volumes:\n  - name: extra\n    emptyDir: {}\n",
                     "/spec/volumes/1", Json::parse(R"({"name": "extra", "emptyDir": {}})"), ""},
        PodPatchCase{"ListsWithoutAMergeKeyAreReplaced",
                     "spec:\n  containers:\n  - name: kube-apiserver\n    command: [kube-apiserver, --y=2]\n",
                     "/spec/containers/0/command", Json::parse(R"(["kube-apiserver", "--y=2"])"), ""},
        PodPatchCase{"PatchReplaceInAListReplacesIt",
                     "spec:\n  volumes:\n  - $patch: replace\n  - name: only\n    emptyDir: {}\n",
                     "/spec/volumes", Json::parse(R"([{"name": "only", "emptyDir": {}}])"), ""},
        PodPatchCase{"NullDeletesAField", "spec:\n  hostNetwork: null\n", "/spec/hostNetwork", std::nullopt,
                     ""},
        PodPatchCase{"PatchDeleteOnAMapRemovesIt", "metadata:\n  annotations:\n    $patch: delete\n",
                     "/metadata/annotations", std::nullopt, ""},
        PodPatchCase{"AnElementWithoutItsMergeKeyIsRefused", "spec:\n  containers:\n  - image: busybox\n", "",
                     std::nullopt, "has no \"name\" (its merge key)"},
        PodPatchCase{"SetElementOrderIsRefused",
                     "spec:\n  $setElementOrder/containers:\n  - name: kube-apiserver\n", "", std::nullopt,
                     "\"$setElementOrder/containers\" at \"spec\" is not supported"},
        PodPatchCase{"RetainKeysIsRefused", "spec:\n  $retainKeys: [containers]\n", "", std::nullopt,
                     "\"$retainKeys\""},
        PodPatchCase{"AnUnknownPatchValueIsRefused", "spec:\n  $patch: explode\n", "", std::nullopt,
                     "$patch: \"explode\""}),
    [](const ::testing::TestParamInfo<PodPatchCase>& info) { return info.param.name; });

TEST(PatchTargetsTest, StaticPodFilesAreReadForTheirComponent) {
  const std::string dir = joinguard::testing::MakeTempDir("joinguard-patches-");
  ASSERT_OK(
      files::WriteFileAtomic(dir + "/kube-apiserver0+merge.yaml", "metadata: {labels: {a: b}}\n", 0600));
  ASSERT_OK(files::WriteFileAtomic(dir + "/etcd.json", R"({"metadata": {}})", 0600));
  ASSERT_OK(files::WriteFileAtomic(dir + "/kube-proxy.yaml", "{}\n", 0600));  // no such target
  std::vector<std::string> ignored;
  auto patches = ReadPatchDirectory(dir, KnownPatchTargets(), &ignored);
  joinguard::testing::RemoveTree(dir);
  ASSERT_OK(patches);
  ASSERT_EQ(patches->size(), 2u);
  EXPECT_EQ((*patches)[0].target, "etcd");
  EXPECT_EQ((*patches)[0].type, PatchType::kStrategicMerge);
  EXPECT_EQ((*patches)[1].target, "kube-apiserver");
  EXPECT_EQ((*patches)[1].type, PatchType::kMerge);
  EXPECT_THAT(ignored, ::testing::ElementsAre("kube-proxy.yaml"));
}

}  // namespace
}  // namespace joinguard::node::phases
