// CustomResourceDefinitions in the sandbox: a CRD registers its resource in discovery, custom
// objects get CRUD/list/watch/selectors/409s, the status subresource, printer columns in
// Tables, RBAC, deletion of the CRD's objects and persistence across restarts
// (apiextensions-apiserver pkg/apiserver/customresource_handler.go,
// pkg/registry/customresource/strategy.go).
#include "tests/sandbox/testing/fixture.h"
#include "tests/sandbox/testing/objects.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kCrds[] = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr char kGadgets[] = "/apis/test.joinguard.io/v1alpha1/gadgets";

class CrdTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    StartSandbox(o);
  }
  void CreateGadgetCrd() {
    auto admin = Admin();
    ASSERT_OK_AND_ASSIGN(auto r, admin.Post(kCrds, GadgetCrd()));
    ASSERT_EQ(r.status, 201) << r.body;
  }
};

TEST_F(CrdTest, CreatedCrdIsEstablishedAndInDiscovery) {
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto r, admin.Post(kCrds, GadgetCrd()));
  ASSERT_EQ(r.status, 201) << r.body;
  json crd = r.Json();
  EXPECT_EQ(crd["spec"]["names"]["singular"], "gadget");  // defaulted from kind
  EXPECT_EQ(crd["spec"]["names"]["listKind"], "GadgetList");
  EXPECT_EQ(crd["status"]["acceptedNames"]["plural"], "gadgets");
  EXPECT_EQ(crd["status"]["storedVersions"], json::array({"v1alpha1"}));
  std::map<std::string, std::string> conditions;
  for (const auto& c : crd["status"]["conditions"]) conditions[c["type"]] = c["status"];
  EXPECT_EQ(conditions["Established"], "True");
  EXPECT_EQ(conditions["NamesAccepted"], "True");

  ASSERT_OK_AND_ASSIGN(auto groups, admin.Get("/apis"));
  bool listed = false;
  const json group_list = groups.Json();
  for (const auto& g : group_list["groups"]) {
    if (g["name"] == "test.joinguard.io") {
      listed = true;
      EXPECT_EQ(g["preferredVersion"]["groupVersion"], "test.joinguard.io/v1alpha1");
    }
  }
  EXPECT_TRUE(listed) << groups.body;
  ASSERT_OK_AND_ASSIGN(auto group, admin.Get("/apis/test.joinguard.io"));
  EXPECT_EQ(group.status, 200);
  ASSERT_OK_AND_ASSIGN(auto list, admin.Get("/apis/test.joinguard.io/v1alpha1"));
  ASSERT_EQ(list.status, 200) << list.body;
  json resources = list.Json()["resources"];
  ASSERT_EQ(resources.size(), 2u) << resources;
  EXPECT_EQ(resources[0]["name"], "gadgets");
  EXPECT_EQ(resources[0]["kind"], "Gadget");
  EXPECT_EQ(resources[0]["namespaced"], false);
  EXPECT_EQ(resources[0]["shortNames"], json::array({"gd"}));
  EXPECT_THAT(resources[0]["verbs"].get<std::vector<std::string>>(), Contains("watch"));
  EXPECT_EQ(resources[1]["name"], "gadgets/status");
}

TEST_F(CrdTest, InvalidCrdIsRejectedWithFieldErrors) {
  auto admin = Admin();
  json bad = GadgetCrd();
  bad["metadata"]["name"] = "wrong.test.joinguard.io";
  bad["spec"]["scope"] = "Global";
  ASSERT_OK_AND_ASSIGN(auto r, admin.Post(kCrds, bad));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.Json()["reason"], "Invalid");
  EXPECT_THAT(r.Json()["message"].get<std::string>(),
              HasSubstr("metadata.name: Invalid value: \"wrong.test.joinguard.io\": must be "
                        "spec.names.plural+\".\"+spec.group"));
  EXPECT_THAT(r.Json()["message"].get<std::string>(), HasSubstr("spec.scope: Unsupported value: \"Global\""));
  ASSERT_OK_AND_ASSIGN(auto gone, admin.Get(kGadgets));
  EXPECT_EQ(gone.status, 404);
}

TEST_F(CrdTest, WronglyTypedCrdFieldsAreInvalidNotServerErrors) {
  auto admin = Admin();
  json bad = GadgetCrd();
  bad["spec"]["versions"][0]["served"] = "yes";
  bad["spec"]["versions"][0]["additionalPrinterColumns"][0]["priority"] = "high";
  ASSERT_OK_AND_ASSIGN(auto r, admin.Post(kCrds, bad));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_THAT(r.Json()["message"].get<std::string>(),
              HasSubstr("spec.versions[0].served: Invalid value: \"yes\": must be a boolean"));
  EXPECT_THAT(r.Json()["message"].get<std::string>(),
              HasSubstr("additionalPrinterColumns[0].priority: Invalid value: \"high\""));
}

TEST_F(CrdTest, CustomObjectsCrudSelectorsAndConflicts) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto c1, admin.Post(kGadgets, Gadget("g1", "red", {{"tier", "a"}})));
  ASSERT_EQ(c1.status, 201) << c1.body;
  EXPECT_EQ(c1.Json()["metadata"]["generation"], 1);
  EXPECT_FALSE(c1.Json().contains("status")) << "status is dropped on create with the subresource";
  ASSERT_OK_AND_ASSIGN(auto c2, admin.Post(kGadgets, Gadget("g2", "blue", {{"tier", "b"}})));
  ASSERT_EQ(c2.status, 201);

  ASSERT_OK_AND_ASSIGN(auto dup, admin.Post(kGadgets, Gadget("g1", "red")));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Json()["reason"], "AlreadyExists");
  EXPECT_EQ(dup.Json()["message"], "gadgets.test.joinguard.io \"g1\" already exists");

  ASSERT_OK_AND_ASSIGN(auto list, admin.Get(std::string(kGadgets) + "?labelSelector=tier%3Db"));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["kind"], "GadgetList");
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["metadata"]["name"], "g2");

  json g1 = c1.Json();
  g1["spec"]["color"] = "green";
  ASSERT_OK_AND_ASSIGN(auto u1, admin.Put(std::string(kGadgets) + "/g1", g1));
  ASSERT_EQ(u1.status, 200) << u1.body;
  EXPECT_EQ(u1.Json()["metadata"]["generation"], 2);
  g1["spec"]["color"] = "black";  // stale resourceVersion
  ASSERT_OK_AND_ASSIGN(auto stale, admin.Put(std::string(kGadgets) + "/g1", g1));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.Json()["message"],
            "Operation cannot be fulfilled on gadgets.test.joinguard.io \"g1\": the object has "
            "been modified; please apply your changes to the latest version and try again");

  ASSERT_OK_AND_ASSIGN(auto del, admin.Delete(std::string(kGadgets) + "/g2"));
  EXPECT_EQ(del.status, 200);
  ASSERT_OK_AND_ASSIGN(auto get, admin.Get(std::string(kGadgets) + "/g2"));
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(get.Json()["message"], "gadgets.test.joinguard.io \"g2\" not found");
}

TEST_F(CrdTest, StatusSubresourceSeparatesSpecAndStatus) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(kGadgets, Gadget("g1", "red")));
  json obj = c.Json();
  obj["status"] = {{"uses", 3}};
  ASSERT_OK_AND_ASSIGN(auto main_put, admin.Put(std::string(kGadgets) + "/g1", obj));
  ASSERT_EQ(main_put.status, 200);
  EXPECT_FALSE(main_put.Json().contains("status")) << "the main resource ignores status";

  json st = main_put.Json();
  st["status"] = {{"uses", 3}, {"phase", "Ready"}};
  st["spec"]["color"] = "ignored";
  ASSERT_OK_AND_ASSIGN(auto status_put, admin.Put(std::string(kGadgets) + "/g1/status", st));
  ASSERT_EQ(status_put.status, 200) << status_put.body;
  EXPECT_EQ(status_put.Json()["status"]["uses"], 3);
  EXPECT_EQ(status_put.Json()["spec"]["color"], "red") << "/status ignores spec";
  EXPECT_EQ(status_put.Json()["metadata"]["generation"], 1);

  ASSERT_OK_AND_ASSIGN(auto patched,
                       admin.Patch(std::string(kGadgets) + "/g1/status", {{"status", {{"uses", 4}}}}));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["status"]["uses"], 4);
}

TEST_F(CrdTest, WatchDeliversCustomObjectEvents) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto list, admin.Get(kGadgets));
  std::string rv = list.Json()["metadata"]["resourceVersion"];
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(std::string(kGadgets) + "?watch=1&resourceVersion=" + rv));
  ASSERT_EQ(watch->status(), 200);
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(kGadgets, Gadget("g1", "red")));
  ASSERT_EQ(c.status, 201);
  ASSERT_OK_AND_ASSIGN(auto d, admin.Delete(std::string(kGadgets) + "/g1"));
  ASSERT_EQ(d.status, 200);
  ASSERT_OK_AND_ASSIGN(json e1, watch->Next(std::chrono::seconds(10)));
  EXPECT_EQ(e1["type"], "ADDED");
  EXPECT_EQ(e1["object"]["kind"], "Gadget");
  EXPECT_EQ(e1["object"]["apiVersion"], "test.joinguard.io/v1alpha1");
  ASSERT_OK_AND_ASSIGN(json e2, watch->Next(std::chrono::seconds(10)));
  EXPECT_EQ(e2["type"], "DELETED");
}

TEST_F(CrdTest, TableShowsPrinterColumns) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(kGadgets, Gadget("g1", "red")));
  ASSERT_OK_AND_ASSIGN(auto s,
                       admin.Patch(std::string(kGadgets) + "/g1/status", {{"status", {{"uses", 7}}}}));
  ASSERT_EQ(s.status, 200);
  ASSERT_OK_AND_ASSIGN(auto t, admin.Request("GET", kGadgets, "", "application/json",
                                             {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}}));
  ASSERT_EQ(t.status, 200) << t.body;
  json table = t.Json();
  ASSERT_EQ(table["kind"], "Table");
  std::vector<std::string> names;
  for (const auto& col : table["columnDefinitions"]) names.push_back(col["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Color", "Uses", "Missing", "Age"}));
  ASSERT_EQ(table["rows"].size(), 1u);
  json cells = table["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "g1");
  EXPECT_EQ(cells[1], "red");
  EXPECT_EQ(cells[2], 7);
  EXPECT_TRUE(cells[3].is_null());
  EXPECT_THAT(cells[4].get<std::string>(), ::testing::MatchesRegex("[0-9]+s"));
}

TEST_F(CrdTest, RbacAppliesToCustomResources) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto role, admin.Post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
                                             json{{"metadata", {{"name", "gadget-reader"}}},
                                                  {"rules",
                                                   {{{"apiGroups", {"test.joinguard.io"}},
                                                     {"resources", {"gadgets"}},
                                                     {"verbs", {"get", "list"}}}}}}));
  ASSERT_EQ(role.status, 201);
  ASSERT_OK_AND_ASSIGN(auto binding,
                       admin.Post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                                  json{{"metadata", {{"name", "gadget-reader"}}},
                                       {"roleRef",
                                        {{"apiGroup", "rbac.authorization.k8s.io"},
                                         {"kind", "ClusterRole"},
                                         {"name", "gadget-reader"}}},
                                       {"subjects", {{{"kind", "User"}, {"name", "reader"}}}}}));
  ASSERT_EQ(binding.status, 201);
  auto reader = ClientAs("reader", {});
  ASSERT_OK_AND_ASSIGN(auto list, reader.Get(kGadgets));
  EXPECT_EQ(list.status, 200);
  ASSERT_OK_AND_ASSIGN(auto create, reader.Post(kGadgets, Gadget("g1", "red")));
  EXPECT_EQ(create.status, 403);
  EXPECT_EQ(create.Json()["message"],
            "gadgets.test.joinguard.io is forbidden: User \"reader\" cannot create resource "
            "\"gadgets\" in API group \"test.joinguard.io\" at the cluster scope");
}

TEST_F(CrdTest, DeletingTheCrdDeletesItsObjectsAndUnservesTheResource) {
  CreateGadgetCrd();
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(kGadgets, Gadget("g1", "red")));
  ASSERT_EQ(c.status, 201);
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(std::string(kGadgets) + "?watch=1&resourceVersion=" +
                                               c.Json()["metadata"]["resourceVersion"].get<std::string>()));
  ASSERT_OK_AND_ASSIGN(auto d, admin.Delete(std::string(kCrds) + "/gadgets.test.joinguard.io"));
  ASSERT_EQ(d.status, 200) << d.body;
  ASSERT_OK_AND_ASSIGN(json ev, watch->Next(std::chrono::seconds(10)));
  EXPECT_EQ(ev["type"], "DELETED");
  ASSERT_OK_AND_ASSIGN(auto gone, admin.Get(kGadgets));
  EXPECT_EQ(gone.status, 404);
  ASSERT_OK_AND_ASSIGN(auto disc, admin.Get("/apis/test.joinguard.io/v1alpha1"));
  EXPECT_EQ(disc.status, 404);
  // Re-created: an empty collection, not the old objects.
  CreateGadgetCrd();
  ASSERT_OK_AND_ASSIGN(auto list, admin.Get(kGadgets));
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.Json()["items"].empty()) << list.body;
}

TEST_F(CrdTest, NamespacedCrdServesNamespacedPaths) {
  auto admin = Admin();
  json crd = GadgetCrd();
  crd["spec"]["scope"] = "Namespaced";
  ASSERT_OK_AND_ASSIGN(auto r, admin.Post(kCrds, crd));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string ns_path = "/apis/test.joinguard.io/v1alpha1/namespaces/default/gadgets";
  ASSERT_OK_AND_ASSIGN(auto c, admin.Post(ns_path, Gadget("g1", "red")));
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.Json()["metadata"]["namespace"], "default");
  ASSERT_OK_AND_ASSIGN(auto all, admin.Get(kGadgets));
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.Json()["items"].size(), 1u);
}

TEST(CrdPersistenceTest, CrdsAndCustomObjectsSurviveARestart) {
  const std::string dir = SandboxTest::MakeTempDir();
  SandboxOptions o;
  o.run_controllers = false;
  o.state_dir = dir;
  std::string uid;
  {
    ASSERT_OK_AND_ASSIGN(auto sb, Sandbox::Start(o));
    ASSERT_OK(sb->CreateObjectForTest(kCrds, GadgetCrd()).status());
    ASSERT_OK_AND_ASSIGN(json g, sb->CreateObjectForTest(kGadgets, Gadget("g1", "red")));
    uid = g["metadata"]["uid"];
  }
  ASSERT_OK_AND_ASSIGN(auto sb, Sandbox::Start(o));
  ASSERT_OK_AND_ASSIGN(json g, sb->GetObjectForTest(std::string(kGadgets) + "/g1"));
  EXPECT_EQ(g["metadata"]["uid"], uid);
  ASSERT_OK_AND_ASSIGN(json created, sb->CreateObjectForTest(kGadgets, Gadget("g2", "blue")));
  EXPECT_EQ(created["kind"], "Gadget");
}

}  // namespace
}  // namespace joinguard::sandbox::testing
