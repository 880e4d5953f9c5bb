#include "node-helper/controlplane/certs.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/files/atomic_file.h"
#include "common/net/host_port.h"
#include "node-helper/config/apimachinery_validation.h"

namespace joinguard::node::controlplane {
namespace {

constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

// RFC 1123 DNS name or a wildcard of one (apimachinery validation.IsDNS1123Subdomain /
// IsWildcardDNS1123Subdomain, as kubeadm's certSAN filter); the length limit is the whole value's.
bool IsDnsName(const std::string& s) {
  constexpr std::string_view kWildcardPrefix = "*.";
  constexpr size_t kMaxLength = 253;
  if (s.size() > kMaxLength) return false;
  std::string_view name = s;
  if (name.rfind(kWildcardPrefix, 0) == 0) name.remove_prefix(kWildcardPrefix.size());
  return !name.empty() && config::Dns1123SubdomainErrors(name).empty();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

LeafSpec Finish(LeafSpec spec) {
  std::set<std::string> dns(spec.dns_names.begin(), spec.dns_names.end());
  spec.dns_names.assign(dns.begin(), dns.end());
  std::vector<std::string> ips;
  for (const auto& ip : spec.ip_addresses) AddUnique(&ips, ip);
  spec.ip_addresses = std::move(ips);
  return spec;
}

void AddSans(const std::vector<std::string>& sans, const std::string& what, LeafSpec* spec,
             std::vector<std::string>* warnings) {
  for (const auto& san : sans) {
    if (IsIpAddress(san)) {
      spec->ip_addresses.push_back(san);
    } else if (IsDnsName(san)) {
      spec->dns_names.push_back(san);
    } else if (warnings != nullptr) {
      warnings->push_back("'" + san + "' was not added to the '" + what +
                          "' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry");
    }
  }
}

Status WriteTracked(const CertWriter& w, const std::string& path, const std::string& content, mode_t mode) {
  if (w.before_create) w.before_create(path);
  return files::WriteFileAtomic(path, content, mode);
}

// writeCertificateFilesIfNotExist: reuse only a pair that verifies and covers the SANs.
Status ValidateExisting(const LeafSpec& spec, const CertAndKey& ca, const CertWriter& w) {
  auto existing = LoadCertAndKey(w.pki_dir, spec.base);
  if (!existing.ok()) return existing.status();
  if (!crypto::VerifyCertificate(existing->cert, {ca.cert}, {}, w.now).ok()) {
    return FailedPreconditionError("certificate " + spec.name + " is not signed by corresponding CA");
  }
  auto dns = existing->cert.DnsNames();
  auto ips = existing->cert.IpAddresses();
  for (const auto& d : spec.dns_names) {
    if (std::find(dns.begin(), dns.end(), d) == dns.end()) {
      return FailedPreconditionError("certificate " + spec.name +
                                     " is invalid: x509: certificate is valid for " +
                                     (dns.empty() ? std::string("no names") : dns.front()) + ", not " + d);
    }
  }
  for (const auto& ip : spec.ip_addresses) {
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) {
      return FailedPreconditionError("certificate " + spec.name +
                                     " is invalid: x509: certificate is not valid for IP " + ip);
    }
  }
  return OkStatus();
}

}  // namespace

bool IsIpAddress(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

StatusOr<std::string> FirstServiceIp(const std::string& service_subnet) {
  std::string cidr = service_subnet.substr(0, service_subnet.find(','));
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return InvalidArgumentError("invalid service subnet " + cidr);
  std::string addr = cidr.substr(0, slash);
  // The prefix length is decimal digits only and fits an int; anything else is refused below
  // (std::from_chars never overflows, unlike atoi).
  int bits = -1;
  const char* const bits_end = cidr.data() + cidr.size();
  if (auto [end, ec] = std::from_chars(cidr.data() + slash + 1, bits_end, bits);
      ec != std::errc() || end != bits_end) {
    bits = -1;
  }
  unsigned char buf[16] = {};
  int family = addr.find(':') == std::string::npos ? AF_INET : AF_INET6;
  const int len = family == AF_INET ? 4 : 16;
  if (inet_pton(family, addr.c_str(), buf) != 1 || bits < 0 || bits > len * 8) {
    return InvalidArgumentError("unable to get first IP address from the given CIDR: " + cidr);
  }
  for (int i = 0; i < len; ++i) {  // mask to the network address
    int keep = std::clamp(bits - i * 8, 0, 8);
    buf[i] &= static_cast<unsigned char>(0xff << (8 - keep));
  }
  for (int i = len - 1; i >= 0; --i) {  // + 1
    if (++buf[i] != 0) break;
  }
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, buf, out, sizeof out);
  return std::string(out);
}

StatusOr<crypto::KeyType> KeyTypeFor(const std::string& a) {
  if (a.empty() || a == "RSA-2048") return crypto::KeyType::kRsa2048;
  if (a == "RSA-3072") return crypto::KeyType::kRsa3072;
  if (a == "RSA-4096") return crypto::KeyType::kRsa4096;
  if (a == "ECDSA-P256") return crypto::KeyType::kEcdsaP256;
  if (a == "ECDSA-P384") return crypto::KeyType::kEcdsaP384;
  return InvalidArgumentError("unsupported encryptionAlgorithm \"" + a + "\"");
}

StatusOr<std::vector<LeafSpec>> ControlPlaneLeafSpecs(const ClusterConfiguration& cluster,
                                                      const std::string& node_name,
                                                      const std::string& advertise_address,
                                                      std::vector<std::string>* warnings) {
  std::vector<LeafSpec> out;
  LeafSpec api{"apiserver", "apiserver", "ca", "kube-apiserver", {}, {"server auth"}, {}, {}};
  api.dns_names = {node_name, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                   "kubernetes.default.svc." + cluster.dns_domain};
  JG_ASSIGN_OR_RETURN(std::string service_ip, FirstServiceIp(cluster.service_subnet));
  api.ip_addresses = {service_ip, advertise_address};
  if (!cluster.control_plane_endpoint.empty()) {
    const std::string host = net::HostOf(cluster.control_plane_endpoint);
    if (IsIpAddress(host)) {
      api.ip_addresses.push_back(host);
    } else {
      api.dns_names.push_back(host);
    }
  }
  AddSans(cluster.api_server.cert_sans, "apiserver", &api, warnings);
  out.push_back(Finish(api));
  out.push_back(Finish({"apiserver-kubelet-client",
                        "apiserver-kubelet-client",
                        "ca",
                        "kube-apiserver-kubelet-client",
                        {"kubeadm:cluster-admins"},
                        {"client auth"},
                        {},
                        {}}));
  out.push_back(Finish({"front-proxy-client",
                        "front-proxy-client",
                        "front-proxy-ca",
                        "front-proxy-client",
                        {},
                        {"client auth"},
                        {},
                        {}}));
  if (cluster.external_etcd) return out;
  auto etcd_cert = [&](const char* name, const char* base, const std::vector<std::string>& sans) {
    LeafSpec s{name,
               base,
               "etcd/ca",
               node_name,
               {},
               {"server auth", "client auth"},
               {node_name, "localhost"},
               {advertise_address, "127.0.0.1", "::1"}};
    AddSans(sans, name, &s, warnings);
    return Finish(s);
  };
  out.push_back(etcd_cert("etcd-server", "etcd/server", cluster.local_etcd.server_cert_sans));
  out.push_back(etcd_cert("etcd-peer", "etcd/peer", cluster.local_etcd.peer_cert_sans));
  out.push_back(Finish({"etcd-healthcheck-client",
                        "etcd/healthcheck-client",
                        "etcd/ca",
                        "kube-etcd-healthcheck-client",
                        {},
                        {"client auth"},
                        {},
                        {}}));
  out.push_back(Finish({"apiserver-etcd-client",
                        "apiserver-etcd-client",
                        "etcd/ca",
                        "kube-apiserver-etcd-client",
                        {},
                        {"client auth"},
                        {},
                        {}}));
  return out;
}

StatusOr<CertAndKey> LoadCertAndKey(const std::string& pki_dir, const std::string& base) {
  auto key_pem = files::ReadFile(pki_dir + "/" + base + ".key");
  if (!key_pem.ok()) return key_pem.status().Annotate("failure loading " + base + " key");
  auto key = crypto::PrivateKey::FromPem(*key_pem);
  if (!key.ok()) return key.status().Annotate("failure loading " + base + " key");
  auto cert_pem = files::ReadFile(pki_dir + "/" + base + ".crt");
  if (!cert_pem.ok()) return cert_pem.status().Annotate("failure loading " + base + " certificate");
  auto cert = crypto::Certificate::FromPem(*cert_pem);
  if (!cert.ok()) return cert.status().Annotate("failure loading " + base + " certificate");
  return CertAndKey{*std::move(cert), *std::move(key)};
}

Status WriteLeafCertificates(const std::vector<LeafSpec>& specs, const CertWriter& w) {
  for (const auto& spec : specs) {
    auto wrap = [&](const Status& s) {
      return Status(s.code(), "error creating PKI assets: failed to write or validate certificate \"" +
                                  spec.name + "\": " + s.message());
    };
    auto ca = LoadCertAndKey(w.pki_dir, spec.ca_base);
    if (!ca.ok()) return wrap(ca.status());
    if (!ca->cert.IsCa())
      return wrap(FailedPreconditionError("certificate \"" + spec.ca_base + "\" is not a CA"));
    const std::string crt = w.pki_dir + "/" + spec.base + ".crt";
    const std::string key = w.pki_dir + "/" + spec.base + ".key";
    if (Exists(crt) || Exists(key)) {
      Status s = ValidateExisting(spec, *ca, w);
      if (!s.ok()) return wrap(s);
      if (w.progress) w.progress("Using the existing \"" + spec.base + "\" certificate and key");
      continue;
    }
    if (w.progress) w.progress("Generating \"" + spec.base + "\" certificate and key");
    if (std::find(spec.ext_usages.begin(), spec.ext_usages.end(), "server auth") != spec.ext_usages.end() &&
        w.progress) {
      std::string dns, ips;
      for (const auto& d : spec.dns_names) dns += (dns.empty() ? "" : " ") + d;
      for (const auto& i : spec.ip_addresses) ips += (ips.empty() ? "" : " ") + i;
      w.progress(spec.base + " serving cert is signed for DNS names [" + dns + "] and IPs [" + ips + "]");
    }
    auto leaf_key = crypto::PrivateKey::Generate(w.key_type);
    if (!leaf_key.ok()) return wrap(leaf_key.status());
    crypto::CsrTemplate subject;
    for (const auto& o : spec.organizations) subject.subject.push_back({"O", o});
    subject.subject.push_back({"CN", spec.common_name});
    subject.dns_names = spec.dns_names;
    subject.ip_addresses = spec.ip_addresses;
    crypto::CertificateProfile profile;
    profile.validity = w.validity;
    profile.usages = {"digital signature", "key encipherment"};
    profile.usages.insert(profile.usages.end(), spec.ext_usages.begin(), spec.ext_usages.end());
    auto cert = crypto::IssueCertificate(*leaf_key, subject, ca->cert, ca->key, profile, w.now);
    if (!cert.ok()) return wrap(cert.status());
    auto key_pem = leaf_key->ToPem();
    if (!key_pem.ok()) return wrap(key_pem.status());
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(crt).parent_path(), ec);
    Status s = WriteTracked(w, key, *key_pem, kKeyMode);
    if (s.ok()) s = WriteTracked(w, crt, cert->ToPem(), kCertMode);
    if (!s.ok()) return wrap(s);
  }
  return OkStatus();
}

Status EnsureServiceAccountKey(const CertWriter& w) {
  const std::string key_path = w.pki_dir + "/sa.key";
  if (Exists(key_path)) {
    auto pem = files::ReadFile(key_path);
    if (!pem.ok() || !crypto::PrivateKey::FromPem(*pem).ok()) {
      return FailedPreconditionError("file sa.key existed but it could not be loaded properly");
    }
    if (w.progress) w.progress("Using the existing \"sa\" key");
    return OkStatus();
  }
  if (w.progress) w.progress("Generating \"sa\" key and public key");
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(w.key_type));
  JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
  JG_ASSIGN_OR_RETURN(auto pub_pem, crypto::PublicKeyPem(key.get()));
  JG_RETURN_IF_ERROR(WriteTracked(w, key_path, key_pem, kKeyMode));
  return WriteTracked(w, w.pki_dir + "/sa.pub", pub_pem, kKeyMode);
}

}  // namespace joinguard::node::controlplane
