// The PKCS#10 parse of recently created kubelet CSRs, handed from the create strategy (which
// parses and verifies every request) to the sandbox's signer, which would otherwise parse and
// verify the same request a second time. Upstream the two run in different processes
// (kube-apiserver's validation, kube-controller-manager's pkg/controller/certificates/signer) and
// each must parse; here they share one process. Thread-safe; bounded.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/crypto/csr.h"

namespace joinguard::sandbox {

class CsrParseCache {
 public:
  // About 1 KiB per entry (the parse keeps the request's DER): a storm of 10,000 pending kubelet
  // CSRs fits, and the cache never holds more than about 16 MiB.
  static constexpr size_t kDefaultCapacity = 16384;

  explicit CsrParseCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Keeps the parse of `request_b64` (a CSR's spec.request as stored); the oldest entry goes
  // when the cache is full.
  void Put(std::string_view request_b64, std::shared_ptr<const crypto::ParsedCsr> parsed);
  // The parse of exactly these request bytes, removed from the cache (a CSR is signed once);
  // nullptr when it is not (or no longer) cached: parse it then.
  std::shared_ptr<const crypto::ParsedCsr> Take(std::string_view request_b64);
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const crypto::ParsedCsr> parsed;
    std::list<std::string>::iterator age;  // position in order_
  };
  const size_t capacity_;
  mutable std::mutex mu_;                           // guards entries_ and order_
  std::unordered_map<std::string, Entry> entries_;  // SHA-256(spec.request) → parse
  std::list<std::string> order_;                    // keys, oldest first
};

}  // namespace joinguard::sandbox
