// Label and field selectors as the apiserver parses them (apimachinery labels.Parse,
// fields.ParseSelector).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::sandbox {

class LabelSelector {
 public:
  // "", "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", comma-separated (AND).
  // kInvalidArgument with a message on syntax errors.
  static StatusOr<LabelSelector> Parse(const std::string& text);
  bool Matches(const nlohmann::json& object) const;  // uses metadata.labels
  bool empty() const { return reqs_.empty(); }

 private:
  struct Requirement {
    std::string key;
    enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist } op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  // "metadata.name=x,spec.signerName!=y"; operators =, ==, !=. Only `allowed` labels (plus
  // metadata.name, and metadata.namespace) are accepted; others give kInvalidArgument
  // "field label not supported: <label>" (400 BadRequest upstream).
  static StatusOr<FieldSelector> Parse(const std::string& text, const std::vector<std::string>& allowed);
  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return reqs_.empty(); }

 private:
  struct Requirement {
    std::string field, value;
    bool negate = false;
  };
  std::vector<Requirement> reqs_;
};

// The string value of a dotted field path ("spec.signerName"); booleans as "true"/"false";
// missing = "".
std::string FieldValue(const nlohmann::json& object, const std::string& dotted);

}  // namespace joinguard::sandbox
