#pragma once
// HL7 v2.5 original-mode acknowledgements (ACK) for any received bytes.
//
// build_ack(original, disposition, issues) answers:
//   MSH: the original's delimiters; MSH-3/4 ↔ MSH-5/6 swapped; MSH-7 now (local time with its
//        offset, e.g. 20240401120000+0900); MSH-9 ACK^<original trigger>^ACK; a new MSH-10;
//        MSH-11 and MSH-12 copied (defaults P and 2.5); MSH-18 copied.
//   MSA: AA / AE / AR (accepted / data_error / rejected) and the original's MSH-10.
//   ERR: for AE and AR, one per issue (at most 50): ERR-2 the location as an ERL
//        (SEG^1^field^repetition^component^subcomponent, from "PID-5[2].1"; the segment's
//        sequence number is not known from an issue location and is given as 1), ERR-3 an HL7
//        table 0357 code (see ack.cpp), ERR-4 severity E / W / I, ERR-8 the diagnostics, escaped.
// The ACK is encoded in the original's charset (ISO-2022-JP in, ISO-2022-JP out). Any bytes get
// an answer: when the original cannot be read it is an AR with what could be read of its MSH, or
// a default header (ASCII, |^~\& delimiters, version 2.5) when nothing could.

#include <string>
#include <string_view>
#include <vector>

#include "plugins/hl7v2/header.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {

struct AckOptions {
  std::string timestamp;   // MSH-7; empty: now, local time
  std::string control_id;  // MSH-10; empty: a new one, unique within this process (20 characters)
};

std::string build_ack(std::string_view original_bytes, Disposition disposition,
                      const std::vector<PluginIssue>& issues, const AckOptions& options = {});

// The HL7 table 0357 code for an issue: "required" → 101, "value"/"invalid"/"too-long" → 102,
// "code-invalid" → 103, "structure" → 100, "not-supported" at MSH-9.2 → 201, at MSH-9 → 200, at
// MSH-12 → 203, anything else → 207.
std::string_view hl7_error_code(const PluginIssue& issue);

}  // namespace socialrx::plugins::hl7v2
