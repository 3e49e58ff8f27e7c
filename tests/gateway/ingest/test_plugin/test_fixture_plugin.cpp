// Test fixture (never shipped): a plugin for the ingest tests, so that they exercise the
// pipeline, the guards and the store without waiting for the real hl7v2 plugin. Its messages are
// lines of "key: value" after a first line "TESTMSG" and choose what the codec does:
//
//   TESTMSG
//   sender: clinic-a          → MessageHeader.sender
//   id: 0001                  → MessageHeader.message_id (optional)
//   type: ADT^A08             → message_type
//   action: accept            accept | reject | throw-header | throw-decode | throw-ack |
//                             garbage (not JSON) | invalid-bundle (not valid FHIR) |
//                             refuse (a valid Bundle the store refuses: If-Match on a new id)
//   patient: 12345            → Patient.identifier value
//   family: 山田 / given: 太郎 → Patient.name
//   gender: M                 → Patient.gender through the mapping's "genders"; a code the
//                               mapping does not have is a data error (location "gender")
//
// The mapping file (JSONC) is {"identifier_system": "…", "genders": {"M": "male", …}}; without
// one, genders M and F are known. The reply is "ACK|<id>|AA|AE|AR" and one "ERR|location|code|
// diagnostics" line per issue. encode() returns a TESTMSG naming the resourceType.

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "fhir/json.hpp"
#include "plugins/plugin_api.hpp"

namespace {

using socialrx::plugins::Codec;
using socialrx::plugins::CodecOrError;
using socialrx::plugins::CodecSettings;
using socialrx::plugins::DecodeResult;
using socialrx::plugins::Disposition;
using socialrx::plugins::EncodeResult;
using socialrx::plugins::MessageHeader;
using socialrx::plugins::PluginDescriptor;
using socialrx::plugins::PluginIssue;

std::map<std::string, std::string> fields_of(std::string_view message, bool& readable) {
  std::map<std::string, std::string> fields;
  std::istringstream in{std::string(message)};
  std::string line;
  readable = std::getline(in, line) && (line == "TESTMSG" || line == "TESTMSG\r");
  if (!readable) return fields;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    fields[line.substr(0, colon)] = value;
  }
  return fields;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

PluginIssue issue(std::string code, std::string location, std::string diagnostics) {
  PluginIssue out;
  out.code = std::move(code);
  out.location = std::move(location);
  out.diagnostics = std::move(diagnostics);
  return out;
}

class TestFixtureCodec final : public Codec {
 public:
  TestFixtureCodec(std::string system, std::map<std::string, std::string> genders)
      : system_(std::move(system)), genders_(std::move(genders)) {}

  MessageHeader read_header(std::string_view message) const override {
    MessageHeader header;
    auto fields = fields_of(message, header.readable);
    if (!header.readable) {
      header.issues.push_back(issue("structure", "line 1", "the first line is not TESTMSG"));
      return header;
    }
    if (fields["action"] == "throw-header") throw std::runtime_error("test fixture: read_header throws");
    header.sender = fields["sender"];
    header.message_id = fields["id"];
    header.message_type = fields["type"];
    header.charset = fields.count("charset") ? fields["charset"] : "UTF-8";
    return header;
  }

  DecodeResult decode(std::string_view message) const override {
    DecodeResult result;
    bool readable = false;
    auto fields = fields_of(message, readable);
    if (!readable) {
      result.issues.push_back(issue("structure", "line 1", "the first line is not TESTMSG"));
      return result;
    }
    const std::string& action = fields["action"];
    if (action == "throw-decode") throw std::runtime_error("test fixture: decode throws");
    if (action == "reject") {
      result.disposition = Disposition::rejected;
      result.issues.push_back(issue("not-supported", "type", "this message type is not supported"));
      return result;
    }
    result.disposition = Disposition::accepted;
    if (action == "garbage") {
      result.bundle = "this is not a FHIR Bundle {";
      return result;
    }
    if (action == "invalid-bundle") {
      result.bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)"
                      R"({"resourceType":"Patient","birthDate":"1999-02-31"},)"
                      R"("request":{"method":"POST","url":"Patient"}}]})";
      return result;
    }
    if (action == "refuse") {
      result.bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)"
                      R"({"resourceType":"Patient","id":"never-stored"},)"
                      R"("request":{"method":"PUT","url":"Patient/never-stored","ifMatch":"W/\"99\""}}]})";
      return result;
    }
    std::string gender;
    if (const auto code = fields.find("gender"); code != fields.end()) {
      const auto mapped = genders_.find(code->second);
      if (mapped == genders_.end()) {
        result.disposition = Disposition::data_error;
        result.issues.push_back(issue("code-invalid", "gender", "the gender code is not in the mapping"));
        return result;
      }
      gender = mapped->second;
    }
    if (fields["patient"].empty()) {
      result.disposition = Disposition::data_error;
      result.issues.push_back(issue("required", "patient", "the patient identifier is missing"));
      return result;
    }
    std::string patient = R"({"resourceType":"Patient","identifier":[{"system":)" + quoted(system_) +
                          R"(,"value":)" + quoted(fields["patient"]) + "}]";
    if (!fields["family"].empty() || !fields["given"].empty()) {
      patient += R"(,"name":[{"family":)" + quoted(fields["family"]) + R"(,"given":[)" +
                 quoted(fields["given"]) + "]}]";
    }
    if (!gender.empty()) patient += R"(,"gender":)" + quoted(gender);
    patient += "}";
    result.bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" + patient +
                    R"(,"request":{"method":"PUT","url":)" +
                    quoted("Patient?identifier=" + system_ + "|" + fields["patient"]) + "}}]}";
    return result;
  }

  std::string acknowledge(std::string_view message, Disposition disposition,
                          const std::vector<PluginIssue>& issues) const override {
    bool readable = false;
    auto fields = fields_of(message, readable);
    if (fields["action"] == "throw-ack") throw std::runtime_error("test fixture: acknowledge throws");
    std::string out = "ACK|" + fields["id"] + "|" +
                      (disposition == Disposition::accepted     ? "AA"
                       : disposition == Disposition::data_error ? "AE"
                                                                : "AR") +
                      "\n";
    for (const PluginIssue& item : issues) {
      out += "ERR|" + item.location + "|" + item.code + "|" + item.diagnostics + "\n";
    }
    return out;
  }

  EncodeResult encode(std::string_view fhir_json) const override {
    EncodeResult result;
    auto parsed = socialrx::fhir::json::parse(fhir_json);
    if (!parsed.document) {
      result.issues.push_back(issue("structure", "", "not JSON"));
      return result;
    }
    result.ok = true;
    result.bytes = "TESTMSG\ntype: " + std::string(parsed.document->root().string_at("resourceType")) + "\n";
    return result;
  }

 private:
  std::string system_;
  std::map<std::string, std::string> genders_;
};

CodecOrError make_codec(const CodecSettings& settings) {
  CodecOrError out;
  std::string system = "urn:socialrx-test:patient";
  std::map<std::string, std::string> genders{{"M", "male"}, {"F", "female"}};
  if (!settings.mapping_file.empty()) {
    std::ifstream in(settings.mapping_file, std::ios::binary);
    if (!in) {
      out.error = settings.mapping_file + ": cannot open the mapping file";
      return out;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = socialrx::fhir::json::parse_jsonc(text.str());
    if (!parsed.document || !parsed.document->root().is_object()) {
      out.error = settings.mapping_file + ": not a JSONC object";
      return out;
    }
    const auto& document = *parsed.document;
    for (const auto& member : document.root().members()) {
      const std::string where = settings.mapping_file + ":" + std::to_string(document.line_of(member)) + ": ";
      if (member.key == "identifier_system" && member.value.is_string()) {
        system = std::string(member.value.text());
      } else if (member.key == "genders" && member.value.is_object()) {
        genders.clear();
        for (const auto& gender : member.value.members()) {
          if (!gender.value.is_string()) {
            out.error = where + "genders." + std::string(gender.key) + ": must be a string";
            return out;
          }
          genders[std::string(gender.key)] = std::string(gender.value.text());
        }
      } else {
        out.error = where + std::string(member.key) + ": unknown key or wrong type";
        return out;
      }
    }
  }
  out.codec = std::make_unique<TestFixtureCodec>(std::move(system), std::move(genders));
  return out;
}

}  // namespace

SOCIALRX_PLUGIN_EXPORT const PluginDescriptor* socialrx_plugin_v1() {
  static const PluginDescriptor descriptor{socialrx::plugins::kPluginApiVersion,
                                           "test_fixture",
                                           "0.1.0",
                                           "test fixture for the ingest tests (line format)",
                                           true,
                                           true,
                                           make_codec};
  return &descriptor;
}
