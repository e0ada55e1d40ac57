#include "registry/download.h"

#include <algorithm>
#include <charconv>

#include "common/bytes.h"
#include "common/error.h"
#include "registry/display.h"

namespace mini::registry {

namespace {

bool parse_number(std::string_view text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The whole length an answer announces, 0 when it doesn't say.
uint64_t announced_length(const HttpResponse& response) {
  if (response.status == 206) {
    auto range = parse_content_range(response.header("content-range"));
    return range && range->total ? *range->total : 0;
  }
  uint64_t length = 0;
  return parse_number(response.header("content-length"), length) ? length : 0;
}

}  // namespace

std::optional<ContentRange> parse_content_range(std::string_view header) {
  constexpr std::string_view kUnit = "bytes ";
  if (header.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  header.remove_prefix(kUnit.size());
  auto dash = header.find('-'), slash = header.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return std::nullopt;
  ContentRange range;
  if (!parse_number(header.substr(0, dash), range.first) ||
      !parse_number(header.substr(dash + 1, slash - dash - 1), range.last) || range.last < range.first)
    return std::nullopt;
  std::string_view total = header.substr(slash + 1);
  if (total != "*") {
    uint64_t value = 0;
    if (!parse_number(total, value) || value <= range.last) return std::nullopt;
    range.total = value;
  }
  return range;
}

uint64_t resume_skip(uint64_t have, long status, std::string_view content_range) {
  if (status != 206) return have;
  auto range = parse_content_range(content_range);
  if (!range)
    throw Error("the registry answered a range request with an unusable Content-Range \"" + shown(content_range, 80) +
                "\"");
  if (range->first > have)
    throw Error("the registry resumed at byte " + std::to_string(range->first) + ", past the " + std::to_string(have) +
                " bytes already here");
  return have - range->first;
}

uint64_t resume_progress_bytes(uint64_t total, uint64_t have) {
  constexpr uint64_t kFloor = 64 << 10;
  uint64_t wanted = std::max<uint64_t>(kFloor, total / kMaxResumes);
  if (total > have) wanted = std::min(wanted, total - have);
  return wanted;
}

void run_resumable(const ResumableGet& get) {
  int failures = 0, requests = 0;
  for (;;) {
    const uint64_t have = get.held();
    if (get.size && have >= *get.size) return;
    uint64_t skip = 0, total = get.size.value_or(0);
    HttpRequest request;
    if (have > 0) request.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
    // What is left bounds how long this request may take at the slowest
    // speed mini accepts; without a bound, the speed checks alone hold.
    std::optional<uint64_t> bound = get.size ? get.size : get.max_bytes;
    if (bound && get.timeouts.min_bytes_per_second > 0)
      request.deadline = std::chrono::seconds(get.timeouts.request_seconds) +
                         std::chrono::seconds((*bound - std::min(*bound, have)) / get.timeouts.min_bytes_per_second);
    auto too_large = [&](uint64_t bytes) {
      return BudgetError(get.what + " is larger than " + binary_bytes(bytes) +
                         (get.limit_hint.empty() ? "" : "; " + get.limit_hint));
    };
    request.on_headers = [&](const HttpResponse& response) {
      skip = resume_skip(have, response.status, response.header("content-range"));
      if (!get.size) total = announced_length(response);
      if (!get.size && get.max_bytes && total > *get.max_bytes) throw too_large(*get.max_bytes);
    };
    request.on_body = [&](std::string_view chunk) {
      if (get.cancelled && get.cancelled->load()) throw Error("download cancelled");
      size_t drop = static_cast<size_t>(std::min<uint64_t>(skip, chunk.size()));
      chunk.remove_prefix(drop);
      skip -= drop;
      if (get.size && get.held() + chunk.size() > *get.size)
        throw Error("the server sent more than the " + std::to_string(*get.size) + " bytes expected for " + get.what);
      if (get.max_bytes && get.held() + chunk.size() > *get.max_bytes) throw too_large(*get.max_bytes);
      get.write(chunk);
      if (get.on_bytes) get.on_bytes(get.held(), total);
    };

    std::string reason;
    ++requests;
    try {
      HttpResponse response = get.send(request);
      if (response.status >= 200 && response.status < 300) {
        if (!get.size || get.held() == *get.size) return;
        reason =
            "the connection closed after " + std::to_string(get.held()) + " of " + std::to_string(*get.size) + " bytes";
      } else if (response.status == 416 && have > 0 && !get.size) {
        return;  // nothing past what is here already
      } else if (retryable_status(response.status)) {
        reason = "the server answered " + std::to_string(response.status);
      } else {
        get.fail(response);
        throw Error(get.what + ": unexpected answer " + std::to_string(response.status));
      }
    } catch (const TransportError& e) {
      if (!e.retryable()) throw;
      reason = e.what();
    }
    // A connection that keeps dropping but brings a fair share each time
    // still finishes; one that brings less gets `attempts` tries.
    const uint64_t now_held = get.held();
    bool progressed = now_held > have && now_held - have >= resume_progress_bytes(total, have);
    if (!progressed && ++failures >= get.attempts)
      throw Error(get.what + ": giving up after " + std::to_string(get.attempts) + " attempts: " + reason);
    if (requests >= kMaxResumes + get.attempts)
      throw Error(get.what + ": giving up after " + std::to_string(requests) +
                  " requests that each brought only part of it: " + reason);
    if (get.on_retry) get.on_retry(reason);
    if (!progressed) backoff(failures);
  }
}

void download_blob(RegistryClient& client, HttpClient& http, const BlobDownload& download, store::ByteSink& ingest) {
  const std::string path = "/v2/" + download.repository + "/blobs/" + download.blob.digest;
  ResumableGet get;
  get.what = "blob " + download.blob.digest;
  get.size = download.blob.size;
  get.attempts = client.config().max_download_attempts;
  get.timeouts = client.config().timeouts;
  get.send = [&](HttpRequest& request) { return client.get(http, download.repository, path, request); };
  get.held = [&] { return ingest.size(); };
  get.write = [&](std::string_view chunk) { ingest.write(chunk); };
  get.fail = [&](const HttpResponse& response) { client.fail(response, get.what); };
  get.on_bytes = download.on_bytes;
  get.on_retry = download.on_retry;
  get.cancelled = download.cancelled;
  run_resumable(get);
}

void fetch_blob(RegistryClient& client, HttpClient& http, const BlobFetch& fetch, store::Ingester& ingester,
                ProgressSink& progress) {
  std::unique_ptr<store::Writer> writer = ingester.writer({fetch.blob.digest, fetch.blob.size});
  if (writer) {
    BlobDownload download{fetch.repository, fetch.blob,
                          [&](uint64_t held, uint64_t total) { progress.bytes(fetch.id, held, total); },
                          [&](const std::string& reason) { progress.retrying(fetch.id, reason); }, fetch.cancelled};
    progress.downloading(fetch.id);
    download_blob(client, http, download, *writer);
    progress.verifying(fetch.id);
    writer->commit();
  }
  progress.downloaded(fetch.id);
}

}  // namespace mini::registry
