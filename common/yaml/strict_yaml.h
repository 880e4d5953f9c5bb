// Strict YAML loading: every YAML document joinguard reads (policy, kubeconfig,
// JoinConfiguration, grant files) goes through here.
//
// yaml-cpp accepts input that is dangerous on a path that hands out cluster identities:
//  - a key repeated in one mapping is kept silently (the first wins in yaml-cpp, the last in
//    Go's sigs.k8s.io/yaml), so the file a reviewer reads is not the file that is enforced;
//    Go's yaml.v3 and kubectl's strict decoding refuse duplicates ("mapping key already defined");
//  - anchors and aliases expand exponentially ("billion laughs"): yaml-cpp shares the nodes,
//    but any walk over the tree pays the expanded size;
//  - deep nesting drives recursive parsers and walkers towards stack exhaustion;
//  - very large input.
// LoadStrictYaml first runs yaml-cpp's event parser with a handler that enforces all of that
// (and stops the parse at the first violation, before any recursion goes deeper), then builds
// the node tree. Every error is kInvalidArgument and names `what`, the line and the fix.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace joinguard::yaml {

struct StrictYamlLimits {
  // Largest input accepted. A kubeconfig with a few embedded certificates is ~10 KiB.
  std::size_t max_bytes = 4u << 20;
  // Deepest nesting of mappings/sequences (every joinguard format needs fewer than 10).
  int max_depth = 64;
  // Aliases (*name) in one document. joinguard's own formats never need one.
  std::size_t max_aliases = 256;
  // Nodes counted with every alias expanded: what a walk over the tree visits.
  std::size_t max_expanded_nodes = 1u << 20;
  // Documents in one stream (LoadAllStrictYaml; LoadStrictYaml always allows exactly one).
  std::size_t max_documents = 32;
};

// Parses one YAML document. `what` names the input in errors ("policy file \"/etc/p.yaml\"").
// Empty input yields a Null node. More than one document is refused.
StatusOr<YAML::Node> LoadStrictYaml(std::string_view text, std::string_view what);
StatusOr<YAML::Node> LoadStrictYaml(std::string_view text, std::string_view what,
                                    const StrictYamlLimits& limits);

// Parses a stream of documents separated by "---" (kubeadm config files hold several).
StatusOr<std::vector<YAML::Node>> LoadAllStrictYaml(std::string_view text, std::string_view what);
StatusOr<std::vector<YAML::Node>> LoadAllStrictYaml(std::string_view text, std::string_view what,
                                                    const StrictYamlLimits& limits);

}  // namespace joinguard::yaml
