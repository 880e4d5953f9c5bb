#include "node-helper/preflight/kubelet_version.h"

#include <re2/re2.h>

#include <vector>

#include "common/crypto/encoding.h"
#include "common/text/ascii.h"

namespace joinguard::node::preflight {
namespace {

// utils.go kubeletVersionRegex (matched against the trimmed output).
const RE2& KubeletVersionRe() {
  static const RE2* re =
      new RE2(R"(\s*Kubernetes v((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-0-9a-zA-Z_\.+]*)?)\s*)");
  return *re;
}

// util/version ParseSemantic: MAJOR.MINOR.PATCH[-PRE][+BUILD], an optional leading "v".
const RE2& SemverRe() {
  static const RE2* re = new RE2(
      R"(v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)");
  return *re;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

bool Numeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Numbers bigger than int are refused by the pattern's callers (at most 9 digits kept).
constexpr size_t kMaxVersionDigits = 9;

}  // namespace

std::string Version::String() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!pre_release.empty()) s += "-" + pre_release;
  if (!build.empty()) s += "+" + build;
  return s;
}

StatusOr<Version> ParseSemanticVersion(std::string_view s) {
  std::string major, minor, patch, pre, build;
  const std::string text(s);
  if (!RE2::FullMatch(text, SemverRe(), &major, &minor, &patch, &pre, &build) ||
      major.size() > kMaxVersionDigits || minor.size() > kMaxVersionDigits ||
      patch.size() > kMaxVersionDigits) {
    return InvalidArgumentError("could not parse \"" + text + "\" as version");
  }
  Version v;
  v.major = std::stoi(major);
  v.minor = std::stoi(minor);
  v.patch = std::stoi(patch);
  v.pre_release = pre;
  v.build = build;
  return v;
}

bool VersionLess(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major;
  if (a.minor != b.minor) return a.minor < b.minor;
  if (a.patch != b.patch) return a.patch < b.patch;
  if (a.pre_release.empty() || b.pre_release.empty()) return !a.pre_release.empty() && b.pre_release.empty();
  auto pa = Split(a.pre_release, '.'), pb = Split(b.pre_release, '.');
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (pa[i] == pb[i]) continue;
    const bool na = Numeric(pa[i]), nb = Numeric(pb[i]);
    if (na && nb) return pa[i].size() != pb[i].size() ? pa[i].size() < pb[i].size() : pa[i] < pb[i];
    if (na != nb) return na;  // numeric identifiers sort first
    return pa[i] < pb[i];
  }
  return pa.size() < pb.size();
}

StatusOr<Version> GetKubeletVersion(const Host& host) {
  auto path = host.LookPath("kubelet");
  if (!path.ok())
    return Status(path.status().code(), "cannot execute 'kubelet --version': " + path.status().message());
  auto out = host.Output({*path, "--version"});
  if (!out.ok())
    return Status(out.status().code(), "cannot execute 'kubelet --version': " + out.status().message());
  const std::string clean(text::TrimAscii(*out));
  std::string version;
  if (!RE2::FullMatch(clean, KubeletVersionRe(), &version)) {
    return InvalidArgumentError("Unable to parse output from Kubelet: " + crypto::GoQuote(clean));
  }
  return ParseSemanticVersion(version);
}

std::optional<std::string> KubeletSkewProblem(const Version& kubelet, const Version& control_plane) {
  Version minimum;
  minimum.major = control_plane.major;
  minimum.minor = control_plane.minor >= kKubeletMinorSkew ? control_plane.minor - kKubeletMinorSkew : 0;
  if (VersionLess(kubelet, minimum)) {
    return "Kubelet version \"" + kubelet.String() +
           "\" is lower than kubeadm can support. Please upgrade kubelet";
  }
  if (kubelet.major > control_plane.major || kubelet.minor > control_plane.minor) {
    return "the kubelet version is higher than the control plane version. This is not a supported version "
           "skew "
           "and may lead to a malfunctional cluster. Kubelet version: \"" +
           kubelet.String() + "\" Control plane version: \"" + control_plane.String() + "\"";
  }
  return std::nullopt;
}

}  // namespace joinguard::node::preflight
