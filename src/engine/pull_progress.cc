#include "engine/pull_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "common/bytes.h"

namespace mini::engine {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

size_t terminal_width(std::FILE* out) {
  winsize size{};
  if (::ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

std::string human_bytes(uint64_t bytes) { return decimal_bytes(bytes, 4); }

std::string progress_bar(uint64_t current, uint64_t total) {
  constexpr size_t kWidth = 50;
  size_t filled = total == 0 ? 0 : static_cast<size_t>(std::min<uint64_t>(current, total) * kWidth / total);
  std::string bar = "[" + std::string(filled, '=');
  if (filled < kWidth) bar += ">" + std::string(kWidth - filled - 1, ' ');
  return bar + "]";
}

Progress::Progress(std::FILE* out, Mode mode) : out_(out), mode_(mode) {}

Progress::Mode Progress::mode_for(std::FILE* out, bool quiet) {
  if (quiet) return Mode::Quiet;
  return ::isatty(fileno(out)) ? Mode::Terminal : Mode::Plain;
}

void Progress::line(const std::string& text) {
  if (mode_ == Mode::Quiet) return;
  std::lock_guard lock(mutex_);
  if (mode_ == Mode::Terminal) items_.push_back({"", text, {}, {}, 0});
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

void Progress::status(const std::string& id, const std::string& text) {
  if (mode_ == Mode::Quiet) return;
  std::lock_guard lock(mutex_);
  if (mode_ == Mode::Plain) {
    std::fprintf(out_, "%s: %s\n", id.c_str(), text.c_str());
    std::fflush(out_);
    return;
  }
  Item& it = item(id);
  it.text = text;
  it.started = {};
  draw(static_cast<size_t>(&it - items_.data()));
}

void Progress::bytes(const std::string& id, uint64_t current, uint64_t total) {
  if (mode_ != Mode::Terminal) return;
  std::lock_guard lock(mutex_);
  Item& it = item(id);
  auto now = std::chrono::steady_clock::now();
  if (it.started == std::chrono::steady_clock::time_point{}) {
    it.started = now;
    it.base = current;
  }
  if (current < total && now - it.drawn < kRedrawInterval) return;
  it.drawn = now;
  std::string numbers = human_bytes(current) + "/" + human_bytes(total);
  double seconds = std::chrono::duration<double>(now - it.started).count();
  if (seconds > 0.5) numbers += "  " + human_bytes(static_cast<uint64_t>((current - it.base) / seconds)) + "/s";
  // Like Docker, the bar goes first when the terminal is too narrow.
  it.text = "Downloading " + progress_bar(current, total) + "  " + numbers;
  if (id.size() + 2 + it.text.size() >= terminal_width(out_)) it.text = "Downloading  " + numbers;
  draw(static_cast<size_t>(&it - items_.data()));
}

Progress::Item* Progress::find(const std::string& id) {
  for (auto& it : items_)
    if (it.id == id) return &it;
  return nullptr;
}

Progress::Item& Progress::item(const std::string& id) {
  if (Item* found = find(id)) return *found;
  items_.push_back({id, "", {}, {}, 0});
  std::fputc('\n', out_);  // the new line's place; draw() fills it
  return items_.back();
}

void Progress::draw(size_t index) {
  std::string text = items_[index].id + ": " + items_[index].text;
  size_t width = terminal_width(out_);
  if (text.size() >= width) text.resize(width - 1);  // a wrapped line would break the cursor arithmetic
  size_t up = items_.size() - index;
  std::fprintf(out_, "\x1b[%zuA\r\x1b[2K%s\x1b[%zuB\r", up, text.c_str(), up);
  std::fflush(out_);
}

}  // namespace mini::engine
