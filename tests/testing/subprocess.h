// Run a program as a separate process in tests: capture stdout/stderr to files, wait for a
// line to appear (with a deadline, no sleeps as synchronisation), send signals, collect exit code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace joinguard::testing {

// Starts argv[0] (a path) with stdin from /dev/null and stdout/stderr written to the given files
// (created or truncated, mode 0600), through posix_spawn: no code runs in the child before exec,
// which a multi-threaded test process needs (a forked child that allocates can deadlock on a lock
// another thread held at the fork). `envp` null means this process's environment.
StatusOr<pid_t> SpawnToFiles(const std::vector<std::string>& argv, const std::string& stdout_path,
                             const std::string& stderr_path, char* const* envp = nullptr);

class Subprocess {
 public:
  // Starts argv[0] (a path) with argv; env entries are added to (and override) the current
  // environment. stdout/stderr go to files under `log_dir` (created if missing).
  static StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                     const std::string& log_dir,
                                                     const std::map<std::string, std::string>& env = {});
  ~Subprocess();  // SIGKILL + reap if still running

  pid_t pid() const { return pid_; }
  // Waits until stdout+stderr contain `needle` (returns the matching line) or the process exits
  // or the deadline passes.
  StatusOr<std::string> WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
  // Waits for exit; returns the exit code (128+signal when killed by a signal).
  StatusOr<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int sig);
  std::optional<int> exit_code() const { return exit_code_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  Subprocess() = default;
  bool Poll();  // reaps if exited; returns true when exited
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_, stderr_path_;
};

// Runs a command to completion; returns exit code and captured output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                   const std::map<std::string, std::string>& env = {},
                                   const std::string& stdin_data = "");

// mkdtemp under $TMPDIR (or /tmp); removed by the caller (RemoveTree).
std::string MakeTempDir(const std::string& prefix = "joinguard-test-");
void RemoveTree(const std::string& path);
// Every file, symlink and other non-directory under `root`, relative to it and sorted: what a
// test checks was (or was not) written.
std::vector<std::string> FilesUnder(const std::string& root);

}  // namespace joinguard::testing
