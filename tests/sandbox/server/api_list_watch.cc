// list (paging, selectors, Tables), deletecollection and watch (apiserver
// pkg/endpoints/handlers/{get.go,watch.go}).
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

namespace {
// Upper bound of one watch chunk when a backlog is drained (events are never split).
constexpr size_t kWatchBatchBytes = 256 * 1024;
}  // namespace

void ApiServer::HandleList(const HttpRequest& req, const ResourceType& type, const RequestInfo& info,
                           ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  int64_t limit = 0;
  if (req.HasQuery("limit")) limit = std::max<int64_t>(0, ParseResourceVersion(req.Query("limit")));
  std::string start_key;
  int64_t list_rv = -1;
  if (!req.Query("continue").empty()) {
    if (!DecodeContinue(req.Query("continue"), &list_rv, &start_key)) {
      return SendError(w, BadRequest("continue key is not valid: invalid continue token"), &type, "");
    }
  }
  std::string rv_match = req.Query("resourceVersionMatch");
  if (!rv_match.empty() && rv_match != "Exact" && rv_match != "NotOlderThan") {
    return SendError(w,
                     ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
                            "Unsupported value: \"" +
                                rv_match + "\""),
                     &type, "");
  }
  const bool table = WantsTable(req.Header("accept"));
  if (sel->labels.empty() && sel->fields.empty() && !table) {
    // The common case (informers, kubectl -o json): the page is cut in the store and the stored
    // texts are sent as they are, so a list costs copying bytes, not decoding and re-encoding.
    Store::RefList page = store_.ListRefs(type.Gvr(), ns, start_key, limit);
    if (list_rv < 0) list_rv = page.rv;
    json meta = {{"resourceVersion", std::to_string(list_rv)}};
    if (page.remaining > 0) {
      meta["continue"] = EncodeContinue(list_rv, page.last_key);
      meta["remainingItemCount"] = page.remaining;
    }
    size_t size = 256;
    for (const auto& obj : page.items) size += obj->text.size() + 1;
    std::string body;
    body.reserve(size);
    body += R"({"apiVersion":)" + json(type.ApiVersion()).dump() + R"(,"items":[)";
    for (size_t i = 0; i < page.items.size(); ++i) {
      if (i) body += ',';
      body += page.items[i]->text;
    }
    body += R"(],"kind":)" + json(ListKind(type)).dump() + R"(,"metadata":)" + meta.dump() + "}\n";
    return w.Send(HttpResponse{200, "application/json", std::move(body), {}});
  }
  // Selectors or a Table: decode each candidate.
  Store::RefList all = store_.ListRefs(type.Gvr(), ns, start_key);
  if (list_rv < 0) list_rv = all.rv;
  std::vector<json> items;
  std::string last_key;
  size_t matched_after = 0;
  bool more = false;
  for (const auto& ref : all.items) {
    json obj = ref->Parse();
    if (!Matches(*sel, obj)) continue;
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      more = true;
      ++matched_after;
      continue;
    }
    last_key = ObjectKey(obj);
    items.push_back(std::move(obj));
  }
  json meta = {{"resourceVersion", std::to_string(list_rv)}};
  if (more) {
    meta["continue"] = EncodeContinue(list_rv, last_key);
    if (req.Query("labelSelector").empty() && req.Query("fieldSelector").empty()) {
      meta["remainingItemCount"] = matched_after;
    }
  }
  if (table) {
    return w.Send(JsonResponse(200, TableFor(req, type, items, meta["resourceVersion"].get<std::string>(),
                                             meta.value("continue", ""), clock_.Now())));
  }
  w.Send(JsonResponse(200, {{"kind", ListKind(type)},
                            {"apiVersion", type.ApiVersion()},
                            {"metadata", meta},
                            {"items", std::move(items)}}));
}

void ApiServer::HandleDeleteCollection(const HttpRequest& req, const ResourceType& type,
                                       const RequestInfo& info, ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  json items = json::array();
  for (const auto& obj : store_.List(type.Gvr(), ns).items) {
    if (!Matches(*sel, obj)) continue;
    auto deleted =
        store_.Delete(type.Gvr(), obj["metadata"].value("namespace", ""), obj["metadata"].value("name", ""));
    if (deleted.ok()) items.push_back((*deleted)->Parse());
  }
  w.Send(JsonResponse(200, {{"kind", ListKind(type)},
                            {"apiVersion", type.ApiVersion()},
                            {"metadata", {{"resourceVersion", std::to_string(store_.rv())}}},
                            {"items", items}}));
}

void ApiServer::HandleWatch(const HttpRequest& req, const ResourceType& type, const RequestInfo& info,
                            ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  if (IsTrue(req.Query("sendInitialEvents"))) {
    // Watch-list streaming is not implemented: refuse it so clients fall back to list+watch
    // (client-go tools/cache/reflector.go), never silently ignore it.
    return SendError(w,
                     ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: "
                            "Forbidden: sendInitialEvents is not supported by this server"),
                     &type, "");
  }
  if (!req.Query("resourceVersionMatch").empty()) {
    return SendError(w,
                     ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
                            "Forbidden: resourceVersionMatch is forbidden for watch unless "
                            "sendInitialEvents is provided"),
                     &type, "");
  }
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  std::string only_name = info.name;
  std::string rv_text = req.Query("resourceVersion");
  int64_t from_rv = -1;
  bool initial = rv_text.empty() || rv_text == "0";
  if (!initial) {
    from_rv = ParseResourceVersion(rv_text);
    if (from_rv < 0) {
      return SendError(
          w,
          BadRequest("resourceVersion: Invalid value: \"" + rv_text + "\": must be a non-negative integer"),
          &type, "");
    }
  }
  std::chrono::seconds timeout(0);
  if (req.HasQuery("timeoutSeconds")) {
    timeout = std::chrono::seconds(std::max<int64_t>(0, ParseResourceVersion(req.Query("timeoutSeconds"))));
  }
  if (timeout.count() <= 0) {
    std::lock_guard<std::mutex> lock(mu_);
    timeout = std::chrono::seconds(1800 + static_cast<int64_t>(rng_() % 1800));
  }
  bool bookmarks = IsTrue(req.Query("allowWatchBookmarks"));
  const bool table = WantsTable(req.Header("accept"));
  const std::string gvr = type.Gvr();
  auto error_event = [&](const Status& s) { WriteWatchError(w, s); };
  int64_t start_rv = store_.rv();
  if (faults_.TakeForcedGone()) {
    error_event(ApiErr(StatusCode::kOutOfRange, "Expired", 410,
                       "too old resource version: " + std::to_string(std::max<int64_t>(from_rv, 0)) + " (" +
                           std::to_string(start_rv) + ")"));
    return;
  }
  auto sub =
      store_.Subscribe([gvr, ns](const StoreEvent& e) { return e.gvr == gvr && (ns.empty() || e.ns == ns); },
                       initial ? -1 : from_rv, initial ? gvr : "", ns);
  if (!sub.ok()) {
    error_event(ApiErr(StatusCode::kOutOfRange, "Expired", 410, sub.status().message()));
    return;
  }
  if (!w.BeginStream(200, "application/json")) {
    store_.Unsubscribe(*sub);
    return;
  }
  int64_t last_rv = initial ? start_rv : std::max(from_rv, int64_t{0});
  // Decoding is needed only to evaluate selectors or build a Table; otherwise an event line is
  // the stored text wrapped in {"type","object"} (encoded once at write time for every watcher).
  const bool decode = table || !sel->labels.empty() || !sel->fields.empty();
  auto matches = [&](const StoreEvent& e, const ObjectRef& ref, std::optional<json>* parsed) {
    if (!ref) return false;
    if (!only_name.empty() && e.name != only_name) return false;
    if (!decode) return true;
    if (!*parsed) *parsed = ref->Parse();
    return Matches(*sel, **parsed);
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto next_bookmark = std::chrono::steady_clock::now() + config_.bookmark_interval;
  // The watch cache also bookmarks ~2 s before the deadline so the client resumes from a fresh
  // resourceVersion (apiserver cache_watcher.go nextBookmarkTime).
  if (timeout > std::chrono::seconds(4)) {
    next_bookmark = std::min(next_bookmark, deadline - std::chrono::seconds(2));
  }
  int sent = 0;
  const int close_after = faults_.close_watches_after();
  std::string batch;
  // Appends the event's line to `batch`; false when the watch must end (fault: close after N).
  auto add_event = [&](const StoreEvent& e) {
    last_rv = std::max(last_rv, e.rv);
    std::optional<json> now_obj, old_obj;
    const char* out_type = nullptr;
    if (e.type == "ADDED") {
      if (matches(e, e.object, &now_obj)) out_type = "ADDED";
    } else if (e.type == "MODIFIED") {
      bool now_m = matches(e, e.object, &now_obj), old_m = matches(e, e.old_object, &old_obj);
      if (now_m && old_m)
        out_type = "MODIFIED";
      else if (now_m)
        out_type = "ADDED";
      else if (old_m)
        out_type = "DELETED";
    } else if (e.type == "DELETED") {
      if (matches(e, e.old_object, &old_obj)) out_type = "DELETED";
    }
    if (!out_type) return true;
    batch += R"({"type":")";
    batch += out_type;
    batch += R"(","object":)";
    if (table) {
      if (!now_obj) now_obj = e.object->Parse();
      batch += TableFor(req, type, {*now_obj}, std::to_string(e.object->rv), "", clock_.Now()).dump();
    } else {
      batch += e.object->text;
    }
    batch += "}\n";
    ++sent;
    return !(close_after > 0 && sent >= close_after);
  };
  bool open = true;
  while (open) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto wake = std::min(deadline, now + std::chrono::seconds(1));
    if (bookmarks) wake = std::min(wake, next_bookmark);
    EventRef e;
    auto r = (*sub)->Next(&e, wake);
    if (r == Subscription::Result::kClosed) break;
    if (r == Subscription::Result::kEvent) {
      // Everything already queued goes out in one chunk (one TLS record, one syscall) instead of
      // one write per event; bounded so a backlog is still streamed as it is produced.
      batch.clear();
      bool more = add_event(*e);
      while (more && batch.size() < kWatchBatchBytes && (*sub)->TryNext(&e)) more = add_event(*e);
      if (!batch.empty() && !w.WriteChunk(batch)) break;
      if (!more) break;
      continue;
    }
    now = std::chrono::steady_clock::now();
    if (bookmarks && now >= next_bookmark) {
      json bm = {
          {"type", "BOOKMARK"},
          {"object",
           {{"kind", type.kind},
            {"apiVersion", type.ApiVersion()},
            {"metadata", {{"resourceVersion", std::to_string(last_rv)}, {"creationTimestamp", nullptr}}}}}};
      if (!w.WriteChunk(bm.dump() + "\n")) break;
      next_bookmark = now + config_.bookmark_interval;
      if (deadline - now > std::chrono::seconds(2)) {
        next_bookmark = std::min(next_bookmark, deadline - std::chrono::seconds(2));
      }
    }
    if (w.PeerClosed()) open = false;
  }
  store_.Unsubscribe(*sub);
  w.EndStream();
}

}  // namespace joinguard::sandbox
