// `socialrx directory import|export` through the real binary on a data directory (both
// backends), then `socialrx serve` on it: the HealthcareServices are read through the REST API
// (and every response body checked against HL7's R4 JSON schema by the RestTest fixture).

#include <gtest/gtest.h>

#include <fstream>

#include "tests/gateway/directory/directory_test_support.hpp"
#include "tests/gateway/rest/rest_test_support.hpp"
#include "tests/gateway/run_binary.hpp"

namespace socialrx::testing {
namespace {

class DirectoryCommandTest : public RestTest {
 protected:
  // The --config the fixture gave `serve` (storage backend), and its data dir.
  std::vector<std::string> store_args() {
    const auto& extra = gateway().options().extra_args;
    return {extra.at(0), extra.at(1), "--data", gateway().data_dir().string()};
  }
  RunResult directory(const std::string& action, const std::string& file) {
    std::vector<std::string> args{"directory", action};
    if (!file.empty()) args.push_back(file);
    for (const auto& arg : store_args()) args.push_back(arg);
    return run_socialrx(args);
  }
  std::string write(const std::string& name, const std::string& bytes) {
    const auto path = gateway().work_dir() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
};

TEST_P(DirectoryCommandTest, ImportReportsBadRowsThenServeShowsTheDirectory) {
  ASSERT_EQ(gateway().stop(), 0);
  const std::string demo = gateway::directory::testing::demo_directory_text();

  // A bad file: its header and two rows, the second with a wrong check digit and an unknown kind.
  const std::string header = demo.substr(0, demo.find("\r\n") + 2);
  const std::string rows = demo.substr(header.size());
  const std::string good_row = rows.substr(0, rows.find("\r\n") + 2);
  std::string bad_row = rows.substr(good_row.size());
  bad_row = bad_row.substr(0, bad_row.find("\r\n") + 2);
  bad_row.replace(bad_row.find(",992011,"), 8, ",992013,");
  bad_row.replace(bad_row.find(",chiiki-houkatsu,"), 17, ",hospital,");
  const std::string bad_file = write("bad.csv", header + good_row + bad_row);
  RunResult bad = directory("import", bad_file);
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("bad.csv: row 3, column municipality_code: "), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("bad.csv: row 3, column organization_kind: 'hospital' is not one of"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("2 rows (UTF-8): 1 imported"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("1 refused"), std::string::npos) << bad.err;

  // The good file, shipped as CP932 here: everything imported, exit 0; again: nothing changes.
  const std::string good_file = write("good.csv", gateway::directory::testing::to_cp932(demo));
  RunResult good = directory("import", good_file);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.err.find("11 rows (CP932): 11 imported"), std::string::npos) << good.err;
  RunResult again = directory("import", good_file);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("(0 resources new or changed"), std::string::npos) << again.err;

  // Export to a file and to stdout: the same CSV, 11 rows and a header.
  const std::string exported_file = (gateway().work_dir() / "export.csv").string();
  RunResult exported = directory("export", exported_file);
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  RunResult to_stdout = directory("export", "");
  EXPECT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, slurp(exported_file));
  std::size_t lines = 0;
  for (char c : to_stdout.out) lines += c == '\n';
  EXPECT_EQ(lines, 12u);
  EXPECT_NE(to_stdout.out.find("houkatsu-chuo-sodan"), std::string::npos);

  RunResult usage = run_socialrx({"directory", "import"});
  EXPECT_EQ(usage.exit_code, 2);

  gateway().start();
  auto client = admin();
  HttpResponse services = client.get("/HealthcareService?_count=50");
  ASSERT_EQ(services.status, 200u) << services.body;
  auto bundle = json_of(services);
  ASSERT_NE(bundle.root().find("entry"), nullptr) << services.body;
  EXPECT_EQ(bundle.root().find("entry")->size(), 11u);

  HttpResponse houkatsu = client.get("/HealthcareService?service-category=https://socialrx.jp/fhir/CodeSystem/recipient-kind|chiiki-houkatsu");
  ASSERT_EQ(houkatsu.status, 200u) << houkatsu.body;
  EXPECT_EQ(json_of(houkatsu).root().find("entry")->size(), 3u);

  HttpResponse by_id = client.get(
      "/HealthcareService?identifier=https://socialrx.jp/fhir/sid/directory-service|houkatsu-chuo-sodan"
      "&_include=HealthcareService:organization");
  ASSERT_EQ(by_id.status, 200u) << by_id.body;
  EXPECT_NE(by_id.body.find("\"waitlist\""), std::string::npos) << by_id.body;
  EXPECT_NE(by_id.body.find("みどり市中央地域包括支援センター"), std::string::npos) << by_id.body;

  HttpResponse endpoint = client.get("/Endpoint");
  ASSERT_EQ(endpoint.status, 200u);
  EXPECT_NE(endpoint.body.find("https://houkatsu-kita.midori.example/fhir"), std::string::npos) << endpoint.body;
}

SOCIALRX_REST_BACKENDS(DirectoryCommandTest);

TEST(DirectoryDevMode, ServeDevLoadsTheDemoDirectoryOnce) {
  GatewayProcess dev;  // --dev, SQLite in its own data dir
  dev.start();
  EXPECT_NE(dev.stderr_text().find("demo directory"), std::string::npos) << dev.stderr_text();
  EXPECT_NE(dev.stderr_text().find("11 imported"), std::string::npos) << dev.stderr_text();
  HttpClient http = dev.client();
  HttpResponse services = http.request(boost::beast::http::verb::get, "/fhir/HealthcareService?_summary=count", "", {});
  EXPECT_EQ(services.status, 200u);
  EXPECT_NE(services.body.find("\"total\":11"), std::string::npos) << services.body;
  dev.restart();
  EXPECT_NE(dev.stderr_text().find("(0 resources new or changed"), std::string::npos) << dev.stderr_text();
  EXPECT_EQ(dev.stop(), 0);
}

}  // namespace
}  // namespace socialrx::testing
