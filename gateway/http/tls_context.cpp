#include "gateway/http/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace socialrx::gateway::http {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list: ECDHE/DHE key exchange and AEAD ciphers only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// Lets clients resume sessions when client certificates are verified (OpenSSL refuses resumption
// without a session id context).
constexpr unsigned char kSessionIdContext[] = "socialrx-http";

[[noreturn]] void fail(const std::string& what, const std::string& file) {
  std::string detail;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    detail = std::string(": ") + text;
  }
  ERR_clear_error();
  throw std::runtime_error("TLS: cannot " + what + " '" + file + "'" + detail);
}

void require_file(const std::string& what, const std::string& file) {
  std::error_code ec;
  if (file.empty()) throw std::runtime_error("TLS: " + what + " file is not set");
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw std::runtime_error("TLS: " + what + " file '" + file + "' does not exist");
  }
}

}  // namespace

ssl::context make_server_tls_context(const TlsOptions& options) {
  require_file("certificate chain", options.certificate_chain_file);
  require_file("private key", options.private_key_file);
  if (!options.client_ca_file.empty()) require_file("client CA", options.client_ca_file);

  ssl::context context(ssl::context::tls_server);
  SSL_CTX* ctx = context.native_handle();
  ERR_clear_error();

  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    throw std::runtime_error("TLS: cannot set the minimum protocol version");
  }
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                      ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                      ssl::context::single_dh_use);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS: no usable TLS 1.2 cipher");
  }
  SSL_CTX_set_dh_auto(ctx, 1);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);

  if (SSL_CTX_use_certificate_chain_file(ctx, options.certificate_chain_file.c_str()) != 1) {
    fail("use the certificate chain", options.certificate_chain_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    fail("use the private key", options.private_key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    fail("match the private key to the certificate in", options.private_key_file);
  }

  if (!options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.client_ca_file.c_str(), nullptr) != 1) {
      fail("load the client CA", options.client_ca_file);
    }
    // The CA names the server sends in its CertificateRequest, so clients pick the right cert.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names == nullptr) fail("read CA names from", options.client_ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  ERR_clear_error();
  return context;
}

std::string verified_peer_subject(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(ssl),
                                                          &X509_free);
  if (!certificate) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return {};
  // RFC 2253 with UTF-8 kept as is (no \XX escapes for Japanese organization names).
  constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate.get()), 0, kFlags) < 0) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

}  // namespace socialrx::gateway::http
