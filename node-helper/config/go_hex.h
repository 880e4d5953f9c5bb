// Go's encoding/hex.DecodeString with its error texts, which kubeadm quotes verbatim for the
// certificate key ("encoding/hex: invalid byte: U+006D 'm'", "encoding/hex: odd length hex string").
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::node::config {

StatusOr<std::string> DecodeHexGo(std::string_view hex);

}  // namespace joinguard::node::config
