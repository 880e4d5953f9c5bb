// Non-resource requests: health, /version, legacy discovery (/api, /apis, group and
// group-version documents; client-go discovery/discovery_client.go). OpenAPI is 404.
#include "tests/sandbox/server/api_server.h"
#include "tests/sandbox/server/api_helpers.h"

#include <algorithm>
#include <thread>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/protobuf.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/crd.h"
#include "tests/sandbox/server/patch.h"
#include "tests/sandbox/server/selectors.h"
#include "tests/sandbox/server/tables.h"

namespace joinguard::sandbox {

using logic::UserInfo;
using nlohmann::json;
using namespace api_internal;

void ApiServer::HandleNonResource(const HttpRequest& req, const RequestInfo& info, ResponseWriter& w) {
  const std::string& p = info.path;
  if (req.method != "GET" && req.method != "HEAD") {
    SendError(w, UnknownUrl(), nullptr, "");
    return;
  }
  if (p == "/healthz" || p == "/readyz" || p == "/livez" || p.rfind("/healthz/", 0) == 0 ||
      p.rfind("/readyz/", 0) == 0 || p.rfind("/livez/", 0) == 0) {
    w.Send(HttpResponse{200, "text/plain; charset=utf-8", "ok", {{"X-Content-Type-Options", "nosniff"}}});
    return;
  }
  if (p == "/version" || p == "/version/") {
    std::string minor = config_.version_minor;
    w.Send(JsonResponse(200, {{"major", "1"},
                              {"minor", minor},
                              {"gitVersion", "v1." + minor + ".0"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2026-01-01T00:00:00Z"},
                              {"goVersion", "go1.22.0"},
                              {"compiler", "gc"},
                              {"platform", "linux/amd64"}}));
    return;
  }
  if (p == "/api" || p == "/api/") {
    w.Send(JsonResponse(200, registry_.ApiVersions(config_.server_address ? config_.server_address() : "")));
    return;
  }
  if (p == "/apis" || p == "/apis/") {
    w.Send(JsonResponse(200, registry_.ApiGroupList()));
    return;
  }
  if (!info.version.empty()) {
    json list = registry_.ApiResourceList(info.group, info.version);
    if (!list.is_null()) {
      w.Send(JsonResponse(200, list));
      return;
    }
  } else if (info.api_prefix == "apis") {
    std::string group = p.substr(6);
    while (!group.empty() && group.back() == '/') group.pop_back();
    json g = registry_.ApiGroup(group);
    if (!g.is_null()) {
      w.Send(JsonResponse(200, g));
      return;
    }
  }
  // /openapi/v2, /openapi/v3 and everything else: 404, kubectl falls back (kubectl pkg/cmd/apply/patcher.go).
  w.Send(JsonResponse(404, StatusJson(UnknownUrl(), nullptr, "")));
}

}  // namespace joinguard::sandbox
