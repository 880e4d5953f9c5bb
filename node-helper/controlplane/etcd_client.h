// A small etcd v3 client over etcd's gRPC gateway (JSON over HTTPS with mutual TLS; etcd
// api/etcdserverpb/rpc.proto, served by every etcd ≥ 3.4 on its client URLs): the cluster
// membership calls and Status that kubeadm's util/etcd/etcd.go makes. 64-bit IDs travel as
// decimal JSON strings (proto3 JSON mapping). HTTP goes through common/kube's transport seam.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/kube/http_transport.h"
#include "common/status/status.h"

namespace joinguard::node::controlplane {

struct EtcdMember {
  std::string id;  // decimal uint64
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;
};

struct EtcdTls {
  std::string ca_pem;    // etcd/ca.crt
  std::string cert_pem;  // etcd/healthcheck-client.crt
  std::string key_pem;
};

using TransportFactory =
    std::function<StatusOr<std::unique_ptr<kube::HttpTransport>>(const kube::TransportConfig&)>;

class EtcdClient {
 public:
  // kubeadm's per-call timeout (etcd.go: dialTimeout / etcdTimeout).
  static constexpr std::chrono::seconds kCallTimeout{2};

  // `endpoints` are client URLs ("https://10.0.0.1:2379"). The factory defaults to cpprestsdk.
  static StatusOr<std::unique_ptr<EtcdClient>> Create(std::vector<std::string> endpoints, EtcdTls tls,
                                                      TransportFactory factory = nullptr);

  StatusOr<std::vector<EtcdMember>> MemberList();
  // Returns the new member and the member list after the add.
  StatusOr<std::pair<EtcdMember, std::vector<EtcdMember>>> MemberAdd(const std::string& peer_url,
                                                                     bool learner);
  Status MemberPromote(const std::string& id);
  Status MemberRemove(const std::string& id);
  // Maintenance Status on one endpoint (health).
  Status EndpointStatus(const std::string& endpoint);

  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // Replaces the endpoints with the voting members' client URLs (clientv3 Sync).
  Status Sync();
  void AddEndpoint(const std::string& endpoint);

 private:
  EtcdClient(std::vector<std::string> endpoints, EtcdTls tls, TransportFactory factory)
      : endpoints_(std::move(endpoints)), tls_(std::move(tls)), factory_(std::move(factory)) {}
  // POSTs `body` to the first endpoint that answers; gateway errors keep etcd's message.
  StatusOr<std::string> Call(const std::string& path, const std::string& body);
  StatusOr<std::string> CallOne(const std::string& endpoint, const std::string& path,
                                const std::string& body);

  std::vector<std::string> endpoints_;
  EtcdTls tls_;
  TransportFactory factory_;
};

// Parses a gateway member list ({"members":[...]}); exposed for tests.
StatusOr<std::vector<EtcdMember>> ParseMembers(const std::string& json, const char* field = "members");

}  // namespace joinguard::node::controlplane
