#pragma once
// A progress line for long CLI jobs: done/total, rate and ETA. On a terminal it redraws one line
// (at most five times a second); otherwise (a log, CI) it writes a plain line every five seconds,
// so that a redirected run does not fill its log with carriage returns.

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <string>

namespace socialrx::gateway::cli {

class ProgressBar {
 public:
  ProgressBar(std::ostream& out, std::size_t total, std::string unit, bool terminal);
  // Thread-safe; cheap when nothing is drawn.
  void advance(std::size_t count = 1);
  // The last line, always drawn, with the elapsed time; ends the line.
  void finish();

  // "[#########-----------]  45%  4,500/10,000 files  1,234/s  ETA 0:04"
  static std::string render(std::size_t done, std::size_t total, std::string_view unit, double per_second,
                            bool with_bar);

 private:
  void draw(bool final);

  std::ostream& out_;
  std::size_t total_;
  std::string unit_;
  bool terminal_;
  std::mutex mutex_;
  std::size_t done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

// Whether standard error is a terminal.
bool stderr_is_terminal();

}  // namespace socialrx::gateway::cli
