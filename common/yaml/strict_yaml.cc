#include "common/yaml/strict_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

namespace joinguard::yaml {
namespace {

// Thrown by the event handler to stop yaml-cpp's parser at the first violation; caught in
// Load below and never leaves this file.
struct Violation {
  YAML::Mark mark;
  std::string message;
};

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": ";
}

std::string Quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (char c : s.substr(0, kMaxShown)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out + "\"";
}

// Enforces the limits of StrictYamlLimits over yaml-cpp's parse events.
class StrictHandler : public YAML::EventHandler {
 public:
  explicit StrictHandler(const StrictYamlLimits& limits) : limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > limits_.max_documents) {
      throw Violation{
          mark, "more than " + std::to_string(limits_.max_documents) + " YAML documents; split the input"};
    }
    // Anchors are scoped to one document (YAML 1.2 §3.2.2.2); so are the budgets.
    anchors_.clear();
    aliases_ = 0;
    expanded_ = 0;
    stack_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Key(mark, "", KeyKind::kNull);
    Leaf(mark, anchor, std::nullopt);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (++aliases_ > limits_.max_aliases) {
      throw Violation{mark, "more than " + std::to_string(limits_.max_aliases) +
                                " aliases in one document; write the values out instead of "
                                "repeating anchors"};
    }
    auto it = anchors_.find(anchor);
    if (it == anchors_.end() || !it->second.closed) {
      throw Violation{mark,
                      "alias refers to a node that encloses it (a recursive structure); "
                      "remove the alias"};
    }
    const AnchorInfo& info = it->second;
    if (IsKeyPosition()) {
      if (!info.scalar) {
        throw Violation{mark,
                        "an alias to a mapping or sequence cannot be a mapping key; use a "
                        "plain string key"};
      }
      Key(mark, *info.scalar, KeyKind::kString);
    } else {
      AdvanceValue();
    }
    Count(mark, info.expanded_size);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (IsKeyPosition() && tag == "?" && value == "<<") {
      // yaml-cpp does not implement YAML 1.1 merge keys but Go's yaml does, so the two
      // would read different fields from the same file.
      throw Violation{mark, "YAML merge keys (<<) are not supported; write the fields out"};
    }
    Key(mark, value, KeyKind::kString);
    Leaf(mark, anchor, value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, /*is_map=*/false);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, /*is_map=*/true);
  }
  void OnMapEnd() override { Close(); }

 private:
  enum class KeyKind { kString, kNull };

  struct Frame {
    bool is_map = false;
    bool expecting_key = true;  // maps alternate key, value, key, ...
    YAML::anchor_t anchor = 0;
    std::size_t expanded_at_open = 0;
    std::unordered_map<std::string, int> keys;  // key -> 1-based line of first occurrence
  };
  struct AnchorInfo {
    bool closed = false;
    std::size_t expanded_size = 1;
    std::optional<std::string> scalar;  // set for scalar anchors (usable as keys)
  };

  bool IsKeyPosition() const {
    return !stack_.empty() && stack_.back().is_map && stack_.back().expecting_key;
  }

  // Records a key (when the next node is in key position) and refuses repeats.
  void Key(const YAML::Mark& mark, const std::string& value, KeyKind kind) {
    if (!IsKeyPosition()) {
      AdvanceValue();
      return;
    }
    Frame& f = stack_.back();
    f.expecting_key = false;
    // A null key and the string "" are different keys; keep them apart.
    std::string k = kind == KeyKind::kNull ? std::string("\0null", 5) : value;
    auto [it, inserted] = f.keys.emplace(std::move(k), mark.line + 1);
    if (!inserted) {
      std::string shown = kind == KeyKind::kNull ? "null" : Quote(value);
      throw Violation{mark, "duplicate key " + shown + " (first defined at line " +
                                std::to_string(it->second) +
                                "); remove one of them: YAML parsers disagree on which one wins"};
    }
  }

  // A value was consumed in the current mapping: the next node is a key again.
  void AdvanceValue() {
    if (!stack_.empty() && stack_.back().is_map) stack_.back().expecting_key = true;
  }

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::optional<std::string> scalar) {
    Count(mark, 1);
    if (anchor != 0) anchors_[anchor] = AnchorInfo{true, 1, std::move(scalar)};
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    if (IsKeyPosition()) {
      throw Violation{mark, "a mapping or sequence cannot be a mapping key; use a plain string key"};
    }
    AdvanceValue();
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw Violation{
          mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels; flatten the document"};
    }
    Count(mark, 1);
    Frame f;
    f.is_map = is_map;
    f.anchor = anchor;
    f.expanded_at_open = expanded_;
    if (anchor != 0) anchors_[anchor] = AnchorInfo{};  // open: aliases to it are recursive
    stack_.push_back(std::move(f));
  }

  void Close() {
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    if (f.anchor != 0) {
      anchors_[f.anchor] = AnchorInfo{true, expanded_ - f.expanded_at_open + 1, std::nullopt};
    }
    stack_.pop_back();
  }

  void Count(const YAML::Mark& mark, std::size_t n) {
    if (n > limits_.max_expanded_nodes || expanded_ > limits_.max_expanded_nodes - n) {
      throw Violation{mark, "expands to more than " + std::to_string(limits_.max_expanded_nodes) +
                                " nodes (anchors and aliases multiply); write the values out "
                                "instead of nesting aliases"};
    }
    expanded_ += n;
  }

  const StrictYamlLimits& limits_;
  std::size_t documents_ = 0;
  std::size_t aliases_ = 0;
  std::size_t expanded_ = 0;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, AnchorInfo> anchors_;
};

Status Refuse(std::string_view what, const YAML::Mark& mark, std::string_view message) {
  return InvalidArgumentError(std::string(what) + ": " + Where(mark) + std::string(message));
}

}  // namespace

StatusOr<std::vector<YAML::Node>> LoadAllStrictYaml(std::string_view text, std::string_view what,
                                                    const StrictYamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return InvalidArgumentError(std::string(what) + ": is " + std::to_string(text.size()) +
                                " bytes, more than the limit of " + std::to_string(limits.max_bytes) +
                                " bytes; is it the right file?");
  }
  const std::string copy(text);
  try {
    std::istringstream in(copy);
    YAML::Parser parser(in);
    StrictHandler handler(limits);
    while (parser.HandleNextDocument(handler)) {
    }
  } catch (const Violation& v) {
    return Refuse(what, v.mark, v.message);
  } catch (const YAML::Exception& e) {
    return Refuse(what, e.mark, "not valid YAML: " + e.msg + "; fix the syntax");
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(what) + ": cannot be parsed as YAML: " + e.what());
  }
  // The events passed every limit; build the tree (a second, now bounded, parse).
  try {
    return YAML::LoadAll(copy);
  } catch (const YAML::Exception& e) {
    return Refuse(what, e.mark, "not valid YAML: " + e.msg + "; fix the syntax");
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(what) + ": cannot be parsed as YAML: " + e.what());
  }
}

StatusOr<std::vector<YAML::Node>> LoadAllStrictYaml(std::string_view text, std::string_view what) {
  return LoadAllStrictYaml(text, what, StrictYamlLimits{});
}

StatusOr<YAML::Node> LoadStrictYaml(std::string_view text, std::string_view what,
                                    const StrictYamlLimits& limits) {
  JG_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs, LoadAllStrictYaml(text, what, limits));
  if (docs.size() > 1) {
    return InvalidArgumentError(std::string(what) + ": holds " + std::to_string(docs.size()) +
                                " YAML documents (separated by \"---\"); expected exactly one");
  }
  if (docs.empty()) return YAML::Node();
  return docs.front();
}

StatusOr<YAML::Node> LoadStrictYaml(std::string_view text, std::string_view what) {
  return LoadStrictYaml(text, what, StrictYamlLimits{});
}

}  // namespace joinguard::yaml
