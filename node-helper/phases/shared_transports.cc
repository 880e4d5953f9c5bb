#include "node-helper/phases/shared_transports.h"

namespace joinguard::node::phases {
namespace {

class ForwardingTransport final : public kube::HttpTransport {
 public:
  explicit ForwardingTransport(std::shared_ptr<kube::HttpTransport> shared) : shared_(std::move(shared)) {}
  StatusOr<kube::HttpResponse> Do(const kube::HttpRequest& request, std::stop_token stop) override {
    return shared_->Do(request, std::move(stop));
  }
  StatusOr<kube::HttpResponse> Stream(const kube::HttpRequest& request, const kube::LineCallback& on_line,
                                      std::stop_token stop) override {
    return shared_->Stream(request, on_line, std::move(stop));
  }

 private:
  const std::shared_ptr<kube::HttpTransport> shared_;
};

}  // namespace

StatusOr<std::unique_ptr<kube::HttpTransport>> SharedTransports::For(const kube::TransportConfig& config) {
  Key key{config.server, config.ca_pem, config.client_cert_pem, config.client_key_pem,
          config.insecure_skip_tls_verify};
  std::lock_guard<std::mutex> l(mu_);
  auto it = shared_.find(key);
  if (it == shared_.end()) {
    JG_ASSIGN_OR_RETURN(std::unique_ptr<kube::HttpTransport> made, make_(config));
    it = shared_.emplace(std::move(key), std::shared_ptr<kube::HttpTransport>(std::move(made))).first;
  }
  return std::unique_ptr<kube::HttpTransport>(new ForwardingTransport(it->second));
}

size_t SharedTransports::built() const {
  std::lock_guard<std::mutex> l(mu_);
  return shared_.size();
}

}  // namespace joinguard::node::phases
