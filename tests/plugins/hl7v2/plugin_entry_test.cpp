// The hl7v2 plugin as the gateway sees it: the built shared library opened with dlopen, its
// descriptor, a codec made with the shipped mapping or another file, and each Codec method on
// real messages (ISO-2022-JP in, the ACK back), broken bytes and a broken mapping file.

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "fhir/json.hpp"
#include "plugins/plugin_api.hpp"
#include "tests/plugins/hl7v2/icu_bytes.hpp"

namespace socialrx::plugins {
namespace {

namespace fs = std::filesystem;

const fs::path kLibrary = fs::path(SOCIALRX_PLUGINS_DIR) / "hl7v2" / "libsocialrx_plugin_hl7v2.so";
const fs::path kCases = fs::path(SOCIALRX_SOURCE_DIR) / "tests" / "mappings" / "hl7v2";

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A golden case's message in the encoding its folder names, segments ending in CR.
std::string golden_message(const std::string& name, const char* icu_converter) {
  std::string text = read_file(kCases / name / "input.txt");
  std::replace(text.begin(), text.end(), '\n', '\r');
  return icu_converter == nullptr ? text : hl7v2::testing::icu_bytes(text, icu_converter);
}

class Hl7v2Plugin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    handle_ = dlopen(kLibrary.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<const PluginDescriptor* (*)()>(dlsym(handle_, kSocialrxPluginEntryPoint));
    ASSERT_NE(entry, nullptr);
    descriptor_ = entry();
  }
  static void TearDownTestSuite() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  std::unique_ptr<Codec> codec(const std::string& mapping_file = "") {
    CodecOrError made = descriptor_->make_codec(CodecSettings{.mapping_file = mapping_file});
    EXPECT_EQ(made.error, "");
    return std::move(made.codec);
  }
  static inline void* handle_ = nullptr;
  static inline const PluginDescriptor* descriptor_ = nullptr;
};

TEST_F(Hl7v2Plugin, DescribesItself) {
  ASSERT_NE(descriptor_, nullptr);
  EXPECT_EQ(descriptor_->api_version, kPluginApiVersion);
  EXPECT_STREQ(descriptor_->name, "hl7v2");
  EXPECT_TRUE(descriptor_->decodes);
  EXPECT_FALSE(descriptor_->encodes);
}

TEST_F(Hl7v2Plugin, DecodesIso2022JpWithTheShippedMappingAndAcknowledges) {
  std::unique_ptr<Codec> hl7 = codec();
  ASSERT_NE(hl7, nullptr);
  const std::string message = golden_message("adt_a08_iso2022jp", "ISO-2022-JP");
  ASSERT_NE(message.find("\x1b$B"), std::string::npos) << "the test message is not in ISO-2022-JP";

  const MessageHeader header = hl7->read_header(message);
  EXPECT_TRUE(header.readable);
  EXPECT_EQ(header.charset, "ISO-2022-JP");
  EXPECT_EQ(header.message_id, "20240401093000002");
  EXPECT_EQ(header.message_type, "ADT^A08");

  const DecodeResult result = hl7->decode(message);
  ASSERT_EQ(result.disposition, Disposition::accepted);
  EXPECT_NE(result.bundle.find("\"text\":\"宇都宮 花子\""), std::string::npos);
  EXPECT_NE(result.bundle.find("\"text\":\"ウツノミヤ ハナコ\""), std::string::npos);
  // The same Bundle as the golden case, through the loaded library.
  fhir::json::ParseResult actual = fhir::json::parse(result.bundle);
  fhir::json::ParseResult expected = fhir::json::parse(read_file(kCases / "adt_a08_iso2022jp" / "expected.json"));
  ASSERT_TRUE(actual.document && expected.document);
  EXPECT_EQ(fhir::json::serialize(actual.document->root()), fhir::json::serialize(expected.document->root()));

  const std::string ack = hl7->acknowledge(message, result.disposition, result.issues);
  EXPECT_NE(ack.find("MSA|AA|20240401093000002"), std::string::npos) << ack;
}

TEST_F(Hl7v2Plugin, DataErrorGetsAnAeWithErrAtTheLocation) {
  std::unique_ptr<Codec> hl7 = codec();
  ASSERT_NE(hl7, nullptr);
  const std::string message = golden_message("error_missing_pid3", nullptr);
  const DecodeResult result = hl7->decode(message);
  ASSERT_EQ(result.disposition, Disposition::data_error);
  ASSERT_FALSE(result.issues.empty());
  EXPECT_EQ(result.issues[0].location, "PID-3");
  const std::string ack = hl7->acknowledge(message, result.disposition, result.issues);
  EXPECT_NE(ack.find("MSA|AE|"), std::string::npos) << ack;
  EXPECT_NE(ack.find("ERR||PID^1^3"), std::string::npos) << ack;
  EXPECT_NE(ack.find("|101^"), std::string::npos) << ack;  // ERR-3: required field missing
}

TEST_F(Hl7v2Plugin, UnsupportedTypeAndUnreadableBytesAreRejected) {
  std::unique_ptr<Codec> hl7 = codec();
  ASSERT_NE(hl7, nullptr);
  const std::string unsupported = golden_message("rejected_unsupported_message_type", nullptr);
  const DecodeResult result = hl7->decode(unsupported);
  ASSERT_EQ(result.disposition, Disposition::rejected);
  EXPECT_NE(hl7->acknowledge(unsupported, result.disposition, result.issues).find("MSA|AR|"), std::string::npos);

  for (const std::string& garbage : {std::string(), std::string("not hl7 at all"), std::string("MSH|\xff\xfe\x00", 7)}) {
    const DecodeResult broken = hl7->decode(garbage);
    EXPECT_EQ(broken.disposition, Disposition::rejected);
    EXPECT_FALSE(hl7->read_header(garbage).readable);
    EXPECT_NE(hl7->acknowledge(garbage, broken.disposition, broken.issues).find("MSA|AR|"), std::string::npos);
  }
}

TEST_F(Hl7v2Plugin, EncodeIsNotSupported) {
  std::unique_ptr<Codec> hl7 = codec();
  ASSERT_NE(hl7, nullptr);
  const EncodeResult result = hl7->encode("{\"resourceType\":\"Patient\"}");
  EXPECT_FALSE(result.ok);
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].code, "not-supported");
}

TEST_F(Hl7v2Plugin, ABrokenMappingFileIsRefusedWithFileLineAndKey) {
  const fs::path file = fs::temp_directory_path() / ("socialrx_hl7v2_broken_" + std::to_string(getpid()) + ".jsonc");
  std::string text = read_file(fs::path(SOCIALRX_SOURCE_DIR) / "mappings" / "hl7v2" / "ssmix2.jsonc");
  const std::size_t at = text.find("\"$transform\": \"date\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 20, "\"$transform\": \"dat\" ");
  std::ofstream(file) << text;
  const std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;

  CodecOrError made = descriptor_->make_codec(CodecSettings{.mapping_file = file.string()});
  fs::remove(file);
  EXPECT_EQ(made.codec, nullptr);
  EXPECT_EQ(made.error.rfind(file.filename().string() + ":" + std::to_string(line) + ": definitions.patient.elements.birthDate: unknown transform 'dat'", 0), 0u)
      << made.error;

  CodecOrError missing = descriptor_->make_codec(CodecSettings{.mapping_file = "/nonexistent/mapping.jsonc"});
  EXPECT_EQ(missing.codec, nullptr);
  EXPECT_NE(missing.error.find("cannot be read"), std::string::npos);
}

}  // namespace
}  // namespace socialrx::plugins
