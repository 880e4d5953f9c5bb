// Bootstrap token parser: the secret never appears in an error or a redacted form.
#include <string>

#include "common/crypto/token.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  const std::string_view in = fuzz::AsView(data, size);
  auto token = crypto::ParseBootstrapToken(in);
  const std::string redacted = crypto::RedactToken(in);
  fuzz::Require(token.ok() == crypto::IsValidBootstrapToken(in), "parser and validator disagree");
  if (token.ok()) {
    fuzz::Require(token->ToString() == in, "parsed token does not round-trip");
    fuzz::Require(redacted.find(token->secret) == std::string::npos, "redacted form shows the secret");
  } else {
    const auto dot = in.find('.');
    if (dot != std::string_view::npos && in.size() - dot - 1 >= 6) {
      const std::string_view secret = in.substr(dot + 1);
      // (Unless the same characters legitimately appear in the message for the same id with
      // a neutral secret: the id itself, the quoted pattern, the fixed text.)
      auto neutral = crypto::ParseBootstrapToken(std::string(in.substr(0, dot)) + ".#");
      const bool elsewhere = !neutral.ok() && neutral.status().message().find(secret) != std::string::npos;
      fuzz::Require(elsewhere || token.status().message().find(secret) == std::string::npos,
                    "error shows the secret part");
    }
  }
  (void)crypto::IsValidBootstrapTokenId(in);
  (void)crypto::IsValidBootstrapGroup(in);
  return 0;
}
