#pragma once
// The command-line parsing every sub-command shares (Boost.Program_options): named options that
// --help lists, hidden positional ones, and the same answers to a usage error (exit 2, the error
// and the usage on stderr) and to --help (exit 0, usage and options on stdout).

#include <boost/program_options.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/cli/command.hpp"

namespace socialrx::gateway::cli {

struct CommandLine {
  boost::program_options::options_description options{"Options"};  // listed by --help; add "help,h"
  boost::program_options::options_description positional_options;   // not listed
  boost::program_options::positional_options_description positional;
};

// Parses `args` into `values`. nullopt: go on; otherwise the exit code, with the message already
// written ("socialrx NAME: <error>" and `usage`, or the help).
std::optional<int> parse_command_line(std::span<const std::string> args, const CommandLine& line,
                                      std::string_view name, std::string_view usage,
                                      boost::program_options::variables_map& values, Streams streams);

}  // namespace socialrx::gateway::cli
