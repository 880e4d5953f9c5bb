// kubeadm JoinConfiguration loader (multi-document YAML) and its validation.
#include "node-helper/config/join_configuration.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard;
  std::vector<std::string> warnings;
  auto cfg = node::config::ParseJoinConfiguration(fuzz::AsView(data, size), &warnings);
  if (cfg.ok()) {
    node::config::SetDefaults(&*cfg);
    (void)node::config::Validate(*cfg);
  }
  return 0;
}
