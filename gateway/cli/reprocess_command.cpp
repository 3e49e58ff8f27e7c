// `socialrx reprocess [--channel C] [--state S] [--since T] [--until T] [--id N] [--limit N]
// [--dev] [--config F] [--data D]`: runs stored inbound messages (gateway/ingest) again with the
// channels' current plugins and mappings — after a mapping fix — one write job per message, and
// updates their state and outcome (the reply the source got is not sent again). Without
// filters: every message in state error. --dev adds the channels `serve --dev` has.

#include <boost/program_options.hpp>

#include <iostream>

#include "gateway/cli/cli_storage.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/cli/command_line.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/ingest/dev_channels.hpp"
#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/ingest/message_filter_text.hpp"
#include "gateway/referral/workflow.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultConfig = "conf/gateway.jsonc";
constexpr const char* kUsage =
    "Usage: socialrx reprocess [--channel C] [--state received|processed|error] [--since T]\n"
    "                          [--until T] [--id N] [--limit N] [--dev] [--config FILE] [--data DIR]\n\n"
    "Decodes the stored inbound messages that match again, with the channels' current plugin and\n"
    "mapping, and applies them (one transaction per message). Without --state or --id: messages in\n"
    "state error. T is a date, dateTime or instant (2026-12-01T09:00:00+09:00) or epoch ms; --since\n"
    "is inclusive, --until exclusive. Prints matched, processed, error, skipped (channel not\n"
    "configured) and failed (not stored) counts; exit 1 when any failed.\n\n";

int run(std::span<const std::string> args, Streams streams) {
  std::string config_path = kDefaultConfig;
  std::string data_dir = "var";
  std::size_t limit = 100'000;
  bool dev = false;
  std::vector<std::pair<std::string, std::string>> filters;
  CommandLine line;
  line.options.add_options()("help,h", "show this help")(
      "channel", po::value<std::string>()->notifier([&](const std::string& v) { filters.emplace_back("channel", v); }),
      "only this channel")(
      "state", po::value<std::string>()->notifier([&](const std::string& v) { filters.emplace_back("state", v); }),
      "only messages in this state (default: error)")(
      "since", po::value<std::string>()->notifier([&](const std::string& v) { filters.emplace_back("since", v); }),
      "received at or after T")(
      "until", po::value<std::string>()->notifier([&](const std::string& v) { filters.emplace_back("until", v); }),
      "received before T")(
      "id", po::value<std::string>()->notifier([&](const std::string& v) { filters.emplace_back("id", v); }),
      "only this message")(
      "limit", po::value<std::size_t>(&limit)->default_value(100'000), "at most N messages")(
      "dev", po::bool_switch(&dev), "also the channels of `serve --dev`")(
      "config", po::value<std::string>(&config_path)->default_value(kDefaultConfig), "configuration file (JSONC)")(
      "data", po::value<std::string>(&data_dir)->default_value("var"), "data directory (SQLite database)");
  po::variables_map vm;
  if (auto exit_code = parse_command_line(args, line, "reprocess", kUsage, vm, streams)) return *exit_code;
  ingest::MessageFilter filter;
  for (const auto& [name, value] : filters) {
    if (std::string problem = ingest::set_filter_field(name, value, filter); !problem.empty()) {
      streams.err << "socialrx reprocess: --" << problem << '\n';
      return 2;
    }
  }
  if (!filter.state && !filter.id) filter.state = ingest::MessageState::error;
  try {
    config::GatewayConfig settings = load_cli_config(config_path, !vm["config"].defaulted());
    if (dev) settings.backend = storage::Backend::sqlite;
    auto database = open_store(settings, data_dir, 2);
    storage::WriteQueue writes(*database);
    const referral::Workflow workflow(referral::load_routing_rules(
        settings.routing_rules.empty() ? referral::default_routing_rules_path() : settings.routing_rules));
    const std::string plugins_dir =
        settings.ingest.plugins_dir.empty() ? ingest::default_plugins_dir() : settings.ingest.plugins_dir;
    ingest::PluginLoader loader(plugins_dir);
    ingest::IngestPipeline pipeline(*database, writes, settings.ingest);
    pipeline.set_workflow(&workflow);
    pipeline.load_channels(loader);
    if (dev) {
      if (auto channel = ingest::dev_ssmix2_channel(settings.ingest.channels, plugins_dir, streams.err)) {
        pipeline.add_channel(*channel, ingest::make_guarded_codec(loader.load(channel->plugin), {channel->mapping_file}));
      }
    }
    const ingest::ReprocessSummary summary = pipeline.reprocess(filter, limit);
    pipeline.stop();
    streams.out << "matched " << summary.matched << ", processed " << summary.processed << ", error "
                << summary.error << ", skipped " << summary.skipped << ", failed " << summary.failed << '\n';
    return summary.failed == 0 ? 0 : 1;
  } catch (const std::exception& failure) {  // configuration, plugins, database
    streams.err << "socialrx reprocess: " << failure.what() << '\n';
    return 1;
  }
}

}  // namespace

Command reprocess_command() {
  return Command{"reprocess", "run stored inbound messages again (after a mapping fix)", run};
}

}  // namespace socialrx::gateway::cli
