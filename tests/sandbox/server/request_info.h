// Request attributes parsed from a URL as the apiserver's RequestInfoFactory does
// (apiserver pkg/endpoints/request/requestinfo.go).
#pragma once

#include <string>
#include <vector>

namespace joinguard::sandbox {

struct RequestInfo {
  bool resource_request = false;
  std::string path;
  std::string verb;        // get list watch create update patch delete deletecollection | http verb
  std::string api_prefix;  // "api" or "apis"
  std::string group, version, ns, resource, name, subresource;
  std::vector<std::string> parts;  // the path segments after the version
};

// `watch_query` is true when ?watch=true|1 was given.
RequestInfo ParseRequestInfo(const std::string& method, const std::string& path, bool watch_query);

}  // namespace joinguard::sandbox
