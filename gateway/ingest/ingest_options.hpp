#pragma once
// The `ingest` section of the gateway configuration (gateway/config reads and validates it;
// conf/gateway.jsonc documents it): where plugins are, how long processed messages are kept,
// and the channels — a source, a plugin with its mapping file, and destinations.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gateway/http/server.hpp"  // TlsOptions

namespace socialrx::gateway::ingest {

struct ChannelSource {
  enum class Kind { mllp, http, directory };
  Kind kind = Kind::http;
  std::string mllp_listen;        // mllp: "HOST:PORT" (the MLLP listener is wired by serve)
  // mllp: TLS 1.2+ for this listener (with a client CA, a sender must present a certificate it
  // signed), and its limits; unset limits are serve's defaults (MllpSourceOptions).
  std::optional<http::TlsOptions> mllp_tls;
  std::optional<std::size_t> mllp_max_frame_size;
  std::optional<std::chrono::milliseconds> mllp_idle_timeout;
  std::optional<std::size_t> mllp_max_connections;
  std::string directory;          // directory: the folder watched (absolute)
  std::chrono::milliseconds poll_interval{1'000};  // directory: how often it is looked at
};

struct ChannelOptions {
  std::string name;               // [a-z0-9_-]; POST /ingest/{name}; stored with each message
  ChannelSource source;
  std::string plugin;             // a plugin folder name: "hl7v2"
  std::string mapping_file;       // absolute; empty: the plugin's default mapping
  // Destinations. store: the decoded Bundle is applied as a transaction; referral: the same,
  // with the referral workflow's hooks on; forward: the raw message is queued in the outbox
  // for each URL, in the same transaction.
  bool store = false;
  bool referral = false;
  std::vector<std::string> forward;
};

struct IngestOptions {
  std::string plugins_dir;        // empty: the build tree's plugins/ (default_plugins_dir())
  int retention_days = 0;         // processed messages older than this are removed; 0: kept
  std::size_t max_pending = 10'000;  // messages being decoded or stored; beyond: refused (transient)
  int decode_threads = 2;         // decoding runs on these, never on the writer thread
  std::vector<ChannelOptions> channels;
};

}  // namespace socialrx::gateway::ingest
