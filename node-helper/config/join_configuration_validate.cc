// kubeadm's ValidateJoinConfiguration (kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/validation/validation.go): every error as field.ErrorList prints
// it ("<path>: Invalid value: ...", several aggregated as "[a, b]"), token values redacted.
#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>

#include "common/crypto/token.h"
#include "common/net/host_port.h"
#include "node-helper/config/go_hex.h"
#include "node-helper/config/join_configuration.h"

namespace joinguard::node::config {

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string FieldInvalid(const std::string& path, std::string_view value, std::string_view detail) {
  return path + ": Invalid value: " + Quote(value) + ": " + std::string(detail);
}

// kubeadm's ValidateToken, but the rejected value is redacted: it may be a real secret.
void ValidateToken(const std::string& token, const std::string& path, std::vector<std::string>* errs) {
  if (!crypto::IsValidBootstrapToken(token)) {
    errs->push_back(FieldInvalid(path, token.empty() ? "" : crypto::RedactToken(token),
                                 "the bootstrap token is invalid"));
  }
}

bool HasUrlScheme(std::string_view s, std::string* scheme) {
  // url.Parse: a scheme is [A-Za-z][A-Za-z0-9+.-]* followed by ':'.
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  *scheme = std::string(s.substr(0, colon));
  std::transform(scheme->begin(), scheme->end(), scheme->begin(), ::tolower);
  return true;
}

// ValidateJoinControlPlane.
void ValidateJoinControlPlane(const JoinControlPlane& cp, std::vector<std::string>* errs) {
  const std::string ep = "controlPlane.localAPIEndpoint";
  unsigned char buf[16];
  if (inet_pton(AF_INET, cp.advertise_address.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, cp.advertise_address.c_str(), buf) != 1) {
    errs->push_back(FieldInvalid(ep + ".advertiseAddress", cp.advertise_address, "ip address is not valid"));
  }
  if (!net::ParsePort(std::to_string(cp.bind_port)).ok()) {  // ValidatePort
    errs->push_back(ep + ".bindPort: Invalid value: " + std::to_string(cp.bind_port) +
                    ": port number is not valid");
  }
  if (!cp.certificate_key.empty()) {
    auto key = DecodeHexGo(cp.certificate_key);
    // The key is a secret: its value is not echoed.
    if (!key.ok()) {
      errs->push_back(FieldInvalid("controlPlane.certificateKey", "<redacted>",
                                   "certificate key decoding error: " + key.status().message()));
    } else if (key->size() != 32) {
      errs->push_back(FieldInvalid("controlPlane.certificateKey", "<redacted>",
                                   "invalid certificate key size " + std::to_string(key->size()) +
                                       ", the key must be an AES key of size 32"));
    }
  }
}

}  // namespace

Status Validate(const JoinConfiguration& cfg) {
  std::vector<std::string> errs;
  const auto& d = cfg.discovery;
  if (!d.bootstrap_token && !d.file)
    errs.push_back(FieldInvalid("discovery", "", "bootstrapToken or file must be set"));
  if (d.bootstrap_token && d.file)
    errs.push_back(FieldInvalid("discovery", "", "bootstrapToken and file cannot both be set"));
  if (d.bootstrap_token) {
    const auto& b = *d.bootstrap_token;
    const std::string path = "discovery.bootstrapToken";
    if (b.api_server_endpoint.empty())
      errs.push_back(path + ": Required value: APIServerEndpoint is not set");
    if (b.ca_cert_hashes.empty() && !b.unsafe_skip_ca_verification) {
      errs.push_back(FieldInvalid(path, "",
                                  "using token-based discovery without caCertHashes can be unsafe. Set "
                                  "unsafeSkipCAVerification as true in your kubeadm config file or pass "
                                  "--discovery-token-unsafe-skip-ca-verification flag to continue"));
    }
    ValidateToken(b.token, path + ".token", &errs);
    if (!b.api_server_endpoint.empty()) {
      Status s = net::SplitHostPort(b.api_server_endpoint, nullptr, nullptr);
      if (!s.ok())
        errs.push_back(FieldInvalid(path + ".apiServerEndpoints", b.api_server_endpoint, s.message()));
    }
    ValidateToken(d.tls_bootstrap_token, "discovery.tlsBootstrapToken", &errs);
  }
  if (d.file) {
    const std::string& p = d.file->kubeconfig_path;
    const std::string path = "discovery.file.kubeConfigPath";
    std::string scheme;
    if (!HasUrlScheme(p, &scheme)) {
      std::error_code ec;
      if (!std::filesystem::exists(p, ec))
        errs.push_back(FieldInvalid(path, p, "not a valid HTTPS URL or a file on disk"));
    } else if (scheme != "https") {
      errs.push_back(FieldInvalid(path, p, "if a URL is used, the scheme must be https"));
    }
    if (!d.tls_bootstrap_token.empty())
      ValidateToken(d.tls_bootstrap_token, "discovery.tlsBootstrapToken", &errs);
  }
  if (cfg.control_plane) ValidateJoinControlPlane(*cfg.control_plane, &errs);
  if (errs.empty()) return OkStatus();
  std::string msg;
  if (errs.size() == 1) {
    msg = errs[0];
  } else {
    msg = "[";
    for (size_t i = 0; i < errs.size(); ++i) msg += (i ? ", " : "") + errs[i];
    msg += "]";
  }
  return InvalidArgumentError(msg).WithReason("ValidationError");
}

}  // namespace joinguard::node::config
