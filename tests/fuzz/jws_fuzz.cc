// Detached JWS verification (cluster-info signatures): alg none, extra headers, padding
// tricks... never verify unless the input is exactly the signature we compute.
#include "common/crypto/jws.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  const std::string_view in = fuzz::AsView(data, size);
  constexpr std::string_view kContent = "apiVersion: v1\nkind: Config\n";
  constexpr std::string_view kId = "abcdef";
  constexpr std::string_view kSecret = "0123456789abcdef";
  static const std::string* const kGood = new std::string(crypto::ComputeDetachedJws(kContent, kId, kSecret));
  const bool valid = crypto::DetachedJwsIsValid(in, kContent, kId, kSecret);
  fuzz::Require(valid == (in == *kGood), "a JWS other than the computed one verified");
  // The input as content and as key material must not crash either.
  (void)crypto::DetachedJwsIsValid(*kGood, in, kId, kSecret);
  (void)crypto::ComputeDetachedJws(in, in.substr(0, 6), in);
  return 0;
}
