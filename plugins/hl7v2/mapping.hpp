#pragma once
// The declarative HL7 v2 → FHIR mapping: a JSONC file says which message types are accepted and
// which FHIR resources each one builds from which HL7 positions; this engine only reads the file
// and follows it. What is SS-MIX2- or vendor-specific lives in the file
// (mappings/hl7v2/ssmix2.jsonc), not here. The file format is described in
// mappings/hl7v2/README.md.
//
// Loading validates the whole file (unknown keys, transforms, code maps, HL7 positions, entry
// names, request templates) and fails with "file:line: key.path: problem". Applying never throws
// for bad input: what is wrong with a message comes back as issues with the HL7 location
// ("PID-3", "PID-5[2].1") and the disposition the ACK is built from.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/hl7v2/message.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {

struct Mapping;  // the loaded file (mapping_model.hpp); immutable and shared between threads

struct MappingOrError {
  std::shared_ptr<const Mapping> mapping;  // null on error
  std::string error;                       // "ssmix2.jsonc:42: messages.ADT^A08…: unknown transform 'dat'"
};

// Reads and validates a mapping file. `display_name` (default: the file's base name) starts
// every error message.
MappingOrError load_mapping_file(const std::string& path);
// The same for text already in memory (tests); `display_name` stands for the file in errors.
MappingOrError load_mapping_text(std::string_view text, const std::string& display_name);

// The mapping a channel gets when it names none: mappings/hl7v2/ssmix2.jsonc of the source tree
// this library was built from.
std::string default_mapping_file();

// Applies the mapping to a parsed message: accepted with a transaction Bundle (JSON) whose
// entries are conditional, data_error with the issues (missing required values, bad dates,
// unmapped codes…), or rejected for a message type or version the mapping does not take
// (location "MSH-9.1" for an unknown message code, "MSH-9.2" for an unknown event of a known
// one, "MSH-12" for the version; code "not-supported").
DecodeResult apply_mapping(const Mapping& mapping, const Message& message);

}  // namespace socialrx::plugins::hl7v2
