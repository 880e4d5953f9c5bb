// kubeconfig loader (also what token discovery reads out of cluster-info).
#include "common/kube/kubeconfig.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  auto config = kube::ParseKubeconfig(fuzz::AsView(data, size));
  if (config.ok()) {
    (void)kube::Resolve(*config);
    (void)kube::SerializeKubeconfig(*config);
  }
  return 0;
}
