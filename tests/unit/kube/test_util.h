#pragma once

#include <fstream>
#include <sstream>
#include <stdlib.h>
#include <string>

#include "common/kube/objects.h"

namespace joinguard::kube::testutil {

inline std::string ReadGoldenText(const std::string& name) {
  std::ifstream in(std::string(JG_KUBE_GOLDEN_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Json ReadGolden(const std::string& name) {
  auto j = ParseJson(ReadGoldenText(name));
  if (!j.ok()) return Json();
  return *j;
}

inline std::string MakeTempDir() {
  char tmpl[] = "/tmp/jg-kube-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? std::string(d) : std::string();
}

}  // namespace joinguard::kube::testutil
