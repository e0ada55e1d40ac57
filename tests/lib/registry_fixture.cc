#include "lib/registry_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace mini::test {

namespace {

using nlohmann::json;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

json read_json(const fs::path& path) { return json::parse(read_text(path)); }

void copy_blobs(const fs::path& from, const fs::path& to) {
  for (const auto& entry : fs::directory_iterator(from / "blobs" / "sha256")) {
    fs::path target = to / "blobs" / "sha256" / entry.path().filename();
    if (!fs::exists(target)) fs::copy_file(entry.path(), target);
  }
}

void write_blob(const fs::path& layout, const std::string& data) {
  std::ofstream(layout / "blobs" / "sha256" / sha256_hex(data), std::ios::binary) << data;
}

std::string registry_errors(const std::string& code, const std::string& message) {
  return json{{"errors", {{{"code", code}, {"message", message}}}}}.dump();
}

}  // namespace

// ---- LocalRegistry ----

LocalRegistry::LocalRegistry(const fs::path& dir, const std::optional<TokenAuthConfig>& auth) {
  port_ = free_port();
  fs::create_directories(dir / "data");
  std::ofstream config(dir / "registry.yml");
  config << "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            "storage:\n  filesystem:\n    rootdirectory: "
         << (dir / "data").string()
         << "\n"
            "http:\n  addr: 127.0.0.1:"
         << port_ << "\n";
  if (auth)
    config << "auth:\n  token:\n    realm: " << auth->realm << "\n    service: " << auth->service
           << "\n    issuer: " << auth->issuer << "\n    rootcertbundle: " << auth->root_cert.string() << "\n";
  config.close();
  std::string log = (dir / "registry.log").string(), config_path = (dir / "registry.yml").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out) ::dup2(fileno(out), 2);
    ::execlp("docker-registry", "docker-registry", "serve", config_path.c_str(), nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (accepts_connections(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("docker-registry exited at start: " + read_text(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("docker-registry did not start listening on port " + std::to_string(port_));
}

LocalRegistry::~LocalRegistry() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

// ---- TokenServer ----

TokenServer::TokenServer(const fs::path& dir, std::map<std::string, std::string> users, std::string public_prefix)
    : cert_(dir / "token.crt"), users_(std::move(users)), public_prefix_(std::move(public_prefix)) {
  fs::path key_path = dir / "token.key";
  Result made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                             "/CN=mini-test-token-issuer", "-keyout", key_path.string(), "-out", cert_.string()});
  if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.err);
  FILE* key_file = std::fopen(key_path.c_str(), "r");
  key_ = PEM_read_PrivateKey(key_file, nullptr, nullptr, nullptr);
  std::fclose(key_file);
  FILE* cert_file = std::fopen(cert_.c_str(), "r");
  X509* cert = PEM_read_X509(cert_file, nullptr, nullptr, nullptr);
  std::fclose(cert_file);
  if (!key_ || !cert) throw std::runtime_error("cannot load the token server's key or certificate");
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert, &der);
  cert_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  X509_free(cert);

  server_ = std::make_unique<TestHttpServer>([this](const ServerRequest& request, ServerReply& reply) {
    if (request.path != "/token") return reply.send(404, "");
    std::string subject;
    bool authenticated = false;
    std::string authorization = request.header("authorization");
    if (authorization.rfind("Basic ", 0) == 0) {
      std::string pair = base64_decode(authorization.substr(6));
      std::string user = pair.substr(0, pair.find(':')), password = pair.substr(pair.find(':') + 1);
      auto it = users_.find(user);
      if (it == users_.end() || it->second != password)
        return reply.send(401, json{{"details", "incorrect username or password"}}.dump(),
                          {{"Content-Type", "application/json"}});
      subject = user;
      authenticated = true;
    }
    std::string token = token_for(subject, request.query_values("scope"), authenticated);
    reply.send(200, json{{"token", token}, {"access_token", token}, {"expires_in", 300}}.dump(),
               {{"Content-Type", "application/json"}});
  });
}

TokenServer::~TokenServer() {
  server_.reset();
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

TokenAuthConfig TokenServer::config() const {
  return {server_->url() + "/token", "mini-test-registry", "mini-test-issuer", cert_};
}

std::string TokenServer::sign(const std::string& signing_input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string signature;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key_)) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) == 1) {
    signature.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                   reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    signature.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  return signature;
}

std::string TokenServer::token_for(const std::string& subject, const std::vector<std::string>& scopes,
                                   bool authenticated) const {
  json access = json::array();
  for (const auto& scope : scopes) {
    // repository:NAME:ACTION[,ACTION]
    size_t first = scope.find(':'), last = scope.rfind(':');
    if (first == std::string::npos || last == first) continue;
    std::string type = scope.substr(0, first), name = scope.substr(first + 1, last - first - 1);
    json actions = json::array();
    std::stringstream list(scope.substr(last + 1));
    for (std::string action; std::getline(list, action, ',');)
      if (authenticated || (action == "pull" && name.rfind(public_prefix_, 0) == 0)) actions.push_back(action);
    access.push_back({{"type", type}, {"name", name}, {"actions", actions}});
  }
  long now = static_cast<long>(std::time(nullptr));
  json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {base64(cert_der_)}}};
  json claims = {{"iss", "mini-test-issuer"},
                 {"sub", subject},
                 {"aud", "mini-test-registry"},
                 {"exp", now + 300},
                 {"nbf", now - 60},
                 {"iat", now},
                 {"jti", std::to_string(now) + "-" + std::to_string(std::rand())},
                 {"access", access}};
  std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  return input + "." + base64url(sign(input));
}

// ---- FakeRegistry ----

FakeRegistry::FakeRegistry(const fs::path& layout, std::string repository, std::string tag)
    : blobs_(layout / "blobs" / "sha256"), repository_(std::move(repository)), tag_(std::move(tag)) {
  json index = read_json(layout / "index.json");
  manifest_digest_ = index["manifests"][0]["digest"];
  manifest_type_ = index["manifests"][0]["mediaType"];
  json manifest = read_json(blobs_ / manifest_digest_.substr(7));
  for (const auto& layer : manifest["layers"]) layers_.push_back(layer["digest"]);
  server_ = std::make_unique<TestHttpServer>(
      [this](const ServerRequest& request, ServerReply& reply) { handle(request, reply); });
}

void FakeRegistry::handle(const ServerRequest& request, ServerReply& reply) {
  if (request.path.rfind("/storage/", 0) == 0) {
    ++redirected_gets;
    if (!request.header("authorization").empty()) ++leaked_authorization;
    return serve_blob(request.path.substr(9), request, reply);
  }
  if (request.path == "/token") {
    ++tokens_issued;
    return reply.send(200, json{{"token", "token-" + std::to_string(tokens_issued.load())}}.dump(),
                      {{"Content-Type", "application/json"}});
  }
  if (request.path.rfind("/v2/", 0) != 0) return reply.send(404, "");
  if (!basic_auth.empty() && request.header("authorization") != "Basic " + base64(basic_auth))
    return reply.send(401, registry_errors("UNAUTHORIZED", "authentication required"),
                      {{"WWW-Authenticate", "Basic realm=\"fake registry\""}, {"Content-Type", "application/json"}});
  std::string manifests = "/v2/" + repository_ + "/manifests/", blobs = "/v2/" + repository_ + "/blobs/";
  if (bearer_auth) {
    bool has_token = request.header("authorization").rfind("Bearer token-", 0) == 0;
    bool refused = reject_tokens_for_blobs && request.path.rfind(blobs, 0) == 0;
    if (!has_token || refused)
      return reply.send(401, registry_errors("UNAUTHORIZED", "authentication required"),
                        {{"WWW-Authenticate", "Bearer realm=\"" + server_->url() +
                                                  "/token\",service=\"fake\",scope=\"repository:" + repository_ +
                                                  ":pull\""},
                         {"Content-Type", "application/json"}});
  }
  if (request.path == "/v2/") return reply.send(200, "{}", {{"Content-Type", "application/json"}});

  if (request.path.rfind(manifests, 0) == 0) {
    ++manifest_gets;
    if (too_many_requests)
      return reply.send(429, registry_errors("TOOMANYREQUESTS", "rate limit exceeded"), {{"Retry-After", "42"}});
    if (service_unavailable)
      return reply.send(503, registry_errors("UNAVAILABLE", "down for maintenance"), {{"Retry-After", "120"}});
    if (server_error_first && !error_done_.exchange(true)) return reply.send(500, "");
    std::string reference = request.path.substr(manifests.size());
    if (reference != tag_ && reference != manifest_digest_)
      return reply.send(404, registry_errors("MANIFEST_UNKNOWN", "manifest unknown"));
    if (schema1)
      return reply.send(200, R"({"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]})",
                        {{"Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws"}});
    std::string body = read_text(blobs_ / manifest_digest_.substr(7));
    std::map<std::string, std::string> headers = {{"Content-Type", manifest_type_},
                                                  {"Docker-Content-Digest", manifest_digest_}};
    if (wrong_digest_header) headers["Docker-Content-Digest"] = "sha256:" + std::string(64, 'a');
    if (bad_json_manifest) {
      body = body.substr(0, body.size() / 2);
      headers.erase("Docker-Content-Digest");
    }
    if (html_manifest) {
      body = "<html><body>Please log in to the hotel Wi-Fi</body></html>";
      headers = {{"Content-Type", "text/html; charset=utf-8"}};
    }
    if (not_an_image) {
      json doc = json::parse(body);
      doc["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
      body = doc.dump();
      headers.erase("Docker-Content-Digest");
    }
    if (huge_manifest) {
      json doc = json::parse(body);
      doc["annotations"]["padding"] = std::string(5 << 20, 'x');
      body = doc.dump();
      headers.erase("Docker-Content-Digest");
    }
    if (cut_manifests) {
      headers["Content-Length"] = std::to_string(body.size());
      reply.head(200, headers);
      reply.write(std::string_view(body).substr(0, body.size() / 2));
      return;
    }
    return reply.send(200, body, headers);
  }
  if (request.path.rfind(blobs, 0) == 0) {
    std::string digest = request.path.substr(blobs.size());
    if (redirect_loop)
      return reply.send(307, "", {{"Location", server_->url() + request.path}});
    if (redirect_blobs)
      return reply.send(307, "",
                        {{"Location", "http://localhost:" + std::to_string(server_->port()) + "/storage/" + digest}});
    return serve_blob(digest, request, reply);
  }
  reply.send(404, registry_errors("NAME_UNKNOWN", "repository name not known to registry"));
}

void FakeRegistry::serve_blob(const std::string& digest, const ServerRequest& request, ServerReply& reply) {
  if (digest.rfind("sha256:", 0) != 0 || !fs::exists(blobs_ / digest.substr(7)))
    return reply.send(404, registry_errors("BLOB_UNKNOWN", "blob unknown to registry"));
  std::string data = read_text(blobs_ / digest.substr(7));
  bool layer = std::find(layers_.begin(), layers_.end(), digest) != layers_.end();
  if (!layer) {
    if (corrupt_config) data[data.size() / 2] ^= 0x01;
    return reply.send(200, data, {{"Content-Type", "application/octet-stream"}});
  }
  if (corrupt_layers) data[data.size() / 2] ^= 0x55;
  const size_t real_size = data.size();
  if (oversized_layers) data += std::string(4096, 'z');

  size_t start = 0;
  std::string range = request.header("range");
  if (range.rfind("bytes=", 0) == 0) start = std::stoull(range.substr(6));
  (start > 0 ? range_layer_gets : full_layer_gets)++;
  std::map<std::string, std::string> headers = {{"Content-Type", "application/octet-stream"},
                                                {"Content-Length", std::to_string(data.size() - start)}};
  if (start > 0)
    headers["Content-Range"] =
        "bytes " + std::to_string(start) + "-" + std::to_string(data.size() - 1) + "/" + std::to_string(data.size());
  reply.head(start > 0 ? 206 : 200, headers);
  size_t end = data.size();
  bool interrupt = (cut_first_layer_get || stall_first_layer_get) && start == 0 && !cut_done_.exchange(true);
  if (interrupt || truncate_layers || stall_layers) end = std::max(start, real_size / 2);
  for (size_t pos = start; pos < end; pos += 65536) {
    if (!reply.write(std::string_view(data).substr(pos, std::min<size_t>(65536, end - pos)))) return;
    if (throttle_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(throttle_ms.load()));
  }
  if ((interrupt && stall_first_layer_get) || stall_layers) std::this_thread::sleep_for(std::chrono::seconds(4));
}

// ---- layouts and skopeo ----

Result skopeo(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"skopeo", "--insecure-policy"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string layout_ref(const fs::path& layout) {
  return read_json(layout / "index.json")["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"];
}

Result push(const fs::path& layout, const std::string& destination, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"copy", "--dest-tls-verify=false"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("oci:" + layout.string() + ":" + layout_ref(layout));
  args.push_back("docker://" + destination);
  return skopeo(args);
}

void make_multiarch_layout(const fs::path& images, const fs::path& dir) {
  fs::create_directories(dir / "blobs" / "sha256");
  json manifests = json::array();
  for (const char* name : {"busybox-1.38.0-musl-amd64", "busybox-1.38.0-musl-arm64v8"}) {
    copy_blobs(images / name, dir);
    json entry = read_json(images / name / "index.json")["manifests"][0];
    entry.erase("annotations");
    manifests.push_back(entry);
  }
  std::string index =
      json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", manifests}}
          .dump();
  write_blob(dir, index);
  std::ofstream(dir / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  json top = {{"schemaVersion", 2},
              {"manifests",
               {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                 {"digest", "sha256:" + sha256_hex(index)},
                 {"size", index.size()},
                 {"annotations", {{"org.opencontainers.image.ref.name", "multi"}}}}}}};
  std::ofstream(dir / "index.json") << top.dump();
}

Result make_zstd_layout(const fs::path& images, const fs::path& dir) {
  fs::path source = images / "busybox-1.38.0-musl-amd64";
  return skopeo({"copy", "--dest-compress-format", "zstd", "oci:" + source.string() + ":" + layout_ref(source),
                 "oci:" + dir.string() + ":" + layout_ref(source)});
}

}  // namespace mini::test
