#pragma once
// The ingest pipeline: bytes from any source (MLLP, POST /ingest/{channel}, a watched directory)
// → the channel's codec → the inbound store and the channel's destinations, with the reply the
// source sends back. Transport-neutral: a transport calls receive() and sends what `done` gets.
//
// Per message:
//   1. read_header (decode threads, never the writer): unreadable → stored as error, reply =
//      the codec's rejection (AR);
//   2. decode and, when accepted, validate the Bundle with fhir/ and plan its transaction
//      (decode threads): a plugin that threw or returned something that is not a valid
//      transaction Bundle fails this message only (stored as error, AE);
//   3. ONE write job: insert the raw message (a duplicate — same channel, sender and message
//      id — gets the stored original's reply and is not processed again) + apply the Bundle
//      inside a nested savepoint (store / referral destinations) + queue forwards in the outbox +
//      state, outcome and reply bytes; one commit. When the store refuses the Bundle, its
//      savepoint is undone and the message is still stored, as error with the OperationOutcome,
//      and the reply is AE.
//   4. `done` runs after the commit. A reply that says accepted is only ever given for something
//      committed. When nothing could be stored (queue full, database down) `done` gets
//      stored = false: the source must send the message again.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fhir/outcome.hpp"
#include "gateway/ingest/inbound_store.hpp"
#include "gateway/ingest/ingest_options.hpp"
#include "gateway/ingest/plugin_loader.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::outbox {
class DeliveryWorker;
}
namespace socialrx::gateway::referral {
class Workflow;
}

namespace socialrx::gateway::ingest {

struct IngestReply {
  // Committed (now, or earlier for a duplicate). False: nothing was stored and the source must
  // resend; `bytes` is then the codec's rejection with a transient issue, if it could make one.
  bool stored = false;
  bool duplicate = false;
  plugins::Disposition disposition = plugins::Disposition::rejected;
  std::string bytes;          // the codec's acknowledgement (may be empty: no reply format)
  std::int64_t message = 0;   // the inbound_messages id; 0 when not stored
  fhir::Issues issues;        // why, when not accepted (also stored as the outcome)
};

struct Channel {
  ChannelOptions options;
  std::shared_ptr<const GuardedCodec> codec;
};

struct ReprocessSummary {
  std::size_t matched = 0;
  std::size_t processed = 0;   // now in state processed
  std::size_t error = 0;       // now in state error
  std::size_t skipped = 0;     // its channel is not configured (no codec to decode it with)
  std::size_t failed = 0;      // the job could not be committed (state unchanged)
};

class IngestPipeline {
 public:
  IngestPipeline(storage::Database& database, storage::WriteQueue& writes, const IngestOptions& options);
  ~IngestPipeline();  // stop()
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  // Start-up, before receive(): loads every configured channel's plugin and makes its codec.
  // Throws PluginLoadError naming the channel.
  void load_channels(PluginLoader& loader);
  void add_channel(ChannelOptions options, std::shared_ptr<const GuardedCodec> codec);
  void set_workflow(const referral::Workflow* workflow) { workflow_ = workflow; }
  void set_outbox(outbox::DeliveryWorker* outbox) { outbox_ = outbox; }

  const Channel* channel(std::string_view name) const;
  const std::map<std::string, Channel, std::less<>>& channels() const { return channels_; }

  // From any thread; returns at once. `done` runs exactly once, on a decode thread or the
  // writer thread, after the commit (or the failure). An unknown channel: stored = false.
  void receive(std::string_view channel, std::string peer, std::string bytes,
               std::function<void(IngestReply)> done);

  // Decodes stored messages again with the channels' current codecs and applies them, one write
  // job per message; state and outcome are updated, the stored reply is kept (not resent).
  // Blocks; never call it from the writer thread. At most `limit` messages.
  ReprocessSummary reprocess(const MessageFilter& filter, std::size_t limit);

  // Removes processed messages older than retention_days (none when 0). Blocks.
  std::size_t apply_retention();
  // Applies retention now (blocking), then on a thread every `interval` (when retention_days > 0).
  void start_retention(std::chrono::milliseconds interval = std::chrono::hours(1));

  // Finishes the messages being decoded (their jobs are queued), stops the retention thread.
  void stop();

  std::size_t pending() const { return pending_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  storage::Database& database_;
  storage::WriteQueue& writes_;
  IngestOptions options_;
  std::map<std::string, Channel, std::less<>> channels_;
  const referral::Workflow* workflow_ = nullptr;
  outbox::DeliveryWorker* outbox_ = nullptr;
  std::atomic<std::size_t> pending_{0};
};

// Plugin issues → fhir::Issues (the location goes into the expression) and back.
fhir::Issues to_fhir_issues(const std::vector<plugins::PluginIssue>& issues);
std::vector<plugins::PluginIssue> to_plugin_issues(const fhir::Issues& issues);
std::string_view disposition_name(plugins::Disposition disposition);

}  // namespace socialrx::gateway::ingest
