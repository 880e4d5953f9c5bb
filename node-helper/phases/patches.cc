#include "node-helper/phases/patches.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/files/atomic_file.h"
#include "common/yaml/strict_yaml.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/yaml_json.h"

namespace joinguard::node::phases {
namespace {

using Json = nlohmann::json;

Status PatchError(std::string message) {
  return WithJoinReason(InvalidArgumentError(std::move(message)), JoinReason::kPatchInvalid);
}

// strategicpatch for an object whose lists have no merge key: maps merge recursively, null
// deletes, lists and scalars replace; "$patch: replace" replaces the map, "$patch: delete"
// removes it.
void StrategicMerge(Json* doc, const Json& patch) {
  if (!patch.is_object()) {
    *doc = patch;
    return;
  }
  if (auto d = patch.find("$patch"); d != patch.end() && d->is_string()) {
    if (*d == "delete") {
      *doc = nullptr;
      return;
    }
    if (*d == "replace") {
      Json replaced = patch;
      replaced.erase("$patch");
      *doc = replaced;
      return;
    }
  }
  if (!doc->is_object()) *doc = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key() == "$patch") continue;
    if (it->is_null()) {
      doc->erase(it.key());
      continue;
    }
    Json& slot = (*doc)[it.key()];
    StrategicMerge(&slot, *it);
    if (slot.is_null()) doc->erase(it.key());
  }
}

}  // namespace

StatusOr<std::vector<PatchFile>> ReadPatchDirectory(const std::string& dir,
                                                    const std::vector<std::string>& known_targets,
                                                    std::vector<std::string>* ignored) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return PatchError("could not list patch files for path \"" + dir + "\": not a directory");
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  if (ec) return PatchError("could not list patch files for path \"" + dir + "\": " + ec.message());
  std::sort(names.begin(), names.end());  // kubeadm applies patches in file-name order
  std::vector<PatchFile> out;
  for (const auto& name : names) {
    const auto dot = name.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (ext != "json" && ext != "yaml") {
      ignored->push_back(name);
      continue;
    }
    std::string stem = name.substr(0, dot);
    PatchType type = PatchType::kStrategicMerge;
    if (const auto plus = stem.find('+'); plus != std::string::npos) {
      const std::string t = stem.substr(plus + 1);
      if (t == "strategic") {
        type = PatchType::kStrategicMerge;
      } else if (t == "merge") {
        type = PatchType::kMerge;
      } else if (t == "json") {
        type = PatchType::kJson;
      } else {
        return PatchError("unknown or missing patch type \"" + t + "\" in file \"" + name +
                          "\"; use one of strategic, merge, json");
      }
      stem = stem.substr(0, plus);
    }
    // The target is the longest known target the stem starts with; the rest is the suffix.
    std::string target;
    for (const auto& t : known_targets) {
      if (stem.rfind(t, 0) == 0 && t.size() > target.size()) target = t;
    }
    if (target.empty()) {
      ignored->push_back(name);
      continue;
    }
    const std::string path = dir + "/" + name;
    auto text = files::ReadFile(path);
    if (!text.ok())
      return PatchError("could not read patch file \"" + path + "\": " + text.status().message());
    auto json = StrictYamlToJson(*text, "patch file \"" + path + "\"");
    if (!json.ok()) return PatchError(json.status().message());
    if (type == PatchType::kJson ? !json->is_array() : !json->is_object()) {
      return PatchError("patch file \"" + path + "\" must hold " +
                        (type == PatchType::kJson ? "a JSON patch (a list of operations)" : "an object"));
    }
    out.push_back({path, target, type, *std::move(json)});
  }
  return out;
}

Status ApplyPatch(const PatchFile& patch, nlohmann::json* doc) {
  try {
    switch (patch.type) {
      case PatchType::kStrategicMerge:
        StrategicMerge(doc, patch.patch);
        break;
      case PatchType::kMerge:
        doc->merge_patch(patch.patch);
        break;
      case PatchType::kJson:
        *doc = doc->patch(patch.patch);
        break;
    }
  } catch (const nlohmann::json::exception& e) {
    return PatchError("could not apply patch \"" + patch.path + "\" to target \"" + patch.target +
                      "\": " + e.what());
  }
  if (!doc->is_object()) {
    return PatchError("patch \"" + patch.path + "\" leaves target \"" + patch.target +
                      "\" without an object");
  }
  return OkStatus();
}

}  // namespace joinguard::node::phases
