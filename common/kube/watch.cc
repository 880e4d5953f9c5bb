#include "common/kube/watch.h"

#include "common/text/enum_names.h"
namespace joinguard::kube {

std::string_view WatchEventTypeName(WatchEventType t) {
  static constexpr std::string_view kNames[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
  return text::EnumName(t, kNames, "UNKNOWN");
}

StatusOr<WatchEvent> ParseWatchEvent(std::string_view line) {
  JG_ASSIGN_OR_RETURN(Json j, ParseJson(line));
  if (!j.is_object()) return InvalidArgumentError("watch event is not a JSON object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) {
    return InvalidArgumentError("watch event has no \"type\"");
  }
  WatchEvent e;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED")
    e.type = WatchEventType::kAdded;
  else if (t == "MODIFIED")
    e.type = WatchEventType::kModified;
  else if (t == "DELETED")
    e.type = WatchEventType::kDeleted;
  else if (t == "BOOKMARK")
    e.type = WatchEventType::kBookmark;
  else if (t == "ERROR")
    e.type = WatchEventType::kError;
  else
    return InvalidArgumentError("unknown watch event type \"" + t + "\"");
  auto obj = j.find("object");
  if (obj == j.end() || !obj->is_object()) {
    return InvalidArgumentError("watch event " + t + " has no object");
  }
  e.object = std::move(*obj);
  return e;
}

}  // namespace joinguard::kube
