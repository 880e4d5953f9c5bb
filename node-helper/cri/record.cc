#include "node-helper/cri/record.h"

#include <re2/re2.h>

#include "common/kube/api_error.h"

namespace joinguard::node::cri {

RecordKind RecordKindFor(std::string_view kubernetes_version) {
  static const RE2* kVersion = new RE2(R"(v?(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.[0-9]+([-+].*)?)");
  int major = 0, minor = 0;
  if (!RE2::FullMatch(std::string(kubernetes_version), *kVersion, &major, &minor)) {
    return RecordKind::kNodeAnnotation;
  }
  return major > 1 || minor >= kNodeLocalCriSocketMinor ? RecordKind::kInstanceConfig
                                                        : RecordKind::kNodeAnnotation;
}

std::string InstanceConfigYaml(std::string_view cri_socket) {
  // Go's %q: the endpoint is a path, so only quotes and backslashes need escaping.
  std::string quoted;
  for (char c : cri_socket) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "containerRuntimeEndpoint: \"" + quoted + "\"\n";
}

std::string WithoutRuntimeEndpointFlag(std::string_view flags_env, std::string_view cri_socket) {
  std::string out(flags_env);
  const std::string flag = "--" + std::string(kRuntimeEndpointFlag) + "=" + std::string(cri_socket);
  for (size_t pos = out.find(flag); pos != std::string::npos; pos = out.find(flag, pos)) {
    const size_t end = pos + flag.size();
    const bool starts = pos > 0 && (out[pos - 1] == ' ' || out[pos - 1] == '"');
    const bool ends = end < out.size() && (out[end] == ' ' || out[end] == '"');
    if (!starts || !ends) {
      pos = end;
      continue;
    }
    // Remove the flag and one separating space.
    if (out[end] == ' ') {
      out.erase(pos, flag.size() + 1);
    } else if (out[pos - 1] == ' ') {
      out.erase(pos - 1, flag.size() + 1);
    } else {
      out.erase(pos, flag.size());
    }
    break;  // BuildFlags emits the default once
  }
  return out;
}

Status AnnotateNode(kube::Client& client, const std::string& node_name, const std::string& cri_socket,
                    runtime::Duration timeout, const AnnotateDeps& deps) {
  const auto deadline = deps.clock->MonotonicNow() + timeout;
  const kube::Json patch = {
      {"metadata", {{"annotations", {{std::string(kCriSocketAnnotation), cri_socket}}}}}};
  Status last;
  for (;;) {
    auto node = client.GetRaw(kube::Node::kResource, "", node_name);
    if (node.ok()) {
      auto patched =
          client.PatchRaw(kube::Node::kResource, "", node_name, kube::PatchType::kStrategicMerge, patch);
      if (patched.ok()) return OkStatus();
      last = Status(patched.status().code(),
                    "error patching Node \"" + node_name + "\": " + patched.status().message());
      // A conflict or a Node deleted in between is retried, as PatchNodeOnce does.
      if (!kube::IsConflict(patched.status()) && !kube::IsNotFound(patched.status())) break;
    } else {
      last = Status(node.status().code(),
                    "could not get node \"" + node_name + "\": " + node.status().message());
    }
    if (deps.clock->MonotonicNow() + kApiCallRetryInterval > deadline) break;
    deps.wait(kApiCallRetryInterval);
  }
  return Status(last.code(), "error uploading crisocket: " + last.message())
      .WithReason("CRISocketNotRecorded");
}

}  // namespace joinguard::node::cri
