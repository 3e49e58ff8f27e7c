// `socialrx directory import FILE.csv` and `socialrx directory export [FILE.csv]`: the community
// resource directory (gateway/directory, conf/directory/README.md) in and out of the store the
// gateway serves. Options --config and --data as for `serve`.

#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>

#include "gateway/cli/cli_storage.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/cli/command_line.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/directory/directory_export.hpp"
#include "gateway/directory/directory_import.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultConfig = "conf/gateway.jsonc";
constexpr const char* kUsage =
    "Usage: socialrx directory import FILE.csv [--config FILE] [--data DIR]\n"
    "       socialrx directory export [FILE.csv] [--config FILE] [--data DIR]\n\n"
    "import: every row becomes an Organization, Locations, a HealthcareService (and an Endpoint\n"
    "for a full recipient), upserted on stable identifiers; bad rows are reported on stderr with\n"
    "row, column and problem and skipped. Exit 0 when every row was imported, 1 when a row or the\n"
    "file was refused, 2 on a usage error. UTF-8 (with or without BOM) or CP932.\n"
    "export: the directory as CSV (UTF-8, CRLF) to FILE or stdout. Columns: conf/directory/README.md.\n\n";

struct DirectoryOptions {
  std::string action;
  std::string file;
  std::string config_path;
  bool config_given = false;
  std::string data_dir = "var";
};

// Opens the store `serve` would open with the same --config and --data.
std::unique_ptr<storage::Database> open_database(const DirectoryOptions& options) {
  return open_store(load_cli_config(options.config_path, options.config_given), options.data_dir);
}

int import_file(const DirectoryOptions& options, Streams streams) {
  auto database = open_database(options);
  directory::ImportSummary summary;
  {
    storage::WriteQueue writes(*database);
    summary = directory::import_directory_file(options.file, writes, streams.err);
  }
  streams.err << "socialrx directory import: " << directory::summary_line(options.file, summary) << '\n';
  return summary.clean() ? 0 : 1;
}

int export_file(const DirectoryOptions& options, Streams streams) {
  auto database = open_database(options);
  if (options.file.empty()) {
    const auto summary = directory::export_directory(*database, streams.out, streams.err);
    streams.out.flush();
    streams.err << "socialrx directory export: " << summary.rows << " rows\n";
    return summary.skipped == 0 ? 0 : 1;
  }
  std::ofstream out(options.file, std::ios::binary | std::ios::trunc);
  if (!out) {
    streams.err << "socialrx directory export: cannot write " << options.file << '\n';
    return 1;
  }
  const auto summary = directory::export_directory(*database, out, streams.err);
  out.close();
  if (!out) {
    streams.err << "socialrx directory export: writing " << options.file << " failed\n";
    return 1;
  }
  streams.err << "socialrx directory export: " << summary.rows << " rows to " << options.file << '\n';
  return summary.skipped == 0 ? 0 : 1;
}

int run(std::span<const std::string> args, Streams streams) {
  DirectoryOptions options;
  CommandLine line;
  line.options.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(&options.config_path)->default_value(kDefaultConfig),
      "configuration file (JSONC), for the storage settings")(
      "data", po::value<std::string>(&options.data_dir)->default_value("var"),
      "data directory (SQLite database)");
  line.positional_options.add_options()("action", po::value<std::string>(&options.action))(
      "file", po::value<std::string>(&options.file));
  line.positional.add("action", 1).add("file", 1);
  po::variables_map vm;
  if (auto exit_code = parse_command_line(args, line, "directory", kUsage, vm, streams)) return *exit_code;
  options.config_given = !vm["config"].defaulted();
  if (options.action != "import" && options.action != "export") {
    streams.err << "socialrx directory: say import or export\n\n" << kUsage;
    return 2;
  }
  if (options.action == "import" && options.file.empty()) {
    streams.err << "socialrx directory import: which FILE.csv?\n\n" << kUsage;
    return 2;
  }
  try {
    return options.action == "import" ? import_file(options, streams) : export_file(options, streams);
  } catch (const std::exception& failure) {  // configuration or database at start-up
    streams.err << "socialrx directory " << options.action << ": " << failure.what() << '\n';
    return 1;
  }
}

}  // namespace

Command directory_command() {
  return Command{"directory", "import or export the community resource directory (CSV)", run};
}

}  // namespace socialrx::gateway::cli
