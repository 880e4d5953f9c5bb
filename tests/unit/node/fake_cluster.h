// A scripted stand-in for the API server as discovery sees it: every kube::Client the factory
// builds answers GET kube-public/cluster-info from a callback that sees the RestConfig the
// client was made with (insecure first fetch vs CA-verified second fetch).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/kube/client.h"
#include "common/kube/rest_config.h"
#include "node-helper/discovery/discovery.h"

namespace joinguard::node::testing {

using ConfigMapReply = std::function<StatusOr<kube::Json>(const kube::RestConfig& rest, int call)>;

class FakeClusterClient : public kube::Client {
 public:
  FakeClusterClient(kube::RestConfig rest, ConfigMapReply* reply, int* calls,
                    std::vector<kube::RestConfig>* seen)
      : rest_(std::move(rest)), reply_(reply), calls_(calls) {
    seen->push_back(rest_);
  }
  StatusOr<kube::Json> GetRaw(const kube::Resource& r, std::string_view ns, std::string_view name,
                              std::string_view) override {
    if (r.plural != "configmaps" || ns != "kube-public" || name != "cluster-info") {
      return NotFoundError(std::string(r.plural) + " \"" + std::string(name) + "\" not found")
          .WithReason("NotFound", 404);
    }
    return (*reply_)(rest_, (*calls_)++);
  }
  StatusOr<kube::Json> ListRaw(const kube::Resource&, std::string_view, const kube::ListOptions&) override {
    return UnimplementedError("list");
  }
  StatusOr<kube::Json> CreateRaw(const kube::Resource&, std::string_view, const kube::Json&,
                                 std::string_view) override {
    return UnimplementedError("create");
  }
  StatusOr<kube::Json> UpdateRaw(const kube::Resource&, std::string_view, std::string_view, const kube::Json&,
                                 std::string_view) override {
    return UnimplementedError("update");
  }
  StatusOr<kube::Json> PatchRaw(const kube::Resource&, std::string_view, std::string_view, kube::PatchType,
                                const kube::Json&, std::string_view) override {
    return UnimplementedError("patch");
  }
  StatusOr<kube::Json> DeleteRaw(const kube::Resource&, std::string_view, std::string_view,
                                 const kube::DeleteOptions&) override {
    return UnimplementedError("delete");
  }
  Status WatchRaw(const kube::Resource&, std::string_view, const kube::ListOptions&,
                  const kube::WatchHandler&, std::stop_token) override {
    return UnimplementedError("watch");
  }

 private:
  kube::RestConfig rest_;
  ConfigMapReply* reply_;
  int* calls_;
};

struct FakeCluster {
  ConfigMapReply reply;
  int calls = 0;
  std::vector<kube::RestConfig> clients;  // every RestConfig a client was built for

  discovery::ClientFactory Factory() {
    return [this](const kube::RestConfig& rest) -> StatusOr<std::unique_ptr<kube::Client>> {
      return std::unique_ptr<kube::Client>(new FakeClusterClient(rest, &reply, &calls, &clients));
    };
  }
};

inline kube::Json ConfigMapJson(const std::map<std::string, std::string>& data) {
  kube::Json j = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "cluster-info"}, {"namespace", "kube-public"}}}};
  j["data"] = kube::Json::object();
  for (const auto& [k, v] : data) j["data"][k] = v;
  return j;
}

}  // namespace joinguard::node::testing
