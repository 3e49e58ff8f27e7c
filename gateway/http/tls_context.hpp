#pragma once
// The server's OpenSSL context: TLS 1.2 minimum, forward-secret AEAD ciphers for TLS 1.2 (TLS 1.3
// keeps OpenSSL's suites), no compression or renegotiation, and, when a client CA file is given,
// required client certificates.

#include <boost/asio/ssl/context.hpp>

#include <string>

#include "gateway/http/server.hpp"

namespace socialrx::gateway::http {

// Throws std::runtime_error naming the file when a certificate, key or CA file cannot be used.
boost::asio::ssl::context make_server_tls_context(const TlsOptions& options);

// The verified peer certificate's subject in RFC 2253 form ("CN=clinic-a,O=Example"), or "" when
// the peer sent none or it did not verify.
std::string verified_peer_subject(const SSL* ssl);

}  // namespace socialrx::gateway::http
