#include "gateway/mllp/acknowledgment.hpp"

namespace socialrx::gateway::mllp {
namespace {

bool is_segment_end(char c) { return c == '\r' || c == '\n'; }

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::string acknowledgment_code(std::string_view reply) {
  char field_separator = '|';
  char component_separator = '^';
  if (reply.starts_with("MSH") && reply.size() > 3) {
    field_separator = reply[3];
    if (reply.size() > 4 && !is_segment_end(reply[4])) component_separator = reply[4];
  }
  std::size_t at = 0;
  while (at < reply.size()) {
    std::size_t end = at;
    while (end < reply.size() && !is_segment_end(reply[end])) ++end;
    const std::string_view segment = reply.substr(at, end - at);
    if (segment.size() > 3 && segment.starts_with("MSA") && segment[3] == field_separator) {
      std::string code;
      for (std::size_t i = 4; i < segment.size(); ++i) {
        const char c = segment[i];
        if (c == field_separator || c == component_separator) break;
        if (c == ' ' || c == '\t') continue;
        code.push_back(ascii_upper(c));
        if (code.size() > 8) return {};  // not an acknowledgment code
      }
      return code;
    }
    at = end;
    while (at < reply.size() && is_segment_end(reply[at])) ++at;
  }
  return {};
}

AckVerdict classify_acknowledgment(std::string_view code) {
  if (code == "AA" || code == "CA") return AckVerdict::accepted;
  if (code == "AE" || code == "CE") return AckVerdict::retry;
  if (code == "AR" || code == "CR") return AckVerdict::rejected;
  return AckVerdict::unknown;
}

}  // namespace socialrx::gateway::mllp
