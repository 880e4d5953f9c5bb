// What the preflight checks read from the machine, behind one interface so every check can be
// tested against a fake host. The real host reads files and dials sockets under a root directory
// ("" = "/", or joinguard-node's --root-dir), binds real TCP ports, and runs programs found in
// PATH under that root.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace joinguard::node::preflight {

class Host {
 public:
  virtual ~Host() = default;

  // The path as the checks show it in messages: the root followed by `absolute`.
  virtual std::string Display(const std::string& absolute) const = 0;
  // True for "/" (the machine itself). A --root-dir root is a stand-in for a host: the checks
  // of host facts it does not provide (no proc/, no usr/bin or bin/) are not run.
  virtual bool IsRealRoot() const = 0;

  // lstat(2) of `absolute` under the root succeeds.
  virtual bool Exists(const std::string& absolute) const = 0;
  // At most `limit` bytes of the file; kNotFound when it does not exist, another code when it
  // cannot be opened, kDataLoss when a read fails.
  virtual StatusOr<std::string> ReadFile(const std::string& absolute, size_t limit) const = 0;
  // true: a directory with no entries; false: anything else that exists; kNotFound: absent.
  virtual StatusOr<bool> IsEmptyDir(const std::string& absolute) const = 0;

  // Connects to the unix socket `absolute` (under the root) and hangs up. The error message is
  // Go's net.Dial text: "dial unix <path>: connect: <errno text>".
  virtual Status DialUnix(const std::string& absolute) const = 0;
  // Listens on TCP :port on every address and closes again (kubeadm's PortOpenCheck).
  virtual Status ListenTcp(int port) const = 0;

  // The full path of `program` in PATH (under the root); kNotFound with Go's exec.LookPath text
  // (`exec: "<program>": executable file not found in $PATH`).
  virtual StatusOr<std::string> LookPath(const std::string& program) const = 0;
  // Runs argv (argv[0] = a path from LookPath) without a shell and returns its stdout. A non-zero
  // exit is an error "exit status N"; a program that runs past the deadline is killed.
  virtual StatusOr<std::string> Output(const std::vector<std::string>& argv) const = 0;

  virtual bool IsPrivileged() const = 0;  // effective uid 0
  virtual std::optional<std::string> Getenv(const std::string& name) const = 0;
};

// How long a program run by a check may take (kubeadm has no bound; a hung `kubelet --version`
// must not hang the join).
inline constexpr std::chrono::seconds kProgramDeadline{30};
// The most output kept from such a program.
inline constexpr size_t kProgramOutputLimit = 64 * 1024;

// The machine, seen through `root` ("" or "/" for the machine itself).
std::unique_ptr<Host> NewHost(std::string root);

}  // namespace joinguard::node::preflight
