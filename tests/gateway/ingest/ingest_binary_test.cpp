// The real binary with ingest channels of the test fixture plugin (SQLite): POST /ingest/{channel}
// with authentication and scopes, replies and statuses, a resent message, GET /ingest/messages,
// `socialrx reprocess` and POST /ingest/$reprocess after a mapping fix, a watched directory,
// retention at start, `socialrx convert`, and start-up errors for channels and plugins.

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "gateway/ingest/inbound_store.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/run_binary.hpp"
#include "tests/gateway/support/gateway_process.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;
namespace ingest = gateway::ingest;
namespace storage = gateway::storage;

std::string message(const std::string& id, const std::string& extra = "patient: P1\nfamily: 宇都宮\ngiven: 花子\ngender: F\n",
                    const std::string& action = "accept") {
  return "TESTMSG\nsender: HIS^HOSP1\nid: " + id + "\ntype: ADT^A08\naction: " + action + "\n" + extra;
}

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

class IngestBinaryTest : public ::testing::Test {
 protected:
  static GatewayProcessOptions without_dev() {
    GatewayProcessOptions options;
    options.dev = false;  // authentication on
    return options;
  }
  IngestBinaryTest() : gateway_(without_dev()) {}

  void SetUp() override {
    const auto dir = gateway_.work_dir();
    config_ = (dir / "gateway.jsonc").string();
    std::ofstream(dir / "first.jsonc") << R"({"genders": {"M": "male", "F": "female"}})";
    std::ofstream(dir / "fixed.jsonc") << R"({"genders": {"M": "male", "F": "female", "X": "other"}})";
    write_config("first.jsonc", 0);
    gateway_.options().extra_args = {"--config", config_};
  }

  void write_config(const std::string& mapping, int retention_days) {
    std::ofstream(config_) << R"({
      "ingest": {
        "plugins_dir": ")" << SOCIALRX_TEST_PLUGINS_DIR << R"(",
        "retention_days": )" << retention_days << R"(,
        "channels": [
          {"name": "lab", "source": {"http": true}, "plugin": "test_fixture", "mapping": ")" << mapping << R"(",
           "destinations": ["store"]},
          {"name": "drop", "source": {"directory": "inbox", "poll_ms": 50}, "plugin": "test_fixture",
           "destinations": ["store"]},
        ],
      },
      "auth": {"clients": [
        {"id": "his", "token_sha256": ")" << gateway::rest::sha256_hex("his-token") << R"(",
         "scopes": ["system/ingest.c"]},
        {"id": "admin", "token_sha256": ")" << gateway::rest::sha256_hex("admin-token") << R"(",
         "scopes": ["system/ingest.ru", "system/Patient.rs"]},
      ]},
    })";
  }

  std::vector<std::string> store_args() { return {"--config", config_, "--data", gateway_.data_dir().string()}; }

  HttpResponse ingest(HttpClient& client, const std::string& body, const std::string& token = "his-token") {
    return client.post("/ingest/lab", body, "application/octet-stream", bearer(token));
  }

  std::string config_;
  GatewayProcess gateway_;
};

TEST_F(IngestBinaryTest, PostIngestRepliesWithTheCodecsBytesAfterTheCommit) {
  gateway_.start();
  auto client = gateway_.client();
  EXPECT_EQ(client.post("/ingest/lab", message("1"), "application/octet-stream").status, 401u);
  EXPECT_EQ(ingest(client, message("1"), "admin-token").status, 403u);  // no create on ingest

  const HttpResponse accepted = ingest(client, message("1"));
  EXPECT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_EQ(accepted.body, "ACK|1|AA\n");
  EXPECT_EQ(accepted.header("Content-Type"), "application/octet-stream");
  EXPECT_FALSE(accepted.header("X-Socialrx-Message").empty());
  const HttpResponse again = ingest(client, message("1"));
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body, accepted.body);
  EXPECT_EQ(again.header("X-Socialrx-Duplicate"), "true");
  EXPECT_EQ(again.header("X-Socialrx-Message"), accepted.header("X-Socialrx-Message"));

  const HttpResponse data_error = ingest(client, message("2", "patient: P2\ngender: X\n"));
  EXPECT_EQ(data_error.status, 422u);
  EXPECT_EQ(data_error.body.rfind("ACK|2|AE\n", 0), 0u) << data_error.body;
  const HttpResponse rejected = ingest(client, "not a test message");
  EXPECT_EQ(rejected.status, 400u);
  EXPECT_EQ(rejected.body.rfind("ACK||AR\n", 0), 0u) << rejected.body;
  EXPECT_EQ(client.post("/ingest/drop", message("3"), "application/octet-stream", bearer("his-token")).status,
            404u);  // not an HTTP channel
  EXPECT_EQ(client.post("/ingest/nope", message("3"), "application/octet-stream", bearer("his-token")).status, 404u);

  // What was stored: the Patient (once), the messages with their states.
  const HttpResponse patients = client.get("/fhir/Patient?identifier=urn:socialrx-test:patient|P1", bearer("admin-token"));
  ASSERT_EQ(patients.status, 200u) << patients.body;
  const std::size_t first_entry = patients.body.find("\"fullUrl\"");
  EXPECT_NE(first_entry, std::string::npos) << patients.body;
  EXPECT_EQ(patients.body.find("\"fullUrl\"", first_entry + 1), std::string::npos) << "one Patient";
  EXPECT_NE(patients.body.find("宇都宮"), std::string::npos);
  EXPECT_EQ(client.get("/ingest/messages", bearer("his-token")).status, 403u);
  const HttpResponse errors = client.get("/ingest/messages?state=error", bearer("admin-token"));
  ASSERT_EQ(errors.status, 200u) << errors.body;
  EXPECT_NE(errors.body.find("\"messageId\":\"2\""), std::string::npos) << errors.body;
  EXPECT_NE(errors.body.find("\"disposition\":\"rejected\""), std::string::npos) << errors.body;
  EXPECT_EQ(errors.body.find("\"messageId\":\"1\""), std::string::npos) << errors.body;
  EXPECT_EQ(gateway_.stop(), 0);

  // The mapping is fixed (a second mapping file); the CLI runs the errors again.
  write_config("fixed.jsonc", 0);
  RunResult reprocessed = run_socialrx([&] {
    auto args = store_args();
    args.insert(args.begin(), "reprocess");
    return args;
  }());
  EXPECT_EQ(reprocessed.exit_code, 0) << reprocessed.err;
  EXPECT_EQ(reprocessed.out, "matched 2, processed 1, error 1, skipped 0, failed 0\n") << reprocessed.err;

  gateway_.start();
  auto after = gateway_.client();
  const HttpResponse fixed = after.get("/fhir/Patient?identifier=urn:socialrx-test:patient|P2", bearer("admin-token"));
  EXPECT_NE(fixed.body.find("\"gender\":\"other\""), std::string::npos) << fixed.body;
  // The REST equivalent: the unreadable one is still an error.
  EXPECT_EQ(after.post("/ingest/$reprocess?state=error", "", "application/x-www-form-urlencoded",
                       bearer("his-token")).status,
            403u);
  const HttpResponse rest = after.post("/ingest/$reprocess", "state=error", "application/x-www-form-urlencoded",
                                       bearer("admin-token"));
  EXPECT_EQ(rest.status, 200u) << rest.body;
  EXPECT_EQ(rest.body, R"({"matched":1,"processed":0,"error":1,"skipped":0,"failed":0})");
  EXPECT_EQ(after.post("/ingest/$reprocess?since=yesterday", "", "application/x-www-form-urlencoded",
                       bearer("admin-token")).status,
            400u);
  EXPECT_EQ(gateway_.stop(), 0);
}

TEST_F(IngestBinaryTest, AWatchedDirectoryMovesFilesOnlyAfterTheCommit) {
  gateway_.start();
  const auto inbox = gateway_.work_dir() / "inbox";
  ASSERT_TRUE(std::filesystem::is_directory(inbox));
  const auto drop = [&](const std::string& name, const std::string& body) {
    std::ofstream(inbox / (name + ".tmp")) << body;  // written under a skipped name, then renamed
    std::filesystem::rename(inbox / (name + ".tmp"), inbox / name);
  };
  drop("001.msg", message("d1", "patient: D1\n"));
  drop("002.msg", message("d2", "patient: D2\ngender: X\n"));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((!std::filesystem::exists(inbox / "processed" / "001.msg") ||
          !std::filesystem::exists(inbox / "error" / "002.msg")) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(std::filesystem::exists(inbox / "processed" / "001.msg"));
  EXPECT_TRUE(std::filesystem::exists(inbox / "error" / "002.msg"));
  EXPECT_FALSE(std::filesystem::exists(inbox / "001.msg"));
  auto client = gateway_.client();
  const HttpResponse stored = client.get("/ingest/messages?channel=drop", bearer("admin-token"));
  EXPECT_NE(stored.body.find("\"peer\":\"file:001.msg\""), std::string::npos) << stored.body;
  EXPECT_NE(stored.body.find("\"peer\":\"file:002.msg\""), std::string::npos) << stored.body;
  EXPECT_EQ(gateway_.stop(), 0);
}

TEST_F(IngestBinaryTest, RetentionRemovesOldProcessedMessagesAtStart) {
  gateway_.start();
  auto client = gateway_.client();
  ASSERT_EQ(ingest(client, message("old")).status, 200u);
  ASSERT_EQ(ingest(client, message("bad", "patient: P2\ngender: X\n")).status, 422u);
  EXPECT_EQ(gateway_.stop(), 0);
  {
    // Both processed three days ago, as far as the store knows.
    storage::DatabaseOptions options;
    options.sqlite_path = (gateway_.data_dir() / "socialrx.db").string();
    auto database = storage::Database::open(options);
    database->writer()->execute("UPDATE inbound_messages SET processed_ms = processed_ms - 3 * 86400000");
  }
  write_config("first.jsonc", 2);
  gateway_.start();
  const HttpResponse left = gateway_.client().get("/ingest/messages", bearer("admin-token"));
  EXPECT_EQ(left.body.find("\"messageId\":\"old\""), std::string::npos) << left.body;
  EXPECT_NE(left.body.find("\"messageId\":\"bad\""), std::string::npos) << left.body;  // errors stay
  EXPECT_EQ(gateway_.stop(), 0);
}

TEST_F(IngestBinaryTest, ConvertPrintsTheBundleOrAnOperationOutcome) {
  const auto input = gateway_.work_dir() / "in.msg";
  std::ofstream(input) << message("c1");
  const std::vector<std::string> base{"convert", "--plugin", "test_fixture", "--plugins-dir", SOCIALRX_TEST_PLUGINS_DIR};
  auto args = base;
  args.push_back(input.string());
  RunResult ok = run_socialrx(args);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"resourceType\": \"Bundle\""), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("宇都宮"), std::string::npos) << ok.out;

  std::ofstream(input) << message("c2", "patient: P\ngender: X\n");
  RunResult data_error = run_socialrx(args);
  EXPECT_EQ(data_error.exit_code, 1);
  EXPECT_NE(data_error.out.find("\"resourceType\":\"OperationOutcome\""), std::string::npos) << data_error.out;
  EXPECT_NE(data_error.out.find("code-invalid"), std::string::npos) << data_error.out;

  std::ofstream(input) << message("c3", "", "invalid-bundle");
  RunResult garbage = run_socialrx(args);
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.out.find("OperationOutcome"), std::string::npos) << garbage.out;

  const auto mapping = gateway_.work_dir() / "fixed.jsonc";
  std::ofstream(input) << message("c4", "patient: P\ngender: X\n");
  auto mapped = base;
  mapped.insert(mapped.end(), {"--mapping", mapping.string(), input.string()});
  RunResult with_mapping = run_socialrx(mapped);
  EXPECT_EQ(with_mapping.exit_code, 0) << with_mapping.out;
  EXPECT_NE(with_mapping.out.find("\"other\""), std::string::npos);

  RunResult missing = run_socialrx({"convert", "--plugin", "nope", "--plugins-dir", SOCIALRX_TEST_PLUGINS_DIR,
                                    input.string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no library at"), std::string::npos) << missing.err;
}

TEST_F(IngestBinaryTest, ChannelAndPluginProblemsStopTheStart) {
  const auto config = gateway_.work_dir() / "bad.jsonc";
  const auto serve = [&] {
    return run_socialrx({"serve", "--config", config.string(), "--data", gateway_.data_dir().string(), "--http",
                         "127.0.0.1:0"});
  };
  std::ofstream(config) << "{\n  \"ingest\": {\"channels\": [\n    {\"name\": \"a\", \"source\": {\"http\": true},\n"
                           "     \"plugin\": \"test_fixture\", \"destinations\": [\"stor\"]}]}}\n";
  RunResult result = serve();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("bad.jsonc:4: ingest.channels[0].destinations[0]: must be"), std::string::npos)
      << result.err;

  std::ofstream(config) << R"({"ingest": {"channels": [{"name": "a", "source": {"http": true, "mllp": "127.0.0.1:1"},
                                "plugin": "test_fixture", "destinations": ["store"]}]}})";
  result = serve();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("needs exactly one of"), std::string::npos) << result.err;

  // Listener settings belong to an MLLP source; TLS needs a certificate and its key.
  std::ofstream(config) << R"({"ingest": {"channels": [{"name": "a", "source": {"http": true, "max_frame_bytes": 65536},
                                "plugin": "test_fixture", "destinations": ["store"]}]}})";
  result = serve();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("ingest.channels[0].source: tls, max_frame_bytes, idle_timeout_ms and max_connections "
                            "are for an \"mllp\" source"),
            std::string::npos)
      << result.err;
  std::ofstream(config) << R"({"ingest": {"channels": [{"name": "a", "source": {"mllp": "127.0.0.1:0",
                                "tls": {"certificate_chain": "server.pem"}},
                                "plugin": "test_fixture", "destinations": ["store"]}]}})";
  result = serve();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("ingest.channels[0].source.tls: needs certificate_chain and private_key"), std::string::npos)
      << result.err;

  std::ofstream(config) << R"({"ingest": {"plugins_dir": ")" << SOCIALRX_TEST_PLUGINS_DIR
                        << R"(", "channels": [{"name": "a", "source": {"http": true}, "plugin": "test_wrong_api",
                               "destinations": ["store"]}]}})";
  result = serve();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("ingest channel a: plugin test_wrong_api:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("API version 999"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace socialrx::testing
