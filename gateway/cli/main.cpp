// socialrx: the social-prescribing FHIR gateway. `socialrx --help` lists the commands.

#include <iostream>
#include <string>
#include <vector>

#include "gateway/cli/command.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

void print_usage(std::ostream& out) {
  out << "socialrx " << kVersion << " — FHIR R4 gateway for social prescribing (社会的処方)\n\n"
      << "Usage: socialrx COMMAND [OPTIONS]\n\nCommands:\n";
  for (const auto& command : socialrx::gateway::cli::commands()) {
    out << "  " << command.name;
    for (std::size_t pad = command.name.size(); pad < 12; ++pad) out << ' ';
    out << command.summary << '\n';
  }
  out << "\nRun `socialrx COMMAND --help` for the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "socialrx " << kVersion << '\n';
    return 0;
  }
  for (const auto& command : socialrx::gateway::cli::commands()) {
    if (command.name == args[0]) {
      return command.run(std::span<const std::string>(args).subspan(1), {std::cout, std::cerr});
    }
  }
  std::cerr << "socialrx: unknown command '" << args[0] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}
