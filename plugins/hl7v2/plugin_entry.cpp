// The hl7v2 plugin: HL7 v2.5 messages (SS-MIX2 / JAHIS, ISO-2022-JP, CP932 or UTF-8) → FHIR
// transaction Bundles through a declarative mapping file (mappings/hl7v2/ssmix2.jsonc unless the
// channel names another). Decoding is parse (parser.hpp) → apply_mapping (mapping.hpp); headers
// and ACKs come from header.hpp and ack.hpp.
//
// Nothing escapes a Codec method: the parser, the mapping engine and the ACK builder report
// problems as issues, and anything they throw anyway (a bug, memory exhaustion) fails that one
// message with an "exception" issue (HL7 ERR code 207) instead of reaching the gateway.

#include <exception>
#include <memory>
#include <string>

#include "plugins/hl7v2/ack.hpp"
#include "plugins/hl7v2/header.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "plugins/hl7v2/parser.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

PluginIssue exception_issue(const char* where) {
  return PluginIssue{.severity = PluginIssue::Severity::error,
                     .code = "exception",
                     .location = "",
                     .diagnostics = std::string("the hl7v2 plugin failed while ") + where +
                                    " this message (an internal error, not the message's fault)"};
}

class Hl7v2Codec final : public Codec {
 public:
  explicit Hl7v2Codec(std::shared_ptr<const Mapping> mapping) : mapping_(std::move(mapping)) {}

  MessageHeader read_header(std::string_view message) const override {
    try {
      return hl7v2::read_header(message);
    } catch (...) {
      MessageHeader header;
      header.readable = false;
      header.issues.push_back(exception_issue("reading the header of"));
      return header;
    }
  }

  DecodeResult decode(std::string_view message) const override {
    try {
      ParseResult parsed = parse(message);
      if (!parsed.message) {
        DecodeResult result;
        result.disposition = Disposition::rejected;
        result.issues = std::move(parsed.issues);
        return result;
      }
      DecodeResult result = apply_mapping(*mapping_, *parsed.message);
      // The parser's warnings (an escape it could not resolve, a guessed charset) come first.
      result.issues.insert(result.issues.begin(), parsed.issues.begin(), parsed.issues.end());
      return result;
    } catch (...) {
      // A bug in the parser or the mapping engine: this message waits in the error state, where
      // it can be reprocessed once the bug is fixed.
      DecodeResult result;
      result.disposition = Disposition::data_error;
      result.issues.push_back(exception_issue("decoding"));
      return result;
    }
  }

  std::string acknowledge(std::string_view message, Disposition disposition,
                          const std::vector<PluginIssue>& issues) const override {
    try {
      return build_ack(message, disposition, issues);
    } catch (...) {
      try {
        // Whatever broke on this message, an AR on a default header still tells the sender.
        return build_ack({}, Disposition::rejected, {exception_issue("acknowledging")});
      } catch (...) {
        return {};
      }
    }
  }

  EncodeResult encode(std::string_view) const override {
    EncodeResult result;
    result.ok = false;
    result.issues.push_back(PluginIssue{.severity = PluginIssue::Severity::error,
                                        .code = "not-supported",
                                        .location = "",
                                        .diagnostics = "the hl7v2 plugin decodes HL7 v2; it does not encode FHIR "
                                                       "into HL7 v2 yet"});
    return result;
  }

 private:
  std::shared_ptr<const Mapping> mapping_;
};

CodecOrError make_codec(const CodecSettings& settings) {
  CodecOrError out;
  try {
    const std::string file = settings.mapping_file.empty() ? default_mapping_file() : settings.mapping_file;
    MappingOrError loaded = load_mapping_file(file);
    if (!loaded.mapping) {
      out.error = std::move(loaded.error);
      return out;
    }
    out.codec = std::make_unique<Hl7v2Codec>(std::move(loaded.mapping));
  } catch (const std::exception& error) {
    out.codec.reset();
    out.error = std::string("hl7v2: the mapping could not be loaded: ") + error.what();
  }
  return out;
}

const PluginDescriptor kDescriptor{
    .api_version = kPluginApiVersion,
    .name = "hl7v2",
    .version = "1.0.0",
    .description = "HL7 v2.5 (SS-MIX2 / JAHIS; ISO-2022-JP, CP932, UTF-8) to FHIR R4 through a mapping file",
    .decodes = true,
    .encodes = false,
    .make_codec = make_codec,
};

}  // namespace
}  // namespace socialrx::plugins::hl7v2

SOCIALRX_PLUGIN_EXPORT const socialrx::plugins::PluginDescriptor* socialrx_plugin_v1() {
  return &socialrx::plugins::hl7v2::kDescriptor;
}
