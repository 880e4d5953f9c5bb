// A kube::Client whose every operation answers kUnimplemented naming it: the base of a scripted
// fake, which overrides only the calls its test is about (a call the test did not expect then
// fails loudly instead of returning an empty object).
#pragma once

#include <stop_token>
#include <string_view>

#include "common/kube/client.h"

namespace joinguard::testing {

class UnimplementedClient : public kube::Client {
 public:
  StatusOr<kube::Json> GetRaw(const kube::Resource&, std::string_view, std::string_view,
                              std::string_view) override {
    return UnimplementedError("get");
  }
  StatusOr<kube::Json> ListRaw(const kube::Resource&, std::string_view, const kube::ListOptions&) override {
    return UnimplementedError("list");
  }
  StatusOr<kube::Json> CreateRaw(const kube::Resource&, std::string_view, const kube::Json&,
                                 std::string_view) override {
    return UnimplementedError("create");
  }
  StatusOr<kube::Json> UpdateRaw(const kube::Resource&, std::string_view, std::string_view, const kube::Json&,
                                 std::string_view) override {
    return UnimplementedError("update");
  }
  StatusOr<kube::Json> PatchRaw(const kube::Resource&, std::string_view, std::string_view, kube::PatchType,
                                const kube::Json&, std::string_view) override {
    return UnimplementedError("patch");
  }
  StatusOr<kube::Json> DeleteRaw(const kube::Resource&, std::string_view, std::string_view,
                                 const kube::DeleteOptions&) override {
    return UnimplementedError("delete");
  }
  Status WatchRaw(const kube::Resource&, std::string_view, const kube::ListOptions&,
                  const kube::WatchHandler&, std::stop_token) override {
    return UnimplementedError("watch");
  }
};

}  // namespace joinguard::testing
