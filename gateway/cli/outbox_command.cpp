// `socialrx outbox list [--state S]` and `socialrx outbox retry ID|--dead`: look at the outbox
// (gateway/outbox) of the store `serve` uses, and put dead messages back in line by hand after
// the cause was fixed. A running `serve` picks retried messages up within its poll interval.
// Options --config and --data as for `serve`.

#include <boost/program_options.hpp>

#include <charconv>
#include <ctime>
#include <iomanip>
#include <iostream>

#include "gateway/cli/cli_storage.hpp"
#include "gateway/cli/command.hpp"
#include "gateway/cli/command_line.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultConfig = "conf/gateway.jsonc";
constexpr const char* kUsage =
    "Usage: socialrx outbox list [--state pending|delivered|dead] [--limit N] [--config FILE] [--data DIR]\n"
    "       socialrx outbox retry ID|--dead [--config FILE] [--data DIR]\n\n"
    "list: the newest messages first, one per line, tab-separated: id, state, attempts, last\n"
    "status, next attempt (UTC), destination, transport, method, path, last error.\n"
    "retry: sets the dead message ID (or, with --dead, every dead message) back to pending, due\n"
    "now, with its attempts reset. Exit 1 when ID is not a dead message.\n\n";

struct OutboxCommandOptions {
  std::string action;
  std::string id;
  std::string state;
  std::size_t limit = 100;
  bool all_dead = false;
  std::string config_path;
  bool config_given = false;
  std::string data_dir = "var";
};

std::unique_ptr<storage::Database> open_database(const OutboxCommandOptions& options) {
  return open_store(load_cli_config(options.config_path, options.config_given), options.data_dir);
}

std::string utc(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

int list(const OutboxCommandOptions& options, Streams streams) {
  std::optional<outbox::State> state;
  if (!options.state.empty()) {
    state = outbox::parse_state(options.state);
    if (!state) {
      streams.err << "socialrx outbox list: --state is pending, delivered or dead\n";
      return 2;
    }
  }
  auto database = open_database(options);
  const auto entries = outbox::list_messages(*database->reader(), state, options.limit);
  for (const auto& entry : entries) {
    streams.out << entry.id << '\t' << outbox::state_name(entry.state) << '\t' << entry.attempts
                << '\t' << (entry.last_status ? std::to_string(*entry.last_status) : "-") << '\t'
                << (entry.state == outbox::State::pending ? utc(entry.next_attempt_ms) : "-") << '\t'
                << entry.message.destination << '\t' << entry.message.transport << '\t'
                << entry.message.method << '\t' << entry.message.path << '\t'
                << (entry.last_error.empty() ? "-" : entry.last_error) << '\n';
  }
  streams.out.flush();
  streams.err << "socialrx outbox list: " << entries.size() << " message(s)\n";
  return 0;
}

int retry(const OutboxCommandOptions& options, Streams streams) {
  std::optional<std::int64_t> id;
  if (!options.all_dead) {
    std::int64_t value = 0;
    const auto& text = options.id;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
      streams.err << "socialrx outbox retry: ID must be a message id (see socialrx outbox list)\n";
      return 2;
    }
    id = value;
  }
  auto database = open_database(options);
  std::size_t count = 0;
  {
    storage::WriteQueue writes(*database);
    writes.run([&](storage::WriteTransaction& transaction) {
      count = outbox::retry_dead(transaction, id, outbox::now_ms());
    });
  }
  if (id && count == 0) {
    streams.err << "socialrx outbox retry: message " << *id << " is not a dead message\n";
    return 1;
  }
  streams.err << "socialrx outbox retry: " << count << " message(s) set back to pending\n";
  return 0;
}

int run(std::span<const std::string> args, Streams streams) {
  OutboxCommandOptions options;
  CommandLine line;
  line.options.add_options()("help,h", "show this help")(
      "state", po::value<std::string>(&options.state), "list: only messages in this state")(
      "limit", po::value<std::size_t>(&options.limit)->default_value(100), "list: at most N")(
      "dead", po::bool_switch(&options.all_dead), "retry: every dead message")(
      "config", po::value<std::string>(&options.config_path)->default_value(kDefaultConfig),
      "configuration file (JSONC), for the storage settings")(
      "data", po::value<std::string>(&options.data_dir)->default_value("var"),
      "data directory (SQLite database)");
  line.positional_options.add_options()("action", po::value<std::string>(&options.action))(
      "id", po::value<std::string>(&options.id));
  line.positional.add("action", 1).add("id", 1);
  po::variables_map vm;
  if (auto exit_code = parse_command_line(args, line, "outbox", kUsage, vm, streams)) return *exit_code;
  options.config_given = !vm["config"].defaulted();
  if (options.action != "list" && options.action != "retry") {
    streams.err << "socialrx outbox: say list or retry\n\n" << kUsage;
    return 2;
  }
  if (options.action == "retry" && options.all_dead == !options.id.empty()) {
    streams.err << "socialrx outbox retry: give either an ID or --dead\n\n" << kUsage;
    return 2;
  }
  try {
    return options.action == "list" ? list(options, streams) : retry(options, streams);
  } catch (const std::exception& failure) {  // configuration or database
    streams.err << "socialrx outbox " << options.action << ": " << failure.what() << '\n';
    return 1;
  }
}

}  // namespace

Command outbox_command() {
  return Command{"outbox", "list outgoing messages, retry dead ones", run};
}

}  // namespace socialrx::gateway::cli
