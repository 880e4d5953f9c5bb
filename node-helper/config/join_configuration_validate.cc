// kubeadm's ValidateJoinConfiguration (kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/validation/validation.go): discovery, nodeRegistration,
// controlPlane, caCertPath, in that order; every error as field.ErrorList prints it
// ("<path>: Invalid value: ...", several aggregated as "[a, b]"), token values redacted.
#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>

#include "common/crypto/encoding.h"
#include "common/crypto/token.h"
#include "common/net/host_port.h"
#include "node-helper/config/apimachinery_validation.h"
#include "node-helper/config/go_hex.h"
#include "node-helper/config/join_configuration.h"
#include "common/text/ascii.h"

namespace joinguard::node::config {
namespace {

// kubeadmapiv1.DefaultContainerRuntimeURLScheme on Linux.
constexpr std::string_view kCriSocketScheme = "unix";
constexpr std::string_view kCrtSuffix = ".crt";

std::string FieldInvalid(const std::string& path, std::string_view value, std::string_view detail) {
  return path + ": Invalid value: " + crypto::GoQuote(value) + ": " + std::string(detail);
}

std::string FieldRequired(const std::string& path, std::string_view detail) {
  return path + ": Required value: " + std::string(detail);
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
  *scheme = text::AsciiLower(s.substr(0, colon));
  return true;
}

// ValidateSocketPath: the CRI endpoint must be a URL with the "unix" scheme (dynamic defaulting
// has already turned a bare path into unix://<path>). url.Parse's failures are reported for the
// inputs it refuses before looking at the scheme: control characters, a leading ':', and a colon
// in the first path segment of a scheme-less reference.
void ValidateSocketPath(const std::string& socket, const std::string& path, std::vector<std::string>* errs) {
  if (socket.empty()) {
    errs->push_back(FieldInvalid(path, socket, "empty CRI socket"));
    return;
  }
  auto parse_error = [&](std::string_view why) {
    errs->push_back(FieldInvalid(
        path, socket, "URL parsing error: parse " + crypto::GoQuote(socket) + ": " + std::string(why)));
  };
  if (std::any_of(socket.begin(), socket.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return parse_error("net/url: invalid control character in URL");
  }
  if (socket.front() == ':') return parse_error("missing protocol scheme");
  std::string scheme;
  if (!HasUrlScheme(socket, &scheme)) {
    const size_t colon = socket.find(':');
    if (colon != std::string::npos && colon < socket.find('/')) {
      return parse_error("first path segment in URL cannot contain colon");
    }
  }
  if (scheme != kCriSocketScheme) {
    errs->push_back(FieldInvalid(path, socket,
                                 "only URL scheme " + crypto::GoQuote(kCriSocketScheme) +
                                     " is supported, got " + crypto::GoQuote(scheme)));
  }
}

// ValidateExtraArgs: every argument needs a name.
void ValidateExtraArgs(const std::vector<Arg>& args, const std::string& path,
                       std::vector<std::string>* errs) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].name.empty())
      errs->push_back(FieldInvalid(path, "index " + std::to_string(i), "argument has no name"));
  }
}

// ValidateImagePullPolicy: empty or one of corev1's three policies.
void ValidateImagePullPolicy(const std::string& policy, const std::string& path,
                             std::vector<std::string>* errs) {
  static constexpr std::string_view kPolicies[] = {"", "Always", "IfNotPresent", "Never"};
  if (std::find(std::begin(kPolicies), std::end(kPolicies), policy) == std::end(kPolicies)) {
    errs->push_back(FieldInvalid(path, policy, "invalid pull policy"));
  }
}

// ValidateNodeRegistrationOptions. Taints are not validated: kubeadm leaves that to the kubelet
// (--register-with-taints) and the API server (its validation.go has a TODO for it).
void ValidateNodeRegistration(const NodeRegistration& nr, std::vector<std::string>* errs) {
  const std::string path = "nodeRegistration";
  if (nr.name.empty()) {
    errs->push_back(FieldRequired(path,
                                  "--node-name or .nodeRegistration.name in the config file is a required "
                                  "value. It seems like this value "
                                  "couldn't be automatically detected in your environment, please specify "
                                  "the desired value using the CLI "
                                  "or config file."));
  } else {
    for (const auto& err : Dns1123SubdomainErrors(nr.name))
      errs->push_back(FieldInvalid(path + ".name", nr.name, err));
  }
  ValidateSocketPath(nr.cri_socket, path + ".criSocket", errs);
  ValidateExtraArgs(nr.kubelet_extra_args, path + ".kubeletExtraArgs", errs);
  ValidateImagePullPolicy(nr.image_pull_policy, path + ".imagePullPolicy", errs);
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
      errs.push_back(FieldInvalid(path + ".caCertHashes", "",
                                  "using token-based discovery without caCertHashes can be unsafe. Set "
                                  "unsafeSkipCAVerification as true in your kubeadm config file or pass "
                                  "--discovery-token-unsafe-skip-ca-verification flag to continue"));
    }
    ValidateToken(b.token, path + ".token", &errs);
    // ValidateDiscoveryTokenAPIServer runs even on an empty endpoint, as kubeadm's does.
    if (Status s = net::SplitHostPort(b.api_server_endpoint, nullptr, nullptr); !s.ok()) {
      errs.push_back(FieldInvalid(path + ".apiServerEndpoint", b.api_server_endpoint, s.message()));
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
  ValidateNodeRegistration(cfg.node_registration, &errs);
  if (cfg.control_plane) ValidateJoinControlPlane(*cfg.control_plane, &errs);
  // filepath.IsAbs and the ".crt" suffix; kubeadm's message names only the first.
  const std::string& ca = cfg.ca_cert_path;
  if (ca.empty() || ca.front() != '/' || ca.size() < kCrtSuffix.size() ||
      ca.compare(ca.size() - kCrtSuffix.size(), kCrtSuffix.size(), kCrtSuffix) != 0) {
    errs.push_back(FieldInvalid("caCertPath", ca, "the ca certificate path must be an absolute path"));
  }
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
