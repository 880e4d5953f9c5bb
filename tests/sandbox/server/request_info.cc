#include "tests/sandbox/server/request_info.h"
#include "common/text/ascii.h"

#include <algorithm>
#include <cctype>

namespace joinguard::sandbox {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

RequestInfo ParseRequestInfo(const std::string& method, const std::string& path, bool watch_query) {
  RequestInfo info;
  info.path = path;
  info.verb = text::AsciiLower(method);
  std::vector<std::string> parts = SplitPath(path);
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) return info;
  info.api_prefix = parts[0];
  parts.erase(parts.begin());
  if (info.api_prefix == "apis") {
    if (parts.size() < 2) return info;  // /apis, /apis/<group>: discovery
    info.group = parts[0];
    parts.erase(parts.begin());
  }
  if (parts.empty()) return info;  // /api
  info.version = parts[0];
  parts.erase(parts.begin());
  if (parts.empty()) return info;  // /api/v1, /apis/<g>/<v>: discovery
  info.resource_request = true;
  if (method == "POST") {
    info.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = "delete";
  }
  if (parts[0] == "watch" || parts[0] == "proxy") {
    if (parts.size() < 2) {  // "/watch" alone is not a resource
      info.resource_request = false;
      info.verb = text::AsciiLower(method);
      return info;
    }
    info.verb = parts[0];
    parts.erase(parts.begin());
  }
  if (parts[0] == "namespaces") {
    if (parts.size() > 1) {
      info.ns = parts[1];
      // /namespaces/<ns>/status|finalize are namespace subresources, not a namespaced resource.
      if (parts.size() > 2 && parts[2] != "status" && parts[2] != "finalize") {
        parts.erase(parts.begin(), parts.begin() + 2);
      }
    }
  }
  info.parts = parts;
  if (parts.size() >= 3) info.subresource = parts[2];
  if (parts.size() >= 2) info.name = parts[1];
  if (!parts.empty()) info.resource = parts[0];
  if (parts.size() < 2 && info.verb == "get") info.verb = watch_query ? "watch" : "list";
  if (parts.size() < 2 && info.verb == "delete") info.verb = "deletecollection";
  return info;
}

}  // namespace joinguard::sandbox
