#include "controller/health_server.h"

namespace joinguard::controller {

StatusOr<std::unique_ptr<HealthServer>> HealthServer::Create(const std::string& address) {
  HttpServerOptions options;
  options.address = address;
  options.flag = "--health-address";
  return Create(std::move(options));
}

StatusOr<std::unique_ptr<HealthServer>> HealthServer::Create(HttpServerOptions options) {
  std::unique_ptr<HealthServer> s(new HealthServer());
  JG_ASSIGN_OR_RETURN(s->server_,
                      HttpServer::Create(std::move(options), [raw = s.get()](const std::string& path) {
                        return raw->Respond(path);
                      }));
  return s;
}

HealthServer::~HealthServer() { server_.reset(); }

void HealthServer::AddReadyCheck(std::string name, Check check) {
  std::lock_guard<std::mutex> l(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

void HealthServer::SetDetail(const std::string& key, const std::string& text) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = details_.begin(); it != details_.end(); ++it) {
    if (it->first == key) {
      if (text.empty())
        details_.erase(it);
      else
        it->second = text;
      return;
    }
  }
  if (!text.empty()) details_.emplace_back(key, text);
}

bool HealthServer::Ready(std::string* body) const {
  std::lock_guard<std::mutex> l(mu_);
  bool ok = true;
  std::string out;
  for (const auto& [name, check] : checks_) {
    Status s = check();
    if (s.ok()) {
      out += "[+]" + name + " ok\n";
    } else {
      ok = false;
      out += "[-]" + name + " failed: " + s.message() + "\n";
    }
  }
  for (const auto& [key, text] : details_) out += "[!]" + key + ": " + text + "\n";
  out += ok ? "readyz check passed\n" : "readyz check failed\n";
  if (body) *body = std::move(out);
  return ok;
}

HttpResponse HealthServer::Respond(const std::string& path) const {
  HttpResponse r;
  if (path == "/healthz" || path == "/livez") {
    r.body = "ok\n";
  } else if (path == "/readyz") {
    r.code = Ready(&r.body) ? 200 : 503;
  } else {
    r.code = 404;
    r.body = "not found\n";
  }
  return r;
}

}  // namespace joinguard::controller
