// Preconditions and decode-time validation as kube-apiserver applies them:
// - an update (PUT) whose metadata.uid differs from the stored object's is a 409 Conflict
//   "Precondition failed: UID in precondition: <a>, UID in object meta: <b>"
//   (apiserver pkg/registry/rest/update.go, pkg/storage/interfaces.go Preconditions.Check),
//   on main resources and on the CSR /approval and /status subresources;
// - DeleteOptions.preconditions {uid, resourceVersion} on DELETE (409 on mismatch);
// - CSR spec.expirationSeconds is an int32: anything Go's JSON decoder cannot put in an int32 is a
//   400 BadRequest (apiserver pkg/endpoints/handlers/rest.go transformDecodeError); below 600 is
//   a 422 (k8s pkg/apis/certificates/validation/validation.go).
#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kCsrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const std::string kCms = "/api/v1/namespaces/default/configmaps";

json ApprovedCondition() {
  return {{"type", "Approved"}, {"status", "True"}, {"reason", "Test"}, {"message", "by test"}};
}

bool Approved(const json& csr) {
  if (!csr.contains("status") || !csr["status"].contains("conditions")) return false;
  for (const auto& c : csr["status"]["conditions"]) {
    if (c["type"] == "Approved") return true;
  }
  return false;
}

class PreconditionsTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    StartSandbox(o);
  }
  static std::string UidMismatch(const std::string& qualified, const std::string& name,
                                 const std::string& sent, const std::string& stored) {
    return "Operation cannot be fulfilled on " + qualified + " \"" + name +
           "\": Precondition failed: UID in precondition: " + sent + ", UID in object meta: " + stored;
  }
};

TEST_F(PreconditionsTest, PutWithAnotherUidIsAConflict) {
  auto admin = Admin();
  json cm = {{"metadata", {{"name", "cm1"}}}, {"data", {{"a", "1"}}}};
  ASSERT_OK_AND_ASSIGN(auto created, admin.Post(kCms, cm));
  ASSERT_EQ(created.status, 201);
  json obj = created.Json();
  const std::string uid = obj["metadata"]["uid"];
  obj["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000";
  obj["data"]["a"] = "2";
  ASSERT_OK_AND_ASSIGN(auto put, admin.Put(kCms + "/cm1", obj));
  EXPECT_EQ(put.status, 409) << put.body;
  EXPECT_EQ(put.Json()["reason"], "Conflict");
  EXPECT_EQ(put.Json()["message"],
            UidMismatch("configmaps", "cm1", "00000000-0000-0000-0000-000000000000", uid));
  // Same object with its own uid (or none) goes through.
  obj["metadata"]["uid"] = uid;
  ASSERT_OK_AND_ASSIGN(auto ok, admin.Put(kCms + "/cm1", obj));
  EXPECT_EQ(ok.status, 200) << ok.body;
  // A patch cannot change the uid: immutable field, 422.
  ASSERT_OK_AND_ASSIGN(auto patch, admin.Patch(kCms + "/cm1", {{"metadata", {{"uid", "x"}}}}));
  EXPECT_EQ(patch.status, 422) << patch.body;
  EXPECT_THAT(patch.Json()["message"].get<std::string>(),
              HasSubstr("metadata.uid: Invalid value: \"x\": field is immutable"));
}

// Issue: a CSR deleted and re-created under the same name must not be approved by a writer that
// read the old one; the uid in the approval body is the guard.
TEST_F(PreconditionsTest, ApprovalAndStatusOfARecreatedCsrAreConflicts) {
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto first, admin.Post(kCsrs, KubeletCsr("csr-a", "node-a")));
  ASSERT_EQ(first.status, 201);
  json stale = first.Json();
  ASSERT_OK_AND_ASSIGN(auto del, admin.Delete(kCsrs + "/csr-a"));
  ASSERT_EQ(del.status, 200);
  ASSERT_OK_AND_ASSIGN(auto second, admin.Post(kCsrs, KubeletCsr("csr-a", "node-b")));
  ASSERT_EQ(second.status, 201);
  const std::string new_uid = second.Json()["metadata"]["uid"];
  const std::string old_uid = stale["metadata"]["uid"];
  ASSERT_NE(new_uid, old_uid);

  stale["metadata"].erase("resourceVersion");  // unconditional on RV: only the uid guards
  stale["status"]["conditions"] = {ApprovedCondition()};
  for (const std::string sub : {"/approval", "/status"}) {
    ASSERT_OK_AND_ASSIGN(auto put, admin.Put(kCsrs + "/csr-a" + sub, stale));
    EXPECT_EQ(put.status, 409) << sub << ": " << put.body;
    EXPECT_EQ(put.Json()["reason"], "Conflict") << sub;
    EXPECT_EQ(put.Json()["message"],
              UidMismatch("certificatesigningrequests.certificates.k8s.io", "csr-a", old_uid, new_uid))
        << sub;
  }
  ASSERT_OK_AND_ASSIGN(json now, sandbox_->GetObjectForTest(kCsrs + "/csr-a"));
  EXPECT_FALSE(Approved(now)) << now.dump();

  // With the current uid the approval goes through.
  json current = second.Json();
  current["status"]["conditions"] = {ApprovedCondition()};
  ASSERT_OK_AND_ASSIGN(auto ok, admin.Put(kCsrs + "/csr-a/approval", current));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(Approved(ok.Json()));
}

TEST_F(PreconditionsTest, DeleteHonoursUidAndResourceVersionPreconditions) {
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto created, admin.Post(kCms, json{{"metadata", {{"name", "cm1"}}}}));
  const std::string uid = created.Json()["metadata"]["uid"];
  const std::string rv = created.Json()["metadata"]["resourceVersion"];
  auto del = [&](const json& preconditions) {
    json opts = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", preconditions}};
    return admin.Request("DELETE", kCms + "/cm1", opts.dump());
  };
  ASSERT_OK_AND_ASSIGN(auto bad_uid, del({{"uid", "other"}}));
  EXPECT_EQ(bad_uid.status, 409) << bad_uid.body;
  EXPECT_EQ(bad_uid.Json()["message"], UidMismatch("configmaps", "cm1", "other", uid));
  ASSERT_OK_AND_ASSIGN(auto bad_rv, del({{"resourceVersion", "1"}}));
  EXPECT_EQ(bad_rv.status, 409) << bad_rv.body;
  EXPECT_EQ(bad_rv.Json()["message"],
            "Operation cannot be fulfilled on configmaps \"cm1\": Precondition failed: "
            "ResourceVersion in precondition: 1, ResourceVersion in object meta: " +
                rv);
  ASSERT_OK(sandbox_->GetObjectForTest(kCms + "/cm1").status());
  ASSERT_OK_AND_ASSIGN(auto good, del({{"uid", uid}, {"resourceVersion", rv}}));
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_FALSE(sandbox_->GetObjectForTest(kCms + "/cm1").ok());
}

struct ExpirationCase {
  std::string name;
  std::string literal;  // the JSON text of spec.expirationSeconds
  int status;
  std::string message_part;
};

class ExpirationSecondsTest : public PreconditionsTest,
                              public ::testing::WithParamInterface<ExpirationCase> {};

TEST_P(ExpirationSecondsTest, DecodedAsInt32AndValidated) {
  const ExpirationCase& c = GetParam();
  json csr = KubeletCsr("csr-exp", "node-exp");
  std::string body = csr.dump();
  const std::string marker = "\"signerName\":";
  body.insert(body.find(marker), "\"expirationSeconds\":" + c.literal + ",");
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto r, admin.Request("POST", kCsrs, body));
  EXPECT_EQ(r.status, c.status) << r.body;
  if (!c.message_part.empty()) {
    EXPECT_THAT(r.Json()["message"].get<std::string>(), HasSubstr(c.message_part));
  }
  // Nothing half-created on a refusal.
  EXPECT_EQ(sandbox_->GetObjectForTest(kCsrs + "/csr-exp").ok(), c.status == 201);
}

const char kDecodePrefix[] =
    "CertificateSigningRequest in version \"v1\" cannot be handled as a CertificateSigningRequest: "
    "json: cannot unmarshal ";
const char kDecodeSuffix[] =
    " into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of type int32";

INSTANTIATE_TEST_SUITE_P(
    Table, ExpirationSecondsTest,
    ::testing::Values(
        ExpirationCase{"MaxInt32", "2147483647", 201, ""}, ExpirationCase{"Minimum", "600", 201, ""},
        ExpirationCase{"AboveInt32", "2147483648", 400,
                       std::string(kDecodePrefix) + "number 2147483648" + kDecodeSuffix},
        ExpirationCase{"Huge", "18446744073709551615", 400,
                       std::string(kDecodePrefix) + "number 18446744073709551615" + kDecodeSuffix},
        ExpirationCase{"BelowInt32", "-2147483649", 400,
                       std::string(kDecodePrefix) + "number -2147483649" + kDecodeSuffix},
        ExpirationCase{"Fraction", "600.5", 400, std::string(kDecodePrefix) + "number 600.5" + kDecodeSuffix},
        ExpirationCase{"String", "\"600\"", 400, std::string(kDecodePrefix) + "string" + kDecodeSuffix},
        ExpirationCase{"BelowMinimum", "599", 422,
                       "spec.expirationSeconds: Invalid value: 599: may not specify a duration "
                       "less than 600 seconds (10 minutes)"},
        ExpirationCase{"Negative", "-1", 422, "may not specify a duration less than 600 seconds"}),
    [](const ::testing::TestParamInfo<ExpirationCase>& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard::sandbox::testing
