// REST semantics of the sandbox: create/get/update/patch/delete, 409s, generateName, paging,
// selectors (apiserver pkg/registry/generic/registry/store.go).
#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class CrudTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    StartSandbox(o);
  }
  static json ConfigMap(const std::string& name, json data = {{"a", "1"}}, json labels = nullptr) {
    json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", data}};
    if (!labels.is_null()) cm["metadata"]["labels"] = labels;
    return cm;
  }
  const std::string kCms = "/api/v1/namespaces/default/configmaps";
};

TEST_F(CrudTest, CreateGetUpdateDeleteConfigMap) {
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto created, admin.Post(kCms, ConfigMap("cm1")));
  ASSERT_EQ(created.status, 201) << created.body;
  json obj = created.Json();
  EXPECT_EQ(obj["metadata"]["namespace"], "default");
  EXPECT_FALSE(obj["metadata"]["uid"].get<std::string>().empty());
  EXPECT_THAT(obj["metadata"]["creationTimestamp"].get<std::string>(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
  std::string rv1 = obj["metadata"]["resourceVersion"];

  ASSERT_OK_AND_ASSIGN(auto dup, admin.Post(kCms, ConfigMap("cm1")));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Json()["reason"], "AlreadyExists");
  EXPECT_EQ(dup.Json()["message"], "configmaps \"cm1\" already exists");

  obj["data"]["a"] = "2";
  ASSERT_OK_AND_ASSIGN(auto updated, admin.Put(kCms + "/cm1", obj));
  ASSERT_EQ(updated.status, 200) << updated.body;
  std::string rv2 = updated.Json()["metadata"]["resourceVersion"];
  EXPECT_NE(rv1, rv2);

  // Stale resourceVersion → 409 Conflict with upstream's message.
  obj["data"]["a"] = "3";
  ASSERT_OK_AND_ASSIGN(auto stale, admin.Put(kCms + "/cm1", obj));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.Json()["reason"], "Conflict");
  EXPECT_EQ(stale.Json()["message"],
            "Operation cannot be fulfilled on configmaps \"cm1\": the object has been modified; "
            "please apply your changes to the latest version and try again");

  // An update that changes nothing does not bump the resourceVersion.
  json same = updated.Json();
  ASSERT_OK_AND_ASSIGN(auto noop, admin.Put(kCms + "/cm1", same));
  EXPECT_EQ(noop.Json()["metadata"]["resourceVersion"], rv2);

  ASSERT_OK_AND_ASSIGN(auto del, admin.Delete(kCms + "/cm1"));
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.Json()["kind"], "Status");
  EXPECT_EQ(del.Json()["status"], "Success");
  EXPECT_EQ(del.Json()["details"]["name"], "cm1");
  ASSERT_OK_AND_ASSIGN(auto gone, admin.Get(kCms + "/cm1"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Json()["message"], "configmaps \"cm1\" not found");
  EXPECT_EQ(gone.Json()["details"]["kind"], "configmaps");
}

TEST_F(CrudTest, GenerateNameUsesFiveCharacterSuffix) {
  json cm = ConfigMap("");
  cm["metadata"] = {{"generateName", "gen-"}};
  ASSERT_OK_AND_ASSIGN(auto r, Admin().Post(kCms, cm));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.Json()["metadata"]["name"].get<std::string>(),
              MatchesRegex("gen-[bcdfghjklmnpqrstvwxz2456789]{5}"));
  json none = ConfigMap("");
  none["metadata"] = json::object();
  ASSERT_OK_AND_ASSIGN(auto invalid, Admin().Post(kCms, none));
  EXPECT_EQ(invalid.status, 422);
  EXPECT_THAT(invalid.Json()["message"].get<std::string>(), HasSubstr("name or generateName is required"));
}

TEST_F(CrudTest, NamespaceMustExistAndScopesAreEnforced) {
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto r, admin.Post("/api/v1/namespaces/nope/configmaps", ConfigMap("x")));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["message"], "namespaces \"nope\" not found");
  ASSERT_OK_AND_ASSIGN(auto cluster, admin.Get("/api/v1/namespaces/default/nodes"));
  EXPECT_EQ(cluster.status, 404);
  ASSERT_OK_AND_ASSIGN(auto ns, admin.Post("/api/v1/namespaces", json{{"metadata", {{"name", "team-a"}}}}));
  ASSERT_EQ(ns.status, 201);
  EXPECT_EQ(ns.Json()["status"]["phase"], "Active");
  ASSERT_OK_AND_ASSIGN(auto ok, admin.Post("/api/v1/namespaces/team-a/configmaps", ConfigMap("x")));
  EXPECT_EQ(ok.status, 201);
  // Listing across namespaces sees it.
  ASSERT_OK_AND_ASSIGN(auto all, admin.Get("/api/v1/configmaps?fieldSelector=metadata.namespace%3Dteam-a"));
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.Json()["items"].size(), 1u);
  EXPECT_EQ(all.Json()["kind"], "ConfigMapList");
}

TEST_F(CrudTest, PagingOverManyObjectsIsCompleteAndOrdered) {
  // Created directly (fast); listed over HTTPS in pages of 500 like kubectl/reflectors.
  for (int i = 0; i < 1200; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "cm-%04d", i);
    ASSERT_OK(sandbox_->CreateObjectForTest(kCms, ConfigMap(name)).status());
  }
  auto admin = Admin();
  std::vector<std::string> names;
  std::string cont;
  std::string list_rv;
  int pages = 0;
  do {
    std::string target = kCms + "?limit=500" + (cont.empty() ? "" : "&continue=" + cont);
    ASSERT_OK_AND_ASSIGN(auto r, admin.Get(target));
    ASSERT_EQ(r.status, 200) << r.body;
    json page = r.Json();
    if (list_rv.empty()) list_rv = page["metadata"]["resourceVersion"];
    EXPECT_EQ(page["metadata"]["resourceVersion"], list_rv);
    for (const auto& item : page["items"]) names.push_back(item["metadata"]["name"]);
    cont = page["metadata"].value("continue", "");
    if (!cont.empty()) {
      EXPECT_GT(page["metadata"]["remainingItemCount"].get<int>(), 0);
    }
    ++pages;
  } while (!cont.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 1200u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 1200u);
}

TEST_F(CrudTest, LabelAndFieldSelectors) {
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCms, ConfigMap("a", {{"k", "v"}}, {{"app", "web"}, {"tier", "front"}}))->status, 201);
  ASSERT_EQ(admin.Post(kCms, ConfigMap("b", {{"k", "v"}}, {{"app", "db"}}))->status, 201);
  ASSERT_EQ(admin.Post(kCms, ConfigMap("c", {{"k", "v"}}, {{"app", "cache"}, {"tier", "back"}}))->status,
            201);
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    auto r = admin.Get(kCms + "?" + query);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->status != 200) {
      out.push_back("HTTP " + std::to_string(r.ok() ? r->status : 0));
      return out;
    }
    json body = r->Json();
    for (const auto& i : body["items"]) out.push_back(i["metadata"]["name"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("labelSelector=app%3Dweb"), V({"a"}));
  EXPECT_EQ(names("labelSelector=app%3D%3Ddb"), V({"b"}));
  EXPECT_EQ(names("labelSelector=app!%3Dweb"), V({"b", "c"}));
  EXPECT_EQ(names("labelSelector=app%20in%20(web,cache)"), V({"a", "c"}));
  EXPECT_EQ(names("labelSelector=app%20notin%20(web,cache)"), V({"b"}));
  EXPECT_EQ(names("labelSelector=tier"), V({"a", "c"}));
  EXPECT_EQ(names("labelSelector=!tier"), V({"b"}));
  EXPECT_EQ(names("labelSelector=tier,app%3Dcache"), V({"c"}));
  EXPECT_EQ(names("fieldSelector=metadata.name%3Db"), V({"b"}));
  EXPECT_EQ(names("fieldSelector=metadata.name!%3Db"), V({"a", "c"}));
  ASSERT_OK_AND_ASSIGN(auto bad, admin.Get(kCms + "?fieldSelector=data.k%3Dv"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["message"], "field label not supported: data.k");
}

TEST_F(CrudTest, PatchFlavours) {
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCms, ConfigMap("p", {{"a", "1"}, {"b", "2"}}))->status, 201);
  ASSERT_OK_AND_ASSIGN(auto merge, admin.Patch(kCms + "/p", json{{"data", {{"a", "9"}, {"b", nullptr}}}}));
  ASSERT_EQ(merge.status, 200) << merge.body;
  EXPECT_EQ(merge.Json()["data"], json({{"a", "9"}}));
  ASSERT_OK_AND_ASSIGN(auto jp,
                       admin.Patch(kCms + "/p",
                                   json::array({{{"op", "add"}, {"path", "/data/c"}, {"value", "3"}},
                                                {{"op", "test"}, {"path", "/data/a"}, {"value", "9"}}}),
                                   "application/json-patch+json"));
  ASSERT_EQ(jp.status, 200) << jp.body;
  EXPECT_EQ(jp.Json()["data"]["c"], "3");
  ASSERT_OK_AND_ASSIGN(
      auto failed_test,
      admin.Patch(kCms + "/p", json::array({{{"op", "test"}, {"path", "/data/a"}, {"value", "0"}}}),
                  "application/json-patch+json"));
  EXPECT_EQ(failed_test.status, 422);
  // A patch carrying a stale resourceVersion conflicts.
  ASSERT_OK_AND_ASSIGN(auto stale, admin.Patch(kCms + "/p", json{{"metadata", {{"resourceVersion", "1"}}}}));
  EXPECT_EQ(stale.status, 409);
  ASSERT_OK_AND_ASSIGN(auto unsupported, admin.Patch(kCms + "/p", json::object(), "text/plain"));
  EXPECT_EQ(unsupported.status, 415);
}

TEST_F(CrudTest, StrategicMergePatchOfDeploymentLikeKubectlApply) {
  auto admin = Admin();
  json dep = {{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "web"}}},
              {"spec",
               {{"replicas", 1},
                {"selector", {{"matchLabels", {{"app", "web"}}}}},
                {"template",
                 {{"metadata", {{"labels", {{"app", "web"}}}}},
                  {"spec",
                   {{"containers",
                     {{{"name", "c"}, {"image", "nginx:1"}, {"env", {{{"name", "A"}, {"value", "1"}}}}},
                      {{"name", "side"}, {"image", "busybox"}}}}}}}}}}};
  ASSERT_OK_AND_ASSIGN(auto created, admin.Post("/apis/apps/v1/namespaces/default/deployments", dep));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["metadata"]["generation"], 1);
  json patch = {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{}"}}}}},
                {"spec",
                 {{"template",
                   {{"spec",
                     {{"$setElementOrder/containers", {{{"name", "c"}}, {{"name", "side"}}}},
                      {"containers", {{{"name", "c"}, {"image", "nginx:2"}}}}}}}}}}};
  ASSERT_OK_AND_ASSIGN(auto r, admin.Patch("/apis/apps/v1/namespaces/default/deployments/web", patch,
                                           "application/strategic-merge-patch+json"));
  ASSERT_EQ(r.status, 200) << r.body;
  json containers = r.Json()["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["name"], "c");
  EXPECT_EQ(containers[0]["image"], "nginx:2");
  EXPECT_EQ(containers[0]["env"][0]["value"], "1");  // merged by name, not replaced
  EXPECT_EQ(containers[1]["name"], "side");
  EXPECT_EQ(r.Json()["metadata"]["generation"], 2);
  EXPECT_EQ(r.Json()["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], "{}");
  // $patch: delete removes a list element by key.
  json del = {
      {"spec", {{"template", {{"spec", {{"containers", {{{"name", "side"}, {"$patch", "delete"}}}}}}}}}}};
  ASSERT_OK_AND_ASSIGN(auto r2, admin.Patch("/apis/apps/v1/namespaces/default/deployments/web", del,
                                            "application/strategic-merge-patch+json"));
  EXPECT_EQ(r2.Json()["spec"]["template"]["spec"]["containers"].size(), 1u);
}

TEST_F(CrudTest, LeaseUpdateRequiresResourceVersion) {
  auto admin = Admin();
  const std::string leases = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
  json lease = {{"metadata", {{"name", "l1"}}},
                {"spec", {{"holderIdentity", "a"}, {"leaseDurationSeconds", 15}}}};
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(leases, lease));
  ASSERT_EQ(c.status, 201) << c.body;
  ASSERT_OK_AND_ASSIGN(auto u, admin.Put(leases + "/l1", lease));
  EXPECT_EQ(u.status, 422);
  EXPECT_THAT(u.Json()["message"].get<std::string>(), HasSubstr("must be specified for an update"));
}

TEST_F(CrudTest, SecretStringDataAndDeleteNamespaceCascade) {
  auto admin = Admin();
  ASSERT_EQ(admin.Post("/api/v1/namespaces", json{{"metadata", {{"name", "tmp"}}}})->status, 201);
  ASSERT_OK_AND_ASSIGN(auto s,
                       admin.Post("/api/v1/namespaces/tmp/secrets",
                                  json{{"metadata", {{"name", "s"}}}, {"stringData", {{"k", "hello"}}}}));
  ASSERT_EQ(s.status, 201) << s.body;
  EXPECT_EQ(s.Json()["data"]["k"], "aGVsbG8=");
  EXPECT_FALSE(s.Json().contains("stringData"));
  EXPECT_EQ(s.Json()["type"], "Opaque");
  ASSERT_OK_AND_ASSIGN(auto del, admin.Delete("/api/v1/namespaces/tmp"));
  EXPECT_EQ(del.status, 200);
  ASSERT_OK_AND_ASSIGN(auto gone, admin.Get("/api/v1/namespaces/tmp/secrets/s"));
  EXPECT_EQ(gone.status, 404);
}

TEST_F(CrudTest, UnknownUrlsAreNotFoundStatus) {
  ASSERT_OK_AND_ASSIGN(auto r, Admin().Get("/apis/example.com/v1/widgets"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["message"], "the server could not find the requested resource");
}

}  // namespace
}  // namespace joinguard::sandbox::testing
