#include "gateway/directory/demo_directory.hpp"

#include <ostream>

#include "gateway/directory/directory_import.hpp"

namespace socialrx::gateway::directory {

std::string demo_directory_path() { return SOCIALRX_CONF_DIR "/directory/demo-directory.csv"; }

void load_demo_directory(storage::WriteQueue& writes, std::ostream& log) {
  const std::string path = demo_directory_path();
  const ImportSummary summary = import_directory_file(path, writes, log);
  log << "socialrx: demo directory " << summary_line(path, summary) << std::endl;
}

}  // namespace socialrx::gateway::directory
