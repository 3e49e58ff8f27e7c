#pragma once
// A tiny, tolerant read of the acknowledgment code (MSA-1) of an HL7 v2 reply, for the MLLP
// client side (the outbox's "mllp" transport) without the plugins' parser (the gateway depends on
// the plugin API only). The field separator is MSH-1 (the byte after "MSH") when the reply starts
// with an MSH segment, else '|'; segments end with CR, LF or CRLF; the component separator
// (first byte of MSH-2, else '^') ends the code too. Only 7-bit ASCII is looked at, so the
// reply's charset does not matter for this (MSH-1/2 and MSA-1 are ASCII in every HL7 charset).

#include <string>
#include <string_view>

namespace socialrx::gateway::mllp {

// "AA", "AE", "AR", "CA", "CE", "CR" (upper case, trimmed), or "" when the reply has no MSA
// segment or MSA-1 is empty.
std::string acknowledgment_code(std::string_view reply);

// What a sender should do with a reply (HL7 v2.5 ch. 2.9 original and enhanced mode):
//   accepted — AA or CA;
//   retry    — AE or CE (an error the receiver may get over: send again later);
//   rejected — AR or CR (will never be accepted as it is);
//   unknown  — anything else (no MSA, an unknown code): treated like retry by callers.
enum class AckVerdict { accepted, retry, rejected, unknown };
AckVerdict classify_acknowledgment(std::string_view code);

}  // namespace socialrx::gateway::mllp
