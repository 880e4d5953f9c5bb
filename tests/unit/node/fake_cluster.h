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
#include "tests/testing/unimplemented_client.h"

namespace joinguard::node::testing {

using ConfigMapReply = std::function<StatusOr<kube::Json>(const kube::RestConfig& rest, int call)>;

class FakeClusterClient : public ::joinguard::testing::UnimplementedClient {
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
