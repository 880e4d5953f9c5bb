// Watch events (kubernetes/apimachinery pkg/apis/meta/v1/watch.go): one JSON WatchEvent per line of a chunked
// response.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/kube/objects.h"
#include "common/status/status.h"

namespace joinguard::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view WatchEventTypeName(WatchEventType t);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  Json object;  // the full object (ApiStatus shape for kError; only metadata.rv for kBookmark)
};

// Parses one line of a watch stream. Empty/whitespace lines are kInvalidArgument too; callers
// skip them before calling.
StatusOr<WatchEvent> ParseWatchEvent(std::string_view line);

// Receives events as they arrive. Return non-OK to stop the watch; that status is returned
// from Client::WatchRaw. ERROR events are never delivered: WatchRaw returns them as a Status
// (410 Expired/Gone → IsGone()).
using WatchHandler = std::function<Status(const WatchEvent& event)>;

}  // namespace joinguard::kube
