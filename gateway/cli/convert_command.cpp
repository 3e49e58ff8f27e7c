// `socialrx convert --plugin NAME [--mapping FILE] [--plugins-dir DIR] INPUT`: one message
// through a plugin, as an ingest channel would decode it, without storing anything
// (DESIGN.md contract): the FHIR Bundle (JSON) on stdout and exit 0; otherwise an
// OperationOutcome on stdout and exit 1. INPUT "-" reads stdin.

#include <boost/program_options.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fhir/validator.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/cli/command_line.hpp"
#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/ingest/plugin_loader.hpp"
#include "gateway/rest/transaction_runner.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: socialrx convert --plugin NAME [--mapping FILE] [--plugins-dir DIR] INPUT\n\n"
    "Decodes INPUT (a file, or - for stdin) with the plugin and prints the FHIR Bundle (JSON).\n"
    "Exit 1 with an OperationOutcome on stdout when the message cannot be converted; 2 for\n"
    "usage errors and plugins that cannot be loaded.\n\n";

int fail(Streams streams, const fhir::Issues& issues) {
  streams.out << fhir::to_operation_outcome_json(issues) << '\n';
  return 1;
}

int run(std::span<const std::string> args, Streams streams) {
  std::string plugin_name;
  std::string mapping;
  std::string plugins_dir = ingest::default_plugins_dir();
  std::string input;
  CommandLine line;
  line.options.add_options()("help,h", "show this help")(
      "plugin", po::value<std::string>(&plugin_name), "plugin name (a folder in the plugins directory)")(
      "mapping", po::value<std::string>(&mapping), "mapping file (JSONC); default: the plugin's own")(
      "plugins-dir", po::value<std::string>(&plugins_dir), "where plugins are (default: the build tree's)");
  line.positional_options.add_options()("input", po::value<std::string>(&input));
  line.positional.add("input", 1);
  po::variables_map vm;
  if (auto exit_code = parse_command_line(args, line, "convert", kUsage, vm, streams)) return *exit_code;
  if (plugin_name.empty() || input.empty()) {
    streams.err << "socialrx convert: give --plugin and INPUT\n\n" << kUsage;
    return 2;
  }
  std::shared_ptr<const ingest::GuardedCodec> codec;
  try {
    ingest::PluginLoader loader(plugins_dir);
    const auto& plugin = loader.load(plugin_name);
    if (!plugin.descriptor->decodes) throw ingest::PluginLoadError("plugin " + plugin_name + " does not decode");
    plugins::CodecSettings settings;
    if (!mapping.empty()) settings.mapping_file = std::filesystem::absolute(mapping).string();
    codec = ingest::make_guarded_codec(plugin, settings);
  } catch (const std::exception& error) {
    streams.err << "socialrx convert: " << error.what() << '\n';
    return 2;
  }
  std::string bytes;
  if (input == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    bytes = text.str();
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      fhir::Issues issues;
      issues.error(fhir::IssueType::not_found, "", input + ": cannot open the input file");
      return fail(streams, issues);
    }
    std::ostringstream text;
    text << in.rdbuf();
    bytes = text.str();
  }
  plugins::DecodeResult result = codec->decode(bytes);
  fhir::Issues issues = ingest::to_fhir_issues(result.issues);
  if (result.disposition != plugins::Disposition::accepted) {
    if (!issues.has_errors()) issues.error(fhir::IssueType::processing, "", "the plugin did not accept the message");
    return fail(streams, issues);
  }
  // As the pipeline would: a Bundle the gateway would refuse is not a conversion.
  fhir::ParsedResource parsed = fhir::parse_and_validate(result.bundle);
  if (!parsed.document) {
    issues.error(fhir::IssueType::exception, "", "the plugin returned something that is not a FHIR Bundle (JSON)");
    issues.append(parsed.issues);
    return fail(streams, issues);
  }
  const std::string pretty = fhir::json::serialize_pretty(parsed.document->root());
  rest::TransactionPlan planned = rest::plan_transaction(std::move(*parsed.document));
  if (parsed.issues.has_errors() || !planned.plan) {
    issues.error(fhir::IssueType::exception, "", "the plugin returned a Bundle that is not a valid FHIR R4 transaction");
    issues.append(parsed.issues);
    issues.append(planned.problems);
    return fail(streams, issues);
  }
  streams.out << pretty << '\n';
  return 0;
}

}  // namespace

Command convert_command() {
  return Command{"convert", "decode one message with a plugin and print the FHIR Bundle", run};
}

}  // namespace socialrx::gateway::cli
