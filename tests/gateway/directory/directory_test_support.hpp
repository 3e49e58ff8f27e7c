#pragma once
// Helpers for the directory tests: the shipped demo file, CP932 conversion (directory files
// from Japanese offices often come as CP932), and a row builder over the demo's header.

#include <unicode/ucnv.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace socialrx::gateway::directory::testing {

inline std::string demo_directory_text() {
  std::ifstream in(std::string(SOCIALRX_SOURCE_DIR) + "/conf/directory/demo-directory.csv", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// UTF-8 → CP932 (windows-31j) through ICU; empty when a character has no CP932 form.
inline std::string to_cp932(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  std::string out(utf8.size() * 2 + 16, '\0');
  const int32_t length = ucnv_convert("windows-31j", "UTF-8", out.data(), static_cast<int32_t>(out.size()),
                                      utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) return {};
  out.resize(static_cast<std::size_t>(length));
  return out;
}

// The demo's header line and its first data row's cells, to build variations from.
inline std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r' && c != '\n') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

}  // namespace socialrx::gateway::directory::testing
