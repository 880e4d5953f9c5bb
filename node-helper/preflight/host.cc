#include "node-helper/preflight/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/text/ascii.h"

namespace joinguard::node::preflight {
namespace {

// PATH when the environment has none (Go's os/exec uses the process environment only; this is
// the usual Debian default).
constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Go's syscall.Errno texts are strerror(3) with a lower-case first letter.
std::string ErrnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = text::AsciiLower(s[0]);
  return s;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class RealHost : public Host {
 public:
  explicit RealHost(std::string root) : root_(std::move(root)) {
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
  }

  std::string Display(const std::string& absolute) const override { return root_ + absolute; }
  bool IsRealRoot() const override { return root_.empty(); }

  bool Exists(const std::string& absolute) const override {
    struct stat st {};
    return lstat(Display(absolute).c_str(), &st) == 0;
  }

  StatusOr<std::string> ReadFile(const std::string& absolute, size_t limit) const override {
    const std::string path = Display(absolute);
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      std::string why = "open " + path + ": " + ErrnoText(errno);
      return errno == ENOENT ? NotFoundError(why) : UnavailableError(why);
    }
    std::string out;
    char buf[4096];
    while (out.size() < limit) {
      ssize_t n = read(fd.get(), buf, std::min(sizeof buf, limit - out.size()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return DataLossError("read " + path + ": " + ErrnoText(errno));
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  StatusOr<bool> IsEmptyDir(const std::string& absolute) const override {
    const std::string path = Display(absolute);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      std::string why = "stat " + path + ": " + ErrnoText(errno);
      return errno == ENOENT ? NotFoundError(why) : UnavailableError(why);
    }
    if (!S_ISDIR(st.st_mode)) return false;
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return UnavailableError("open " + path + ": " + ErrnoText(errno));
    bool empty = true;
    while (dirent* e = readdir(dir)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        empty = false;
        break;
      }
    }
    closedir(dir);
    return empty;
  }

  Status DialUnix(const std::string& absolute) const override {
    const std::string path = Display(absolute);
    const std::string prefix = "dial unix " + path + ": connect: ";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) return UnavailableError(prefix + ErrnoText(EINVAL));
    std::memcpy(addr.sun_path, path.data(), path.size());
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return UnavailableError("dial unix " + path + ": socket: " + ErrnoText(errno));
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return UnavailableError(prefix + ErrnoText(errno));
    }
    return OkStatus();
  }

  Status ListenTcp(int port) const override {
    // Go's net.Listen("tcp", ":port"): a dual-stack [::] socket, IPv4 when there is no IPv6.
    int raw = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool v6 = raw >= 0;
    if (!v6) raw = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    Fd fd(raw);
    if (fd.get() < 0) return UnavailableError("socket: " + ErrnoText(errno));
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (v6) {
      int zero = 0;
      setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      a.sin6_addr = in6addr_any;
      rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc == 0) rc = listen(fd.get(), 1);
    if (rc != 0) return UnavailableError("listen tcp :" + std::to_string(port) + ": " + ErrnoText(errno));
    return OkStatus();
  }

  StatusOr<std::string> LookPath(const std::string& program) const override {
    auto executable = [this](const std::string& absolute) {
      struct stat st {};
      const std::string p = Display(absolute);
      return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
    };
    if (program.find('/') != std::string::npos) {
      if (executable(program)) return Display(program);
    } else {
      const char* env = std::getenv("PATH");
      std::istringstream dirs(env != nullptr ? env : kDefaultPath);
      std::string dir;
      while (std::getline(dirs, dir, ':')) {
        if (dir.empty() || dir[0] != '/') continue;  // relative PATH entries are not looked at
        const std::string candidate = dir + "/" + program;
        if (executable(candidate)) return Display(candidate);
      }
    }
    return NotFoundError("exec: \"" + program + "\": executable file not found in $PATH");
  }

  StatusOr<std::string> Output(const std::vector<std::string>& argv) const override {
    if (argv.empty()) return InvalidArgumentError("no program to run");
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) return UnavailableError("pipe: " + ErrnoText(errno));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
      close(pipefd[0]);
      close(pipefd[1]);
      return UnavailableError("fork: " + ErrnoText(errno));
    }
    if (pid == 0) {
      // The join blocks its termination signals in every thread; the child must not inherit that.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      dup2(pipefd[1], STDOUT_FILENO);
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDERR_FILENO);
      }
      execv(args[0], args.data());
      _exit(127);
    }
    close(pipefd[1]);
    Fd out(pipefd[0]);
    std::string data;
    bool timed_out = false;
    const auto deadline = std::chrono::steady_clock::now() + kProgramDeadline;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      pollfd p{out.get(), POLLIN, 0};
      int rc = poll(&p, 1, static_cast<int>(left.count()));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) {
        timed_out = rc == 0;
        break;
      }
      char buf[4096];
      ssize_t n = read(out.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (data.size() < kProgramOutputLimit) data.append(buf, static_cast<size_t>(n));
    }
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
      return DeadlineExceededError("signal: killed (no answer within " +
                                   std::to_string(kProgramDeadline.count()) + "s)");
    }
    if (WIFSIGNALED(status)) return UnavailableError("signal: " + std::string(strsignal(WTERMSIG(status))));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      return UnavailableError("exit status " + std::to_string(WEXITSTATUS(status)));
    }
    return data;
  }

  bool IsPrivileged() const override { return getuid() == 0; }

  std::optional<std::string> Getenv(const std::string& name) const override {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }

 private:
  std::string root_;  // no trailing '/'; "" = the machine's own root
};

}  // namespace

std::unique_ptr<Host> NewHost(std::string root) { return std::make_unique<RealHost>(std::move(root)); }

}  // namespace joinguard::node::preflight
