// The outbox's "file" transport on a real directory: the file appears whole under its final
// name, a retry replaces it and never makes a second file, no temporary file is left behind,
// names from idempotency keys are safe and distinct, an unwritable or missing directory is
// retried, a bad destination or file name is dead at once.

#include "gateway/outbox/file_transport.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::gateway::outbox {
namespace {

using Verdict = DeliveryOutcome::Verdict;
namespace fs = std::filesystem;

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

Delivery file_delivery(const fs::path& directory, const std::string& key, const std::string& body) {
  Delivery delivery;
  delivery.id = 1;
  delivery.destination = "file://" + directory.string();
  delivery.body = body;
  delivery.content_type = "x-application/hl7-v2+er7";
  delivery.idempotency_key = key;
  return delivery;
}

TEST(FileTransport, WritesOneFileAndARetryReplacesIt) {
  socialrx::testing::TempDir dir("socialrx-file-transport");
  FileTransport transport;
  const std::string body = "MSH|^~\\&|A\r" "PID|1||1||\x1b$B;3ED\x1b(B\r";  // bytes kept as they are
  auto delivery = file_delivery(dir.path(), "forward:msg-1", body);
  const auto first = transport.send(delivery);
  ASSERT_EQ(first.verdict, Verdict::delivered) << first.reason;
  const auto names = names_in(dir.path());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], file_name_for("forward:msg-1", delivery.content_type));
  EXPECT_TRUE(names[0].ends_with(".hl7"));
  EXPECT_EQ(read_file(dir.path() / names[0]), body);
  // The same message again (a retry after a crash before its result was recorded).
  delivery.attempt = 2;
  delivery.body = body + "ZZZ|changed\r";
  ASSERT_EQ(transport.send(delivery).verdict, Verdict::delivered);
  EXPECT_EQ(names_in(dir.path()), names) << "replaced, not duplicated";
  EXPECT_EQ(read_file(dir.path() / names[0]), delivery.body);
  // Another message: another file.
  ASSERT_EQ(transport.send(file_delivery(dir.path(), "forward:msg-2", "x")).verdict, Verdict::delivered);
  EXPECT_EQ(names_in(dir.path()).size(), 2u);
}

TEST(FileTransport, PathNamesTheFile) {
  socialrx::testing::TempDir dir("socialrx-file-transport");
  FileTransport transport;
  auto delivery = file_delivery(dir.path(), "k", "body");
  delivery.path = "ADT_20260101_0001.hl7";
  ASSERT_EQ(transport.send(delivery).verdict, Verdict::delivered);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"ADT_20260101_0001.hl7"});
  for (const char* bad : {"../escape.hl7", "a/b.hl7", ".hidden", ""}) {
    delivery.path = bad;
    if (std::string(bad).empty()) continue;  // empty means: from the key
    EXPECT_EQ(transport.send(delivery).verdict, Verdict::reject) << bad;
  }
  EXPECT_EQ(names_in(dir.path()).size(), 1u);
}

TEST(FileTransport, NamesFromKeysAreSafeAndDistinct) {
  std::set<std::string> names;
  for (const char* key : {"a/b", "a_b", "a:b", "../../etc/passwd", ".hidden", "日本語キー", ""}) {
    const std::string name = file_name_for(key, "application/fhir+json");
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_NE(name.front(), '.') << name;
    EXPECT_TRUE(name.ends_with(".json")) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_LE(file_name_for(std::string(1000, 'k'), "").size(), 100u + 17u + 4u);
  EXPECT_EQ(file_name_for("same", "text/plain"), file_name_for("same", "text/plain"));
}

TEST(FileTransport, MissingOrUnwritableDirectoryIsRetried) {
  socialrx::testing::TempDir dir("socialrx-file-transport");
  FileTransport transport;
  const auto missing = transport.send(file_delivery(dir.path() / "not-yet", "k", "x"));
  EXPECT_EQ(missing.verdict, Verdict::retry);
  EXPECT_NE(missing.reason.find("No such file"), std::string::npos) << missing.reason;
  const fs::path locked = dir.path() / "locked";
  fs::create_directory(locked);
  ::chmod(locked.c_str(), 0500);
  if (::geteuid() != 0) {  // root writes anyway
    const auto unwritable = transport.send(file_delivery(locked, "k", "x"));
    EXPECT_EQ(unwritable.verdict, Verdict::retry);
    EXPECT_TRUE(names_in(locked).empty());
  }
  ::chmod(locked.c_str(), 0700);
  // A directory nobody may create files in, whoever runs the test.
  EXPECT_EQ(transport.send(file_delivery("/proc", "k", "x")).verdict, Verdict::retry);
  // Once the directory exists, the same message goes through.
  fs::create_directory(dir.path() / "not-yet");
  EXPECT_EQ(transport.send(file_delivery(dir.path() / "not-yet", "k", "x")).verdict, Verdict::delivered);
}

TEST(FileTransport, AFileInTheWayOfTheDirectoryIsRetried) {
  socialrx::testing::TempDir dir("socialrx-file-transport");
  std::ofstream(dir.path() / "plain-file") << "x";
  FileTransport transport;
  EXPECT_EQ(transport.send(file_delivery(dir.path() / "plain-file", "k", "x")).verdict, Verdict::retry);
}

TEST(FileTransport, BadDestinationsAreDeadAtOnce) {
  FileTransport transport;
  for (const char* destination : {"file://relative/dir", "/tmp", "http://x/", "file:///tmp/../etc"}) {
    Delivery delivery = file_delivery("/tmp", "k", "x");
    delivery.destination = destination;
    EXPECT_EQ(transport.send(delivery).verdict, Verdict::reject) << destination;
  }
}

}  // namespace
}  // namespace socialrx::gateway::outbox
