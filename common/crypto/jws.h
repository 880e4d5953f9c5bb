// Detached JWS (HS256) byte-identical to kubernetes/kubernetes
// staging/src/k8s.io/cluster-bootstrap/token/jws/jws.go.
#pragma once

#include <string>
#include <string_view>

namespace joinguard::crypto {

// Returns "<b64url header>..<b64url HMAC>" with header {"alg":"HS256","kid":"<token_id>"}.
std::string ComputeDetachedJws(std::string_view content, std::string_view token_id,
                               std::string_view token_secret);

// Recomputes and compares for exact equality, as upstream DetachedTokenIsValid.
bool DetachedJwsIsValid(std::string_view detached, std::string_view content, std::string_view token_id,
                        std::string_view token_secret);

}  // namespace joinguard::crypto
