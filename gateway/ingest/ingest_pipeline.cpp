#include "gateway/ingest/ingest_pipeline.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "fhir/validator.hpp"
#include "gateway/outbox/delivery_worker.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/transaction_runner.hpp"
#include "gateway/rest/write_errors.hpp"

namespace socialrx::gateway::ingest {
namespace {

using plugins::Disposition;
using plugins::PluginIssue;

fhir::IssueType issue_type(std::string_view code) {
  static const std::map<std::string_view, fhir::IssueType> kCodes{
      {"invalid", fhir::IssueType::invalid},           {"structure", fhir::IssueType::structure},
      {"required", fhir::IssueType::required},         {"value", fhir::IssueType::value},
      {"invariant", fhir::IssueType::invariant},       {"processing", fhir::IssueType::processing},
      {"not-supported", fhir::IssueType::not_supported}, {"duplicate", fhir::IssueType::duplicate},
      {"not-found", fhir::IssueType::not_found},       {"too-long", fhir::IssueType::too_long},
      {"code-invalid", fhir::IssueType::code_invalid}, {"business-rule", fhir::IssueType::business_rule},
      {"conflict", fhir::IssueType::conflict},         {"transient", fhir::IssueType::transient},
      {"exception", fhir::IssueType::exception},       {"timeout", fhir::IssueType::timeout},
      {"security", fhir::IssueType::security},         {"multiple-matches", fhir::IssueType::multiple_matches},
  };
  const auto found = kCodes.find(code);
  return found != kCodes.end() ? found->second : fhir::IssueType::invalid;
}

fhir::Severity severity_of(PluginIssue::Severity severity) {
  switch (severity) {
    case PluginIssue::Severity::error: return fhir::Severity::error;
    case PluginIssue::Severity::warning: return fhir::Severity::warning;
    case PluginIssue::Severity::information: return fhir::Severity::information;
  }
  return fhir::Severity::error;
}

fhir::Issues one_issue(fhir::IssueType code, std::string diagnostics) {
  fhir::Issues issues;
  issues.error(code, "", std::move(diagnostics));
  return issues;
}

// What the decode threads make of a message before its write job.
struct Decoded {
  plugins::MessageHeader header;
  Disposition disposition = Disposition::rejected;
  fhir::Issues issues;                                   // plugin issues and Bundle problems
  std::shared_ptr<rest::PlannedTransaction> plan;        // accepted and applying: the transaction
  std::string ack;                                       // the reply for `disposition`
};

// decode + validation + plan: everything except the database.
void decode_message(const Channel& channel, std::string_view bytes, Decoded& decoded) {
  const GuardedCodec& codec = *channel.codec;
  plugins::DecodeResult result = codec.decode(bytes);
  decoded.disposition = result.disposition;
  decoded.issues.append(to_fhir_issues(result.issues));
  if (result.disposition != Disposition::accepted) return;
  if (!channel.options.store && !channel.options.referral) return;  // forward only
  fhir::ParsedResource parsed = fhir::parse_and_validate_owned(std::move(result.bundle));
  fhir::Issues problems;
  if (!parsed.document) {
    problems.error(fhir::IssueType::exception, "",
                   "the " + codec.plugin_name() + " plugin returned something that is not a FHIR Bundle (JSON)");
  } else {
    rest::TransactionPlan planned = rest::plan_transaction(std::move(*parsed.document));
    if (planned.plan && !parsed.issues.has_errors()) {
      decoded.plan = std::move(planned.plan);
      return;
    }
    problems.error(fhir::IssueType::exception, "",
                   "the " + codec.plugin_name() + " plugin returned a Bundle that is not a valid FHIR R4 transaction");
    problems.append(parsed.issues);
    problems.append(planned.problems);
  }
  // Not the sender's fault, but the message cannot be processed as it is: stored as error until
  // the plugin or its mapping is fixed and it is reprocessed.
  decoded.disposition = Disposition::data_error;
  decoded.issues.append(problems);
}

std::string outcome_json(const fhir::Issues& issues) { return fhir::to_operation_outcome_json(issues); }

// Only an accepted message is applied to its destinations.
bool is_stored_state(Disposition disposition) { return disposition == Disposition::accepted; }

// The outbox transport a forward URL names by its scheme.
outbox::OutgoingMessage forward_message(const std::string& url, std::int64_t message, std::string_view raw,
                                        const std::string& channel) {
  outbox::OutgoingMessage out;
  out.destination = url;
  const std::size_t scheme = url.find("://");
  const std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
  out.transport = name == "http" || name == "https" ? "fhir-rest"
                  : name == "mllps"                  ? "mllp"  // the mllp transport speaks TLS for mllps://
                                                     : name;   // mllp, file
  out.method = "POST";
  out.path = "";
  out.body = std::string(raw);
  out.content_type = "application/octet-stream";
  // One message, one delivery per destination, whatever replays: the row id is unique.
  out.idempotency_key = "ingest-forward:" + std::to_string(message) + ":" + url;
  // A channel's messages reach each destination in the order they arrived (HL7 ADT order matters).
  out.ordering_key = "ingest:" + channel + "@" + url;
  return out;
}

// Applies what was decoded inside the caller's job, under its own savepoint: a store refusal
// undoes only this, and the message row stays. Returns false (with issues) when refused.
bool apply_decoded(storage::WriteTransaction& transaction, const Channel& channel, Decoded& decoded,
                   std::int64_t message, std::string_view raw, const referral::Workflow* workflow,
                   bool& forwarded) {
  storage::Connection& connection = transaction.connection();
  connection.execute("SAVEPOINT socialrx_ingest_apply");
  try {
    if (decoded.plan) {
      rest::Principal principal{"ingest:" + channel.options.name, {}, {}};
      rest::WorkflowHooks hooks(channel.options.referral ? workflow : nullptr, principal);
      rest::run_planned_transaction(transaction, *decoded.plan, hooks);
    }
    for (const std::string& url : channel.options.forward) {
      forwarded = outbox::enqueue(transaction, forward_message(url, message, raw, channel.options.name)) || forwarded;
    }
    connection.execute("RELEASE SAVEPOINT socialrx_ingest_apply");
    return true;
  } catch (const storage::DatabaseError& error) {
    if (!error.constraint_violation) throw;  // the transaction itself may be broken: the job fails
    connection.execute("ROLLBACK TO SAVEPOINT socialrx_ingest_apply");
    connection.execute("RELEASE SAVEPOINT socialrx_ingest_apply");
    decoded.issues.append(rest::describe_write_failure(std::current_exception()).issues);
  } catch (...) {
    connection.execute("ROLLBACK TO SAVEPOINT socialrx_ingest_apply");
    connection.execute("RELEASE SAVEPOINT socialrx_ingest_apply");
    decoded.issues.append(rest::describe_write_failure(std::current_exception()).issues);
  }
  forwarded = false;
  decoded.disposition = Disposition::data_error;
  return false;
}

}  // namespace

std::string_view disposition_name(Disposition disposition) {
  switch (disposition) {
    case Disposition::accepted: return "accepted";
    case Disposition::data_error: return "data_error";
    case Disposition::rejected: return "rejected";
  }
  return "rejected";
}

Disposition parse_disposition(std::string_view name) {
  if (name == "accepted") return Disposition::accepted;
  if (name == "data_error") return Disposition::data_error;
  return Disposition::rejected;
}

fhir::Issues to_fhir_issues(const std::vector<PluginIssue>& issues) {
  fhir::Issues out;
  for (const PluginIssue& issue : issues) {
    out.add(severity_of(issue.severity), issue_type(issue.code), issue.location, issue.diagnostics);
  }
  return out;
}

std::vector<PluginIssue> to_plugin_issues(const fhir::Issues& issues) {
  std::vector<PluginIssue> out;
  for (const fhir::Issue& issue : issues) {
    PluginIssue item;
    item.severity = issue.severity == fhir::Severity::warning       ? PluginIssue::Severity::warning
                    : issue.severity == fhir::Severity::information ? PluginIssue::Severity::information
                                                                    : PluginIssue::Severity::error;
    item.code = std::string(fhir::to_code(issue.code));
    item.location = issue.expression;
    item.diagnostics = issue.diagnostics;
    out.push_back(std::move(item));
  }
  return out;
}

struct IngestPipeline::Impl {
  explicit Impl(int threads) : pool(static_cast<std::size_t>(std::max(1, threads))) {}
  boost::asio::thread_pool pool;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool stopped = false;
  std::atomic<bool> closed{false};  // receive() refuses from now on
  std::thread retention;
};

IngestPipeline::IngestPipeline(storage::Database& database, storage::WriteQueue& writes,
                               const IngestOptions& options)
    : impl_(std::make_unique<Impl>(options.decode_threads)),
      database_(database),
      writes_(writes),
      options_(options) {}

IngestPipeline::~IngestPipeline() { stop(); }

void IngestPipeline::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->stopping = true;
    impl_->closed = true;
  }
  impl_->wake.notify_all();
  if (impl_->retention.joinable()) impl_->retention.join();
  impl_->pool.join();  // queued decodes finish; their jobs are in the write queue
}

void IngestPipeline::load_channels(PluginLoader& loader) {
  for (const ChannelOptions& options : options_.channels) {
    try {
      const LoadedPlugin& plugin = loader.load(options.plugin);
      if (!plugin.descriptor->decodes) {
        throw PluginLoadError("plugin " + plugin.name + " does not decode messages");
      }
      plugins::CodecSettings settings;
      settings.mapping_file = options.mapping_file;
      add_channel(options, make_guarded_codec(plugin, settings));
    } catch (const PluginLoadError& error) {
      throw PluginLoadError("ingest channel " + options.name + ": " + error.what());
    }
  }
}

void IngestPipeline::add_channel(ChannelOptions options, std::shared_ptr<const GuardedCodec> codec) {
  std::string name = options.name;
  channels_[name] = Channel{std::move(options), std::move(codec)};
}

const Channel* IngestPipeline::channel(std::string_view name) const {
  const auto found = channels_.find(name);
  return found != channels_.end() ? &found->second : nullptr;
}

void IngestPipeline::receive(std::string_view channel_name, std::string peer, std::string bytes,
                             std::function<void(IngestReply)> done) {
  const Channel* channel = this->channel(channel_name);
  if (channel == nullptr) {
    IngestReply reply;
    reply.issues = one_issue(fhir::IssueType::not_found, "no such ingest channel");
    done(std::move(reply));
    return;
  }
  // After stop() nothing runs posted work any more: refuse instead of never answering.
  const bool stopping = impl_->closed.load();
  bool refused = stopping;
  if (!refused && pending_.fetch_add(1) >= options_.max_pending) {
    pending_.fetch_sub(1);
    refused = true;
  }
  if (refused) {
    IngestReply reply;
    reply.issues = one_issue(fhir::IssueType::transient,
                             stopping ? "the gateway is stopping; nothing was stored, send it again shortly"
                                      : "too many messages are waiting to be stored; nothing was stored, send it again shortly");
    reply.bytes = channel->codec->acknowledge(bytes, Disposition::rejected, to_plugin_issues(reply.issues));
    done(std::move(reply));
    return;
  }
  struct Work {
    std::string peer;
    std::string bytes;
    std::function<void(IngestReply)> done;
    std::int64_t received_ms = now_ms();
    Decoded decoded;
  };
  auto work = std::make_shared<Work>();
  work->peer = std::move(peer);
  work->bytes = std::move(bytes);
  work->done = std::move(done);
  boost::asio::post(impl_->pool, [this, channel, work] {
    const GuardedCodec& codec = *channel->codec;
    Decoded& decoded = work->decoded;
    decoded.header = codec.read_header(work->bytes);
    if (!decoded.header.readable) {
      decoded.disposition = Disposition::rejected;
      decoded.issues = to_fhir_issues(decoded.header.issues);
      if (decoded.issues.empty()) {
        decoded.issues.error(fhir::IssueType::structure, "", "the message header could not be read");
      }
    } else {
      decode_message(*channel, work->bytes, decoded);
    }
    decoded.ack = codec.acknowledge(work->bytes, decoded.disposition, to_plugin_issues(decoded.issues));

    auto reply = std::make_shared<IngestReply>();
    writes_.submit(
        [this, channel, work, reply](storage::WriteTransaction& transaction) {
          Decoded& decoded = work->decoded;
          ArrivedMessage arrived;
          arrived.channel = channel->options.name;
          if (decoded.header.readable) {
            arrived.sender = decoded.header.sender;
            arrived.message_id = decoded.header.message_id;
          }
          arrived.received_ms = work->received_ms;
          arrived.peer = work->peer;
          arrived.charset = decoded.header.charset;
          arrived.message_type = decoded.header.message_type;
          arrived.raw = work->bytes;
          // Stored with the result expected now; updated below only when applying fails.
          arrived.state = decoded.disposition == Disposition::accepted ? MessageState::processed : MessageState::error;
          arrived.disposition = std::string(disposition_name(decoded.disposition));
          arrived.outcome = outcome_json(decoded.issues);
          arrived.ack = decoded.ack;
          arrived.processed_ms = now_ms();
          InsertOutcome inserted = insert_message(transaction, arrived);
          *reply = IngestReply{};
          reply->message = inserted.id;
          if (inserted.duplicate) {
            // The sender did not get (or lost) our reply: the same reply again, nothing redone.
            reply->duplicate = true;
            reply->disposition = parse_disposition(inserted.original->disposition);
            reply->bytes = inserted.original->ack;
            return;
          }
          bool forwarded = false;
          if (is_stored_state(decoded.disposition) &&
              !apply_decoded(transaction, *channel, decoded, inserted.id, work->bytes, workflow_, forwarded)) {
            // Refused by the store: the reply made before no longer holds (on the writer thread,
            // but rare, and guarded like every codec call).
            decoded.ack = channel->codec->acknowledge(work->bytes, decoded.disposition,
                                                      to_plugin_issues(decoded.issues));
            // The row as inserted said processed: corrected, as the same attempt.
            ProcessingRecord record;
            record.id = inserted.id;
            record.state = MessageState::error;
            record.disposition = std::string(disposition_name(decoded.disposition));
            record.outcome = outcome_json(decoded.issues);
            record.ack = decoded.ack;
            record.processed_ms = now_ms();
            record.new_attempt = false;
            record_processing(transaction, record);
          }
          reply->disposition = decoded.disposition;
          reply->bytes = decoded.ack;
          reply->issues = decoded.issues;
        },
        [this, channel, work, reply](std::exception_ptr error) {
          IngestReply out;
          if (error) {
            // Nothing of this message is committed: no positive reply may go out.
            rest::describe_write_failure(error);  // logs a database failure (no personal data)
            out.issues = one_issue(fhir::IssueType::transient,
                                   "the message could not be stored; nothing was stored, send it again");
            out.bytes = channel->codec->acknowledge(work->bytes, Disposition::rejected,
                                                    to_plugin_issues(out.issues));
          } else {
            out = std::move(*reply);
            out.stored = true;
            if (outbox_ != nullptr && !channel->options.forward.empty()) outbox_->notify();
          }
          pending_.fetch_sub(1);
          try {
            work->done(std::move(out));
          } catch (...) {
            std::cerr << "socialrx: ingest: a reply callback threw\n";
          }
        });
  });
}

ReprocessSummary IngestPipeline::reprocess(const MessageFilter& filter, std::size_t limit) {
  ReprocessSummary summary;
  std::int64_t after = 0;
  while (summary.matched < limit) {
    const std::size_t page = std::min<std::size_t>(100, limit - summary.matched);
    const auto messages = find_messages(*database_.reader(), filter, page, true, after);
    if (messages.empty()) break;
    for (const InboundMessage& message : messages) {
      after = message.id;
      ++summary.matched;
      const Channel* channel = this->channel(message.channel);
      if (channel == nullptr) {
        ++summary.skipped;
        continue;
      }
      auto decoded = std::make_shared<Decoded>();
      decoded->header = channel->codec->read_header(message.raw);
      if (!decoded->header.readable) {
        decoded->disposition = Disposition::rejected;
        decoded->issues = to_fhir_issues(decoded->header.issues);
      } else {
        decode_message(*channel, message.raw, *decoded);
      }
      std::promise<void> finished;
      auto future = finished.get_future();
      bool forwarded = false;
      writes_.submit(
          [this, channel, decoded, &message, &forwarded](storage::WriteTransaction& transaction) {
            // Forwards are queued again with the same idempotency keys (message id and URL): one
            // already in the outbox is not queued twice, and one that a failed first attempt
            // never queued is sent now.
            if (is_stored_state(decoded->disposition)) {
              apply_decoded(transaction, *channel, *decoded, message.id, message.raw, workflow_, forwarded);
            }
            ProcessingRecord record;
            record.id = message.id;
            record.state =
                decoded->disposition == Disposition::accepted ? MessageState::processed : MessageState::error;
            record.disposition = std::string(disposition_name(decoded->disposition));
            record.outcome = outcome_json(decoded->issues);
            record.processed_ms = now_ms();
            record_processing(transaction, record);
          },
          [&finished](std::exception_ptr error) {
            if (error) {
              finished.set_exception(error);
            } else {
              finished.set_value();
            }
          });
      try {
        future.get();
        if (forwarded && outbox_ != nullptr) outbox_->notify();
        if (decoded->disposition == Disposition::accepted) {
          ++summary.processed;
        } else {
          ++summary.error;
        }
      } catch (const std::exception& failure) {
        std::cerr << "socialrx: reprocess: message " << message.id << " could not be stored: " << failure.what() << '\n';
        ++summary.failed;
      }
    }
  }
  return summary;
}

std::size_t IngestPipeline::apply_retention() {
  if (options_.retention_days <= 0) return 0;
  const std::int64_t cutoff = now_ms() - static_cast<std::int64_t>(options_.retention_days) * 86'400'000;
  std::size_t removed = 0;
  writes_.run([&](storage::WriteTransaction& transaction) { removed = remove_processed_before(transaction, cutoff); });
  return removed;
}

void IngestPipeline::start_retention(std::chrono::milliseconds interval) {
  if (options_.retention_days <= 0 || impl_->retention.joinable()) return;
  const auto pass = [this] {
    try {
      const std::size_t removed = apply_retention();
      if (removed > 0) {
        std::cerr << "socialrx: ingest retention: " << removed << " processed message(s) older than "
                  << options_.retention_days << " days removed" << std::endl;
      }
    } catch (const std::exception& failure) {
      std::cerr << "socialrx: ingest retention failed: " << failure.what() << std::endl;
    }
  };
  pass();  // at start, before sources take messages
  impl_->retention = std::thread([this, interval, pass] {
    std::unique_lock lock(impl_->mutex);
    while (!impl_->wake.wait_for(lock, interval, [this] { return impl_->stopping; })) {
      lock.unlock();
      pass();
      lock.lock();
    }
  });
}

}  // namespace socialrx::gateway::ingest
