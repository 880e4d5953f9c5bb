#include "tests/sandbox/server/selectors.h"

#include <algorithm>
#include <cctype>

#include "common/text/ascii.h"

namespace joinguard::sandbox {
namespace {

// Selector parts and values are compared trimmed (apimachinery's labels parser skips white space).
std::string Trimmed(std::string_view s) { return std::string(text::TrimAscii(s)); }

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTopLevel(const std::string& s) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool ValidLabelKey(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) {
      return false;
    }
  }
  return true;
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector sel;
  if (Trimmed(text).empty()) return sel;
  for (std::string part : SplitTopLevel(text)) {
    part = Trimmed(part);
    if (part.empty()) {
      return InvalidArgumentError("unable to parse requirement: found '', expected: identifier");
    }
    Requirement r;
    auto invalid = [&](const std::string& why) {
      return InvalidArgumentError("unable to parse requirement: " + why + " in \"" + part + "\"");
    };
    if (part[0] == '!') {
      r.key = Trimmed(part.substr(1));
      r.op = Requirement::Op::kDoesNotExist;
    } else if (auto p = part.find("!="); p != std::string::npos) {
      r.key = Trimmed(part.substr(0, p));
      r.op = Requirement::Op::kNotEquals;
      r.values = {Trimmed(part.substr(p + 2))};
    } else if (auto p2 = part.find("=="); p2 != std::string::npos) {
      r.key = Trimmed(part.substr(0, p2));
      r.op = Requirement::Op::kEquals;
      r.values = {Trimmed(part.substr(p2 + 2))};
    } else if (auto p3 = part.find('='); p3 != std::string::npos) {
      r.key = Trimmed(part.substr(0, p3));
      r.op = Requirement::Op::kEquals;
      r.values = {Trimmed(part.substr(p3 + 1))};
    } else if (auto paren = part.find('('); paren != std::string::npos) {
      if (part.back() != ')') return invalid("expected ')'");
      std::string head = Trimmed(part.substr(0, paren));
      auto sp = head.find_last_of(" \t");
      if (sp == std::string::npos) return invalid("expected 'in' or 'notin'");
      std::string op = Trimmed(head.substr(sp + 1));
      r.key = Trimmed(head.substr(0, sp));
      if (op == "in") {
        r.op = Requirement::Op::kIn;
      } else if (op == "notin") {
        r.op = Requirement::Op::kNotIn;
      } else {
        return invalid("unknown operator \"" + op + "\"");
      }
      std::string inner = part.substr(paren + 1, part.size() - paren - 2);
      size_t start = 0;
      while (true) {
        auto c = inner.find(',', start);
        std::string v = Trimmed(inner.substr(start, c == std::string::npos ? std::string::npos : c - start));
        r.values.push_back(v);
        if (c == std::string::npos) break;
        start = c + 1;
      }
    } else {
      r.key = part;
      r.op = Requirement::Op::kExists;
    }
    if (!ValidLabelKey(r.key)) return invalid("invalid label key \"" + r.key + "\"");
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::Matches(const nlohmann::json& object) const {
  const nlohmann::json* labels = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("labels") &&
      object["metadata"]["labels"].is_object()) {
    labels = &object["metadata"]["labels"];
  }
  for (const auto& r : reqs_) {
    bool has = labels && labels->contains(r.key) && (*labels)[r.key].is_string();
    std::string value = has ? (*labels)[r.key].get<std::string>() : "";
    bool in_values = has && std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    switch (r.op) {
      case Requirement::Op::kEquals:
      case Requirement::Op::kIn:
        if (!in_values) return false;
        break;
      case Requirement::Op::kNotEquals:
      case Requirement::Op::kNotIn:
        if (in_values) return false;
        break;
      case Requirement::Op::kExists:
        if (!has) return false;
        break;
      case Requirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

StatusOr<FieldSelector> FieldSelector::Parse(const std::string& text,
                                             const std::vector<std::string>& allowed) {
  FieldSelector sel;
  if (Trimmed(text).empty()) return sel;
  for (std::string part : SplitTopLevel(text)) {
    part = Trimmed(part);
    if (part.empty()) continue;
    Requirement r;
    if (auto p = part.find("!="); p != std::string::npos) {
      r.field = part.substr(0, p);
      r.value = part.substr(p + 2);
      r.negate = true;
    } else if (auto p2 = part.find("=="); p2 != std::string::npos) {
      r.field = part.substr(0, p2);
      r.value = part.substr(p2 + 2);
    } else if (auto p3 = part.find('='); p3 != std::string::npos) {
      r.field = part.substr(0, p3);
      r.value = part.substr(p3 + 1);
    } else {
      return InvalidArgumentError("invalid selector: '" + text + "'; can't understand '" + part + "'");
    }
    r.field = Trimmed(r.field);
    r.value = Trimmed(r.value);
    if (r.field != "metadata.name" && r.field != "metadata.namespace" &&
        std::find(allowed.begin(), allowed.end(), r.field) == allowed.end()) {
      return InvalidArgumentError("field label not supported: " + r.field);
    }
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

std::string FieldValue(const nlohmann::json& object, const std::string& dotted) {
  const nlohmann::json* cur = &object;
  size_t start = 0;
  while (true) {
    auto dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return "";
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const auto& r : reqs_) {
    std::string v = FieldValue(object, r.field);
    // Upstream node field set renders a missing spec.unschedulable as "false".
    if (r.field == "spec.unschedulable" && v.empty()) v = "false";
    if ((v == r.value) == r.negate) return false;
  }
  return true;
}

}  // namespace joinguard::sandbox
