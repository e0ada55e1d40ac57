#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests that need a registry, token
// server or web server that misbehaves on purpose. One request per
// connection; the handler writes the answer, whole or in pieces, and may
// stop halfway to simulate a dropped connection.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mini::test {

struct ServerRequest {
  std::string method;
  std::string path;                            // without the query
  std::string query;                           // after '?', still encoded
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& lower_case_name) const;
  // Every value of `name` in the query, decoded.
  std::vector<std::string> query_values(const std::string& name) const;
};

class ServerReply {
 public:
  explicit ServerReply(int fd) : fd_(fd) {}
  // A complete answer with Content-Length.
  void send(int status, std::string_view body, const std::map<std::string, std::string>& headers = {});
  // The status line and headers only; the body follows with write().
  void head(int status, const std::map<std::string, std::string>& headers);
  // False once the client has gone.
  bool write(std::string_view bytes);

 private:
  int fd_;
};

class TestHttpServer {
 public:
  using Handler = std::function<void(const ServerRequest&, ServerReply&)>;
  explicit TestHttpServer(Handler handler);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void accept_loop();
  void serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

// Base64 (standard alphabet, padded) and its URL-safe unpadded variant.
std::string base64(std::string_view data);
std::string base64url(std::string_view data);
std::string base64_decode(std::string_view text);

}  // namespace mini::test
