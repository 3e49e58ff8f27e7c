// `socialrx serve [--config FILE] [--data DIR] [--http HOST:PORT] [--dev]`: the gateway.
// SIGTERM or SIGINT drains (in-flight requests finish, queued writes commit, the outbox worker
// stops) and exits 0.

#include <boost/program_options.hpp>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "gateway/assessment/publish_resources.hpp"
#include "gateway/assessment/questionnaire_library.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/directory/demo_directory.hpp"
#include "gateway/http/server.hpp"
#include "gateway/ingest/dev_channels.hpp"
#include "gateway/ingest/directory_source.hpp"
#include "gateway/ingest/ingest_http.hpp"
#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/ingest/mllp_sources.hpp"
#include "gateway/outbox/delivery_worker.hpp"
#include "gateway/referral/recipient_poller.hpp"
#include "gateway/referral/workflow.hpp"
#include "gateway/rest/capability_statement.hpp"
#include "gateway/rest/fhir_api.hpp"
#include "gateway/storage/write_queue.hpp"
#include "gateway/subscription/rest_hook_transport.hpp"
#include "gateway/subscription/subscription_notifier.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultConfig = "conf/gateway.jsonc";

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

struct ServeOptions {
  std::string config_path;
  bool config_given = false;
  std::string data_dir = "var";
  std::string http;
  std::string mllp;
  bool dev = false;
};

// Blocks SIGTERM and SIGINT in every thread, then waits for one on its own thread.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  void start(std::function<void()> on_signal) {
    thread_ = std::thread([this, on_signal = std::move(on_signal)] {
      int signal = 0;
      sigwait(&signals_, &signal);
      on_signal();
    });
  }
  // Returns once the waiting thread has ended (and its on_signal with it).
  void finish() {
    if (thread_.joinable()) {
      pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
      thread_.join();
    }
  }
  ~SignalWaiter() { finish(); }

 private:
  sigset_t signals_{};
  std::thread thread_;
};

// --mllp sets the listen address of the one MLLP channel: the --dev ssmix2 channel, or else the
// only configured channel with an mllp source. "" when applied, else why not.
std::string apply_mllp_flag(const ServeOptions& options, std::vector<ingest::ChannelOptions>& configured,
                            std::optional<ingest::ChannelOptions>& dev_channel) {
  std::string host;
  std::uint16_t port = 0;
  config::parse_listen_address(options.mllp, "--mllp", host, port);
  if (options.dev && !is_loopback(host)) return "--dev listens on loopback addresses only, not " + host;
  std::vector<ingest::ChannelOptions*> mllp_channels;
  if (dev_channel) mllp_channels.push_back(&*dev_channel);
  for (auto& channel : configured) {
    if (channel.source.kind == ingest::ChannelSource::Kind::mllp) mllp_channels.push_back(&channel);
  }
  if (mllp_channels.empty()) return "no channel has an MLLP source";
  if (mllp_channels.size() > 1 && !dev_channel) {
    return "several channels have MLLP sources; set each one's source.mllp in the configuration";
  }
  mllp_channels.front()->source.mllp_listen = options.mllp;
  return {};
}

int serve(const ServeOptions& options, Streams streams) {
  // First, before any thread exists (the database writer, the I/O threads), so that every thread
  // inherits the blocked mask and SIGTERM reaches only the waiter.
  SignalWaiter signals;
  config::GatewayConfig settings;
  if (options.config_given || std::filesystem::exists(options.config_path)) {
    settings = config::load_config(options.config_path);
  }
  if (!options.http.empty()) {
    config::parse_listen_address(options.http, "--http", settings.http.host, settings.http.port);
  }
  if (options.dev) {
    if (!is_loopback(settings.http.host)) {
      streams.err << "socialrx serve: --dev listens on loopback addresses only, not "
                  << settings.http.host << '\n';
      return 2;
    }
    settings.backend = storage::Backend::sqlite;  // embedded mode
    streams.err << "\n*** socialrx --dev: AUTHENTICATION IS OFF. Embedded SQLite, loopback only. ***\n"
                   "*** Never use --dev with real patient data.                               ***\n\n";
  } else if (settings.clients.empty()) {
    streams.err << "socialrx serve: warning: no API clients are configured (auth.clients); "
                   "every request except /healthz and /fhir/metadata will get 401\n";
  }

  std::filesystem::create_directories(options.data_dir);
  storage::DatabaseOptions database_options;
  database_options.backend = settings.backend;
  database_options.sqlite_path = (std::filesystem::path(options.data_dir) / settings.sqlite_file).string();
  database_options.postgresql_url = settings.postgresql_url;
  database_options.read_connections = static_cast<std::size_t>(settings.http.threads) * 2;
  auto database = storage::Database::open(database_options);

  storage::ResourceStore store(*database);
  // Subscription notifications are queued at the end of every write job (declared before the
  // WriteQueue, which calls it until it is destroyed).
  subscription::SubscriptionNotifier notifier;
  notifier.set_base_url(settings.base_url);
  storage::WriteQueueOptions write_options;
  write_options.after_job = notifier.observer();
  storage::WriteQueue writes(*database, write_options);
  const auto questionnaires = assessment::QuestionnaireLibrary::load(settings.questionnaires_dir);
  const std::size_t published = assessment::publish_resources(*questionnaires, writes);
  streams.err << "socialrx: " << questionnaires->questionnaire_count() << " Questionnaires loaded from "
              << settings.questionnaires_dir << " (" << published << " new or changed)" << std::endl;
  if (options.dev) directory::load_demo_directory(writes, streams.err);  // conf/directory
  rest::ApiServices services{*database, store, writes, settings.base_url, settings.max_pending_writes,
                             {}, rest::build_capability_statement(!options.dev)};
  services.questionnaires = questionnaires.get();
  services.extract_on_write = settings.extract_on_write;
  // Referral routing rules: a mistake stops the start, naming the file, line and key.
  const referral::Workflow workflow(referral::load_routing_rules(
      settings.routing_rules.empty() ? referral::default_routing_rules_path() : settings.routing_rules));
  services.workflow = &workflow;
  // After the database is ready and before the server takes requests; destroyed (stopped)
  // before the WriteQueue and the database, which are declared before it.
  outbox::Transports transports = outbox::make_transports(settings.outbox);
  transports.emplace(subscription::kRestHookTransport,
                     std::make_unique<subscription::RestHookTransport>(*database, settings.outbox));
  outbox::DeliveryWorker outbox_worker(*database, writes, std::move(transports), settings.outbox);
  outbox_worker.set_dead_letter_hook(notifier.dead_letter_hook());
  outbox_worker.start();
  services.outbox = &outbox_worker;
  // Full recipients' updates come back by polling their servers (stopped before the writer).
  referral::RecipientPoller recipient_poller(*database, writes, workflow, settings.outbox,
                                             std::chrono::milliseconds(settings.recipient_poll_interval_ms));
  recipient_poller.start();
  rest::Authenticator authenticator(settings.clients, !options.dev);
  rest::FhirApi api(services, authenticator);

  // Inbound channels (gateway/ingest): plugins loaded by name; a plugin or mapping problem stops
  // the start, naming the channel. Stopped before the writer (declared after it).
  const std::string plugins_dir =
      settings.ingest.plugins_dir.empty() ? ingest::default_plugins_dir() : settings.ingest.plugins_dir;
  ingest::PluginLoader plugin_loader(plugins_dir);
  std::optional<ingest::ChannelOptions> dev_channel;
  if (options.dev) dev_channel = ingest::dev_ssmix2_channel(settings.ingest.channels, plugins_dir, streams.err);
  if (!options.mllp.empty()) {
    if (std::string problem = apply_mllp_flag(options, settings.ingest.channels, dev_channel); !problem.empty()) {
      streams.err << "socialrx serve: --mllp: " << problem << '\n';
      return 2;
    }
  }
  ingest::IngestPipeline ingest_pipeline(*database, writes, settings.ingest);
  ingest_pipeline.set_workflow(&workflow);
  ingest_pipeline.set_outbox(&outbox_worker);
  ingest_pipeline.load_channels(plugin_loader);
  if (options.dev) {
    if (auto& channel = dev_channel) {
      try {
        const auto& plugin = plugin_loader.load(channel->plugin);
        ingest_pipeline.add_channel(*channel, ingest::make_guarded_codec(plugin, {channel->mapping_file}));
      } catch (const ingest::PluginLoadError& error) {
        streams.err << "socialrx: warning: --dev: the ssmix2 channel is not configured: " << error.what() << '\n';
      }
    }
  }
  ingest_pipeline.start_retention();
  ingest::DirectorySources directory_sources(ingest_pipeline);
  directory_sources.start();
  ingest::IngestHttpHandler ingest_http(ingest_pipeline, *database, authenticator, api);
  // MLLP listeners of the mllp channels; listening before /healthz answers, so that "ready"
  // means every source takes messages.
  ingest::MllpSources mllp_sources(ingest_pipeline);
  mllp_sources.start();
  for (const auto& listener : mllp_sources.listeners()) {
    streams.err << "socialrx: MLLP channel " << listener.channel << " on " << listener.host << ":" << listener.port
                << std::endl;
  }

  http::Server server(settings.http, ingest_http);
  if (settings.base_url.empty()) {  // notifications name resources by the address we listen on
    const bool ipv6 = settings.http.host.find(':') != std::string::npos;
    notifier.set_base_url(std::string(settings.http.tls ? "https" : "http") + "://" + (ipv6 ? "[" : "") +
                          settings.http.host + (ipv6 ? "]" : "") + ":" + std::to_string(server.port()) + "/fhir");
  }
  // MLLP stops taking new frames at once; a message being stored still gets its ACK (wait below).
  signals.start([&server, &mllp_sources] {
    mllp_sources.stop();
    server.stop();
  });
  streams.err << "socialrx: serving FHIR R4 at " << (settings.http.tls ? "https" : "http") << "://"
              << settings.http.host << ":" << server.port() << "/fhir ("
              << (settings.backend == storage::Backend::sqlite ? "SQLite " + database_options.sqlite_path
                                                               : std::string("PostgreSQL"))
              << ")" << std::endl;
  server.run();
  // The signal thread may still be inside server.stop() (run() can return as soon as stop()'s
  // work is posted): it must be done before the Server is destroyed.
  signals.finish();
  mllp_sources.wait();  // every MLLP message in flight answered (its commit needs the writer, still up)
  // Requests have drained; queued writes are still committing. An attempt in flight is cancelled
  // and stays pending (it is sent again at the next start).
  directory_sources.stop();
  ingest_pipeline.stop();  // messages being decoded reach the write queue
  recipient_poller.stop();
  outbox_worker.stop();
  streams.err << "socialrx: stopped" << std::endl;
  return 0;
}

int run(std::span<const std::string> args, Streams streams) {
  ServeOptions options;
  po::options_description description("Options");
  description.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(&options.config_path)->default_value(kDefaultConfig),
      "configuration file (JSONC)")(
      "data", po::value<std::string>(&options.data_dir)->default_value("var"),
      "data directory (SQLite database)")(
      "http", po::value<std::string>(&options.http), "listen address HOST:PORT (default 127.0.0.1:8080)")(
      "mllp", po::value<std::string>(&options.mllp),
      "MLLP listen address HOST:PORT of the HL7 v2 channel (--dev: the ssmix2 channel, default "
      "127.0.0.1:2575; otherwise the one channel with an mllp source)")(
      "dev", po::bool_switch(&options.dev),
      "embedded mode for development: SQLite, loopback only, AUTHENTICATION OFF");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                  .options(description)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    streams.err << "socialrx serve: " << e.what() << '\n';
    return 2;
  }
  if (vm.count("help")) {
    streams.out << "Usage: socialrx serve [OPTIONS]\n\nRuns the FHIR gateway (FHIR base /fhir, "
                   "GET /healthz). SIGTERM drains and exits 0.\n\n"
                << description;
    return 0;
  }
  options.config_given = !vm["config"].defaulted();
  try {
    return serve(options, streams);
  } catch (const std::exception& failure) {  // start-up: configuration, database, listen socket
    streams.err << "socialrx serve: " << failure.what() << '\n';
    return 1;
  }
}

}  // namespace

Command serve_command() {
  return Command{"serve", "run the FHIR gateway (HTTP; --dev for embedded development mode)", run};
}

}  // namespace socialrx::gateway::cli
