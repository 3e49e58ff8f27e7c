// `socialrx import ssmix2 ROOT [--channel NAME] [--mapping FILE] [--parallel N] [--config F]
// [--data D]`: imports an SS-MIX2 standardized storage tree (gateway/ingest/ssmix2_storage.hpp)
// through the ingest pipeline, with a progress line (rate, ETA) on standard error. Files whose
// condition flag is 0 (deleted) and data kinds socialrx does not map are counted and left alone.
// Safe to re-run: what an earlier run stored is recognised (channel, sender, MSH-10) and not
// processed again. Messages that fail are stored as error, to `socialrx reprocess` after a fix.

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

#include "gateway/cli/cli_storage.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/cli/command_line.hpp"
#include "gateway/cli/progress_bar.hpp"
#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/ingest/ssmix2_import.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultChannel = "ssmix2-import";
constexpr const char* kUsage =
    "Usage: socialrx import ssmix2 ROOT [--channel NAME] [--mapping FILE] [--parallel N]\n"
    "                                   [--config FILE] [--data DIR]\n\n"
    "Imports the SS-MIX2 storage tree under ROOT: every valid file (condition flag 1) of the kinds\n"
    "socialrx maps (ADT-00, ADT-12, ADT-22, ADT-52, PPR-01), a patient's files in storage order.\n"
    "Each file is stored in the inbound store on channel NAME (default ssmix2-import; a configured\n"
    "channel of that name lends its plugin, mapping and destinations, otherwise the hl7v2 plugin\n"
    "with the shipped SS-MIX2 mapping stores the resources) and processed in the same commit.\n"
    "Re-running skips what was stored before. Exit 0 when every file was imported or was there\n"
    "already, 1 when some failed (they wait in state error for `socialrx reprocess`).\n\n";

struct ImportOptions {
  std::string format;
  std::string root;
  std::string channel = kDefaultChannel;
  std::string mapping;
  int parallel = 4;
  std::string config_path = "conf/gateway.jsonc";
  bool config_given = false;
  std::string data_dir = "var";
};

// The channel the files arrive on: the configured one of that name, or the default import channel.
ingest::ChannelOptions import_channel(const config::GatewayConfig& settings, const ImportOptions& options) {
  for (const auto& channel : settings.ingest.channels) {
    if (channel.name == options.channel) {
      ingest::ChannelOptions chosen = channel;
      if (!options.mapping.empty()) chosen.mapping_file = std::filesystem::absolute(options.mapping).string();
      return chosen;
    }
  }
  ingest::ChannelOptions channel;
  channel.name = options.channel;
  channel.plugin = "hl7v2";
  channel.mapping_file = options.mapping.empty() ? "" : std::filesystem::absolute(options.mapping).string();
  channel.store = true;
  return channel;
}

int import_ssmix2(const ImportOptions& options, Streams streams) {
  const config::GatewayConfig settings = load_cli_config(options.config_path, options.config_given);
  const ingest::ssmix2::StorageScan scan = ingest::ssmix2::scan(options.root);
  streams.err << "socialrx import ssmix2: " << scan.to_import.size() << " files to import; left alone: "
              << scan.deleted << " deleted (flag 0), " << scan.other_kinds << " of kinds not mapped, "
              << scan.not_storage_files << " not SS-MIX2 storage files\n";

  auto database = open_store(settings, options.data_dir, 2);
  storage::WriteQueue writes(*database);
  const std::string plugins_dir =
      settings.ingest.plugins_dir.empty() ? ingest::default_plugins_dir() : settings.ingest.plugins_dir;
  ingest::PluginLoader loader(plugins_dir);
  ingest::IngestPipeline pipeline(*database, writes, settings.ingest);
  const ingest::ChannelOptions channel = import_channel(settings, options);
  pipeline.add_channel(channel, ingest::make_guarded_codec(loader.load(channel.plugin), {channel.mapping_file}));

  ProgressBar progress(streams.err, scan.to_import.size(), "files", stderr_is_terminal());
  const ingest::ssmix2::ImportSummary summary = ingest::ssmix2::import_files(
      pipeline, channel.name, options.root, scan, options.parallel, [&progress] { progress.advance(); });
  progress.finish();
  pipeline.stop();

  streams.out << "imported " << summary.imported << ", already there " << summary.duplicates << ", data errors "
              << summary.data_errors << ", rejected " << summary.rejected << ", not stored " << summary.not_stored
              << ", unreadable files " << summary.unreadable_files << ", deleted (flag 0) " << scan.deleted
              << ", kinds not mapped " << scan.other_kinds << '\n';
  const std::size_t failed = summary.data_errors + summary.rejected + summary.not_stored + summary.unreadable_files;
  if (summary.data_errors + summary.rejected > 0) {
    streams.err << "socialrx import ssmix2: failed messages are stored in state error; after a fix run\n"
                << "  socialrx reprocess --channel " << channel.name << '\n';
  }
  return failed == 0 ? 0 : 1;
}

int run(std::span<const std::string> args, Streams streams) {
  ImportOptions options;
  CommandLine line;
  line.options.add_options()("help,h", "show this help")(
      "channel", po::value<std::string>(&options.channel)->default_value(kDefaultChannel), "inbound channel name")(
      "mapping", po::value<std::string>(&options.mapping), "mapping file (default: the channel's, or the shipped one)")(
      "parallel", po::value<int>(&options.parallel)->default_value(4), "patients imported at a time")(
      "config", po::value<std::string>(&options.config_path)->default_value("conf/gateway.jsonc"),
      "configuration file (JSONC)")(
      "data", po::value<std::string>(&options.data_dir)->default_value("var"), "data directory (SQLite database)");
  line.positional_options.add_options()("format", po::value<std::string>(&options.format))(
      "root", po::value<std::string>(&options.root));
  line.positional.add("format", 1).add("root", 1);
  po::variables_map vm;
  if (auto exit_code = parse_command_line(args, line, "import", kUsage, vm, streams)) return *exit_code;
  if (options.format != "ssmix2" || options.root.empty()) {
    streams.err << "socialrx import: say ssmix2 and the storage root\n\n" << kUsage;
    return 2;
  }
  if (options.parallel < 1 || options.parallel > 64) {
    streams.err << "socialrx import: --parallel is 1 to 64\n";
    return 2;
  }
  options.config_given = !vm["config"].defaulted();
  try {
    return import_ssmix2(options, streams);
  } catch (const std::exception& failure) {  // configuration, plugin, database, unreadable root
    streams.err << "socialrx import ssmix2: " << failure.what() << '\n';
    return 1;
  }
}

}  // namespace

Command import_command() {
  return Command{"import", "import an SS-MIX2 storage tree (import ssmix2 ROOT)", run};
}

}  // namespace socialrx::gateway::cli
