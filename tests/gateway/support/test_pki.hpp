#pragma once
// A throwaway PKI for TLS tests, made with the OpenSSL C API (no `openssl` command needed):
// a CA, a server certificate for localhost / 127.0.0.1 / ::1, a client certificate signed by the
// CA, and a client certificate signed by another, untrusted CA. P-256 keys, SHA-256, valid from
// one hour ago for one day. Files (PEM) are written into the given directory:
//
//   ca.pem            the CA certificate (client_ca_file, or a client's trust anchor)
//   server.pem/.key   chain (leaf + CA) and key for the server
//   client.pem/.key   client certificate signed by the CA (subject: kClientSubject)
//   rogue-client.pem/.key  client certificate signed by an untrusted CA

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace socialrx::testing {

class TestPki {
 public:
  static constexpr const char* kClientCommonName = "clinic-a.test";
  static constexpr const char* kClientOrganization = "socialrx tests";
  // RFC 2253 form, as RequestContext::client_certificate_subject reports it.
  static constexpr const char* kClientSubject = "CN=clinic-a.test,O=socialrx tests";

  explicit TestPki(const std::filesystem::path& directory) : dir_(directory) {
    std::filesystem::create_directories(dir_);
    auto ca_key = make_key();
    auto ca = make_certificate("socialrx test CA", ca_key.get(), nullptr, ca_key.get(), 1,
                               {{NID_basic_constraints, "critical,CA:TRUE"},
                                {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                {NID_subject_key_identifier, "hash"}});
    auto server_key = make_key();
    auto server = make_certificate(
        "localhost", server_key.get(), ca.get(), ca_key.get(), 2,
        {{NID_basic_constraints, "critical,CA:FALSE"},
         {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
         {NID_ext_key_usage, "serverAuth"},
         {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"}});
    auto client_key = make_key();
    auto client = make_certificate(kClientCommonName, client_key.get(), ca.get(), ca_key.get(), 3,
                                   {{NID_basic_constraints, "critical,CA:FALSE"},
                                    {NID_key_usage, "critical,digitalSignature"},
                                    {NID_ext_key_usage, "clientAuth"}},
                                   kClientOrganization);
    auto rogue_ca_key = make_key();
    auto rogue_ca = make_certificate("rogue CA", rogue_ca_key.get(), nullptr, rogue_ca_key.get(), 1,
                                     {{NID_basic_constraints, "critical,CA:TRUE"},
                                      {NID_key_usage, "critical,keyCertSign,cRLSign"}});
    auto rogue_key = make_key();
    auto rogue = make_certificate(kClientCommonName, rogue_key.get(), rogue_ca.get(),
                                  rogue_ca_key.get(), 2,
                                  {{NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_ext_key_usage, "clientAuth"}},
                                  kClientOrganization);

    write_certificates(ca_file(), {ca.get()});
    write_certificates(server_chain_file(), {server.get(), ca.get()});
    write_key(server_key_file(), server_key.get());
    write_certificates(client_certificate_file(), {client.get()});
    write_key(client_key_file(), client_key.get());
    write_certificates(rogue_client_certificate_file(), {rogue.get(), rogue_ca.get()});
    write_key(rogue_client_key_file(), rogue_key.get());
  }

  std::string ca_file() const { return (dir_ / "ca.pem").string(); }
  std::string server_chain_file() const { return (dir_ / "server.pem").string(); }
  std::string server_key_file() const { return (dir_ / "server.key").string(); }
  std::string client_certificate_file() const { return (dir_ / "client.pem").string(); }
  std::string client_key_file() const { return (dir_ / "client.key").string(); }
  std::string rogue_client_certificate_file() const {
    return (dir_ / "rogue-client.pem").string();
  }
  std::string rogue_client_key_file() const { return (dir_ / "rogue-client.key").string(); }

 private:
  using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;
  struct Extension {
    int nid;
    const char* value;
  };

  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error("TestPki: " + what);
  }

  static Key make_key() {
    Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    if (!key) fail("cannot generate a P-256 key");
    return key;
  }

  static Certificate make_certificate(const char* common_name, EVP_PKEY* key, X509* issuer,
                                      EVP_PKEY* issuer_key, long serial,
                                      const std::vector<Extension>& extensions,
                                      const char* organization = nullptr) {
    Certificate certificate(X509_new(), &X509_free);
    if (!certificate) fail("X509_new");
    X509* x = certificate.get();
    X509_set_version(x, 2);  // v3
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    if (organization != nullptr) {
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(organization), -1, -1, 0);
    }
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
    X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
    for (const auto& extension : extensions) {
      X509_EXTENSION* made =
          X509V3_EXT_conf_nid(nullptr, &context, extension.nid, extension.value);
      if (made == nullptr) fail(std::string("bad extension ") + extension.value);
      X509_add_ext(x, made, -1);
      X509_EXTENSION_free(made);
    }
    if (X509_sign(x, issuer_key, EVP_sha256()) == 0) fail("X509_sign");
    return certificate;
  }

  static void write_certificates(const std::string& path, const std::vector<X509*>& chain) {
    std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"),
                                                       &std::fclose);
    if (!file) fail("cannot write " + path);
    for (X509* certificate : chain) {
      if (PEM_write_X509(file.get(), certificate) != 1) fail("cannot write " + path);
    }
  }

  static void write_key(const std::string& path, EVP_PKEY* key) {
    std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"),
                                                       &std::fclose);
    if (!file) fail("cannot write " + path);
    if (PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      fail("cannot write " + path);
    }
  }

  std::filesystem::path dir_;
};

}  // namespace socialrx::testing
