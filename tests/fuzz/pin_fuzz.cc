// CA pin parser (--discovery-token-ca-cert-hash).
#include <cctype>
#include <string>

#include "common/crypto/pin.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  const std::string_view in = fuzz::AsView(data, size);
  crypto::PinSet pins;
  if (pins.Allow(in).ok()) {
    // Only "sha256:" (any case, as kubeadm) + 64 hex digits is a pin.
    std::string format(in.substr(0, 7));
    for (char& c : format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fuzz::Require(in.size() == 7 + 64 && format == "sha256:", "accepted a pin of the wrong shape");
    for (char c : in.substr(7))
      fuzz::Require(std::isxdigit(static_cast<unsigned char>(c)), "accepted a non-hex pin");
  }
  return 0;
}
