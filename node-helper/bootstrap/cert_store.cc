#include "node-helper/bootstrap/cert_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/crypto/cert.h"
#include "common/files/atomic_file.h"

namespace joinguard::node::bootstrap {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return InternalError(what + " \"" + path + "\": " + std::strerror(errno));
}

// 0 = missing, 1 = symlink, 2 = something else. -1 with errno on failure.
int LinkState(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT ? 0 : -1;
  return S_ISLNK(st.st_mode) ? 1 : 2;
}

}  // namespace

std::string CertStore::PairPath(std::chrono::system_clock::time_point t) const {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm);
  return dir_ + "/" + prefix_ + "-" + buf + ".pem";
}

StatusOr<std::string> CertStore::Update(const std::string& cert_chain_pem, const std::string& key_pem) {
  auto certs = crypto::ParseCertificatesPem(cert_chain_pem);
  if (!certs.ok())
    return InvalidArgumentError("the issued certificate is not valid PEM: " + certs.status().message());
  std::string content;
  for (const auto& c : *certs) content += c.ToPem();
  content += key_pem;
  const std::string path = PairPath(clock_.Now());
  JG_RETURN_IF_ERROR(files::MakeDirs(dir_, 0755));
  JG_RETURN_IF_ERROR(files::WriteFileAtomic(path, content, 0600));
  JG_RETURN_IF_ERROR(UpdateSymlink(path));
  return path;
}

Status CertStore::UpdateSymlink(const std::string& filename) {
  const std::string current = CurrentPath();
  const std::string updated = UpdatedPath();
  int cur = LinkState(current);
  if (cur < 0) return Errno("cannot stat", current);
  if (cur == 2)
    return FailedPreconditionError("expected \"" + current + "\" to be a symlink but it is a file");
  int upd = LinkState(updated);
  if (upd < 0) return Errno("cannot stat", updated);
  if (upd == 2)
    return FailedPreconditionError("expected \"" + updated + "\" to be a symlink but it is a file");
  bool updated_ok = false;
  if (upd == 1) {
    char target[4096];
    ssize_t n = readlink(updated.c_str(), target, sizeof(target) - 1);
    if (n < 0) return Errno("cannot read link", updated);
    if (std::string(target, static_cast<size_t>(n)) == filename) {
      updated_ok = true;
    } else if (unlink(updated.c_str()) != 0) {
      return Errno("cannot remove", updated);
    }
  }
  if (!updated_ok && symlink(filename.c_str(), updated.c_str()) != 0)
    return Errno("cannot create symlink", updated);
  if (cur == 1 && unlink(current.c_str()) != 0) return Errno("cannot remove", current);
  if (rename(updated.c_str(), current.c_str()) != 0) return Errno("cannot rename to", current);
  return OkStatus();
}

Status CertStore::Recover() {
  if (LinkState(CurrentPath()) == 0 && LinkState(UpdatedPath()) == 1) {
    if (rename(UpdatedPath().c_str(), CurrentPath().c_str()) != 0)
      return Errno("cannot rename to", CurrentPath());
  }
  return OkStatus();
}

}  // namespace joinguard::node::bootstrap
