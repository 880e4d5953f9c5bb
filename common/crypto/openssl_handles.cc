#include "common/crypto/openssl_handles.h"

#include <openssl/err.h>

#include <string>

namespace joinguard::crypto {

Status OpenSslError(std::string_view context, StatusCode code) {
  std::string detail;
  const char* file = nullptr;
  int line = 0;
  const char* data = nullptr;
  int flags = 0;
  // Drain the whole queue so a stale error never leaks into an unrelated later call.
  for (unsigned long err = ERR_get_error_all(&file, &line, nullptr, &data, &flags); err != 0;
       err = ERR_get_error_all(&file, &line, nullptr, &data, &flags)) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!detail.empty()) detail += "; ";
    detail += buf;
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
      detail += " (";
      detail += data;
      detail += ")";
    }
  }
  if (detail.empty()) detail = "no detail from OpenSSL";
  return Status(code, std::string(context) + ": " + detail);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace joinguard::crypto
