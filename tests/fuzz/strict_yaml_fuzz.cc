// The strict YAML loader itself: every input ends in a tree or a clean error.
#include "common/yaml/strict_yaml.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)joinguard::yaml::LoadAllStrictYaml(joinguard::fuzz::AsView(data, size), "fuzz");
  return 0;
}
