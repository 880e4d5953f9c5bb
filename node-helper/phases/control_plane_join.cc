// check-etcd, etcd-join, control-plane-join/mark-control-plane and wait-control-plane.
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/yaml_json.h"
#include "node-helper/controlplane/certs.h"
#include "node-helper/controlplane/etcd_client.h"
#include "node-helper/controlplane/kubeconfigs.h"
#include "node-helper/controlplane/manifests.h"
#include "node-helper/phases/control_plane.h"

namespace joinguard::node::phases {
namespace {

namespace cp = controlplane;
using Json = nlohmann::json;

constexpr std::chrono::milliseconds kApiPollInterval{500};    // constants.KubernetesAPICallRetryInterval
constexpr std::chrono::milliseconds kEtcdRetryInterval{500};  // constants.EtcdAPICallRetryInterval
constexpr int kEtcdHealthAttempts = 8;                        // etcd.go WaitForClusterAvailable
constexpr std::chrono::seconds kEtcdHealthInterval{5};
constexpr mode_t kEtcdDataDirMode = 0700;
constexpr kube::Resource kPods{"", "v1", "pods", "Pod", true};
constexpr const char* kEtcdEndpointAnnotation = "kubeadm.kubernetes.io/etcd.advertise-client-urls";
constexpr const char* kControlPlaneLabel = "node-role.kubernetes.io/control-plane";
constexpr const char* kExcludeLbLabel = "node.kubernetes.io/exclude-from-external-load-balancers";
constexpr const char* kHostnameLabel = "kubernetes.io/hostname";

Status Poll(JoinContext& ctx, runtime::Duration interval, runtime::Duration timeout,
            const std::function<bool(Status*)>& attempt) {
  discovery::Deps deps;
  deps.clock = ctx.env().clock;
  deps.wait = ctx.env().wait;
  return discovery::PollImmediate(deps, interval, timeout, attempt);
}

// kubeadm's etcd endpoints: the etcd static Pods' advertise-client-urls annotations (or the
// hidden --etcd-endpoints override), trusted with etcd/ca.crt, authenticated as
// etcd/healthcheck-client, then synced with the member list.
StatusOr<std::unique_ptr<cp::EtcdClient>> NewEtcdClient(JoinContext& ctx) {
  const std::string pki = ctx.PkiDir();
  cp::EtcdTls tls;
  JG_ASSIGN_OR_RETURN(tls.ca_pem, files::ReadFile(pki + "/etcd/ca.crt"));
  JG_ASSIGN_OR_RETURN(tls.cert_pem, files::ReadFile(pki + "/etcd/healthcheck-client.crt"));
  JG_ASSIGN_OR_RETURN(tls.key_pem, files::ReadFile(pki + "/etcd/healthcheck-client.key"));
  std::vector<std::string> endpoints = ctx.settings().etcd_endpoints;
  if (endpoints.empty()) {
    JG_ASSIGN_OR_RETURN(auto client, ctx.AdminClient());
    kube::ListOptions options;
    options.label_selector = "component=etcd,tier=control-plane";
    Status polled = Poll(ctx, kApiPollInterval, ctx.cfg().timeouts.kubernetes_api_call, [&](Status* last) {
      auto pods = client->ListRaw(kPods, "kube-system", options);
      if (!pods.ok()) {
        *last = pods.status();
        return false;
      }
      endpoints.clear();
      const Json items = pods->is_object() ? pods->value("items", Json::array()) : Json::array();
      for (const auto& pod : items) {
        const Json meta = pod.is_object() ? pod.value("metadata", Json::object()) : Json::object();
        const Json ann = meta.is_object() ? meta.value("annotations", Json::object()) : Json::object();
        if (!ann.contains(kEtcdEndpointAnnotation) || !ann[kEtcdEndpointAnnotation].is_string()) {
          *last = NotFoundError("etcd Pod " + meta.value("name", std::string()) + " has no " +
                                kEtcdEndpointAnnotation + " annotation");
          return false;
        }
        endpoints.push_back(ann[kEtcdEndpointAnnotation].get<std::string>());
      }
      if (endpoints.empty()) *last = NotFoundError("no etcd Pods found in kube-system");
      return !endpoints.empty();
    });
    if (!polled.ok()) return polled.Annotate("could not retrieve the list of etcd endpoints");
  }
  JG_ASSIGN_OR_RETURN(auto etcd, cp::EtcdClient::Create(endpoints, std::move(tls)));
  Status synced = Poll(ctx, kEtcdRetryInterval, ctx.cfg().timeouts.etcd_api_call, [&](Status* last) {
    *last = etcd->Sync();
    return last->ok();
  });
  if (!synced.ok()) return synced.Annotate("error syncing endpoints with etcd");
  return etcd;
}

std::string HexId(const std::string& decimal) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIx64,
                static_cast<uint64_t>(std::strtoull(decimal.c_str(), nullptr, 10)));
  return buf;
}

// The flags of a static Pod's first container ("--name=value" → name → value, last wins).
StatusOr<std::map<std::string, std::string>> ManifestFlags(const std::string& path,
                                                           const std::string& component) {
  auto text = files::ReadFile(path);
  if (!text.ok()) return text.status().Annotate("failed to read manifest for \"" + component + "\"");
  auto pod = StrictYamlToJson(*text, "static Pod manifest \"" + path + "\"");
  if (!pod.ok()) return pod.status().Annotate("failed to read manifest for \"" + component + "\"");
  std::map<std::string, std::string> flags;
  const Json* containers = pod->is_object() && (*pod).contains("spec") && (*pod)["spec"].is_object()
                               ? &(*pod)["spec"]["containers"]
                               : nullptr;
  if (containers == nullptr || !containers->is_array() || containers->empty() ||
      !(*containers)[0].is_object()) {
    return InvalidArgumentError("failed to read manifest for \"" + component + "\": no container in " + path);
  }
  const Json command = (*containers)[0].value("command", Json::array());
  for (const auto& arg : command) {
    if (!arg.is_string()) continue;
    const std::string a = arg.get<std::string>();
    if (a.rfind("--", 0) != 0) continue;
    const auto eq = a.find('=');
    flags[a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "" : a.substr(eq + 1);
  }
  return flags;
}

std::string FlagOr(const std::map<std::string, std::string>& flags, const std::string& name,
                   const std::string& fallback) {
  auto it = flags.find(name);
  return it == flags.end() || it->second.empty() ? fallback : it->second;
}

bool ExternalEtcd(JoinContext& ctx) {
  auto cluster = ctx.ClusterConfig();
  return cluster.ok() && (*cluster)->external_etcd.has_value();
}

}  // namespace

StatusOr<std::vector<HealthEndpoint>> ControlPlaneHealthEndpoints(JoinContext& ctx) {
  const auto& jcp = *ctx.cfg().control_plane;
  const std::string dir = ctx.paths().manifests_dir;
  JG_ASSIGN_OR_RETURN(auto api, ManifestFlags(dir + "/kube-apiserver.yaml", "kube-apiserver"));
  JG_ASSIGN_OR_RETURN(auto kcm,
                      ManifestFlags(dir + "/kube-controller-manager.yaml", "kube-controller-manager"));
  JG_ASSIGN_OR_RETURN(auto sched, ManifestFlags(dir + "/kube-scheduler.yaml", "kube-scheduler"));
  auto port = [](const std::map<std::string, std::string>& flags, int fallback) -> StatusOr<int> {
    const std::string v = FlagOr(flags, "secure-port", std::to_string(fallback));
    char* end = nullptr;
    const long p = std::strtol(v.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || p < 1 || p > 65535) {
      return InvalidArgumentError("invalid --secure-port \"" + v + "\" in a control plane manifest");
    }
    return static_cast<int>(p);
  };
  JG_ASSIGN_OR_RETURN(int api_port, port(api, jcp.bind_port));
  JG_ASSIGN_OR_RETURN(int kcm_port, port(kcm, cp::kControllerManagerPort));
  JG_ASSIGN_OR_RETURN(int sched_port, port(sched, cp::kSchedulerPort));
  return std::vector<HealthEndpoint>{
      {"kube-apiserver",
       cp::HttpsUrl(FlagOr(api, "advertise-address", jcp.advertise_address), api_port) + "/livez"},
      {"kube-controller-manager",
       cp::HttpsUrl(FlagOr(kcm, "bind-address", "127.0.0.1"), kcm_port) + "/healthz"},
      {"kube-scheduler", cp::HttpsUrl(FlagOr(sched, "bind-address", "127.0.0.1"), sched_port) + "/livez"}};
}

Status RunCheckEtcdPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  JG_RETURN_IF_ERROR(ctx.ClusterConfig().status());
  if (ExternalEtcd(ctx)) {
    ctx.out().Line("check-etcd", "Skipping etcd check in external mode");
    return OkStatus();
  }
  ctx.out().Line("check-etcd", "Checking that the etcd cluster is healthy");
  auto etcd = NewEtcdClient(ctx);
  if (!etcd.ok()) return etcd.status().Annotate("etcd cluster is not healthy");
  for (const auto& endpoint : (*etcd)->endpoints()) {
    Status s = Poll(ctx, kEtcdRetryInterval, ctx.cfg().timeouts.etcd_api_call, [&](Status* last) {
      *last = (*etcd)->EndpointStatus(endpoint);
      return last->ok();
    });
    if (!s.ok())
      return Status(s.code(),
                    "etcd cluster is not healthy: failed to dial endpoint " + endpoint + ": " + s.message());
  }
  return OkStatus();
}

Status RunEtcdJoinPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  if (cluster->external_etcd) {
    ctx.out().Line("control-plane-join", "Using external etcd - no local stacked instance added");
    return OkStatus();
  }
  auto wrap = [](const Status& s) {
    return Status(s.code(), "error creating local etcd static pod manifest file: " + s.message())
        .WithReason(s.reason(), s.http_status());
  };
  const auto& jcp = *ctx.cfg().control_plane;
  const std::string& node = ctx.cfg().node_registration.name;
  const std::string peer_url = cp::EtcdUrl(jcp.advertise_address, cp::kEtcdPeerPort);
  const std::string client_url = cp::EtcdUrl(jcp.advertise_address, cp::kEtcdClientPort);
  if (ctx.dry_run()) {
    ctx.out().Line("dryrun", "Would add etcd member " + peer_url + " as a learner and write \"" +
                                 ctx.paths().manifests_dir + "/etcd.yaml\"");
    return OkStatus();
  }
  Status s = ctx.created().MakeDirs(ctx.paths().Prefixed(cluster->local_etcd.data_dir), kEtcdDataDirMode);
  if (!s.ok())
    return wrap(Status(s.code(), "failed to create the etcd data directory: \"" +
                                     cluster->local_etcd.data_dir + "\": " + s.message()));
  auto etcd_or = NewEtcdClient(ctx);
  if (!etcd_or.ok()) return wrap(etcd_or.status());
  cp::EtcdClient& etcd = **etcd_or;

  // Add the member as a learner (idempotent: a member with our peer URL is reused).
  std::vector<cp::EtcdMember> members;
  std::string member_id;
  s = Poll(ctx, kEtcdRetryInterval, ctx.cfg().timeouts.etcd_api_call, [&](Status* last) {
    auto list = etcd.MemberList();
    if (!list.ok()) {
      *last = list.status();
      return false;
    }
    for (const auto& m : *list) {
      if (!m.peer_urls.empty() && m.peer_urls[0] == peer_url) {
        members = *list;
        member_id = m.id;
        return true;
      }
    }
    auto added = etcd.MemberAdd(peer_url, /*learner=*/true);
    if (!added.ok()) {
      *last = added.status();
      return false;  // "Peer URLs already exists": the next attempt lists it
    }
    members = added->second;
    member_id = added->first.id;
    const std::string id = member_id;
    ctx.created().OnRollback("etcd member " + HexId(id) + " (" + peer_url + ")", [&ctx, id]() -> Status {
      auto again = NewEtcdClient(ctx);
      if (!again.ok()) return again.status();
      Status r = (*again)->MemberRemove(id);
      return r.code() == StatusCode::kNotFound ? OkStatus() : r;
    });
    return true;
  });
  if (!s.ok()) return wrap(s);
  ctx.out().Line("etcd", "Announced new etcd member joining to the existing etcd cluster");
  std::string initial_cluster;
  for (const auto& m : members) {
    if (m.peer_urls.empty()) continue;
    std::string name = m.id == member_id ? node : (m.name.empty() ? HexId(m.id) : m.name);
    initial_cluster += (initial_cluster.empty() ? "" : ",") + name + "=" + m.peer_urls[0];
  }
  etcd.AddEndpoint(client_url);

  ctx.out().Line("etcd", "Creating static Pod manifest for \"etcd\"");
  cp::ManifestInputs in;
  in.cluster = cluster;
  in.node_name = node;
  in.advertise_address = jcp.advertise_address;
  in.bind_port = jcp.bind_port;
  in.health_check_timeout = ctx.cfg().timeouts.control_plane_component_health_check;
  const std::string path = ctx.paths().manifests_dir + "/etcd.yaml";
  auto yaml = RenderStaticPod(ctx, cp::EtcdManifest(in, initial_cluster));
  s = yaml.status();
  if (s.ok()) s = ctx.created().MakeDirs(ctx.paths().manifests_dir, cp::kManifestsDirMode);
  if (s.ok()) {
    ctx.created().Track(path);
    s = files::WriteFileAtomic(path, *yaml, cp::kManifestMode);
  }
  if (!s.ok()) return wrap(s);
  // The kubelet now runs the manifest; restart it if this run configured it.
  if (ctx.kubelet_needs_restart) {
    s = ctx.RestartKubeletNow();
    if (!s.ok()) return wrap(s);
  }

  // Promote the learner once it has caught up (FailedPrecondition until then).
  s = Poll(ctx, kEtcdRetryInterval, ctx.cfg().timeouts.etcd_api_call, [&](Status* last) {
    auto list = etcd.MemberList();
    if (!list.ok()) {
      *last = list.status();
      return false;
    }
    auto it =
        std::find_if(list->begin(), list->end(), [&](const cp::EtcdMember& m) { return m.id == member_id; });
    if (it == list->end()) {
      *last = NotFoundError("no member id found for peer URL " + peer_url);
      return false;
    }
    if (!it->is_learner) return true;
    *last = etcd.MemberPromote(member_id);
    return last->ok();
  });
  if (!s.ok()) return wrap(s);

  ctx.out().Line("etcd", "Waiting for the new etcd member to join the cluster. This can take up to 40s");
  Status health = UnavailableError("timeout waiting for etcd cluster to be available");
  for (int attempt = 0; attempt < kEtcdHealthAttempts; ++attempt) {
    if (attempt > 0) ctx.env().wait(kEtcdHealthInterval);
    bool all = true;
    for (const auto& endpoint : etcd.endpoints()) {
      Status st = etcd.EndpointStatus(endpoint);
      if (!st.ok()) {
        all = false;
        health = Status(
            st.code(), "timeout waiting for etcd cluster to be available: " + endpoint + ": " + st.message());
        break;
      }
    }
    if (all) return OkStatus();
  }
  return wrap(health);
}

Status RunMarkControlPlanePhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  const std::string& node = ctx.cfg().node_registration.name;
  const auto& taints = ctx.cfg().node_registration.taints;
  ctx.out().Line("mark-control-plane", "Marking the node " + node +
                                           " as control-plane by adding the labels: [" + kControlPlaneLabel +
                                           " " + kExcludeLbLabel + "]");
  std::string taint_list;
  Json wanted = Json::array();
  for (const auto& t : taints) {
    taint_list +=
        (taint_list.empty() ? "" : " ") + t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect;
    Json j = {{"key", t.key}, {"effect", t.effect}};
    if (!t.value.empty()) j["value"] = t.value;
    wanted.push_back(j);
  }
  if (!taints.empty()) {
    ctx.out().Line("mark-control-plane", "Marking the node " + node +
                                             " as control-plane by adding the taints [" + taint_list + "]");
  }
  if (ctx.dry_run()) return OkStatus();
  JG_ASSIGN_OR_RETURN(auto client, ctx.AdminClient());
  Status s = Poll(ctx, kApiPollInterval, ctx.cfg().timeouts.kubernetes_api_call, [&](Status* last) {
    auto got = client->GetRaw(kube::resources::kNodes, "", node);
    if (!got.ok()) {
      *last = got.status();
      return false;
    }
    const Json& meta = (*got)["metadata"];
    const Json& spec = (*got)["spec"];
    const Json labels = meta.is_object() ? meta.value("labels", Json::object()) : Json::object();
    if (!labels.is_object() || !labels.contains(kHostnameLabel)) {
      *last = FailedPreconditionError("the Node " + node + " has no " + kHostnameLabel + " label yet");
      return false;
    }
    Json all = wanted;
    const Json existing_taints = spec.is_object() ? spec.value("taints", Json::array()) : Json::array();
    for (const auto& existing : existing_taints) {
      if (!existing.is_object()) continue;
      bool dup = std::any_of(wanted.begin(), wanted.end(), [&](const Json& w) {
        return w.value("key", "") == existing.value("key", "") &&
               w.value("value", "") == existing.value("value", "") &&
               w.value("effect", "") == existing.value("effect", "") && !existing.contains("timeAdded");
      });
      if (!dup) all.push_back(existing);
    }
    Json patch = {{"metadata", {{"labels", {{kControlPlaneLabel, ""}, {kExcludeLbLabel, ""}}}}},
                  {"spec", {{"taints", all}}}};
    auto patched =
        client->PatchRaw(kube::resources::kNodes, "", node, kube::PatchType::kStrategicMerge, patch);
    if (!patched.ok()) {
      *last = patched.status().Annotate("error patching Node \"" + node + "\"");
      return false;
    }
    return true;
  });
  if (!s.ok()) return Status(s.code(), "error applying control-plane label and taints: " + s.message());
  return OkStatus();
}

Status RunWaitControlPlanePhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  const auto timeout = ctx.cfg().timeouts.control_plane_component_health_check;
  if (ctx.dry_run()) {
    ctx.out().Line("dryrun", "Would wait for healthy control plane components for up to " +
                                 runtime::FormatGoDuration(timeout));
    return OkStatus();
  }
  JG_ASSIGN_OR_RETURN(auto components, ControlPlaneHealthEndpoints(ctx));
  ctx.out().Line("control-plane-check", "Waiting for healthy control plane components. This can take up to " +
                                            runtime::FormatGoDuration(timeout));
  for (const auto& c : components)
    ctx.out().Line("control-plane-check", "Checking " + c.name + " at " + c.url);
  // One deadline for all three (kubeadm probes them in parallel for the same timeout).
  const auto start = ctx.env().clock->MonotonicNow();
  const auto deadline = start + timeout;
  std::vector<std::string> errors;
  for (const auto& c : components) {
    const auto now = ctx.env().clock->MonotonicNow();
    const auto left = now < deadline ? std::chrono::duration_cast<runtime::Duration>(deadline - now)
                                     : runtime::Duration::zero();
    Status s = Poll(ctx, kApiPollInterval, left, [&](Status* last) {
      auto code = ctx.env().probe(c.url);
      if (!code.ok()) {
        *last = Status(code.status().code(),
                       c.name + " check failed at " + c.url + ": " + code.status().message());
        return false;
      }
      if (*code != 200) {
        *last =
            UnavailableError(c.name + " check failed at " + c.url + " with status: " + std::to_string(*code));
        return false;
      }
      return true;
    });
    auto took = std::chrono::duration_cast<runtime::Duration>(ctx.env().clock->MonotonicNow() - start);
    if (s.ok()) {
      ctx.out().Line("control-plane-check", c.name + " is healthy after " + runtime::FormatGoDuration(took));
    } else {
      ctx.out().Line("control-plane-check",
                     c.name + " is not healthy after " + runtime::FormatGoDuration(took));
      errors.push_back(s.message());
    }
  }
  if (errors.empty()) return OkStatus();
  std::string joined = errors.size() == 1 ? errors[0] : "[";
  if (errors.size() > 1) {
    for (size_t i = 0; i < errors.size(); ++i) joined += (i ? ", " : "") + errors[i];
    joined += "]";
  }
  return WithJoinReason(
      DeadlineExceededError(
          "failed while waiting for the control plane to start: " + joined +
          "\nA control plane component may have crashed or exited when started by the container runtime.\n"
          "To troubleshoot, list all containers using your preferred container runtimes CLI.\n"
          "Here is one example how you may list all running Kubernetes containers by using crictl:\n"
          "\t- 'crictl --runtime-endpoint " +
          ctx.cfg().node_registration.cri_socket +
          " ps -a | grep kube | grep -v pause'\n"
          "\tOnce you have found the failing container, you can inspect its logs with:\n"
          "\t- 'crictl --runtime-endpoint " +
          ctx.cfg().node_registration.cri_socket + " logs CONTAINERID'"),
      JoinReason::kControlPlaneUnhealthy);
}

}  // namespace joinguard::node::phases
