#include "gateway/cli/command_line.hpp"

#include <ostream>
#include <vector>

namespace socialrx::gateway::cli {

namespace po = boost::program_options;

std::optional<int> parse_command_line(std::span<const std::string> args, const CommandLine& line,
                                      std::string_view name, std::string_view usage, po::variables_map& values,
                                      Streams streams) {
  po::options_description all;
  all.add(line.options).add(line.positional_options);
  try {
    po::store(po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                  .options(all)
                  .positional(line.positional)
                  .run(),
              values);
    po::notify(values);
  } catch (const po::error& e) {
    streams.err << "socialrx " << name << ": " << e.what() << '\n' << usage;
    return 2;
  }
  if (values.count("help")) {
    streams.out << usage << line.options;
    return 0;
  }
  return std::nullopt;
}

}  // namespace socialrx::gateway::cli
