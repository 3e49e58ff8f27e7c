// The ingest pipeline on both backends with the test fixture plugin: what is stored, processed
// and replied for each kind of message, exactly-once processing of a resent message, a plugin
// that throws or returns garbage failing only its message, a store refusal, the queue limit,
// reprocessing after a mapping fix, and forwards queued in the outbox in the same transaction.

#include "gateway/ingest/ingest_pipeline.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <set>

#include "gateway/outbox/outbox.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"
#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::gateway::ingest {
namespace {

using plugins::Disposition;
using storage::testing::BackendTest;

std::string message(const std::string& id, const std::string& action = "accept",
                    const std::string& extra = "patient: P1\nfamily: 山田\ngiven: 太郎\ngender: F\n") {
  return "TESTMSG\nsender: HIS^HOSP1\nid: " + id + "\ntype: ADT^A08\naction: " + action + "\n" + extra;
}

// The fixture plugin's mapping before and after a fix: gender X is unknown, then "other".
class MappingFiles {
 public:
  MappingFiles() {
    std::ofstream(dir_.path() / "first.jsonc") << R"({"genders": {"M": "male", "F": "female"}})";
    std::ofstream(dir_.path() / "fixed.jsonc") << R"({"genders": {"M": "male", "F": "female", "X": "other"}})";
  }
  std::string first() const { return (dir_.path() / "first.jsonc").string(); }
  std::string fixed() const { return (dir_.path() / "fixed.jsonc").string(); }

 private:
  socialrx::testing::TempDir dir_{"socialrx-mapping"};
};

class IngestPipelineTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    writes_ = std::make_unique<storage::WriteQueue>(*database_);
  }
  void TearDown() override {
    pipeline_.reset();
    writes_.reset();
    BackendTest::TearDown();
  }

  IngestPipeline& pipeline(IngestOptions options = {}, const std::string& mapping = "") {
    ChannelOptions channel;
    channel.name = "test";
    channel.plugin = "test_fixture";
    channel.store = true;
    channel.mapping_file = mapping;
    channel.forward = forward_;
    options.channels = {channel};
    pipeline_ = std::make_unique<IngestPipeline>(*database_, *writes_, options);
    pipeline_->load_channels(loader_);
    return *pipeline_;
  }

  IngestReply send(const std::string& bytes, const std::string& channel = "test") {
    std::promise<IngestReply> promise;
    auto future = promise.get_future();
    pipeline_->receive(channel, "127.0.0.1:1", bytes, [&](IngestReply reply) { promise.set_value(std::move(reply)); });
    return future.get();
  }

  std::int64_t count(const std::string& sql) {
    const auto rows = database_->reader()->query(sql);
    return std::get<std::int64_t>(rows.at(0).at(0));
  }
  std::int64_t patients() { return count("SELECT COUNT(*) FROM resources WHERE resource_type = 'Patient'"); }
  InboundMessage stored(std::int64_t id) { return *find_message(*database_->reader(), id); }

  PluginLoader loader_{SOCIALRX_TEST_PLUGINS_DIR};
  std::vector<std::string> forward_;
  std::unique_ptr<storage::WriteQueue> writes_;
  std::unique_ptr<IngestPipeline> pipeline_;
};
SOCIALRX_INSTANTIATE_BACKENDS(IngestPipelineTest);

TEST_P(IngestPipelineTest, AcceptedIsStoredAndProcessedOnceEvenWhenSentTwice) {
  pipeline();
  const IngestReply first = send(message("0001"));
  ASSERT_TRUE(first.stored);
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.disposition, Disposition::accepted);
  EXPECT_EQ(first.bytes, "ACK|0001|AA\n");
  const IngestReply again = send(message("0001"));
  ASSERT_TRUE(again.stored);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message, first.message);
  EXPECT_EQ(again.bytes, first.bytes);
  EXPECT_EQ(patients(), 1);
  // Not applied twice: one version of the Patient.
  EXPECT_EQ(count("SELECT COUNT(*) FROM resource_versions WHERE resource_type = 'Patient'"), 1);
  const InboundMessage row = stored(first.message);
  EXPECT_EQ(row.state, MessageState::processed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.raw, message("0001"));
  EXPECT_EQ(row.ack, "ACK|0001|AA\n");
  EXPECT_EQ(row.sender, "HIS^HOSP1");
  EXPECT_EQ(row.message_type, "ADT^A08");
  EXPECT_EQ(row.peer, "127.0.0.1:1");
  // The next message about the same person updates the same Patient (conditional PUT).
  ASSERT_TRUE(send(message("0002")).stored);
  EXPECT_EQ(patients(), 1);
  const auto body = database_->reader()->query("SELECT body FROM resources WHERE resource_type = 'Patient'");
  EXPECT_NE(std::get<std::string>(body.at(0).at(0)).find("山田"), std::string::npos);
}

TEST_P(IngestPipelineTest, ManySendersAtOnceEachMessageOnce) {
  pipeline();
  std::vector<std::future<IngestReply>> replies;
  std::vector<std::shared_ptr<std::promise<IngestReply>>> promises;
  for (int i = 0; i < 200; ++i) {
    auto promise = std::make_shared<std::promise<IngestReply>>();
    replies.push_back(promise->get_future());
    // Every message twice, interleaved: the copies race through decode and the writer.
    pipeline_->receive("test", "peer", message("m" + std::to_string(i / 2), "accept", "patient: P" + std::to_string(i / 2) + "\n"),
                       [promise](IngestReply reply) { promise->set_value(std::move(reply)); });
    promises.push_back(promise);
  }
  int duplicates = 0;
  for (auto& reply : replies) {
    const IngestReply r = reply.get();
    ASSERT_TRUE(r.stored);
    EXPECT_EQ(r.disposition, Disposition::accepted);
    duplicates += r.duplicate ? 1 : 0;
  }
  EXPECT_EQ(duplicates, 100);
  EXPECT_EQ(patients(), 100);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inbound_messages"), 100);
  EXPECT_EQ(count("SELECT COUNT(*) FROM resource_versions WHERE resource_type = 'Patient'"), 100);
}

TEST_P(IngestPipelineTest, DataErrorUnreadableAndRejectedAreStoredAsErrors) {
  pipeline();
  const IngestReply data_error = send(message("e1", "accept", "patient: P1\ngender: X\n"));
  ASSERT_TRUE(data_error.stored);
  EXPECT_EQ(data_error.disposition, Disposition::data_error);
  EXPECT_EQ(data_error.bytes, "ACK|e1|AE\nERR|gender|code-invalid|the gender code is not in the mapping\n");
  InboundMessage row = stored(data_error.message);
  EXPECT_EQ(row.state, MessageState::error);
  EXPECT_EQ(row.disposition, "data_error");
  EXPECT_NE(row.outcome.find("\"OperationOutcome\""), std::string::npos);
  EXPECT_NE(row.outcome.find("code-invalid"), std::string::npos);
  EXPECT_NE(row.outcome.find("\"gender\""), std::string::npos);  // the location as expression

  const std::string garbage_bytes = std::string("\x1b$B;3ED\x1b(B not a message\0", 24);
  const IngestReply unreadable = send(garbage_bytes);
  ASSERT_TRUE(unreadable.stored);
  EXPECT_EQ(unreadable.disposition, Disposition::rejected);
  EXPECT_EQ(unreadable.bytes.rfind("ACK||AR\n", 0), 0u);
  row = stored(unreadable.message);
  EXPECT_EQ(row.raw, garbage_bytes);
  EXPECT_EQ(row.state, MessageState::error);
  EXPECT_EQ(row.sender, "");
  EXPECT_EQ(row.message_id, "");

  const IngestReply rejected = send(message("r1", "reject"));
  EXPECT_EQ(rejected.disposition, Disposition::rejected);
  EXPECT_EQ(stored(rejected.message).state, MessageState::error);
  EXPECT_EQ(patients(), 0);
}

TEST_P(IngestPipelineTest, APluginThatThrowsOrReturnsGarbageFailsThatMessageOnly) {
  pipeline();
  for (const std::string action : {"throw-header", "throw-decode", "garbage", "invalid-bundle", "throw-ack"}) {
    SCOPED_TRACE(action);
    const IngestReply reply = send(message("x-" + action, action));
    ASSERT_TRUE(reply.stored);  // kept, waiting for a fix
    const InboundMessage row = stored(reply.message);
    if (action == "throw-ack") {
      // Decoded and stored fine; only the reply could not be made.
      EXPECT_EQ(reply.disposition, Disposition::accepted);
      EXPECT_EQ(reply.bytes, "");
      EXPECT_EQ(row.state, MessageState::processed);
    } else {
      EXPECT_NE(reply.disposition, Disposition::accepted);
      EXPECT_EQ(row.state, MessageState::error);
      EXPECT_NE(row.outcome.find("exception"), std::string::npos) << row.outcome;
    }
    // The next message works.
    const IngestReply next = send(message("ok-" + action, "accept", "patient: Q-" + action + "\n"));
    EXPECT_EQ(next.disposition, Disposition::accepted);
  }
  const auto invalid = find_messages(*database_->reader(), {}, 100, false);
  bool saw_path = false;
  for (const auto& row : invalid) saw_path = saw_path || row.outcome.find("Patient.birthDate") != std::string::npos ||
                                                 row.outcome.find("birthDate") != std::string::npos;
  EXPECT_TRUE(saw_path) << "the invalid Bundle's problem is named by its path";
  EXPECT_EQ(patients(), 6);  // five "ok-" messages and the throw-ack one
}

TEST_P(IngestPipelineTest, AStoreRefusalKeepsTheMessageAsErrorWithAnAE) {
  pipeline();
  const IngestReply reply = send(message("s1", "refuse"));
  ASSERT_TRUE(reply.stored);
  EXPECT_EQ(reply.disposition, Disposition::data_error);
  EXPECT_EQ(reply.bytes.rfind("ACK|s1|AE\nERR|", 0), 0u) << reply.bytes;
  const InboundMessage row = stored(reply.message);
  EXPECT_EQ(row.state, MessageState::error);
  EXPECT_NE(row.outcome.find("ifMatch"), std::string::npos) << row.outcome;
  EXPECT_EQ(row.ack, reply.bytes);
  EXPECT_EQ(row.disposition, "data_error");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(patients(), 0);  // nothing of the refused transaction
}

TEST_P(IngestPipelineTest, ReprocessAfterAMappingFix) {
  const MappingFiles mappings;
  pipeline({}, mappings.first());
  const IngestReply reply = send(message("g1", "accept", "patient: P9\ngender: X\n"));
  ASSERT_EQ(reply.disposition, Disposition::data_error);
  ASSERT_TRUE(send(message("g2")).stored);
  EXPECT_EQ(patients(), 1);

  // The same mapping: still an error; nothing else is touched.
  MessageFilter errors;
  errors.state = MessageState::error;
  ReprocessSummary summary = pipeline_->reprocess(errors, 100);
  EXPECT_EQ(summary.matched, 1u);
  EXPECT_EQ(summary.error, 1u);

  // After the fix.
  pipeline({}, mappings.fixed());
  summary = pipeline_->reprocess(errors, 100);
  EXPECT_EQ(summary.matched, 1u);
  EXPECT_EQ(summary.processed, 1u);
  const InboundMessage row = stored(reply.message);
  EXPECT_EQ(row.state, MessageState::processed);
  EXPECT_EQ(row.disposition, "accepted");
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.ack, reply.bytes);  // what the sender got stays on record
  EXPECT_EQ(patients(), 2);
  // Reprocessing a processed message again stores nothing new (conditional PUT: same Patient).
  MessageFilter one;
  one.id = reply.message;
  summary = pipeline_->reprocess(one, 10);
  EXPECT_EQ(summary.processed, 1u);
  EXPECT_EQ(patients(), 2);
  EXPECT_EQ(pipeline_->reprocess(errors, 100).matched, 0u);
}

TEST_P(IngestPipelineTest, ForwardsAreQueuedInTheSameTransaction) {
  forward_ = {"https://fhir.example.jp/fhir", "mllp://127.0.0.1:2576"};
  pipeline();
  const IngestReply reply = send(message("f1"));
  ASSERT_EQ(reply.disposition, Disposition::accepted);
  ASSERT_TRUE(send(message("f1")).duplicate);  // a resent message is not forwarded twice
  send(message("f2", "accept", "patient: P1\ngender: X\n"));  // a data error is not forwarded
  const auto queued = outbox::list_messages(*database_->reader(), std::nullopt, 100);
  ASSERT_EQ(queued.size(), 2u);
  std::set<std::string> transports;
  for (const auto& entry : queued) {
    transports.insert(entry.message.transport);
    EXPECT_EQ(entry.message.ordering_key, "ingest:test@" + entry.message.destination);
  }
  EXPECT_EQ(transports, (std::set<std::string>{"fhir-rest", "mllp"}));
}

TEST_P(IngestPipelineTest, ForwardsCarryTheBytesAsReceivedEvenWhenNotUtf8) {
  forward_ = {"file:///var/spool/socialrx-forward"};  // only queued here: no worker runs
  pipeline();
  // 山田 太郎 in CP932 in a field the fixture does not map: the message stays CP932 bytes.
  const std::string cp932 =
      message("c1", "accept", "patient: P1\ngender: F\nnote: \x8e\x52\x93\x63 \x91\xbe\x98\x59\n");
  ASSERT_EQ(send(cp932).disposition, Disposition::accepted);
  const auto due = outbox::due_messages(*database_->reader(), outbox::now_ms() + 60'000, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].message.transport, "file");
  EXPECT_EQ(due[0].message.body, cp932);  // byte for byte
}

TEST_P(IngestPipelineTest, ReprocessForwardsWhatTheFirstAttemptCouldNotAndNothingTwice) {
  const MappingFiles mappings;
  forward_ = {"mllp://127.0.0.1:2576"};
  pipeline({}, mappings.first());
  const IngestReply reply = send(message("r1", "accept", "patient: P9\ngender: X\n"));
  ASSERT_EQ(reply.disposition, Disposition::data_error);
  const auto queued = [&] { return outbox::list_messages(*database_->reader(), std::nullopt, 100).size(); };
  EXPECT_EQ(queued(), 0u);  // a data error is not forwarded

  pipeline({}, mappings.fixed());
  MessageFilter one;
  one.id = reply.message;
  EXPECT_EQ(pipeline_->reprocess(one, 10).processed, 1u);
  EXPECT_EQ(queued(), 1u);  // forwarded now that it is accepted
  EXPECT_EQ(pipeline_->reprocess(one, 10).processed, 1u);
  EXPECT_EQ(queued(), 1u);  // and only once, however often it is reprocessed
}

TEST_P(IngestPipelineTest, BeyondTheQueueLimitNothingIsStoredAndTheSourceIsToldSo) {
  IngestOptions options;
  options.max_pending = 1;
  pipeline(options);
  // Hold the writer so that the first message stays pending.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  writes_->submit([released](storage::WriteTransaction&) { released.wait(); }, nullptr);
  std::promise<IngestReply> first;
  pipeline_->receive("test", "p", message("q1"), [&](IngestReply r) { first.set_value(std::move(r)); });
  const IngestReply refused = send(message("q2"));
  EXPECT_FALSE(refused.stored);
  EXPECT_EQ(refused.bytes.rfind("ACK|q2|AR\nERR||transient|", 0), 0u) << refused.bytes;
  release.set_value();
  EXPECT_TRUE(first.get_future().get().stored);
  EXPECT_FALSE(send(message("q3"), "no-such-channel").stored);
  // After stop() a message is refused at once, never left without an answer.
  pipeline_->stop();
  const IngestReply after_stop = send(message("q4"));
  EXPECT_FALSE(after_stop.stored);
  EXPECT_EQ(after_stop.bytes.rfind("ACK|q4|AR\n", 0), 0u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inbound_messages"), 1);
}

}  // namespace
}  // namespace socialrx::gateway::ingest
