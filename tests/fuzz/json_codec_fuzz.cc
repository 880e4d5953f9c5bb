// The API JSON codec: ParseJson (size and depth limits) and every decoder, then a re-encode.
#include "common/kube/objects.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

template <typename T>
void RoundTrip(const joinguard::kube::Json& j) {
  auto decoded = joinguard::kube::Decode<T>(j);
  if (decoded.ok()) (void)joinguard::kube::ToJson(*decoded).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard::kube;
  auto j = ParseJson(joinguard::fuzz::AsView(data, size));
  if (!j.ok()) return 0;
  RoundTrip<CertificateSigningRequest>(*j);
  RoundTrip<ConfigMap>(*j);
  RoundTrip<Secret>(*j);
  RoundTrip<Node>(*j);
  RoundTrip<Event>(*j);
  RoundTrip<Lease>(*j);
  RoundTrip<ApiStatus>(*j);
  (void)DecodeList<CertificateSigningRequest>(*j);
  return 0;
}
