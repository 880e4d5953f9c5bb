#include "common/kube/resource.h"

namespace joinguard::kube {

std::string Resource::ApiVersion() const {
  if (group.empty()) return std::string(version);
  return std::string(group) + "/" + std::string(version);
}

std::string Resource::GroupResource() const {
  if (group.empty()) return std::string(plural);
  return std::string(plural) + "." + std::string(group);
}

std::string Resource::CollectionPath(std::string_view ns) const {
  std::string p = group.empty() ? "/api/" + std::string(version)
                                : "/apis/" + std::string(group) + "/" + std::string(version);
  if (namespaced && !ns.empty()) p += "/namespaces/" + UrlEncode(ns);
  p += "/";
  p += plural;
  return p;
}

std::string Resource::ObjectPath(std::string_view ns, std::string_view name,
                                 std::string_view subresource) const {
  std::string p = CollectionPath(ns) + "/" + UrlEncode(name);
  if (!subresource.empty()) {
    p += "/";
    p += subresource;
  }
  return p;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace joinguard::kube
