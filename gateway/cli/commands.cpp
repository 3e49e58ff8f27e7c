#include "gateway/cli/command.hpp"

namespace socialrx::gateway::cli {

std::span<const Command> commands() {
  static const std::vector<Command> all{serve_command(), validate_command(), directory_command(),
                                       outbox_command(), reprocess_command(), convert_command(),
                                       import_command()};
  return all;
}

}  // namespace socialrx::gateway::cli
