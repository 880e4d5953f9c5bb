// kubeadm-style progress output: "[phase] message" lines on stdout and "[WARNING ...]" lines.
// Never pass secrets (tokens, keys) to it: use crypto::RedactToken.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace joinguard::node {

class Printer {
 public:
  explicit Printer(std::FILE* out = stdout, std::FILE* err = stderr) : out_(out), err_(err) {}
  // "[phase] message"
  void Line(std::string_view phase, std::string_view message) {
    Write(out_, "[" + std::string(phase) + "] " + std::string(message));
  }
  // "[phase] WARNING: message" on stderr, as kubeadm's klog warnings.
  void Warning(std::string_view phase, std::string_view message) {
    Write(err_, "[" + std::string(phase) + "] WARNING: " + std::string(message));
  }
  // A raw line (preflight's "\t[WARNING Name]: ..." format).
  void Raw(std::string_view text) { Write(out_, std::string(text)); }
  void RawErr(std::string_view text) { Write(err_, std::string(text)); }

 private:
  void Write(std::FILE* f, const std::string& line) {
    std::lock_guard<std::mutex> l(mu_);
    std::fprintf(f, "%s\n", line.c_str());
    std::fflush(f);
  }
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mu_;  // keeps lines whole
};

}  // namespace joinguard::node
