#pragma once
// A sub-command of the socialrx executable: `socialrx NAME [options]`.

#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::gateway::cli {

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `socialrx --help`
  // Runs with the arguments after the command name; returns the process exit code.
  std::function<int(std::span<const std::string> args, Streams streams)> run;
};

// Every command, in the order `socialrx --help` lists them.
std::span<const Command> commands();

Command serve_command();
Command validate_command();
Command directory_command();
Command outbox_command();
Command reprocess_command();
Command convert_command();
Command import_command();

}  // namespace socialrx::gateway::cli
