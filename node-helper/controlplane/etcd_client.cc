#include "node-helper/controlplane/etcd_client.h"

#include <nlohmann/json.hpp>

namespace joinguard::node::controlplane {
namespace {

using Json = nlohmann::json;

std::string IdString(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_unsigned()) return std::to_string(j.get<unsigned long long>());
  if (j.is_number_integer()) return std::to_string(j.get<long long>());
  return "";
}

std::vector<std::string> Strings(const Json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& s : j) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

EtcdMember ToMember(const Json& m) {
  EtcdMember out;
  if (!m.is_object()) return out;
  if (m.contains("ID")) out.id = IdString(m["ID"]);
  if (m.contains("name") && m["name"].is_string()) out.name = m["name"].get<std::string>();
  if (m.contains("peerURLs")) out.peer_urls = Strings(m["peerURLs"]);
  if (m.contains("clientURLs")) out.client_urls = Strings(m["clientURLs"]);
  if (m.contains("isLearner") && m["isLearner"].is_boolean()) out.is_learner = m["isLearner"].get<bool>();
  return out;
}

StatusOr<Json> ParseJson(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLossError("etcd returned a malformed JSON answer");
  return j;
}

}  // namespace

StatusOr<std::vector<EtcdMember>> ParseMembers(const std::string& body, const char* field) {
  JG_ASSIGN_OR_RETURN(Json j, ParseJson(body));
  std::vector<EtcdMember> out;
  if (!j.contains(field)) return out;
  if (!j[field].is_array()) return DataLossError("etcd returned a malformed member list");
  for (const auto& m : j[field]) out.push_back(ToMember(m));
  return out;
}

StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Create(std::vector<std::string> endpoints, EtcdTls tls,
                                                         TransportFactory factory) {
  if (endpoints.empty()) return InvalidArgumentError("could not retrieve the list of etcd endpoints");
  if (!factory) factory = &kube::NewCpprestTransport;
  return std::unique_ptr<EtcdClient>(
      new EtcdClient(std::move(endpoints), std::move(tls), std::move(factory)));
}

void EtcdClient::AddEndpoint(const std::string& endpoint) {
  if (std::find(endpoints_.begin(), endpoints_.end(), endpoint) == endpoints_.end())
    endpoints_.push_back(endpoint);
}

StatusOr<std::string> EtcdClient::CallOne(const std::string& endpoint, const std::string& path,
                                          const std::string& body) {
  kube::TransportConfig config;
  config.server = endpoint;
  config.ca_pem = tls_.ca_pem;
  config.client_cert_pem = tls_.cert_pem;
  config.client_key_pem = tls_.key_pem;
  config.timeout = kCallTimeout;
  JG_ASSIGN_OR_RETURN(auto transport, factory_(config));
  kube::HttpRequest request;
  request.method = "POST";
  request.path_and_query = path;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = kCallTimeout;
  JG_ASSIGN_OR_RETURN(auto response, transport->Do(request));
  if (response.status / 100 == 2) return response.body;
  // grpc-gateway error body: {"error": "...", "code": <grpc code>, "message": "..."}.
  std::string message = "HTTP " + std::to_string(response.status);
  auto j = ParseJson(response.body);
  if (j.ok()) {
    if (j->contains("message") && (*j)["message"].is_string()) {
      message = (*j)["message"].get<std::string>();
    } else if (j->contains("error") && (*j)["error"].is_string()) {
      message = (*j)["error"].get<std::string>();
    }
  }
  // The gRPC code read as int64 (nlohmann's get<int> would narrow a hostile 2^40 silently).
  int64_t grpc_code =
      j.ok() && j->contains("code") && (*j)["code"].is_number_integer() ? (*j)["code"].get<int64_t>() : 0;
  constexpr int64_t kGrpcFailedPrecondition = 9;
  constexpr int64_t kGrpcNotFound = 5;
  StatusCode code = grpc_code == kGrpcFailedPrecondition ? StatusCode::kFailedPrecondition
                    : grpc_code == kGrpcNotFound         ? StatusCode::kNotFound
                                                         : StatusCode::kUnavailable;
  if (message.find("member not found") != std::string::npos) code = StatusCode::kNotFound;
  if (message.find("Peer URLs already exists") != std::string::npos) code = StatusCode::kAlreadyExists;
  return Status(code, message);
}

StatusOr<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  Status last = UnavailableError("no etcd endpoint");
  for (const auto& endpoint : endpoints_) {
    auto r = CallOne(endpoint, path, body);
    if (r.ok()) return r;
    last = r.status();
    // Only connection-level failures move on to the next endpoint; etcd's own answers do not.
    if (last.code() != StatusCode::kUnavailable && last.code() != StatusCode::kDeadlineExceeded) return last;
  }
  return last;
}

StatusOr<std::vector<EtcdMember>> EtcdClient::MemberList() {
  JG_ASSIGN_OR_RETURN(auto body, Call("/v3/cluster/member/list", "{}"));
  return ParseMembers(body);
}

StatusOr<std::pair<EtcdMember, std::vector<EtcdMember>>> EtcdClient::MemberAdd(const std::string& peer_url,
                                                                               bool learner) {
  Json req = {{"peerURLs", Json::array({peer_url})}, {"isLearner", learner}};
  JG_ASSIGN_OR_RETURN(auto body, Call("/v3/cluster/member/add", req.dump()));
  JG_ASSIGN_OR_RETURN(Json j, ParseJson(body));
  if (!j.contains("member")) return DataLossError("etcd's member add answer has no member");
  EtcdMember added = ToMember(j["member"]);
  JG_ASSIGN_OR_RETURN(auto members, ParseMembers(body));
  return std::make_pair(added, members);
}

Status EtcdClient::MemberPromote(const std::string& id) {
  Json req = {{"ID", id}};
  return Call("/v3/cluster/member/promote", req.dump()).status();
}

Status EtcdClient::MemberRemove(const std::string& id) {
  Json req = {{"ID", id}};
  return Call("/v3/cluster/member/remove", req.dump()).status();
}

Status EtcdClient::EndpointStatus(const std::string& endpoint) {
  return CallOne(endpoint, "/v3/maintenance/status", "{}").status();
}

Status EtcdClient::Sync() {
  JG_ASSIGN_OR_RETURN(auto members, MemberList());
  std::vector<std::string> synced;
  for (const auto& m : members) {
    if (m.is_learner || m.name.empty()) continue;
    for (const auto& u : m.client_urls) {
      if (std::find(synced.begin(), synced.end(), u) == synced.end()) synced.push_back(u);
    }
  }
  if (synced.empty())
    return UnavailableError("error syncing endpoints with etcd: no voting member has a client URL");
  endpoints_ = std::move(synced);
  return OkStatus();
}

}  // namespace joinguard::node::controlplane
