#include "plugins/hl7v2/ack.hpp"

// Sources checked: HL7 v2.5 chapter 2 (2.9 acknowledgment messages; MSA; ERR with ERL for
// ERR-2, CWE with table 0357 for ERR-3, table 0516 E/W/I for ERR-4, ERR-8 user message) and
// HL7 table 0357 (message error condition codes) on terminology.hl7.org (v2-0357).

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>

#include "plugins/hl7v2/charset.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

constexpr std::size_t kMaxErrSegments = 50;

std::string_view error_text(std::string_view code) {
  if (code == "100") return "Segment sequence error";
  if (code == "101") return "Required field missing";
  if (code == "102") return "Data type error";
  if (code == "103") return "Table value not found";
  if (code == "200") return "Unsupported message type";
  if (code == "201") return "Unsupported event code";
  if (code == "203") return "Unsupported version id";
  return "Application internal error";
}

// A UTF-8 value written into an HL7 field: delimiters and the escape character escaped, line
// breaks as \.br\ (CR would end the segment), other control characters as spaces.
std::string escaped(std::string_view value, const Delimiters& d) {
  std::string out;
  out.reserve(value.size() + 8);
  const std::string e(1, d.escape);
  for (const char c : value) {
    if (c == d.field) {
      out += e + "F" + e;
    } else if (c == d.component) {
      out += e + "S" + e;
    } else if (c == d.subcomponent) {
      out += e + "T" + e;
    } else if (c == d.repetition) {
      out += e + "R" + e;
    } else if (c == d.escape) {
      out += e + "E" + e;
    } else if (c == '\n') {
      out += e + ".br" + e;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The first repetition of an original field, components re-escaped (HD: namespace^id^type).
std::string copied_field(const Message& msh, int field) {
  const Delimiters& d = msh.delimiters();
  std::string out;
  const int components = msh.component_count(0, field, 1);
  for (int c = 1; c <= components; ++c) {
    if (c > 1) out += d.component;
    out += escaped(msh.value(0, field, 1, c), d);
  }
  return out;
}

std::string now_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y%m%d%H%M%S%z", &local);
  return std::string(buffer, length);
}

// "A" + milliseconds since the epoch (13 digits) + a 6-digit process counter: 20 characters, the
// length of MSH-10 in v2.5.
std::string new_control_id() {
  static std::atomic<std::uint32_t> counter{0};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string id = "A" + std::to_string(ms);
  std::string sequence = std::to_string(counter.fetch_add(1, std::memory_order_relaxed) % 1000000);
  id.append(6 - sequence.size(), '0');
  id += sequence;
  return id;
}

struct Location {
  std::string segment;
  std::string field, repetition, component, subcomponent;
};

bool parse_number(std::string_view text, std::size_t& position, std::string& out) {
  const std::size_t start = position;
  while (position < text.size() && text[position] >= '0' && text[position] <= '9') ++position;
  if (position == start || position - start > 6) return false;
  out.assign(text.substr(start, position - start));
  return true;
}

// "PID-5[2].1.3" → PID, 5, 2, 1, 3; nullopt for anything else ("segment 3", "", "line 4").
std::optional<Location> parse_location(std::string_view text) {
  Location location;
  if (text.size() < 5 || text[3] != '-') return std::nullopt;
  for (int i = 0; i < 3; ++i) {
    const char c = text[static_cast<std::size_t>(i)];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return std::nullopt;
  }
  location.segment.assign(text.substr(0, 3));
  std::size_t position = 4;
  if (!parse_number(text, position, location.field)) return std::nullopt;
  if (position < text.size() && text[position] == '[') {
    ++position;
    if (!parse_number(text, position, location.repetition)) return std::nullopt;
    if (position >= text.size() || text[position] != ']') return std::nullopt;
    ++position;
  }
  if (position < text.size() && text[position] == '.') {
    ++position;
    if (!parse_number(text, position, location.component)) return std::nullopt;
    if (position < text.size() && text[position] == '.') {
      ++position;
      if (!parse_number(text, position, location.subcomponent)) return std::nullopt;
    }
  }
  if (position != text.size()) return std::nullopt;
  if (location.repetition.empty()) location.repetition = "1";
  return location;
}

std::string err_segment(const PluginIssue& issue, const Delimiters& d) {
  std::string out = "ERR";
  out += d.field;  // ERR-1 (v2.4 error code and location): not used in v2.5
  out += d.field;
  if (const std::optional<Location> location = parse_location(issue.location)) {
    out += location->segment;
    out += d.component;
    out += '1';
    for (const std::string* part : {&location->field, &location->repetition,
                                    &location->component, &location->subcomponent}) {
      if (part->empty()) break;
      out += d.component;
      out += *part;
    }
  }
  out += d.field;
  const std::string_view code = hl7_error_code(issue);
  out += code;
  out += d.component;
  out += error_text(code);
  out += d.component;
  out += "HL70357";
  out += d.field;
  switch (issue.severity) {
    case PluginIssue::Severity::error: out += 'E'; break;
    case PluginIssue::Severity::warning: out += 'W'; break;
    case PluginIssue::Severity::information: out += 'I'; break;
  }
  out.append(4, d.field);  // ERR-5 application error code … ERR-7 diagnostic information
  out += escaped(issue.diagnostics, d);
  out += '\r';
  return out;
}

}  // namespace

std::string_view hl7_error_code(const PluginIssue& issue) {
  const std::string& code = issue.code;
  if (code == "required") return "101";
  if (code == "value" || code == "invalid" || code == "too-long") return "102";
  if (code == "code-invalid") return "103";
  if (code == "structure") return "100";
  if (code == "not-supported") {
    const std::string_view location = issue.location;
    if (location == "MSH-9.2" || location == "MSH-9[1].2") return "201";
    if (location.substr(0, 5) == "MSH-9" &&
        (location.size() == 5 || location[5] == '.' || location[5] == '[')) {
      return "200";
    }
    if (location.substr(0, 6) == "MSH-12") return "203";
  }
  return "207";
}

std::string build_ack(std::string_view original_bytes, Disposition disposition,
                      const std::vector<PluginIssue>& issues, const AckOptions& options) {
  const HeaderSegment header = read_header_segment(original_bytes);
  const Delimiters d = header.msh ? header.msh->delimiters() : Delimiters{};
  // An unreadable original is always answered with AR, whatever the caller decided.
  if (!header.readable) disposition = Disposition::rejected;

  std::string sender_application, sender_facility, receiver_application, receiver_facility;
  std::string trigger, original_id, processing_id = "P", version = "2.5";
  std::string msh18;
  if (header.msh) {
    const Message& msh = *header.msh;
    sender_application = copied_field(msh, 3);
    sender_facility = copied_field(msh, 4);
    receiver_application = copied_field(msh, 5);
    receiver_facility = copied_field(msh, 6);
    trigger = escaped(msh.value(0, 9, 1, 2), d);
    original_id = escaped(msh.value(0, 10), d);
    if (!msh.value(0, 11).empty()) processing_id = copied_field(msh, 11);
    if (!msh.value(0, 12).empty()) version = escaped(msh.value(0, 12), d);
  }
  if (header.charset_known) msh18 = header.declared_charset;  // ASCII, as sent

  const std::string f(1, d.field);
  std::string ack = "MSH";
  ack += d.field;
  ack += d.component;
  ack += d.repetition;
  ack += d.escape;
  ack += d.subcomponent;
  ack += f + receiver_application + f + receiver_facility + f + sender_application + f +
         sender_facility;
  ack += f + (options.timestamp.empty() ? now_timestamp() : options.timestamp);
  ack += f;  // MSH-8 security
  ack += f + "ACK";
  if (!trigger.empty()) ack += d.component + trigger + d.component + "ACK";
  ack += f + (options.control_id.empty() ? new_control_id() : escaped(options.control_id, d));
  ack += f + processing_id + f + version;
  if (!msh18.empty()) ack += f + f + f + f + f + f + msh18;
  ack += '\r';

  ack += "MSA" + f;
  switch (disposition) {
    case Disposition::accepted: ack += "AA"; break;
    case Disposition::data_error: ack += "AE"; break;
    case Disposition::rejected: ack += "AR"; break;
  }
  ack += f + original_id + '\r';

  if (disposition != Disposition::accepted) {
    std::size_t count = 0;
    for (const PluginIssue& issue : issues) {
      if (count == kMaxErrSegments) break;
      ack += err_segment(issue, d);
      ++count;
    }
    if (count == 0) {
      // Never an AE/AR without a reason: the header's own problems, or a generic one.
      for (const PluginIssue& issue : header.issues) {
        if (issue.severity != PluginIssue::Severity::error || count == kMaxErrSegments) continue;
        ack += err_segment(issue, d);
        ++count;
      }
    }
    if (count == 0) {
      PluginIssue generic;
      generic.code = "exception";
      generic.diagnostics = "The message was not processed.";
      ack += err_segment(generic, d);
    }
  }
  // MSH-18 was copied only when it is understood, so the bytes match what it says.
  return encode_from_utf8(ack, header.charset_known ? header.charset : Charset{});
}

}  // namespace socialrx::plugins::hl7v2
