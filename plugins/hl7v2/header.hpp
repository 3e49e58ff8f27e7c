#pragma once
// What an HL7 v2 message says about itself, read from its MSH segment alone (cheap: only the MSH
// segment is decoded), for the inbound store, duplicate detection and the ACK.

#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/charset.hpp"
#include "plugins/hl7v2/message.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {

// plugin_api.hpp's MessageHeader: charset = the decoded charset's name ("ISO-2022-JP"),
// sender = MSH-3.1^MSH-4.1 (namespace ids), message_id = MSH-10, message_type = MSH-9.1^MSH-9.2.
// readable = false when there is no usable MSH (delimiters), MSH-18 names an unsupported charset
// or the MSH segment does not decode in it; the fields are then filled as far as they could be
// read (non-ASCII bytes as '?'), which is what an AR needs.
MessageHeader read_header(std::string_view bytes);

// The MSH segment as a one-segment Message (best effort, as read_header describes), with the
// charset the message is in when known. For build_ack.
struct HeaderSegment {
  std::optional<Message> msh;     // segment 0 is MSH; empty when not even delimiters were found
  bool readable = false;          // as MessageHeader::readable
  bool charset_known = false;
  Charset charset;                // when charset_known
  std::string declared_charset;   // MSH-18 as sent (ASCII), when it could be read
  std::vector<PluginIssue> issues;
};
HeaderSegment read_header_segment(std::string_view bytes);

}  // namespace socialrx::plugins::hl7v2
