// A plain HTTP/1.1 GET to 127.0.0.1:<port> for tests (health, metrics and Prometheus endpoints).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <string>

namespace joinguard::testing {

// The response body; *status is the HTTP status, or 0 when the request failed (the body is then
// the error's text). Bounded by a 10 s deadline.
inline std::string HttpGet(int port, const std::string& path, int* status) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<unsigned short>(port)));
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    *status = res.result_int();
    return res.body();
  } catch (const std::exception& e) {
    *status = 0;
    return e.what();
  }
}

}  // namespace joinguard::testing
