#include "tests/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace joinguard::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int DecodeWaitStatus(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

// Polling interval while waiting on another process: this is a bounded wait on an external
// condition (file content / child exit), not synchronisation by sleeping.
constexpr auto kPollInterval = std::chrono::milliseconds(20);

}  // namespace

StatusOr<pid_t> SpawnToFiles(const std::vector<std::string>& argv, const std::string& stdout_path,
                             const std::string& stderr_path, char* const* envp) {
  if (argv.empty()) return InvalidArgumentError("empty argv");
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& s : args) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), envp != nullptr ? envp : environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return InternalError("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const std::vector<std::string>& argv,
                                                        const std::string& log_dir,
                                                        const std::map<std::string, std::string>& env) {
  if (argv.empty()) return InvalidArgumentError("empty argv");
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  static std::atomic<int> counter{0};
  int n = counter++;
  std::string base = std::filesystem::path(argv[0]).filename().string();
  auto p = std::unique_ptr<Subprocess>(new Subprocess());
  p->stdout_path_ = log_dir + "/" + base + "." + std::to_string(n) + ".stdout";
  p->stderr_path_ = log_dir + "/" + base + "." + std::to_string(n) + ".stderr";

  std::map<std::string, std::string> full_env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) full_env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) full_env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : full_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  StatusOr<pid_t> pid = SpawnToFiles(argv, p->stdout_path_, p->stderr_path_, envp.data());
  if (!pid.ok()) return pid.status();
  p->pid_ = *pid;
  return p;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
}

bool Subprocess::Poll() {
  if (exit_code_) return true;
  int st;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    exit_code_ = DecodeWaitStatus(st);
    return true;
  }
  return false;
}

StatusOr<std::string> Subprocess::WaitForOutput(const std::string& needle,
                                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    bool exited = Poll();
    for (const std::string& text : {Stdout(), Stderr()}) {
      auto pos = text.find(needle);
      if (pos != std::string::npos) {
        auto start = text.rfind('\n', pos);
        start = start == std::string::npos ? 0 : start + 1;
        auto end = text.find('\n', pos);
        return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      }
    }
    if (exited) {
      return FailedPreconditionError("process exited with code " + std::to_string(*exit_code_) +
                                     " before printing \"" + needle + "\"; stderr: " + Stderr());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceededError("timed out waiting for \"" + needle + "\"; stderr: " + Stderr());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

StatusOr<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Poll()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceededError("process " + std::to_string(pid_) + " did not exit in time");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return *exit_code_;
}

void Subprocess::Signal(int sig) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
}

std::string Subprocess::Stdout() const { return ReadAll(stdout_path_); }
std::string Subprocess::Stderr() const { return ReadAll(stderr_path_); }

StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& stdin_data) {
  std::string dir = MakeTempDir("joinguard-cmd-");
  std::vector<std::string> args = argv;
  std::string stdin_path;
  if (!stdin_data.empty()) {
    stdin_path = dir + "/stdin";
    std::ofstream(stdin_path, std::ios::binary) << stdin_data;
    // Re-run through sh to redirect stdin without complicating Start().
    std::string cmd = "exec \"$0\" \"$@\" < '" + stdin_path + "'";
    args.insert(args.begin(), {"/bin/sh", "-c", cmd});
  }
  auto proc = Subprocess::Start(args, dir, env);
  if (!proc.ok()) {
    RemoveTree(dir);
    return proc.status();
  }
  auto code = (*proc)->Wait(timeout);
  CommandResult result;
  result.out = (*proc)->Stdout();
  result.err = (*proc)->Stderr();
  proc->reset();
  RemoveTree(dir);
  if (!code.ok()) return code.status().Annotate(argv[0]);
  result.exit_code = *code;
  return result;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) std::abort();
  return std::string(buf.data());
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    if (!it->is_directory(ec) || it->is_symlink(ec))
      out.push_back(it->path().lexically_relative(root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace joinguard::testing
