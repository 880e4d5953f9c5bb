#include "tests/sandbox/server/csr_parse_cache.h"

#include "common/crypto/encoding.h"

namespace joinguard::sandbox {

// Keys are SHA-256 digests of the request text: 32 bytes instead of the ~0.7 KiB request, and
// equal digests mean equal requests.
void CsrParseCache::Put(std::string_view request_b64, std::shared_ptr<const crypto::ParsedCsr> parsed) {
  if (capacity_ == 0 || !parsed) return;
  std::string key = crypto::Sha256(request_b64);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.parsed = std::move(parsed);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(std::move(key), Entry{std::move(parsed), std::prev(order_.end())});
}

std::shared_ptr<const crypto::ParsedCsr> CsrParseCache::Take(std::string_view request_b64) {
  const std::string key = crypto::Sha256(request_b64);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  std::shared_ptr<const crypto::ParsedCsr> parsed = std::move(it->second.parsed);
  order_.erase(it->second.age);
  entries_.erase(it);
  return parsed;
}

size_t CsrParseCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace joinguard::sandbox
