// Test objects shared by the sandbox's tests: a CustomResourceDefinition of our own
// ("gadgets.test.joinguard.io", cluster-scoped, status subresource, printer columns) and its
// objects. Kept apart from the team's NodeJoin/JoinGrant manifests on purpose: the sandbox is
// tested against the CRD features, not one product's schema.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox::testing {

inline nlohmann::json GadgetCrd() {
  using nlohmann::json;
  json columns =
      json::array({{{"name", "Color"}, {"type", "string"}, {"jsonPath", ".spec.color"}},
                   {{"name", "Uses"}, {"type", "integer"}, {"jsonPath", ".status.uses"}},
                   {{"name", "Missing"}, {"type", "string"}, {"jsonPath", ".status.nothing"}},
                   {{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}}});
  json version = {
      {"name", "v1alpha1"},
      {"served", true},
      {"storage", true},
      {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}},
      {"subresources", {{"status", json::object()}}},
      {"additionalPrinterColumns", columns}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "gadgets.test.joinguard.io"}}},
          {"spec",
           {{"group", "test.joinguard.io"},
            {"scope", "Cluster"},
            {"names", {{"plural", "gadgets"}, {"kind", "Gadget"}, {"shortNames", {"gd"}}}},
            {"versions", {version}}}}};
}

inline nlohmann::json Gadget(const std::string& name, const std::string& color,
                             nlohmann::json labels = nullptr) {
  nlohmann::json g = {{"apiVersion", "test.joinguard.io/v1alpha1"},
                      {"kind", "Gadget"},
                      {"metadata", {{"name", name}}},
                      {"spec", {{"color", color}}},
                      {"status", {{"uses", 99}}}};
  if (!labels.is_null()) g["metadata"]["labels"] = labels;
  return g;
}

}  // namespace joinguard::sandbox::testing
