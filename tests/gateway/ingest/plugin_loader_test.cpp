// Loading plugins by name (the test fixture plugins in build/plugins/) and the guard around
// every codec call.

#include "gateway/ingest/plugin_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::gateway::ingest {
namespace {

std::string load_error(PluginLoader& loader, const std::string& name) {
  try {
    loader.load(name);
  } catch (const PluginLoadError& error) {
    return error.what();
  }
  return "";
}

TEST(PluginLoaderTest, LoadsTheTestFixtureOnceAndMakesACodec) {
  PluginLoader loader(SOCIALRX_TEST_PLUGINS_DIR);
  const LoadedPlugin& plugin = loader.load("test_fixture");
  EXPECT_EQ(&plugin, &loader.load("test_fixture"));
  EXPECT_EQ(plugin.descriptor->api_version, plugins::kPluginApiVersion);
  EXPECT_TRUE(plugin.descriptor->decodes);
  auto codec = make_guarded_codec(plugin, {});
  const auto header = codec->read_header("TESTMSG\nsender: a\nid: 7\ntype: T\n");
  EXPECT_TRUE(header.readable);
  EXPECT_EQ(header.sender, "a");
  EXPECT_EQ(header.message_id, "7");
}

TEST(PluginLoaderTest, RefusesWhatIsNotAPluginOfThisApiVersion) {
  PluginLoader loader(SOCIALRX_TEST_PLUGINS_DIR);
  const std::string missing = load_error(loader, "no_such_plugin");
  EXPECT_NE(missing.find("no library at"), std::string::npos) << missing;
  EXPECT_NE(missing.find("libsocialrx_plugin_no_such_plugin.so"), std::string::npos) << missing;

  const std::string wrong_api = load_error(loader, "test_wrong_api");
  EXPECT_NE(wrong_api.find("API version 999"), std::string::npos) << wrong_api;

  const std::string no_entry = load_error(loader, "test_no_entry");
  EXPECT_NE(no_entry.find("does not export socialrx_plugin_v1"), std::string::npos) << no_entry;

  const std::string path_like = load_error(loader, "../test_fixture");
  EXPECT_NE(path_like.find("a plugin name is"), std::string::npos) << path_like;

  // A file that is not a shared library at all.
  socialrx::testing::TempDir dir("socialrx-plugins");
  std::filesystem::create_directories(dir.path() / "broken");
  { std::ofstream(dir.path() / "broken" / "libsocialrx_plugin_broken.so") << "not an ELF file"; }
  PluginLoader other(dir.path().string());
  const std::string broken = load_error(other, "broken");
  EXPECT_NE(broken.find("cannot load"), std::string::npos) << broken;
}

TEST(PluginLoaderTest, AMappingProblemIsAStartUpErrorNamingTheFileAndKey) {
  socialrx::testing::TempDir dir("socialrx-mapping");
  const auto mapping = dir.path() / "bad.jsonc";
  { std::ofstream(mapping) << "{\n  \"identifier_system\": \"urn:x\",\n  \"colour\": 1,\n}\n"; }
  PluginLoader loader(SOCIALRX_TEST_PLUGINS_DIR);
  try {
    make_guarded_codec(loader.load("test_fixture"), {mapping.string()});
    FAIL() << "a bad mapping was taken";
  } catch (const PluginLoadError& error) {
    EXPECT_NE(std::string(error.what()).find(mapping.string() + ":3: colour"), std::string::npos) << error.what();
  }
}

TEST(PluginLoaderTest, TheGuardTurnsAThrowingCodecIntoAFailedMessage) {
  PluginLoader loader(SOCIALRX_TEST_PLUGINS_DIR);
  auto codec = make_guarded_codec(loader.load("test_fixture"), {});
  const auto header = codec->read_header("TESTMSG\naction: throw-header\n");
  EXPECT_FALSE(header.readable);
  ASSERT_EQ(header.issues.size(), 1u);
  EXPECT_EQ(header.issues[0].code, "exception");
  const auto decoded = codec->decode("TESTMSG\naction: throw-decode\n");
  EXPECT_EQ(decoded.disposition, plugins::Disposition::data_error);
  EXPECT_EQ(decoded.issues.at(0).code, "exception");
  EXPECT_EQ(codec->acknowledge("TESTMSG\naction: throw-ack\n", plugins::Disposition::accepted, {}), "");
  // And it goes on working.
  EXPECT_EQ(codec->acknowledge("TESTMSG\nid: 9\n", plugins::Disposition::accepted, {}), "ACK|9|AA\n");
}

}  // namespace
}  // namespace socialrx::gateway::ingest
