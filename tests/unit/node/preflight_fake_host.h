// A scripted preflight::Host for hermetic preflight tests: files, sockets, busy ports, programs
// and environment are plain maps; nothing touches the machine.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "node-helper/preflight/host.h"

namespace joinguard::node::preflight::testing {

class FakeHost : public Host {
 public:
  // A machine on which every kubeadm node check passes.
  static FakeHost Healthy() {
    FakeHost h;
    h.dirs = {"/proc", "/usr/bin", "/run", "/var/run"};
    h.files["/proc/swaps"] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    h.files["/proc/sys/net/ipv4/ip_forward"] = "1\n";
    h.files["/proc/sys/net/ipv6/conf/default/forwarding"] = "1\n";
    h.sockets = {"/var/run/containerd/containerd.sock"};
    for (const char* p :
         {"ip", "iptables", "mount", "nsenter", "ebtables", "ethtool", "socat", "tc", "touch"}) {
      h.programs[p] = std::string("/usr/bin/") + p;
    }
    h.programs["kubelet"] = "/usr/bin/kubelet";
    h.outputs["/usr/bin/kubelet"] = "Kubernetes v1.31.2\n";
    return h;
  }

  std::string Display(const std::string& absolute) const override { return root + absolute; }
  bool IsRealRoot() const override { return root.empty(); }
  bool Exists(const std::string& absolute) const override {
    return files.count(absolute) > 0 || dirs.count(absolute) > 0 || sockets.count(absolute) > 0;
  }
  StatusOr<std::string> ReadFile(const std::string& absolute, size_t limit) const override {
    if (unreadable.count(absolute) > 0)
      return DataLossError("read " + Display(absolute) + ": input/output error");
    auto it = files.find(absolute);
    if (it == files.end()) return NotFoundError("open " + Display(absolute) + ": no such file or directory");
    return it->second.substr(0, limit);
  }
  StatusOr<bool> IsEmptyDir(const std::string& absolute) const override {
    auto it = dir_entries.find(absolute);
    if (it == dir_entries.end())
      return NotFoundError("stat " + Display(absolute) + ": no such file or directory");
    return it->second == 0;
  }
  Status DialUnix(const std::string& absolute) const override {
    ++dials;
    if (sockets.count(absolute) > 0 && (answers_left < 0 || answers_left-- > 0)) return OkStatus();
    return UnavailableError(
        "dial unix " + Display(absolute) +
        ": connect: " + (sockets.count(absolute) > 0 ? "connection refused" : "no such file or directory"));
  }
  Status ListenTcp(int port) const override {
    if (busy_ports.count(port) > 0)
      return UnavailableError("listen tcp :" + std::to_string(port) + ": address already in use");
    return OkStatus();
  }
  StatusOr<std::string> LookPath(const std::string& program) const override {
    auto it = programs.find(program);
    if (it == programs.end())
      return NotFoundError("exec: \"" + program + "\": executable file not found in $PATH");
    return Display(it->second);
  }
  StatusOr<std::string> Output(const std::vector<std::string>& argv) const override {
    ran.push_back(argv);
    std::string path = argv.at(0).substr(root.size());
    auto it = outputs.find(path);
    if (it == outputs.end()) return UnavailableError("exit status 1");
    return it->second;
  }
  bool IsPrivileged() const override { return privileged; }
  std::optional<std::string> Getenv(const std::string& name) const override {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  }

  std::string root;  // "" = the machine itself
  std::map<std::string, std::string> files;
  std::set<std::string> unreadable;
  std::set<std::string> dirs;
  std::map<std::string, int> dir_entries;  // a directory and how many entries it has
  std::set<std::string> sockets;
  mutable int answers_left = -1;  // >= 0: the sockets stop answering after that many dials
  mutable int dials = 0;
  std::set<int> busy_ports;
  std::map<std::string, std::string> programs;  // name → absolute path
  std::map<std::string, std::string> outputs;   // absolute path → stdout (absent: "exit status 1")
  mutable std::vector<std::vector<std::string>> ran;
  bool privileged = true;
  std::map<std::string, std::string> env;
};

}  // namespace joinguard::node::preflight::testing
