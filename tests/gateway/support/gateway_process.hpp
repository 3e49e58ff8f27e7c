#pragma once
// Starts the real socialrx binary for integration tests:
//
//   socialrx serve --dev --data DIR --http 127.0.0.1:PORT [extra args]
//
// with a fresh temporary data directory, a free loopback port, stdout and stderr captured to files
// (their tail is put into every failure message), and waits until `GET /healthz` answers 200.
//
//   GatewayProcess gateway;              // fresh data dir; not started yet
//   gateway.start();                     // throws with the stderr tail if it does not get ready
//   auto client = gateway.client();      // an HttpClient on its port
//   EXPECT_EQ(gateway.stop(), 0);        // SIGTERM: drains and exits 0
//   gateway.start();                     // again, same data dir (and the same port if free)
//   gateway.kill();                      // SIGKILL (a crash)
//
// The working directory (data dir, logs) is kept when the test failed or SOCIALRX_KEEP_TEST_DIRS
// is set.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/support/http_client.hpp"
#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::testing {

// A loopback port that was free a moment ago (bind to port 0, read it, close).
inline std::uint16_t pick_free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0}, /*reuse_address=*/false);
  return acceptor.local_endpoint().port();
}

struct GatewayProcessOptions {
#ifdef SOCIALRX_BINARY
  std::string binary = SOCIALRX_BINARY;
#else
  std::string binary;
#endif
  bool dev = true;                                   // adds --dev
  std::vector<std::string> extra_args;               // after the standard ones
  std::chrono::milliseconds ready_timeout{30'000};   // for GET /healthz to answer 200
  std::chrono::milliseconds stop_timeout{20'000};    // for the exit after SIGTERM
  std::string data_subdir = "data";                  // the data dir inside the work dir
};

class GatewayProcess {
 public:
  explicit GatewayProcess(GatewayProcessOptions options = {})
      : options_(std::move(options)), work_("socialrx-gateway") {
    std::filesystem::create_directories(data_dir());
  }
  ~GatewayProcess() {
    if (running()) kill();
  }
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Starts the binary and waits until it is ready. A restart reuses the data dir and, when it is
  // still free, the port. Throws std::runtime_error (with the stderr tail) when it does not get
  // ready in time or exits; the process is killed then.
  void start() {
    if (running()) throw std::runtime_error("GatewayProcess: already running");
    for (int attempt = 0;; ++attempt) {
      if (port_ == 0 || attempt > 0) port_ = pick_free_port();
      spawn();
      const std::string problem = wait_ready();
      if (problem.empty()) return;
      const bool port_taken = problem.find("exited") != std::string::npos &&
                              stderr_text().find("in use") != std::string::npos;
      if (running()) kill();
      if (!port_taken || attempt >= 2) {
        throw std::runtime_error("GatewayProcess: " + problem + "\n--- stderr (" +
                                 stderr_path().string() + ") ---\n" + stderr_tail());
      }
    }
  }

  // SIGTERM and wait; returns the exit code (128 + signal when killed by one, -1 when it did not
  // exit within stop_timeout and had to be killed).
  int stop() {
    if (!running()) return last_exit_;
    ::kill(pid_, SIGTERM);
    if (auto code = wait_exit(options_.stop_timeout)) return *code;
    kill();
    last_exit_ = -1;
    return -1;
  }

  // SIGKILL and reap (a crash, as far as the gateway can tell).
  void kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::milliseconds(10'000));
  }

  // stop() (expecting nothing about the exit code) then start().
  int restart() {
    const int code = stop();
    start();
    return code;
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      record_exit(status);
      return false;
    }
    return true;
  }

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& work_dir() const { return work_.path(); }
  std::filesystem::path data_dir() const { return work_.path() / options_.data_subdir; }
  // Logs of the current (or last) run; each start gets new files.
  std::filesystem::path stderr_path() const { return log_path("stderr"); }
  std::filesystem::path stdout_path() const { return log_path("stdout"); }
  std::string stderr_text() const { return read_file(stderr_path()); }
  std::string stdout_text() const { return read_file(stdout_path()); }
  int last_exit_code() const { return last_exit_; }
  GatewayProcessOptions& options() { return options_; }

  HttpClient client(ClientOptions options = {}) const {
    return HttpClient(host(), port_, std::move(options));
  }

 private:
  std::filesystem::path log_path(const char* stream) const {
    return work_.path() / (std::string(stream) + "-" + std::to_string(runs_) + ".log");
  }

  static std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string stderr_tail() const {
    const std::string text = stderr_text();
    constexpr std::size_t kTail = 6000;
    return text.size() > kTail ? "…" + text.substr(text.size() - kTail) : text;
  }

  std::vector<std::string> arguments() const {
    std::vector<std::string> args{options_.binary, "serve"};
    if (options_.dev) args.emplace_back("--dev");
    args.insert(args.end(), {"--data", data_dir().string(), "--http",
                             "127.0.0.1:" + std::to_string(port_)});
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    // --dev has an MLLP channel (default port 2575): tests run side by side, so it takes any free
    // port unless the test chose one.
    const bool mllp_given =
        std::find(options_.extra_args.begin(), options_.extra_args.end(), "--mllp") != options_.extra_args.end();
    if (options_.dev && !mllp_given) args.insert(args.end(), {"--mllp", "127.0.0.1:0"});
    return args;
  }

  void spawn() {
    ++runs_;
    const std::vector<std::string> args = arguments();
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const std::string out = stdout_path().string();
    const std::string err = stderr_path().string();
    const std::string cwd = work_.path().string();
    {
      std::ofstream command(work_.path() / ("command-" + std::to_string(runs_) + ".txt"));
      for (const auto& arg : args) command << arg << '\n';
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("GatewayProcess: fork failed");
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test binary
      if (::getppid() != parent) ::_exit(127);
      const int in_fd = ::open("/dev/null", O_RDONLY);
      const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(127);
      ::dup2(in_fd, 0);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      if (::chdir(cwd.c_str()) != 0) ::_exit(127);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
  }

  // "" when ready, else what went wrong.
  std::string wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    std::string last_error = "no answer yet";
    while (std::chrono::steady_clock::now() < deadline) {
      if (!running()) {
        return "the gateway exited with code " + std::to_string(last_exit_) +
               " before it was ready (" + options_.binary + " on port " +
               std::to_string(port_) + ")";
      }
      try {
        HttpClient probe(host(), port_, ClientOptions{std::chrono::milliseconds(1'000), {}});
        const auto response = probe.get("/healthz");
        if (response.status == 200) return {};
        last_error = "GET /healthz answered " + std::to_string(response.status);
      } catch (const std::exception& error) {
        last_error = error.what();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "not ready after " + std::to_string(options_.ready_timeout.count()) +
           " ms (last: " + last_error + ")";
  }

  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || done < 0) {
        if (done == pid_) record_exit(status);
        return last_exit_;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return last_exit_;
  }

  void record_exit(int status) {
    last_exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }

  GatewayProcessOptions options_;
  TempDir work_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int runs_ = 0;
  int last_exit_ = -1;
};

}  // namespace socialrx::testing
