// gmock of kube::Client (test-only; include from tests). Typed helpers route through the raw
// methods, so tests set expectations on GetRaw/CreateRaw/... with JSON built by ToJson().
#pragma once

#include <gmock/gmock.h>

#include "common/kube/client.h"

namespace joinguard::kube {

class MockClient : public Client {
 public:
  MOCK_METHOD(StatusOr<Json>, GetRaw, (const Resource&, std::string_view, std::string_view, std::string_view),
              (override));
  MOCK_METHOD(StatusOr<Json>, ListRaw, (const Resource&, std::string_view, const ListOptions&), (override));
  MOCK_METHOD(StatusOr<Json>, CreateRaw, (const Resource&, std::string_view, const Json&, std::string_view),
              (override));
  MOCK_METHOD(StatusOr<Json>, UpdateRaw,
              (const Resource&, std::string_view, std::string_view, const Json&, std::string_view),
              (override));
  MOCK_METHOD(StatusOr<Json>, PatchRaw,
              (const Resource&, std::string_view, std::string_view, PatchType, const Json&, std::string_view),
              (override));
  MOCK_METHOD(StatusOr<Json>, DeleteRaw,
              (const Resource&, std::string_view, std::string_view, const DeleteOptions&), (override));
  MOCK_METHOD(Status, WatchRaw,
              (const Resource&, std::string_view, const ListOptions&, const WatchHandler&, std::stop_token),
              (override));
};

}  // namespace joinguard::kube
