// GatewayProcess against a stand-in for `socialrx serve` (a small Node.js script with the same
// command line, /healthz and SIGTERM behaviour), so that the launcher is tested before and apart
// from the real command.

#include "tests/gateway/support/gateway_process.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;

// serve [--dev] --data DIR --http HOST:PORT [--exit-early] [--ignore-term]
// Counts its starts in DIR/starts, answers /healthz after 200 ms, /data with the start count.
constexpr const char* kFakeGateway = R"(#!/usr/bin/env node
const fs = require('fs'), http = require('http'), path = require('path');
const args = process.argv.slice(2);
const value = (name) => args[args.indexOf(name) + 1];
if (args[0] !== 'serve') { console.error('unknown command'); process.exit(2); }
const data = value('--data');
const [host, port] = value('--http').split(/:(?=[0-9]+$)/);
const counter = path.join(data, 'starts');
const starts = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(starts));
console.error(`fake gateway: start ${starts} on ${host}:${port} dev=${args.includes('--dev')}`);
if (args.includes('--exit-early')) { console.error('fake gateway: giving up'); process.exit(3); }
let ready = false;
setTimeout(() => { ready = true; }, 200);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(ready ? 200 : 503); res.end(ready ? 'ok' : 'starting'); return; }
  if (req.url === '/data') { res.writeHead(200); res.end(String(starts)); return; }
  res.writeHead(404); res.end();
});
server.on('error', (e) => { console.error(`fake gateway: ${e.message}`); process.exit(1); });
server.listen(Number(port), host);
if (!args.includes('--ignore-term')) {
  process.on('SIGTERM', () => { console.error('fake gateway: draining'); process.exit(0); });
} else {
  process.on('SIGTERM', () => { console.error('fake gateway: ignoring SIGTERM'); });
}
)";

class GatewayProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("node --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed";
    script_ = dir_.path() / "fake-socialrx";
    std::ofstream(script_) << kFakeGateway;
    std::filesystem::permissions(script_, std::filesystem::perms::owner_all);
  }
  GatewayProcessOptions options(std::vector<std::string> extra = {}) {
    GatewayProcessOptions result;
    result.binary = script_.string();
    result.extra_args = std::move(extra);
    result.ready_timeout = 10s;
    result.stop_timeout = 2s;
    return result;
  }

  TempDir dir_{"socialrx-fake"};
  std::filesystem::path script_;
};

TEST_F(GatewayProcessTest, StartsWaitsForHealthAndStopsCleanly) {
  GatewayProcess gateway(options());
  gateway.start();
  EXPECT_TRUE(gateway.running());
  EXPECT_NE(gateway.port(), 0);
  auto client = gateway.client();
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.get("/data").body, "1");
  EXPECT_NE(gateway.stderr_text().find("dev=true"), std::string::npos) << gateway.stderr_text();
  EXPECT_EQ(gateway.stop(), 0);
  EXPECT_FALSE(gateway.running());
  EXPECT_NE(gateway.stderr_text().find("draining"), std::string::npos);
}

TEST_F(GatewayProcessTest, RestartsOnTheSameDataDirAndPort) {
  GatewayProcess gateway(options());
  gateway.start();
  const auto port = gateway.port();
  EXPECT_EQ(gateway.restart(), 0);
  EXPECT_EQ(gateway.port(), port);
  EXPECT_EQ(gateway.client().get("/data").body, "2");
  gateway.kill();
  EXPECT_EQ(gateway.last_exit_code(), 128 + SIGKILL);
  gateway.start();
  EXPECT_EQ(gateway.client().get("/data").body, "3");
}

TEST_F(GatewayProcessTest, ReportsAnEarlyExitWithItsStderr) {
  GatewayProcess gateway(options({"--exit-early"}));
  try {
    gateway.start();
    FAIL() << "started";
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("exited with code 3"), std::string::npos) << what;
    EXPECT_NE(what.find("giving up"), std::string::npos) << what;
  }
  EXPECT_FALSE(gateway.running());
}

TEST_F(GatewayProcessTest, KillsAProcessThatIgnoresSigterm) {
  GatewayProcess gateway(options({"--ignore-term"}));
  gateway.start();
  EXPECT_EQ(gateway.stop(), -1);
  EXPECT_FALSE(gateway.running());
}

TEST_F(GatewayProcessTest, EachProcessGetsItsOwnDataDir) {
  GatewayProcess first(options());
  GatewayProcess second(options());
  EXPECT_NE(first.data_dir(), second.data_dir());
  EXPECT_TRUE(std::filesystem::is_directory(first.data_dir()));
}

}  // namespace
}  // namespace socialrx::testing
