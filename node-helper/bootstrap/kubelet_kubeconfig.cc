#include "node-helper/bootstrap/kubelet_kubeconfig.h"

#include <sys/stat.h>

#include "common/crypto/cert.h"
#include "common/crypto/key.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"

namespace joinguard::node::bootstrap {

Status CheckKubeletKubeconfig(const std::string& path, std::chrono::system_clock::time_point now,
                              std::string* common_name) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 && lstat(path.c_str(), &st) != 0)
    return NotFoundError(path + " does not exist");
  auto fail = [&](const std::string& why) {
    return FailedPreconditionError(path + " is not usable: " + why);
  };
  auto kc = kube::LoadKubeconfigFile(path);
  if (!kc.ok()) return fail(kc.status().message());
  auto resolved = kube::Resolve(*kc);
  if (!resolved.ok()) return fail(resolved.status().message());
  std::string cert_pem = resolved->user.client_certificate_data;
  std::string key_pem = resolved->user.client_key_data;
  if (cert_pem.empty() && !resolved->user.client_certificate.empty()) {
    auto c = files::ReadFile(resolved->user.client_certificate);
    if (!c.ok()) return fail("cannot read client certificate: " + c.status().message());
    cert_pem = *c;
  }
  if (key_pem.empty() && !resolved->user.client_key.empty()) {
    auto k = files::ReadFile(resolved->user.client_key);
    if (!k.ok()) return fail("cannot read client key: " + k.status().message());
    key_pem = *k;
  }
  if (cert_pem.empty() || key_pem.empty()) return fail("it has no client certificate and key");
  auto certs = crypto::ParseCertificatesPem(cert_pem);
  if (!certs.ok()) return fail("no client certificate: " + certs.status().message());
  auto key = crypto::PrivateKey::FromPem(key_pem);
  if (!key.ok()) return fail("unreadable client key: " + key.status().message());
  for (const auto& c : *certs) {
    if (c.NotAfter() <= now) return fail("the client certificate has expired");
  }
  if (common_name != nullptr) *common_name = certs->front().CommonName();
  return OkStatus();
}

}  // namespace joinguard::node::bootstrap
