// TLS: 1.2 and 1.3 accepted, older refused, AEAD ciphers only for 1.2, optional client
// certificates whose subject reaches the handler. Certificates come from a throwaway CA.

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "gateway/http/server.hpp"
#include "gateway/http/tls_context.hpp"
#include "tests/gateway/http/test_server.hpp"
#include "tests/gateway/support/http_client.hpp"
#include "tests/gateway/support/temp_dir.hpp"
#include "tests/gateway/support/test_pki.hpp"

namespace socialrx::testing {
namespace {

using namespace std::chrono_literals;

class HttpTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("socialrx-tls");
    pki_ = new TestPki(dir_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  static http::ServerOptions tls_options(bool client_certificates) {
    http::ServerOptions options;
    options.tls = http::TlsOptions{pki_->server_chain_file(), pki_->server_key_file(),
                                   client_certificates ? pki_->ca_file() : std::string()};
    return options;
  }

  static TlsClientOptions trusting(int min_version = 0, int max_version = 0) {
    TlsClientOptions tls;
    tls.ca_file = pki_->ca_file();
    tls.min_version = min_version;
    tls.max_version = max_version;
    return tls;
  }

  static HttpClient client(std::uint16_t port, TlsClientOptions tls) {
    return HttpClient("127.0.0.1", port, ClientOptions{5s, std::move(tls)});
  }

  static inline TempDir* dir_ = nullptr;
  static inline TestPki* pki_ = nullptr;
  TestHandler handler_;
};

TEST_F(HttpTls, Tls12ClientSucceeds) {
  RunningServer server(tls_options(false), handler_);
  auto c = client(server.port(), trusting(TLS1_2_VERSION, TLS1_2_VERSION));
  const auto response = c.get("/ctx");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("tls=1"), std::string::npos) << response.body;
  EXPECT_EQ(c.tls_version(), "TLSv1.2");
}

TEST_F(HttpTls, Tls13ClientSucceedsAndKeepsAlive) {
  RunningServer server(tls_options(false), handler_);
  auto c = client(server.port(), trusting(TLS1_3_VERSION));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.get("/echo").status, 200);
  EXPECT_EQ(c.tls_version(), "TLSv1.3");
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(HttpTls, Tls11ClientFails) {
  RunningServer server(tls_options(false), handler_);
  auto tls = trusting(TLS1_VERSION, TLS1_1_VERSION);
  tls.allow_legacy = true;  // so that the refusal is the server's
  auto c = client(server.port(), tls);
  EXPECT_THROW(c.get("/echo"), HttpError);
  EXPECT_EQ(handler_.requests(), 0);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
}

TEST_F(HttpTls, PlainHttpToATlsPortFails) {
  RunningServer server(tls_options(false), handler_);
  HttpClient plain("127.0.0.1", server.port(), ClientOptions{3s, {}});
  EXPECT_THROW(plain.get("/echo"), HttpError);
  EXPECT_EQ(handler_.requests(), 0);
}

TEST_F(HttpTls, ContextAllowsOnlyTls12AndUpWithAeadCiphers) {
  auto context = http::make_server_tls_context(tls_options(false).tls.value());
  SSL_CTX* ctx = context.native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_1, 0u);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION, 0u);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx), &SSL_free);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl.get());
  ASSERT_NE(ciphers, nullptr);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i));
    const bool aead = name.find("GCM") != std::string::npos ||
                      name.find("CHACHA20") != std::string::npos;
    EXPECT_TRUE(aead) << name;
    EXPECT_EQ(name.find("CBC"), std::string::npos) << name;
  }
}

TEST_F(HttpTls, MissingFilesAreNamed) {
  http::ServerOptions options = tls_options(false);
  options.port = 0;
  options.tls->private_key_file = (dir_->path() / "absent.key").string();
  try {
    http::Server server(options, handler_);
    FAIL() << "started without a key";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("absent.key"), std::string::npos) << error.what();
  }
  options = tls_options(false);
  options.port = 0;
  options.tls->private_key_file = pki_->client_key_file();  // not the server certificate's key
  EXPECT_THROW({ http::Server server(options, handler_); }, std::runtime_error);
}

TEST_F(HttpTls, ClientCertificateRequiredWhenClientCaIsSet) {
  RunningServer server(tls_options(true), handler_);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    // No certificate.
    auto anonymous = client(server.port(), trusting(version, version));
    EXPECT_THROW(anonymous.get("/ctx"), HttpError);

    // A certificate from a CA the server does not trust.
    auto rogue_options = trusting(version, version);
    rogue_options.certificate_file = pki_->rogue_client_certificate_file();
    rogue_options.private_key_file = pki_->rogue_client_key_file();
    auto rogue = client(server.port(), rogue_options);
    EXPECT_THROW(rogue.get("/ctx"), HttpError);

    // A certificate signed by the CA: accepted, and its subject reaches the handler.
    auto known_options = trusting(version, version);
    known_options.certificate_file = pki_->client_certificate_file();
    known_options.private_key_file = pki_->client_key_file();
    auto known = client(server.port(), known_options);
    const auto response = known.get("/ctx");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find(std::string("subject=") + TestPki::kClientSubject),
              std::string::npos)
        << response.body;
  }
  EXPECT_EQ(handler_.requests(), 2);
}

TEST_F(HttpTls, NoSubjectWithoutClientCertificates) {
  RunningServer server(tls_options(false), handler_);
  auto options = trusting();
  options.certificate_file = pki_->client_certificate_file();  // offered but not asked for
  options.private_key_file = pki_->client_key_file();
  auto c = client(server.port(), options);
  const auto body = c.get("/ctx").body;
  EXPECT_TRUE(body.ends_with("\nsubject=")) << body;
}

TEST_F(HttpTls, LimitsAndErrorsWorkOverTls) {
  auto options = tls_options(false);
  options.body_limit = 1024;
  RunningServer server(options, handler_);
  auto c = client(server.port(), trusting());
  const auto response = c.post("/echo", std::string(100'000, 'b'));
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.header("Content-Type"), "application/fhir+json");
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(c.get("/drop").status, 500);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 1; }));
}

TEST_F(HttpTls, StopDrainsTlsConnections) {
  RunningServer server(tls_options(false), handler_);
  auto idle = client(server.port(), trusting());
  EXPECT_EQ(idle.get("/echo").status, 200);
  auto held = std::async(std::launch::async, [port = server.port()] {
    auto c = client(port, trusting());
    return c.get("/hold");
  });
  ASSERT_TRUE(handler_.wait_held(1));
  auto stopped = std::async(std::launch::async, [&] { return server.stop(10s); });
  EXPECT_TRUE(idle.wait_closed(3s));
  handler_.release_held("done");
  EXPECT_EQ(held.get().body, "done");
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace socialrx::testing
