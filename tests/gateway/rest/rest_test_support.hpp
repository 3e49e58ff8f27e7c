#pragma once
// Integration tests of the FHIR REST API: the real binary (`socialrx serve`, authentication on)
// on 127.0.0.1 with a fresh database on either backend, a client that sends a bearer token, and
// an external check of every response body against HL7's R4 JSON schema (the npm validator in
// tests/tools) when the test ends.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "fhir/json.hpp"
#include "fhir/validator.hpp"
#include "gateway/rest/auth.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"
#include "tests/gateway/support/gateway_process.hpp"

namespace socialrx::testing {

using storage_backend = gateway::storage::Backend;

inline constexpr const char* kAdminToken = "admin-token-for-tests-only-0123456789";
inline constexpr const char* kReaderToken = "reader-token-for-tests-only-9876543210";

// A FHIR client: bearer token on every request; every JSON body it receives is also written to
// a file that the fixture hands to the external schema validator.
class FhirClient {
 public:
  FhirClient(GatewayProcess& gateway, std::string token, std::ofstream* bodies)
      : http_(gateway.client()), token_(std::move(token)), bodies_(bodies) {}

  HttpResponse get(const std::string& target, Headers headers = {}) {
    return send(boost::beast::http::verb::get, target, {}, std::move(headers));
  }
  HttpResponse post(const std::string& target, std::string body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/fhir+json");
    return send(boost::beast::http::verb::post, target, std::move(body), std::move(headers));
  }
  HttpResponse put(const std::string& target, std::string body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/fhir+json");
    return send(boost::beast::http::verb::put, target, std::move(body), std::move(headers));
  }
  HttpResponse del(const std::string& target, Headers headers = {}) {
    return send(boost::beast::http::verb::delete_, target, {}, std::move(headers));
  }
  HttpResponse send(boost::beast::http::verb verb, const std::string& target, std::string body,
                    Headers headers) {
    if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
    HttpResponse response = http_.request(verb, "/fhir" + target, std::move(body), headers);
    if (bodies_ != nullptr && !response.body.empty() &&
        response.header("Content-Type").starts_with("application/fhir+json")) {
      std::string line = response.body;
      for (char& c : line) {
        if (c == '\n') c = ' ';
      }
      *bodies_ << line << '\n';
    }
    return response;
  }

 private:
  HttpClient http_;
  std::string token_;
  std::ofstream* bodies_;
};

// The parsed JSON of a response; fails the test when it is not JSON.
inline fhir::json::Document json_of(const HttpResponse& response) {
  auto parsed = fhir::json::parse(response.body);
  EXPECT_TRUE(parsed.document.has_value()) << response.body;
  return parsed.document ? std::move(*parsed.document) : fhir::json::Document();
}

// Every body in `path` (one per line, as FhirClient writes them) passes HL7's R4 JSON schema
// (tests/tools/fhir_schema_validate.mjs, run with node).
inline void expect_bodies_pass_r4_schema(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path) || std::filesystem::file_size(path) == 0) return;
  const std::string command = "node " + std::string(SOCIALRX_SOURCE_DIR) +
                              "/tests/tools/fhir_schema_validate.mjs - < '" + path.string() + "' > '" +
                              path.string() + ".report' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream report(path.string() + ".report");
  std::stringstream text;
  text << report.rdbuf();
  EXPECT_EQ(status, 0) << "responses failing HL7's R4 JSON schema:\n" << text.str();
}

class RestTest : public ::testing::TestWithParam<storage_backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<gateway::storage::testing::ScratchDatabase>(GetParam());
    gateway_ = std::make_unique<GatewayProcess>(options_for(GetParam()));
    before_start(config_path_, gateway_->data_dir());
    gateway_->start();
    bodies_.open(gateway_->work_dir() / "response-bodies.ndjson");
  }

  void TearDown() override {
    bodies_.close();
    if (!::testing::Test::HasFailure()) check_bodies_with_external_validator();
    if (gateway_ && gateway_->running()) {
      EXPECT_EQ(gateway_->stop(), 0) << gateway_->stderr_text();
    }
    gateway_.reset();
    database_.reset();
  }

  FhirClient admin() { return FhirClient(*gateway_, kAdminToken, &bodies_); }
  FhirClient reader() { return FhirClient(*gateway_, kReaderToken, &bodies_); }
  FhirClient anonymous() { return FhirClient(*gateway_, "", &bodies_); }

  // Creates a resource and returns its id (asserting 201).
  std::string create(const std::string& type, const std::string& body) {
    auto client = admin();
    HttpResponse response = client.post("/" + type, body);
    EXPECT_EQ(response.status, 201u) << response.body;
    return std::string(json_of(response).root().string_at("id"));
  }

  GatewayProcess& gateway() { return *gateway_; }
  FhirClient client_with(const std::string& token) { return FhirClient(*gateway_, token, &bodies_); }

  // For suites that need more: further entries of auth.clients (JSON objects, each followed by a
  // comma), and work on the configuration and data directory before the server starts.
  virtual std::string extra_clients() const { return {}; }
  virtual void before_start(const std::filesystem::path& /*config*/, const std::filesystem::path& /*data_dir*/) {}

 private:
  GatewayProcessOptions options_for(storage_backend backend) {
    GatewayProcessOptions options;
    options.dev = false;
    const auto config = std::filesystem::temp_directory_path() /
                        ("socialrx-rest-" + gateway::storage::testing::random_suffix() + ".jsonc");
    std::ofstream out(config);
    out << "{\n  \"storage\": {";
    if (backend == storage_backend::postgresql) {
      out << "\"backend\": \"postgresql\", \"postgresql_url\": \""
          << database_->options().postgresql_url << "\"";
    } else {
      out << "\"backend\": \"sqlite\"";
    }
    out << "},\n  \"auth\": {\"clients\": [\n"
        << "    {\"id\": \"test-admin\", \"token_sha256\": \"" << gateway::rest::sha256_hex(kAdminToken)
        << "\", \"scopes\": [\"system/*.cruds\"]},\n"
        << "    {\"id\": \"test-reader\", \"token_sha256\": \"" << gateway::rest::sha256_hex(kReaderToken)
        << "\", \"scopes\": [\"system/*.rs\"]},\n"
        << extra_clients() << "  ]},\n}\n";
    config_path_ = config;
    options.extra_args = {"--config", config.string()};
    return options;
  }

  void check_bodies_with_external_validator() {
    expect_bodies_pass_r4_schema(gateway_->work_dir() / "response-bodies.ndjson");
  }

  std::unique_ptr<gateway::storage::testing::ScratchDatabase> database_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::filesystem::path config_path_;
  std::ofstream bodies_;
};

#define SOCIALRX_REST_BACKENDS(suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                  \
                           ::testing::Values(::socialrx::testing::storage_backend::sqlite,    \
                                             ::socialrx::testing::storage_backend::postgresql), \
                           ::socialrx::gateway::storage::testing::BackendName())

}  // namespace socialrx::testing
