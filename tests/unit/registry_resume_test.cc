// Resuming stops when the server brings too little per request, and a
// body bounded by a limit stops at it.
#include <gtest/gtest.h>

#include "common/error.h"
#include "registry/download.h"
#include "registry/limits.h"

namespace mini::registry {
namespace {

// A server that answers every range request with `per_request` bytes of a
// `size`-byte body, then drops the connection.
struct Dribble {
  uint64_t size;
  uint64_t per_request;
  int requests = 0;
  std::string held;

  ResumableGet get() {
    ResumableGet g;
    g.what = "blob";
    g.size = size;
    g.attempts = 3;
    g.timeouts.min_bytes_per_second = 0;
    g.held = [this] { return static_cast<uint64_t>(held.size()); };
    g.write = [this](std::string_view chunk) { held.append(chunk); };
    g.fail = [](const HttpResponse&) { throw Error("refused"); };
    g.send = [this](HttpRequest& request) {
      ++requests;
      HttpResponse response;
      uint64_t start = held.size();
      response.status = start > 0 ? 206 : 200;
      if (start > 0)
        response.headers["content-range"] =
            "bytes " + std::to_string(start) + "-" + std::to_string(size - 1) + "/" + std::to_string(size);
      request.on_headers(response);
      std::string chunk(std::min(per_request, size - start), 'x');
      request.on_body(chunk);
      return response;
    };
    return g;
  }
};

TEST(Resume, AByteAtATimeGivesUpAfterTheAttempts) {
  Dribble server{2 << 20, 1, 0, {}};
  ResumableGet get = server.get();
  get.attempts = 2;
  try {
    run_resumable(get);
    FAIL() << "finished";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("giving up after 2 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.requests, 2) << "not 2 million";
}

TEST(Resume, RealProgressKeepsGoingButIsBounded) {
  // A fair share per request finishes.
  Dribble fair{4 << 20, 256 << 10, 0, {}};
  ResumableGet get = fair.get();
  run_resumable(get);
  EXPECT_EQ(fair.held.size(), 4u << 20);
  EXPECT_EQ(fair.requests, 16);

  // A body of unknown length, 64 KiB per request (the floor) and never
  // done: the request cap ends it.
  int requests = 0;
  uint64_t held = 0;
  ResumableGet unsized;
  unsized.what = "blob";
  unsized.attempts = 3;
  unsized.timeouts.min_bytes_per_second = 0;
  unsized.held = [&] { return held; };
  unsized.write = [&](std::string_view chunk) { held += chunk.size(); };
  unsized.fail = [](const HttpResponse&) { throw Error("refused"); };
  unsized.send = [&](HttpRequest& request) -> HttpResponse {
    ++requests;
    HttpResponse response;
    response.status = held > 0 ? 206 : 200;
    if (held > 0)
      response.headers["content-range"] =
          "bytes " + std::to_string(held) + "-" + std::to_string(held + (64 << 10) - 1) + "/*";
    request.on_headers(response);
    request.on_body(std::string(64 << 10, 'x'));
    throw TransportError("the connection closed", true);
  };
  try {
    run_resumable(unsized);
    FAIL() << "finished";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("requests that each brought only part of it"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(requests, kMaxResumes + 3);
}

TEST(Resume, ProgressWorthTheName) {
  EXPECT_EQ(resume_progress_bytes(0, 0), 64u << 10);
  EXPECT_EQ(resume_progress_bytes(1 << 20, 0), 64u << 10);
  EXPECT_EQ(resume_progress_bytes(1ull << 30, 0), (1ull << 30) / kMaxResumes);
  EXPECT_EQ(resume_progress_bytes(1 << 20, (1 << 20) - 10), 10u) << "never more than what is left";
}

TEST(Resume, AnUnsizedBodyStopsAtItsLimit) {
  uint64_t written = 0;
  int requests = 0;
  ResumableGet get;
  get.what = "http://example/rootfs.tar";
  get.max_bytes = 1 << 20;
  get.limit_hint = "raise the limit";
  get.timeouts.min_bytes_per_second = 0;
  get.held = [&] { return written; };
  get.write = [&](std::string_view chunk) { written += chunk.size(); };
  get.fail = [](const HttpResponse&) { throw Error("refused"); };
  get.send = [&](HttpRequest& request) {
    ++requests;
    HttpResponse response;
    response.status = 200;
    request.on_headers(response);
    std::string piece(64 << 10, 'x');
    for (int i = 0; i < 1000; ++i) request.on_body(piece);  // "endless"
    return response;
  };
  try {
    run_resumable(get);
    FAIL() << "finished";
  } catch (const BudgetError& e) {
    EXPECT_NE(std::string(e.what()).find("raise the limit"), std::string::npos) << e.what();
  }
  EXPECT_LE(written, 1u << 20);
  EXPECT_EQ(requests, 1) << "a body past its limit is not retried";

  // An announced length past the limit is refused before a byte is written.
  written = 0;
  get.send = [&](HttpRequest& request) {
    HttpResponse response;
    response.status = 200;
    response.headers["content-length"] = std::to_string(10 << 20);
    request.on_headers(response);
    return response;
  };
  EXPECT_THROW(run_resumable(get), BudgetError);
  EXPECT_EQ(written, 0u);
}

TEST(Resume, EachRequestGetsADeadlineFromWhatIsLeft) {
  Dribble server{10 << 20, 10 << 20, 0, {}};
  ResumableGet get = server.get();
  get.timeouts.request_seconds = 7;
  get.timeouts.min_bytes_per_second = 1 << 20;
  std::chrono::seconds seen{0};
  auto send = get.send;
  get.send = [&](HttpRequest& request) {
    seen = request.deadline;
    return send(request);
  };
  run_resumable(get);
  EXPECT_EQ(seen.count(), 7 + 10);
}

TEST(PullBudget, CountsAndRefuses) {
  PullBudget budget(100);
  budget.charge(60);
  budget.charge(40);
  EXPECT_THROW(budget.charge(1), BudgetError);
  PullBudget unlimited(0);
  unlimited.charge(1ull << 40);
  EXPECT_EQ(unlimited.used(), 1ull << 40);
}

}  // namespace
}  // namespace mini::registry
