#include "node-helper/bootstrap/csr_client.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/kube/api_error.h"

namespace joinguard::node::bootstrap {
namespace {

constexpr std::string_view kNodesGroup = "system:nodes";
constexpr std::string_view kNodeUserPrefix = "system:node:";

}  // namespace

std::vector<std::string> KubeletClientUsages(const crypto::PrivateKey& key) {
  std::vector<std::string> usages = {"digital signature", "client auth"};
  if (key.Info().algorithm == crypto::KeyAlgorithm::kRsa) usages.push_back("key encipherment");
  return usages;
}

StatusOr<CsrRequest> BuildNodeClientCsr(const crypto::PrivateKey& key, const std::string& node_name) {
  CsrRequest req;
  auto tmpl = crypto::CsrTemplate::ForKubeletClient(node_name);
  JG_ASSIGN_OR_RETURN(req.csr_pem, crypto::BuildCsrPem(key, tmpl));
  JG_ASSIGN_OR_RETURN(auto spki, key.PublicKeySpkiDer());
  req.usages = KubeletClientUsages(key);
  req.name = crypto::DigestedCsrName(spki, std::string(kNodeUserPrefix) + node_name,
                                     {std::string(kNodesGroup)}, req.usages);
  return req;
}

namespace {

Status EnsureCompatible(const kube::CertificateSigningRequest& existing, const CsrRequest& request,
                        const crypto::PrivateKey& key, std::chrono::system_clock::time_point now) {
  auto fail = [](const std::string& why) {
    return FailedPreconditionError("retrieved csr is not compatible: " + why);
  };
  auto theirs = crypto::ParsedCsr::FromPem(existing.spec.request);
  if (!theirs.ok()) return fail("unable to parse the existing request: " + theirs.status().message());
  auto ours = crypto::ParsedCsr::FromPem(request.csr_pem);
  if (!ours.ok()) return fail("unable to parse our request: " + ours.status().message());
  if (theirs->subject_rdns() != ours->subject_rdns()) return fail("csr subjects differ");
  if (!existing.spec.signer_name.empty() && existing.spec.signer_name != kKubeletClientSigner) {
    return fail("csr signerNames differ: " + existing.spec.signer_name);
  }
  auto spki = key.PublicKeySpkiDer();
  if (!spki.ok() || theirs->spki_der() != *spki || !theirs->signature_valid()) {
    return fail("the existing request was not signed by our private key");
  }
  if (!existing.status.certificate.empty()) {
    auto cert = crypto::Certificate::FromPem(existing.status.certificate);
    if (cert.ok() && cert->NotAfter() <= now) return fail("the issued certificate has expired");
  }
  return OkStatus();
}

}  // namespace

StatusOr<kube::CertificateSigningRequest> CreateCsr(kube::Client& client, const CsrRequest& request,
                                                    const crypto::PrivateKey& key,
                                                    std::chrono::system_clock::time_point now) {
  kube::CertificateSigningRequest csr;
  csr.metadata.name = request.name;
  csr.spec.request = request.csr_pem;
  csr.spec.signer_name = std::string(kKubeletClientSigner);
  csr.spec.usages = request.usages;
  auto created = client.Create(csr);
  if (created.ok()) return created;
  if (!kube::IsAlreadyExists(created.status())) {
    return Status(created.status().code(), "failed to create the certificate signing request \"" +
                                               request.name + "\": " + created.status().message())
        .WithReason(created.status().reason(), created.status().http_status());
  }
  auto existing = client.Get<kube::CertificateSigningRequest>("", request.name);
  if (!existing.ok()) {
    return Status(existing.status().code(), "cannot retrieve certificate signing request \"" + request.name +
                                                "\": " + existing.status().message());
  }
  JG_RETURN_IF_ERROR(EnsureCompatible(*existing, request, key, now));
  return existing;
}

StatusOr<std::optional<std::string>> EvaluateCsr(const kube::CertificateSigningRequest& csr,
                                                 const std::string& uid) {
  if (!uid.empty() && !csr.metadata.uid.empty() && csr.metadata.uid != uid) {
    return AbortedError("csr \"" + csr.metadata.name + "\" changed UIDs");
  }
  for (const auto& c : csr.status.conditions) {
    if (c.type == kube::kCsrDenied && c.status == "True") {
      return PermissionDeniedError("certificate signing request is denied, reason: " + c.reason +
                                   ", message: " + c.message)
          .WithReason("Denied");
    }
    if (c.type == kube::kCsrFailed && c.status == "True") {
      return FailedPreconditionError("certificate signing request failed, reason: " + c.reason +
                                     ", message: " + c.message)
          .WithReason("Failed");
    }
  }
  if (kube::IsApproved(csr) && !csr.status.certificate.empty()) {
    return std::optional<std::string>(csr.status.certificate);
  }
  return std::optional<std::string>();
}

namespace {

// Requests stop on `target` when the real-time deadline passes; destruction cancels it.
class Watchdog {
 public:
  Watchdog(std::stop_source target, std::chrono::steady_clock::time_point deadline)
      : thread_([target, deadline](std::stop_token own) mutable {
          std::mutex mu;
          std::condition_variable_any cv;
          std::unique_lock<std::mutex> l(mu);
          bool cancelled = cv.wait_until(l, own, deadline, [&own] { return own.stop_requested(); });
          if (!cancelled) target.request_stop();
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace

StatusOr<std::string> WaitForCertificate(kube::Client& client, const kube::CertificateSigningRequest& created,
                                         const runtime::Clock& clock, const WaitOptions& options) {
  const std::string& name = created.metadata.name;
  const std::string& uid = created.metadata.uid;
  const auto deadline = clock.MonotonicNow() + options.timeout;
  auto wait = options.wait ? options.wait : [](runtime::Duration d) { std::this_thread::sleep_for(d); };
  auto remaining = [&] {
    return std::chrono::duration_cast<runtime::Duration>(deadline - clock.MonotonicNow());
  };
  kube::ListOptions list_options;
  list_options.field_selector = "metadata.name=" + name;
  Status last = OkStatus();
  std::optional<std::string> issued;
  Status terminal = OkStatus();

  auto handle = [&](const kube::CertificateSigningRequest& csr) -> Status {
    auto state = EvaluateCsr(csr, uid);
    if (!state.ok()) {
      terminal = state.status();
      return terminal;
    }
    if (state->has_value()) {
      issued = **state;
      return CancelledError("issued");  // stops the watch
    }
    return OkStatus();
  };

  (void)handle(created);
  if (issued) return *issued;
  if (!terminal.ok()) return terminal;

  // The version to watch from: the created object's first, then each LIST's.
  std::string resource_version = created.metadata.resource_version;
  while (clock.MonotonicNow() < deadline) {
    const bool from_list = resource_version.empty();
    if (from_list) {
      auto list = client.List<kube::CertificateSigningRequest>("", list_options);
      if (!list.ok()) {
        last = list.status();
        wait(std::min(options.retry_interval, remaining()));
        continue;
      }
      if (list->items.empty()) {
        return NotFoundError("csr \"" + name + "\" was deleted");
      }
      (void)handle(list->items.front());
      if (issued) return *issued;
      if (!terminal.ok()) return terminal;
      resource_version = list->resource_version;
    }

    const auto seconds_left = std::chrono::duration_cast<std::chrono::seconds>(remaining());
    kube::ListOptions watch_options = list_options;
    watch_options.resource_version = resource_version;
    watch_options.timeout_seconds = static_cast<int>(std::clamp<int64_t>(seconds_left.count() + 1, 1, 300));
    resource_version.clear();  // whatever ends this watch, the next round re-lists
    std::stop_source stop;
    Watchdog watchdog(stop, std::chrono::steady_clock::now() +
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(remaining()));
    bool deleted = false;
    const auto watch_start = clock.MonotonicNow();
    Status w = client.Watch<kube::CertificateSigningRequest>(
        "", watch_options,
        [&](kube::WatchEventType type, const kube::CertificateSigningRequest& csr) -> Status {
          if (type == kube::WatchEventType::kDeleted) {
            deleted = true;
            return NotFoundError("csr \"" + name + "\" was deleted");
          }
          if (type == kube::WatchEventType::kBookmark) return OkStatus();
          return handle(csr);
        },
        stop.get_token());
    if (issued) return *issued;
    if (!terminal.ok()) return terminal;
    if (deleted) return NotFoundError("csr \"" + name + "\" was deleted");
    if (!w.ok() && w.code() != StatusCode::kCancelled && !kube::IsGone(w)) last = w;
    // A watch from a LIST's version that ended at once (error, or a server closing streams
    // early) must not turn this into a busy loop: pause like client-go's list retry before
    // listing again. The watch from the created version falls back to the LIST at once.
    if (from_list && clock.MonotonicNow() - watch_start < options.retry_interval &&
        clock.MonotonicNow() < deadline) {
      wait(std::min(options.retry_interval, remaining()));
    }
  }
  std::string msg = "timed out waiting for the certificate signing request \"" + name + "\" to be approved";
  if (!last.ok()) msg += " (last error: " + last.message() + ")";
  return DeadlineExceededError(msg);
}

}  // namespace joinguard::node::bootstrap
