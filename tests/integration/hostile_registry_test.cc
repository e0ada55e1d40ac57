// mini pull against registries, token servers and web servers on 127.0.0.1
// that attack it: taking credentials, holding it with trickles and endless
// bodies, filling its disk, flooding the terminal, and lying about what a
// document is. Each test asserts on what the servers received, mini's wall
// time, memory and store, and the one line it printed.
#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lib/harness.h"
#include "lib/http_server.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

const std::string kRepo = "test/img";
const std::string kOciManifest = "application/vnd.oci.image.manifest.v1+json";
const std::string kOciIndex = "application/vnd.oci.image.index.v1+json";

std::string sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

// A one-file ustar archive: enough for a layer or a rootfs tarball.
std::string tar_with_file(const std::string& name, const std::string& content) {
  std::string header(512, '\0');
  auto put = [&](size_t offset, const std::string& text) { header.replace(offset, text.size(), text); };
  char octal[32];
  put(0, name);
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  std::snprintf(octal, sizeof octal, "%011lo", static_cast<unsigned long>(content.size()));
  put(124, octal);
  put(136, "00000000000");
  header[156] = '0';
  put(257, "ustar");
  put(263, "00");
  put(148, "        ");
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(octal, sizeof octal, "%06o", sum);
  put(148, octal);
  header[154] = '\0';
  header[155] = ' ';
  std::string body = content + std::string((512 - content.size() % 512) % 512, '\0');
  return header + body + std::string(1024, '\0');
}

std::string host_arch() {
  utsname name{};
  ::uname(&name);
  std::string machine = name.machine;
  return machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
}

// An image built here, layer by layer, so a test can make it as large or as
// many-layered as it needs.
struct Image {
  std::map<std::string, std::string> blobs;
  std::vector<std::string> layers;
  std::string config_digest, manifest, digest;
};

Image make_image(int layer_count, size_t payload = 16) {
  Image image;
  json layers = json::array(), diff_ids = json::array();
  for (int i = 0; i < layer_count; ++i) {
    std::string tar = tar_with_file("file" + std::to_string(i), std::string(payload, static_cast<char>('a' + i % 26)));
    std::string digest = sha256(tar);
    image.blobs[digest] = tar;
    image.layers.push_back(digest);
    layers.push_back(
        {{"mediaType", "application/vnd.oci.image.layer.v1.tar"}, {"digest", digest}, {"size", tar.size()}});
    diff_ids.push_back(digest);
  }
  std::string config = json{{"architecture", host_arch()},
                            {"os", "linux"},
                            {"config", json::object()},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                           .dump();
  image.config_digest = sha256(config);
  image.blobs[image.config_digest] = config;
  image.manifest = json{
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", image.config_digest},
        {"size", config.size()}}},
      {"layers",
       layers}}.dump();
  image.digest = sha256(image.manifest);
  return image;
}

// What a server was asked, to assert on which headers reached which host.
struct Seen {
  std::string path;
  std::map<std::string, std::string> headers;
};

class Server {
 public:
  using Handler = std::function<void(const ServerRequest&, ServerReply&)>;
  explicit Server(Handler handler)
      : handler_(std::move(handler)), server_([this](const ServerRequest& request, ServerReply& reply) {
          {
            std::lock_guard lock(mutex_);
            seen_.push_back({request.path, request.headers});
          }
          handler_(request, reply);
        }) {}

  std::string url() const { return server_.url(); }
  std::string host() const { return server_.host(); }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  size_t count(const std::string& path_part) const {
    size_t n = 0;
    for (const auto& s : seen())
      if (s.path.find(path_part) != std::string::npos) ++n;
    return n;
  }
  size_t with_header(const std::string& name) const {
    size_t n = 0;
    for (const auto& s : seen()) n += s.headers.count(name);
    return n;
  }

  std::atomic<uint64_t> bytes_sent{0};

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  TestHttpServer server_;  // last: its threads use the members above
};

// Writes `piece` until the client goes away or `limit` passes: an endless
// body, as far as a client can tell.
void endless(ServerReply& reply, Server& server, const std::string& piece,
             std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto until = Clock::now() + limit;
  while (Clock::now() < until && reply.write(piece)) server.bytes_sent += piece.size();
}

// Writes `text` a byte at a time, `gap` apart.
void trickle(ServerReply& reply, const std::string& text, std::chrono::milliseconds gap) {
  auto until = Clock::now() + std::chrono::seconds(20);
  for (char c : text) {
    if (Clock::now() > until || !reply.write(std::string(1, c))) return;
    std::this_thread::sleep_for(gap);
  }
}

// The registry half of the API for one image: /v2/, its manifest by tag
// "t" and by digest, its blobs with Range.
void serve_image(const Image& image, const ServerRequest& request, ServerReply& reply) {
  const std::string manifests = "/v2/" + kRepo + "/manifests/", blobs = "/v2/" + kRepo + "/blobs/";
  if (request.path == "/v2/") return reply.send(200, "{}", {{"Content-Type", "application/json"}});
  if (request.path == manifests + "t" || request.path == manifests + image.digest)
    return reply.send(200, image.manifest, {{"Content-Type", kOciManifest}, {"Docker-Content-Digest", image.digest}});
  if (request.path.rfind(blobs, 0) == 0) {
    auto it = image.blobs.find(request.path.substr(blobs.size()));
    if (it == image.blobs.end()) return reply.send(404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]})");
    size_t start = 0;
    if (std::string range = request.header("range"); range.rfind("bytes=", 0) == 0)
      start = std::stoull(range.substr(6));
    if (start == 0) return reply.send(200, it->second, {{"Content-Type", "application/octet-stream"}});
    const std::string& data = it->second;
    return reply.send(206, data.substr(start),
                      {{"Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(data.size() - 1) +
                                             "/" + std::to_string(data.size())}});
  }
  reply.send(404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]})");
}

struct Outcome {
  int exit_code = -1;
  std::string out, err;
  long max_rss_kb = 0;
  double seconds = 0;
  bool killed = false;
};

bool has_control_characters(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

uint64_t bytes_under(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& file : files_under(dir)) total += fs::file_size(file, ec);
  return total;
}

class HostileRegistryTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    work_ = fs::path(root_.string() + "-work");
    fs::create_directories(work_ / "docker");
    env_["DOCKER_CONFIG"] = (work_ / "docker").string();
    env_["MINI_CONFIG"] = (work_ / "config.json").string();
    // Short deadlines keep the tests fast; each test says what it changes.
    write_config({{"registry-stall-timeout", 1}, {"registry-request-timeout", 2}, {"max-download-attempts", 2}});
  }

  void TearDown() override {
    MiniTest::TearDown();
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  void write_config(const json& config) { std::ofstream(work_ / "config.json") << config.dump(); }

  void store_credentials(const std::string& host, const std::string& user_password) {
    std::ofstream(work_ / "docker" / "config.json")
        << json{{"auths", {{host, {{"auth", base64(user_password)}}}}}}.dump();
  }

  // mini with this test's store and environment, measured as a child of
  // its own (wall time, peak RSS), killed after `limit` or when `kill_when`
  // says so.
  Outcome mini_run(const std::vector<std::string>& args, std::chrono::seconds limit = std::chrono::seconds(60),
               const std::function<bool()>& kill_when = {}) {
    fs::path out = work_ / "stdout", err = work_ / "stderr";
    auto started = Clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
      for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
      FILE* o = std::freopen(out.c_str(), "w", stdout);
      FILE* e = std::freopen(err.c_str(), "w", stderr);
      if (!o || !e) ::_exit(126);
      std::vector<std::string> argv = {MINI_BINARY, "--root", root_.string()};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c_argv;
      for (auto& a : argv) c_argv.push_back(a.data());
      c_argv.push_back(nullptr);
      ::execv(c_argv[0], c_argv.data());
      ::_exit(127);
    }
    Outcome run;
    int status = 0;
    rusage usage{};
    for (;;) {
      pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
      if (done == pid) break;
      if (!run.killed && (Clock::now() - started > limit || (kill_when && kill_when()))) {
        ::kill(pid, SIGKILL);
        run.killed = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.max_rss_kb = usage.ru_maxrss;
    run.out = read_text(out);
    run.err = read_text(err);
    return run;
  }

  Outcome pull(const std::string& image, std::chrono::seconds limit = std::chrono::seconds(60)) {
    return mini_run({"pull", image}, limit);
  }

  // A refusal as the issue asks: non-zero, one clean and short line, no
  // partial download, and a store that checks clean.
  void expect_refused(const Outcome& run, const std::string& fragment) {
    EXPECT_FALSE(run.killed) << "mini had to be killed after " << run.seconds << " s";
    EXPECT_NE(run.exit_code, 0);
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err.substr(0, 2000);
    EXPECT_FALSE(has_control_characters(run.err.substr(0, run.err.size() - 1))) << run.err.substr(0, 2000);
    EXPECT_LT(run.err.size(), 1200u) << run.err.substr(0, 2000);
    EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << "escape sequences in the progress output";
    EXPECT_THAT(run.err, HasSubstr(fragment));
    EXPECT_EQ(files_under(root_ / "ingest"), std::vector<fs::path>{}) << "a partial download is left";
    expect_store_clean();
  }

  void expect_store_clean() {
    Result check = run_process({MINI_BINARY, "--root", root_.string(), "system", "check"}, "", env_);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("no problems"));
  }

  fs::path work_;
  std::map<std::string, std::string> env_;
};

// ---- credentials ----

TEST_F(HostileRegistryTest, CredentialsNeverFollowARedirectTargetsRealm) {
  if (skipped_) return;
  Image image = make_image(1);
  Server third([](const ServerRequest&, ServerReply& reply) {
    reply.send(200, R"({"token":"stolen"})", {{"Content-Type", "application/json"}});
  });
  // Blob storage that answers 401 and names a realm on a third host.
  Server storage([&](const ServerRequest&, ServerReply& reply) {
    reply.send(401, "", {{"WWW-Authenticate", "Bearer realm=\"" + third.url() + "/token\",service=\"x\""}});
  });
  Server registry([&](const ServerRequest& request, ServerReply& reply) {
    if (request.header("authorization") != "Basic " + base64("bob:secret"))
      return reply.send(401, "", {{"WWW-Authenticate", "Basic realm=\"registry\""}});
    if (request.path.find("/blobs/") != std::string::npos)
      return reply.send(307, "", {{"Location", storage.url() + request.path}});
    serve_image(image, request, reply);
  });
  store_credentials(registry.host(), "bob:secret");

  Outcome run = pull(registry.host() + "/" + kRepo + ":t");
  expect_refused(run, "mini sends no credentials there");
  EXPECT_EQ(third.seen().size(), 0u) << "the third host was asked for a token";
  EXPECT_EQ(storage.with_header("authorization"), 0u) << "credentials reached the redirect target";
  EXPECT_GE(registry.with_header("authorization"), 2u) << "the registry itself got them";
}

TEST_F(HostileRegistryTest, APingRedirectedToAnotherHostGetsNoCredentials) {
  if (skipped_) return;
  Server third([](const ServerRequest&, ServerReply& reply) {
    reply.send(200, R"({"token":"stolen"})", {{"Content-Type", "application/json"}});
  });
  Server elsewhere([&](const ServerRequest&, ServerReply& reply) {
    reply.send(401, "", {{"WWW-Authenticate", "Bearer realm=\"" + third.url() + "/token\",service=\"x\""}});
  });
  Server registry([&](const ServerRequest& request, ServerReply& reply) {
    reply.send(302, "", {{"Location", elsewhere.url() + request.path}});
  });
  store_credentials(registry.host(), "bob:secret");

  Outcome run = pull(registry.host() + "/" + kRepo + ":t");
  expect_refused(run, "mini authenticates only with the registry itself");
  EXPECT_EQ(third.seen().size(), 0u);
  EXPECT_EQ(elsewhere.with_header("authorization"), 0u);
}

TEST_F(HostileRegistryTest, InjectedTokensAndRealmsAreRefused) {
  if (skipped_) return;
  Image image = make_image(1);
  for (const std::string& token_body :
       {std::string(R"({"token":"abc\r\nX-Injected: evil"})"), std::string(R"({"token":"abc\nX-Injected: evil"})")}) {
    SCOPED_TRACE(token_body);
    Server* self = nullptr;
    Server registry([&](const ServerRequest& request, ServerReply& reply) {
      if (request.path == "/token") return reply.send(200, token_body, {{"Content-Type", "application/json"}});
      if (request.header("authorization").rfind("Bearer ", 0) != 0)
        return reply.send(401, "", {{"WWW-Authenticate", "Bearer realm=\"" + self->url() + "/token\""}});
      serve_image(image, request, reply);
    });
    self = &registry;
    Outcome run = pull(registry.host() + "/" + kRepo + ":t");
    expect_refused(run, "control characters");
    EXPECT_EQ(registry.with_header("x-injected"), 0u) << "a header was injected";
    EXPECT_EQ(registry.count("/manifests/"), 0u);
  }
  // A realm holding a control character is not asked at all.
  Server registry([&](const ServerRequest&, ServerReply& reply) {
    reply.send(401, "", {{"WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:1/to\x01ken\""}});
  });
  expect_refused(pull(registry.host() + "/" + kRepo + ":t"), "token realm");
}

// ---- deadlines ----

TEST_F(HostileRegistryTest, TricklesHitTheirDeadlines) {
  if (skipped_) return;
  write_config({{"registry-stall-timeout", 1}, {"registry-request-timeout", 2}, {"max-download-attempts", 1}});
  Image image = make_image(1, 200000);
  // Fast enough for the speed check (600 bytes every 250 ms), never done:
  // only the deadlines end these.
  auto paced = [](ServerReply& reply, const std::function<std::string(int)>& piece) {
    auto until = Clock::now() + std::chrono::seconds(20);
    for (int i = 0; Clock::now() < until; ++i) {
      std::string next = piece(i);
      if (next.empty() || !reply.write(next)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  };
  const std::string padded = std::string(12000, ' ') + image.manifest;  // JSON allows leading blanks
  struct Case {
    std::string name;
    Server::Handler handler;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"headers that never end",
       [&](const ServerRequest&, ServerReply& reply) {
         reply.write("HTTP/1.1 200 OK\r\n");
         paced(reply, [](int i) { return "X-Pad-" + std::to_string(i) + ": " + std::string(590, 'p') + "\r\n"; });
       },
       "within 2 seconds"},
      {"a manifest that takes too long",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.head(200, {{"Content-Type", kOciManifest}, {"Content-Length", std::to_string(padded.size())}});
         paced(reply,
               [&](int i) { return i * 600 < static_cast<int>(padded.size()) ? padded.substr(i * 600, 600) : ""; });
       },
       "no complete answer within 2 seconds"},
      {"a layer a byte at a time",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find(image.layers[0]) == std::string::npos) return serve_image(image, request, reply);
         const std::string& data = image.blobs.at(image.layers[0]);
         reply.head(200, {{"Content-Length", std::to_string(data.size())}});
         trickle(reply, data, std::chrono::milliseconds(100));
       },
       "less than 1024 bytes per second"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Server registry(c.handler);
    Outcome run = pull(registry.host() + "/" + kRepo + ":t", std::chrono::seconds(30));
    expect_refused(run, c.fragment);
    EXPECT_LT(run.seconds, 10) << "held past its deadlines";
  }
}

TEST_F(HostileRegistryTest, EndlessBodiesAreCutAtTheirBudgets) {
  if (skipped_) return;
  write_config({{"registry-stall-timeout", 2}, {"registry-request-timeout", 10}, {"max-download-attempts", 2}});
  Image image = make_image(1);
  const std::string piece(64 << 10, ' ');
  struct Case {
    std::string name;
    std::function<void(Server&, const ServerRequest&, ServerReply&)> handler;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"token",
       [&](Server& self, const ServerRequest& request, ServerReply& reply) {
         if (request.path == "/token") {
           reply.head(200, {{"Content-Type", "application/json"}});
           reply.write("{\"token\":\"");
           return endless(reply, self, std::string(64 << 10, 'a'));
         }
         if (request.header("authorization").empty())
           return reply.send(401, "", {{"WWW-Authenticate", "Bearer realm=\"" + self.url() + "/token\""}});
         serve_image(image, request, reply);
       },
       "token answer larger than"},
      {"ping error body",
       [&](Server& self, const ServerRequest&, ServerReply& reply) {
         reply.head(500, {});
         endless(reply, self, piece);
       },
       "500"},
      {"404 body",
       [&](Server& self, const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.head(404, {{"Content-Type", "application/json"}});
         endless(reply, self, piece);
       },
       "not found"},
      {"redirect body",
       [&](Server& self, const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.head(302, {{"Location", self.url() + "/elsewhere"}});
         endless(reply, self, piece);
       },
       "not found"},
      {"manifest",
       [&](Server& self, const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.head(200, {{"Content-Type", kOciManifest}});
         endless(reply, self, piece);
       },
       "larger than 4194304 bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Server* self = nullptr;
    Server registry([&](const ServerRequest& request, ServerReply& reply) { c.handler(*self, request, reply); });
    self = &registry;
    Outcome run = pull(registry.host() + "/" + kRepo + ":t", std::chrono::seconds(30));
    expect_refused(run, c.fragment);
    EXPECT_LT(run.seconds, 15);
    EXPECT_LT(run.max_rss_kb, 64 * 1024) << "mini's memory grew with the body";
    // What was sent beyond what mini read sits in socket buffers.
    EXPECT_LT(registry.bytes_sent.load(), 32u << 20) << "mini kept reading";
  }
}

TEST_F(HostileRegistryTest, AResumeThatBringsAByteAtATimeStops) {
  if (skipped_) return;
  write_config({{"registry-stall-timeout", 2}, {"registry-request-timeout", 5}, {"max-download-attempts", 3}});
  Image image = make_image(1, 2 << 20);
  const std::string layer = image.layers[0];
  Server registry([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path.find(layer) == std::string::npos) return serve_image(image, request, reply);
    const std::string& data = image.blobs.at(layer);
    size_t start = 0;
    if (std::string range = request.header("range"); range.rfind("bytes=", 0) == 0)
      start = std::stoull(range.substr(6));
    // Announces the rest, sends one byte of it, and hangs up.
    std::map<std::string, std::string> headers = {{"Content-Length", std::to_string(data.size() - start)}};
    if (start > 0)
      headers["Content-Range"] =
          "bytes " + std::to_string(start) + "-" + std::to_string(data.size() - 1) + "/" + std::to_string(data.size());
    reply.head(start > 0 ? 206 : 200, headers);
    reply.write(data.substr(start, 1));
  });
  Outcome run = pull(registry.host() + "/" + kRepo + ":t");
  expect_refused(run, "giving up after 3 attempts");
  EXPECT_LE(registry.count(layer), 3u) << "not one request per byte";
  EXPECT_LT(run.seconds, 15);
}

// ---- disk ----

TEST_F(HostileRegistryTest, AnEndlessTarballStopsAtTheLayerLimit) {
  if (skipped_) return;
  env_["MINI_MAX_LAYER_BYTES"] = "2MB";
  Server* self = nullptr;
  Server web([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path == "/announced.tar") {
      reply.head(200, {{"Content-Length", "107374182400"}});
      return endless(reply, *self, std::string(64 << 10, 'x'));
    }
    reply.head(200, {});
    endless(reply, *self, std::string(64 << 10, '\0'));
  });
  self = &web;
  uint64_t peak = 0;
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    while (watching) {
      peak = std::max(peak, bytes_under(root_ / "ingest"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  Outcome run = mini_run({"pull", "--sha256", std::string(64, 'a'), web.url() + "/rootfs.tar"}, std::chrono::seconds(30));
  watching = false;
  watcher.join();
  expect_refused(run, "more than a layer may take");
  EXPECT_LE(peak, 2u << 20) << "ingest grew past the layer limit";
  EXPECT_LT(web.bytes_sent.load(), 32u << 20);
  EXPECT_LT(run.seconds, 15);
  EXPECT_EQ(web.count(".sha256"), 0u) << "--sha256 was given";

  // A Content-Length past the limit is refused before anything is written.
  Outcome announced = mini_run({"pull", "--sha256", std::string(64, 'a'), web.url() + "/announced.tar"});
  expect_refused(announced, "more than a layer may take");
}

TEST_F(HostileRegistryTest, AnUnverifiableTarballIsRefusedUnlessTheUserInsists) {
  if (skipped_) return;
  const std::string tarball = tar_with_file("etc/hello", "hello\n");
  Server web([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path == "/rootfs-1.0.tar") return reply.send(200, tarball);
    reply.send(404, "not found");
  });
  Outcome refused = mini_run({"pull", web.url() + "/rootfs-1.0.tar"});
  expect_refused(refused, "--insecure-no-verify");
  EXPECT_THAT(refused.err, HasSubstr("--sha256"));
  EXPECT_EQ(web.count("/rootfs-1.0.tar") - web.count(".sha256"), 0u) << "the tarball was downloaded anyway";
  EXPECT_THAT(run_process({MINI_BINARY, "--root", root_.string(), "images"}, "", env_).out, Not(HasSubstr("rootfs")));

  Outcome insisted = mini_run({"pull", "--insecure-no-verify", web.url() + "/rootfs-1.0.tar"});
  ASSERT_EQ(insisted.exit_code, 0) << insisted.err;
  EXPECT_THAT(insisted.out, HasSubstr("WARNING"));
  EXPECT_THAT(insisted.out, HasSubstr("unverified"));
  EXPECT_THAT(run_process({MINI_BINARY, "--root", root_.string(), "images"}, "", env_).out, HasSubstr("rootfs"));
  expect_store_clean();

  // An endless URL.sha256 is a refusal, not a wait.
  Server* self = nullptr;
  Server sums([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path.find(".sha256") == std::string::npos) return reply.send(200, tarball);
    reply.head(200, {});
    endless(reply, *self, std::string(64 << 10, 'f'));
  });
  self = &sums;
  Outcome endless_sums = mini_run({"pull", "--name", "other:1", sums.url() + "/rootfs-1.0.tar"});
  expect_refused(endless_sums, "larger than");
  EXPECT_LT(endless_sums.seconds, 10);
}

// ---- the terminal ----

TEST_F(HostileRegistryTest, WhatARegistrySaysIsShownEscapedAndShort) {
  if (skipped_) return;
  const std::string evil = "\x1b]0;pwned\x07\x1b[2J\r\nmini: all good\n";
  Image image = make_image(1);
  json platforms = json::array();
  for (int i = 0; i < 20000; ++i)
    platforms.push_back({{"digest", image.digest},
                         {"size", image.manifest.size()},
                         {"platform", {{"os", "plan9"}, {"architecture", "arch" + std::to_string(i)}}}});
  const std::string index = json{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", platforms}}.dump();
  struct Case {
    std::string name;
    Server::Handler handler;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"error message",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.send(
             404,
             json{{"errors", {{{"code", "MANIFEST_UNKNOWN"}, {"message", evil + std::string(30000, 'm')}}}}}.dump());
       },
       "not found"},
      {"WWW-Authenticate",
       [&](const ServerRequest&, ServerReply& reply) {
         reply.send(401, "", {{"WWW-Authenticate", "Negotiate " + evil.substr(0, 6) + std::string(90000, 'w')}});
       },
       "does not support"},
      {"index of 20,000 platforms",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.send(200, index, {{"Content-Type", kOciIndex}});
       },
       "choose one with --platform"},
      {"Retry-After",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         reply.send(429, "", {{"Retry-After", "\x1b[31m" + std::string(5000, 'r')}});
       },
       "mini login"},
      {"media type",
       [&](const ServerRequest& request, ServerReply& reply) {
         if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
         json doc = json::parse(image.manifest);
         doc["mediaType"] = evil + std::string(5000, 't');
         reply.send(200, doc.dump(), {{"Content-Type", "application/json"}});
       },
       "mini reads OCI and Docker schema2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Server registry(c.handler);
    Outcome run = pull(registry.host() + "/" + kRepo + ":t");
    expect_refused(run, c.fragment);
    EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << "escape sequences reached stdout";
  }
}

// ---- layers ----

TEST_F(HostileRegistryTest, LayerCountIsLimitedBeforeAnyBlobIsFetched) {
  if (skipped_) return;
  Image image = make_image(1);
  json layers = json::array();
  for (int i = 0; i < 10000; ++i)
    layers.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", sha256("layer" + std::to_string(i))},
                      {"size", 10}});
  json doc = json::parse(image.manifest);
  doc["layers"] = layers;
  const std::string many = doc.dump();
  Server registry([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
    reply.send(200, many, {{"Content-Type", kOciManifest}});
  });
  Outcome run = pull(registry.host() + "/" + kRepo + ":t");
  expect_refused(run, "10000 layers, more than the 127");
  EXPECT_THAT(run.err, HasSubstr("max-image-layers"));
  EXPECT_EQ(registry.count("/blobs/"), 0u) << "blobs were fetched first";

  // The limit is the config's.
  Image four = make_image(4);
  Server small([&](const ServerRequest& request, ServerReply& reply) { serve_image(four, request, reply); });
  write_config({{"max-image-layers", 3}});
  expect_refused(pull(small.host() + "/" + kRepo + ":t"), "4 layers, more than the 3");
  EXPECT_EQ(small.count("/blobs/"), 0u);
  write_config({{"max-image-layers", 4}});
  Outcome allowed = pull(small.host() + "/" + kRepo + ":t");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  expect_store_clean();
}

TEST_F(HostileRegistryTest, AKillMidPullIsSweptByTheNextPull) {
  if (skipped_) return;
  Image image = make_image(60, 4096);
  std::atomic<int> blob_gets{0};
  Server registry([&](const ServerRequest& request, ServerReply& reply) {
    if (request.path.find("/blobs/") != std::string::npos &&
        request.path.find(image.config_digest) == std::string::npos) {
      ++blob_gets;
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
    serve_image(image, request, reply);
  });
  write_config({{"max-image-layers", 127}});
  Outcome run = mini_run({"pull", registry.host() + "/" + kRepo + ":t"}, std::chrono::seconds(60),
                     [&] { return blob_gets >= 12; });
  ASSERT_TRUE(run.killed) << "the pull finished before it could be killed: " << run.err;
  Result check = run_process({MINI_BINARY, "--root", root_.string(), "system", "check"}, "", env_);
  RecordProperty("check_after_kill", check.out);
  // The next pull sweeps the killed one's scratch and completes the image:
  // the store checks clean with no --repair.
  Outcome again = pull(registry.host() + "/" + kRepo + ":t");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  expect_store_clean();
}

TEST_F(HostileRegistryTest, DeclaredLayerSizesPastThePullBudgetAreRefusedFirst) {
  if (skipped_) return;
  Image image = make_image(2, 300 << 10);
  Server registry([&](const ServerRequest& request, ServerReply& reply) { serve_image(image, request, reply); });
  write_config({{"max-pull-size", "512KB"}});
  expect_refused(pull(registry.host() + "/" + kRepo + ":t"), "max-pull-size");
  EXPECT_EQ(registry.count("/blobs/" + image.layers[0]) + registry.count("/blobs/" + image.layers[1]), 0u);
}

// ---- what a document is ----

TEST_F(HostileRegistryTest, TheDocumentsOwnMediaTypeDecides) {
  if (skipped_) return;
  Image image = make_image(1);
  struct Case {
    std::string name, body, content_type, fragment;
  };
  const std::string schema1 = R"({"schemaVersion":1,"name":"test/img","tag":"t","fsLayers":[],"history":[]})";
  std::vector<Case> cases = {
      {"a manifest served as an index", image.manifest, kOciIndex,
       "Content-Type application/vnd.oci.image.index.v1+json"},
      {"schema1 served as OCI", schema1, kOciManifest, "schema1"},
      {"schema1 served as an index", schema1, kOciIndex, "schema1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Server registry([&](const ServerRequest& request, ServerReply& reply) {
      if (request.path.find("/manifests/") == std::string::npos) return serve_image(image, request, reply);
      reply.send(200, c.body, {{"Content-Type", c.content_type}});
    });
    Outcome run = pull(registry.host() + "/" + kRepo + ":t");
    expect_refused(run, c.fragment);
    EXPECT_EQ(registry.count("/blobs/"), 0u);
  }
}

}  // namespace
}  // namespace mini::test
