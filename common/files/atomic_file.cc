#include "common/files/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace joinguard::files {
namespace {

Status ErrnoStatus(int err, const std::string& what, const std::string& path) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(msg + "; check the permissions of the file and its directory");
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(msg + "; free some disk space");
    case EEXIST:
      return AlreadyExistsError(msg);
    case ENOTDIR:
    case EISDIR:
      return FailedPreconditionError(msg);
    default:
      return InternalError(msg);
  }
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "opening directory", dir);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) return ErrnoStatus(errno, "syncing directory", dir);
  return OkStatus();
}

}  // namespace

Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return InvalidArgumentError("MakeDirs: empty path");
  std::vector<std::string> to_create;
  std::string current = path;
  while (!current.empty() && current.back() == '/' && current.size() > 1) current.pop_back();
  // Walk up until an existing ancestor is found.
  for (;;) {
    struct stat st {};
    if (::stat(current.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return FailedPreconditionError(current + " exists and is not a directory");
      }
      break;
    }
    if (errno != ENOENT) return ErrnoStatus(errno, "checking", current);
    to_create.push_back(current);
    std::string parent = ParentDir(current);
    if (parent == current) break;
    current = parent;
  }
  for (auto it = to_create.rbegin(); it != to_create.rend(); ++it) {
    if (::mkdir(it->c_str(), mode) != 0) {
      if (errno == EEXIST) {
        struct stat st {};
        if (::stat(it->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;  // lost a race: fine
        return FailedPreconditionError(*it + " exists and is not a directory");
      }
      return ErrnoStatus(errno, "creating directory", *it);
    }
    // Exact mode, independent of the umask.
    if (::chmod(it->c_str(), mode) != 0) return ErrnoStatus(errno, "setting mode of", *it);
  }
  return OkStatus();
}

Status WriteFileAtomic(const std::string& path, std::string_view contents, mode_t mode, bool create_parents) {
  if (path.empty() || path.back() == '/') {
    return InvalidArgumentError("WriteFileAtomic: " + path + " is not a file path");
  }
  const std::string dir = ParentDir(path);
  if (create_parents) JG_RETURN_IF_ERROR(MakeDirs(dir, 0755));
  const std::string base =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string tmp = (dir == "/" ? std::string("/") : dir + "/") + "." + base + ".tmp-XXXXXX";
  // mkstemp creates the file 0600; the final mode is applied before any byte is written.
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "creating a temporary file in", dir);

  auto fail = [&](Status s) {
    ::close(fd.Release());
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd.get(), mode) != 0) return fail(ErrnoStatus(errno, "setting mode of", tmp));
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrnoStatus(errno, "writing", tmp));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail(ErrnoStatus(errno, "syncing", tmp));
  if (::close(fd.Release()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "closing", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "renaming the temporary file to", path);
  }
  return SyncDir(dir);
}

StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "opening", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "checking", path);
  if (S_ISDIR(st.st_mode)) return FailedPreconditionError("reading " + path + ": is a directory");
  if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) > max_bytes) {
    return ResourceExhaustedError("reading " + path + ": file is " + std::to_string(st.st_size) +
                                  " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "reading", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return ResourceExhaustedError("reading " + path + ": more than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace joinguard::files
