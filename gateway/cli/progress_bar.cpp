#include "gateway/cli/progress_bar.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ostream>

namespace socialrx::gateway::cli {
namespace {

std::string grouped(std::size_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string clock_text(double seconds) {
  const long total = std::lround(std::max(0.0, seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  }
  return text;
}

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, std::size_t total, std::string unit, bool terminal)
    : out_(out), total_(total), unit_(std::move(unit)), terminal_(terminal) {}

std::string ProgressBar::render(std::size_t done, std::size_t total, std::string_view unit, double per_second,
                                bool with_bar) {
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  std::string line;
  if (with_bar) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    line = "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(kWidth - filled), '-') + "] ";
  }
  char percent[16];
  std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));
  line += std::string(percent) + "  " + grouped(done) + "/" + grouped(total) + " " + std::string(unit);
  line += "  " + grouped(static_cast<std::size_t>(std::lround(per_second))) + "/s";
  if (done < total) {
    line += per_second > 0 ? "  ETA " + clock_text(static_cast<double>(total - done) / per_second) : "  ETA ?";
  }
  return line;
}

void ProgressBar::advance(std::size_t count) {
  std::lock_guard lock(mutex_);
  done_ += count;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5'000);
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  draw(true);
}

void ProgressBar::draw(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  std::string line = render(done_, total_, unit_, rate, terminal_);
  if (final) line += "  in " + clock_text(elapsed);
  if (terminal_) {
    out_ << '\r' << line << "\033[K";  // erase what a longer earlier line left
    if (final) out_ << '\n';
  } else {
    out_ << line << '\n';
  }
  out_.flush();
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace socialrx::gateway::cli
