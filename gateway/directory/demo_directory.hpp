#pragma once
// The demo directory of `socialrx serve --dev`: conf/directory/demo-directory.csv (a fictional
// town, 架空県みどり市), imported at start-up like `socialrx directory import` would. Importing
// is idempotent, so a restart adds no versions.

#include <iosfwd>
#include <string>

#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::directory {

std::string demo_directory_path();

// Imports the demo file and logs one summary line (and any row problems) to `log`. A refused
// row is logged, not fatal: the gateway still starts. Throws only when storage fails at start-up.
void load_demo_directory(storage::WriteQueue& writes, std::ostream& log);

}  // namespace socialrx::gateway::directory
