#pragma once
// The socialrx plugin API, version 1: the one header a vendor-format plugin is built against.
//
// A plugin is a shared library in plugins/<name>/ (built as libsocialrx_plugin_<name>.so) that
// exports one C function, socialrx_plugin_v1(), returning a PluginDescriptor. The gateway loads it
// by name at start-up (gateway/ingest/plugin_loader), refuses it when api_version differs from the
// gateway's kPluginApiVersion, and makes one Codec per channel that uses it (a channel = a source,
// a plugin, a mapping file and destinations; see the ingest README).
//
// Contract for a Codec (what the gateway relies on, and guards anyway):
//   - It is immutable once made and called from several threads at once: every method is const
//     and must be thread-safe.
//   - Methods report problems in their results; they should not throw. The gateway catches any
//     exception from a plugin and fails that one message ("plugin threw"), and it validates every
//     Bundle a plugin returns against FHIR R4 before storing anything, so a plugin that throws or
//     returns garbage fails that message, never the process. (A crash inside a plugin cannot be
//     caught in-process; plugins are code the operator chose to run.)
//   - Issues never quote field values: messages carry personal data, and issues end up in logs
//     and OperationOutcomes. Say where ("PID-7", "line 12, column 3") and what is wrong.
//
// Only the standard library is used here on purpose: a plugin may use fhir/ for its own work,
// but nothing in this header changes when fhir/ does. The gateway and its plugins are built by
// the same compiler from the same tree, so std::string across the boundary is safe; a plugin
// built elsewhere must match the gateway's compiler and standard library.
//
// Versioning: any change to a type or virtual function below is a new api version; the loader
// refuses a plugin built against another one rather than guess.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::plugins {

inline constexpr std::uint32_t kPluginApiVersion = 1;

// One problem with one message, in the terms of a FHIR OperationOutcome issue.
struct PluginIssue {
  enum class Severity { error, warning, information };
  Severity severity = Severity::error;
  // A FHIR issue-type code (http://hl7.org/fhir/issue-type): "structure", "required", "value",
  // "code-invalid", "not-supported", "too-long", "invalid", "exception"…
  std::string code = "invalid";
  // Where, in the source format's own terms: "PID-5[2].1" (HL7 v2: segment-field[repetition].
  // component.subcomponent), "MSH-18", "line 12" (CSV). Empty when it is the whole message.
  std::string location;
  std::string diagnostics;  // one sentence a person understands; no field values
};

// What a message says about itself, read without any mapping: enough to store it, to find a
// duplicate and to acknowledge it. Cheap: the gateway calls it before the message is stored.
struct MessageHeader {
  bool readable = false;      // false: not even the header could be read (the message is rejected)
  std::string charset;        // the text encoding found: "ISO-2022-JP", "CP932", "UTF-8"
  std::string sender;         // who sent it, stable per sending system (HL7: MSH-3^MSH-4)
  std::string message_id;     // the sender's control id (HL7: MSH-10); empty when the format has none
  std::string message_type;   // "ADT^A08"; for display and statistics
  std::vector<PluginIssue> issues;  // why it is not readable, or warnings
};

// What became of a message. The names follow HL7 v2 acknowledgement codes because that is the
// strictest contract a source has; other formats map onto them.
enum class Disposition {
  accepted,    // decoded; the Bundle is to be stored (HL7 AA once it is committed)
  data_error,  // readable, but its content is wrong or incomplete (HL7 AE, with ERR segments)
  rejected,    // cannot be parsed, or a message type/version/charset this codec does not take (HL7 AR)
};

struct DecodeResult {
  Disposition disposition = Disposition::rejected;
  // When accepted: a FHIR R4 Bundle of type "transaction" as JSON. Entries should be conditional
  // (PUT Patient?identifier=system|value, or ifNoneExist) so that decoding the same message twice
  // stores nothing new: a reprocessed message must not duplicate resources.
  std::string bundle;
  std::vector<PluginIssue> issues;  // errors when not accepted; warnings allowed when accepted
};

struct EncodeResult {
  bool ok = false;
  std::string bytes;  // the message in the plugin's format
  std::vector<PluginIssue> issues;
};

class Codec {
 public:
  virtual ~Codec() = default;

  virtual MessageHeader read_header(std::string_view message) const = 0;

  // The message (raw bytes as received, transport framing removed) → a transaction Bundle.
  virtual DecodeResult decode(std::string_view message) const = 0;

  // The reply a transport sends back for `message` (an HL7 ACK with MSA and, for data_error and
  // rejected, ERR segments built from `issues`), in the message's own charset. Empty when the
  // format has no acknowledgements. Must work for any bytes, even unreadable ones (HL7: an AR
  // with the best header that could be read).
  virtual std::string acknowledge(std::string_view message, Disposition disposition,
                                  const std::vector<PluginIssue>& issues) const = 0;

  // A FHIR resource or Bundle (JSON) → a message in this format, for outgoing deliveries.
  // Codecs that only decode answer ok = false with a "not-supported" issue.
  virtual EncodeResult encode(std::string_view fhir_json) const = 0;
};

// How a channel configures its codec.
struct CodecSettings {
  // The mapping file (JSONC) this channel uses, an absolute path; empty: the plugin's default
  // mapping, if it has one.
  std::string mapping_file;
};

struct CodecOrError {
  std::unique_ptr<Codec> codec;  // null when the settings are wrong
  std::string error;             // then: what, naming the file, line and key ("x.jsonc:12: …")
};

// What socialrx_plugin_v1() returns: a static object that lives as long as the library.
struct PluginDescriptor {
  std::uint32_t api_version = kPluginApiVersion;
  const char* name = "";          // "hl7v2": what channels name in the config; the folder's name
  const char* version = "";       // the plugin's own version, for logs and the CapabilityStatement
  const char* description = "";   // one line
  bool decodes = false;           // bytes → FHIR
  bool encodes = false;           // FHIR → bytes
  CodecOrError (*make_codec)(const CodecSettings& settings) = nullptr;
};

}  // namespace socialrx::plugins

// The one symbol a plugin exports (plugins are built with hidden visibility, so it is marked):
//   SOCIALRX_PLUGIN_EXPORT const socialrx::plugins::PluginDescriptor* socialrx_plugin_v1() {…}
#define SOCIALRX_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
inline constexpr const char* kSocialrxPluginEntryPoint = "socialrx_plugin_v1";
SOCIALRX_PLUGIN_EXPORT const socialrx::plugins::PluginDescriptor* socialrx_plugin_v1();
