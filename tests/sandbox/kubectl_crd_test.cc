// The real kubectl against the sandbox's CustomResourceDefinitions: apply a CRD, wait for it to
// be established, apply / get (printer columns) / get -o yaml / re-apply / delete a custom
// object, then delete the CRD. Run with a JSON client (1.31) and a protobuf-capable one (1.33).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sandbox/testing/kubectl_fixture.h"
#include "tests/sandbox/testing/objects.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class KubectlCrdTest : public KubectlTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KubectlCrdTest, ApplyWaitGetAndDeleteCustomObjects) {
  ASSERT_NO_FATAL_FAILURE(Start(GetParam()));
  WriteFile(dir_ + "/crd.json", GadgetCrd().dump());
  CommandResult r = Kubectl({"apply", "--validate=false", "-f", dir_ + "/crd.json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("customresourcedefinition.apiextensions.k8s.io/"
                               "gadgets.test.joinguard.io created"));

  r = Kubectl({"wait", "--for", "condition=established", "--timeout=60s", "crd/gadgets.test.joinguard.io"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("condition met"));

  json gadget = Gadget("g1", "red");
  gadget.erase("status");
  WriteFile(dir_ + "/g1.json", gadget.dump());
  r = Kubectl({"apply", "--validate=false", "-f", dir_ + "/g1.json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("gadget.test.joinguard.io/g1 created"));

  // Printer columns: Name + the CRD's additionalPrinterColumns (absent values print empty).
  r = Kubectl({"get", "gadgets"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, MatchesRegex("NAME +COLOR +USES +MISSING +AGE\ng1 +red +[0-9]+s\n"));
  r = Kubectl({"get", "gd", "g1", "-o", "yaml"});  // the short name resolves through discovery
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("kind: Gadget"));
  EXPECT_THAT(r.out, HasSubstr("color: red"));

  gadget["spec"]["color"] = "blue";
  WriteFile(dir_ + "/g1.json", gadget.dump());
  r = Kubectl({"apply", "--validate=false", "-f", dir_ + "/g1.json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("gadget.test.joinguard.io/g1 configured"));
  ASSERT_OK_AND_ASSIGN(json stored,
                       sandbox_->GetObjectForTest("/apis/test.joinguard.io/v1alpha1/gadgets/g1"));
  EXPECT_EQ(stored["spec"]["color"], "blue");
  EXPECT_EQ(stored["metadata"]["generation"], 2);

  r = Kubectl({"delete", "gadget", "g1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("gadget.test.joinguard.io \"g1\" deleted"));
  r = Kubectl({"delete", "crd", "gadgets.test.joinguard.io"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // kubectl's discovery cache still knows the type; the server no longer serves it.
  r = Kubectl({"get", "gadgets"});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.err, HasSubstr("the server could not find the requested resource"));
}

INSTANTIATE_TEST_SUITE_P(JsonAndProtobuf, KubectlCrdTest, ::testing::Values("31", "33"));

}  // namespace
}  // namespace joinguard::sandbox::testing
