#include "gateway/config/gateway_config.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "fhir/json.hpp"

namespace socialrx::gateway::config {
namespace {

using fhir::json::Member;
using fhir::json::Value;

// Walks one JSONC object, checking every key against the handlers given and naming file, line
// and key path in errors; unknown keys are errors too (a typo must not be silently ignored).
class ObjectReader {
 public:
  ObjectReader(const fhir::json::Document& document, std::string file, std::string path)
      : document_(document), file_(std::move(file)), path_(std::move(path)) {}

  using Handler = std::function<void(const Member&, const std::string& key_path)>;
  void read(const Value& object, const std::map<std::string, Handler, std::less<>>& handlers) const {
    if (!object.is_object()) fail(nullptr, path_, "must be an object");
    for (const Member& member : object.members()) {
      const std::string key_path = path_.empty() ? std::string(member.key)
                                                 : path_ + "." + std::string(member.key);
      auto handler = handlers.find(member.key);
      if (handler == handlers.end()) fail(&member, key_path, "unknown key");
      handler->second(member, key_path);
    }
  }

  [[noreturn]] void fail(const Member* member, const std::string& key_path,
                         const std::string& problem) const {
    const std::size_t line = member != nullptr ? document_.line_of(*member) : 0;
    throw ConfigError(file_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                      (key_path.empty() ? "" : key_path + ": ") + problem);
  }

  std::string string(const Member& member, const std::string& key_path) const {
    if (!member.value.is_string()) fail(&member, key_path, "must be a string");
    return std::string(member.value.text());
  }
  std::int64_t integer(const Member& member, const std::string& key_path, std::int64_t min,
                       std::int64_t max) const {
    std::int64_t value = 0;
    const std::string_view text = member.value.text();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!member.value.is_number() || error != std::errc() || end != text.data() + text.size() ||
        value < min || value > max) {
      fail(&member, key_path,
           "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
  }
  bool boolean(const Member& member, const std::string& key_path) const {
    if (!member.value.is_bool()) fail(&member, key_path, "must be true or false");
    return member.value.as_bool();
  }
  ObjectReader nested(const std::string& key_path) const {
    return ObjectReader(document_, file_, key_path);
  }
  const std::string& file() const { return file_; }

 private:
  const fhir::json::Document& document_;
  std::string file_;
  std::string path_;
};

// {"certificate_chain": PEM, "private_key": PEM, "client_ca": PEM (optional)}: the HTTP server's
// and each MLLP channel's TLS.
http::TlsOptions read_tls(const ObjectReader& reader, const Member& member, const std::string& path) {
  http::TlsOptions tls;
  reader.nested(path).read(member.value, {
      {"certificate_chain", [&](const Member& c, const std::string& q) {
         tls.certificate_chain_file = reader.string(c, q);
       }},
      {"private_key", [&](const Member& c, const std::string& q) { tls.private_key_file = reader.string(c, q); }},
      {"client_ca", [&](const Member& c, const std::string& q) { tls.client_ca_file = reader.string(c, q); }},
  });
  if (tls.certificate_chain_file.empty() || tls.private_key_file.empty()) {
    reader.fail(&member, path, "needs certificate_chain and private_key");
  }
  return tls;
}

void read_http(const ObjectReader& reader, const Member& http, GatewayConfig& config) {
  auto& options = config.http;
  reader.read(http.value, {
      {"listen", [&](const Member& m, const std::string& p) {
         try {
           parse_listen_address(reader.string(m, p), p, options.host, options.port);
         } catch (const ConfigError& error) {
           reader.fail(&m, p, error.what());
         }
       }},
      {"threads", [&](const Member& m, const std::string& p) {
         options.threads = static_cast<int>(reader.integer(m, p, 1, 64));
       }},
      {"body_limit", [&](const Member& m, const std::string& p) {
         options.body_limit = static_cast<std::size_t>(reader.integer(m, p, 1024, 1LL << 30));
       }},
      {"header_limit", [&](const Member& m, const std::string& p) {
         options.header_limit = static_cast<std::size_t>(reader.integer(m, p, 1024, 1 << 20));
       }},
      {"read_timeout_ms", [&](const Member& m, const std::string& p) {
         options.read_timeout = std::chrono::milliseconds(reader.integer(m, p, 100, 3'600'000));
       }},
      {"idle_timeout_ms", [&](const Member& m, const std::string& p) {
         options.idle_timeout = std::chrono::milliseconds(reader.integer(m, p, 100, 3'600'000));
       }},
      {"max_connections", [&](const Member& m, const std::string& p) {
         options.max_connections = static_cast<std::size_t>(reader.integer(m, p, 1, 100'000));
       }},
      {"tls", [&](const Member& m, const std::string& p) { options.tls = read_tls(reader, m, p); }},
  });
}

void read_storage(const ObjectReader& reader, const Member& storage, GatewayConfig& config) {
  reader.read(storage.value, {
      {"backend", [&](const Member& m, const std::string& p) {
         const std::string backend = reader.string(m, p);
         if (backend == "sqlite") {
           config.backend = storage::Backend::sqlite;
         } else if (backend == "postgresql") {
           config.backend = storage::Backend::postgresql;
         } else {
           reader.fail(&m, p, "must be \"sqlite\" or \"postgresql\"");
         }
       }},
      {"sqlite_file", [&](const Member& m, const std::string& p) {
         config.sqlite_file = reader.string(m, p);
       }},
      {"postgresql_url", [&](const Member& m, const std::string& p) {
         config.postgresql_url = reader.string(m, p);
       }},
      {"max_pending_writes", [&](const Member& m, const std::string& p) {
         config.max_pending_writes = static_cast<std::size_t>(reader.integer(m, p, 1, 10'000'000));
       }},
  });
}

void read_clients(const ObjectReader& reader, const Member& clients, GatewayConfig& config) {
  if (!clients.value.is_array()) reader.fail(&clients, "auth.clients", "must be an array");
  for (std::size_t i = 0; i < clients.value.size(); ++i) {
    const std::string path = "auth.clients[" + std::to_string(i) + "]";
    ApiClient client;
    reader.nested(path).read(clients.value.items()[i], {
        {"id", [&](const Member& m, const std::string& p) { client.id = reader.string(m, p); }},
        {"token_sha256", [&](const Member& m, const std::string& p) {
           client.token_sha256 = reader.string(m, p);
           const bool hex = client.token_sha256.size() == 64 &&
                            client.token_sha256.find_first_not_of("0123456789abcdef") ==
                                std::string::npos;
           if (!hex) reader.fail(&m, p, "must be 64 lowercase hex digits (sha256sum of the token)");
         }},
        {"organization", [&](const Member& m, const std::string& p) {
           client.organization = reader.string(m, p);
           const std::size_t bar = client.organization.find('|');
           const bool literal = client.organization.starts_with("Organization/") &&
                                client.organization.size() > 13 && client.organization.find('/', 13) == std::string::npos;
           const bool identifier = bar != std::string::npos && bar > 0 && bar + 1 < client.organization.size();
           if (!literal && !identifier) {
             reader.fail(&m, p, "must be \"Organization/<id>\" or \"<identifier system>|<value>\"");
           }
         }},
        {"scopes", [&](const Member& m, const std::string& p) {
           if (!m.value.is_array()) reader.fail(&m, p, "must be an array of strings");
           for (const Value& scope : m.value.items()) {
             if (!scope.is_string() || !scope.text().starts_with("system/")) {
               reader.fail(&m, p, "scopes look like \"system/Task.rs\" or \"system/*.cruds\"");
             }
             client.scopes.emplace_back(scope.text());
           }
         }},
    });
    if (client.id.empty() || client.token_sha256.empty()) {
      reader.fail(&clients, path, "a client needs id and token_sha256");
    }
    config.clients.push_back(std::move(client));
  }
}

void read_destinations(const ObjectReader& reader, const Member& list, const std::string& path,
                       outbox::OutboxOptions& options) {
  if (!list.value.is_array()) reader.fail(&list, path, "must be an array");
  for (std::size_t i = 0; i < list.value.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    outbox::DestinationOptions destination;
    reader.nested(item).read(list.value.items()[i], {
        {"url_prefix", [&](const Member& m, const std::string& p) {
           destination.url_prefix = reader.string(m, p);
           if (!destination.url_prefix.starts_with("https://") &&
               !destination.url_prefix.starts_with("http://")) {
             reader.fail(&m, p, "must start with https:// or http://");
           }
         }},
        {"bearer_token_env", [&](const Member& m, const std::string& p) {
           destination.bearer_token_env = reader.string(m, p);
           // A name, not a token: tokens never sit in this file.
           if (destination.bearer_token_env.empty() ||
               destination.bearer_token_env.find_first_not_of(
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                   std::string::npos) {
             reader.fail(&m, p, "must be the name of an environment variable (letters, digits, _)");
           }
         }},
        {"ca_file", [&](const Member& m, const std::string& p) {
           destination.ca_file = reader.string(m, p);
           if (!destination.ca_file.empty()) {
             const std::filesystem::path file(destination.ca_file);
             destination.ca_file =
                 (file.is_relative() ? std::filesystem::path(reader.file()).parent_path() / file : file)
                     .string();
           }
         }},
    });
    if (destination.url_prefix.empty()) reader.fail(&list, item, "a destination needs url_prefix");
    options.destinations.push_back(std::move(destination));
  }
}

void read_outbox(const ObjectReader& reader, const Member& section, GatewayConfig& config) {
  auto& options = config.outbox;
  const Member* base_member = nullptr;
  reader.read(section.value, {
      {"max_attempts", [&](const Member& m, const std::string& p) {
         options.max_attempts = static_cast<int>(reader.integer(m, p, 1, 1000));
       }},
      {"base_delay_ms", [&](const Member& m, const std::string& p) {
         options.base_delay = std::chrono::milliseconds(reader.integer(m, p, 1, 86'400'000));
         base_member = &m;
       }},
      {"max_delay_ms", [&](const Member& m, const std::string& p) {
         options.max_delay = std::chrono::milliseconds(reader.integer(m, p, 1, 7 * 86'400'000LL));
       }},
      {"poll_interval_ms", [&](const Member& m, const std::string& p) {
         options.poll_interval = std::chrono::milliseconds(reader.integer(m, p, 10, 3'600'000));
       }},
      {"request_timeout_ms", [&](const Member& m, const std::string& p) {
         options.request_timeout = std::chrono::milliseconds(reader.integer(m, p, 100, 600'000));
       }},
      {"mllp_ack_timeout_ms", [&](const Member& m, const std::string& p) {
         options.mllp_ack_timeout = std::chrono::milliseconds(reader.integer(m, p, 100, 600'000));
       }},
      {"destinations", [&](const Member& m, const std::string& p) {
         read_destinations(reader, m, p, options);
       }},
  });
  if (options.base_delay > options.max_delay) {
    reader.fail(base_member, "outbox.base_delay_ms", "must not exceed outbox.max_delay_ms");
  }
}

std::string relative_to_config(const ObjectReader& reader, const std::string& path) {
  const std::filesystem::path file(path);
  return (file.is_relative() ? std::filesystem::path(reader.file()).parent_path() / file : file).string();
}

bool is_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
}

// ingest.channels[i].source: exactly one of {"mllp": "HOST:PORT"} (with optional "tls",
// "max_frame_bytes", "idle_timeout_ms", "max_connections"), {"http": true},
// {"directory": "PATH", "poll_ms": N}.
void read_channel_source(const ObjectReader& reader, const Member& member, const std::string& path,
                         ingest::ChannelSource& source) {
  int kinds = 0;
  reader.nested(path).read(member.value, {
      {"mllp", [&](const Member& m, const std::string& p) {
         std::string host;
         std::uint16_t port = 0;
         source.mllp_listen = reader.string(m, p);
         try {
           parse_listen_address(source.mllp_listen, p, host, port);
         } catch (const ConfigError& error) {
           reader.fail(&m, p, error.what());
         }
         source.kind = ingest::ChannelSource::Kind::mllp;
         ++kinds;
       }},
      {"http", [&](const Member& m, const std::string& p) {
         if (!reader.boolean(m, p)) reader.fail(&m, p, "must be true (leave it out for no HTTP source)");
         source.kind = ingest::ChannelSource::Kind::http;
         ++kinds;
       }},
      {"directory", [&](const Member& m, const std::string& p) {
         const std::string dir = reader.string(m, p);
         if (dir.empty()) reader.fail(&m, p, "must name a folder");
         source.directory = relative_to_config(reader, dir);
         source.kind = ingest::ChannelSource::Kind::directory;
         ++kinds;
       }},
      {"poll_ms", [&](const Member& m, const std::string& p) {
         source.poll_interval = std::chrono::milliseconds(reader.integer(m, p, 10, 3'600'000));
       }},
      {"tls", [&](const Member& m, const std::string& p) { source.mllp_tls = read_tls(reader, m, p); }},
      {"max_frame_bytes", [&](const Member& m, const std::string& p) {
         source.mllp_max_frame_size = static_cast<std::size_t>(reader.integer(m, p, 1024, 64 << 20));
       }},
      {"idle_timeout_ms", [&](const Member& m, const std::string& p) {
         source.mllp_idle_timeout = std::chrono::milliseconds(reader.integer(m, p, 100, 86'400'000));
       }},
      {"max_connections", [&](const Member& m, const std::string& p) {
         source.mllp_max_connections = static_cast<std::size_t>(reader.integer(m, p, 1, 100'000));
       }},
  });
  if (kinds != 1) reader.fail(&member, path, "needs exactly one of \"mllp\", \"http\" or \"directory\"");
  const bool listener_settings = source.mllp_tls || source.mllp_max_frame_size || source.mllp_idle_timeout ||
                                 source.mllp_max_connections;
  if (listener_settings && source.kind != ingest::ChannelSource::Kind::mllp) {
    reader.fail(&member, path, "tls, max_frame_bytes, idle_timeout_ms and max_connections are for an \"mllp\" source");
  }
}

void read_channel_destinations(const ObjectReader& reader, const Member& member, const std::string& path,
                               ingest::ChannelOptions& channel) {
  if (!member.value.is_array() || member.value.size() == 0) {
    reader.fail(&member, path, "must be a non-empty array of \"store\", \"referral\" or {\"forward\": URL}");
  }
  for (std::size_t i = 0; i < member.value.size(); ++i) {
    const Value& item = member.value.items()[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (item.is_string()) {
      if (item.text() == "store") {
        channel.store = true;
      } else if (item.text() == "referral") {
        channel.referral = true;
      } else {
        reader.fail(&member, item_path, "must be \"store\", \"referral\" or {\"forward\": URL}");
      }
      continue;
    }
    reader.nested(item_path).read(item, {
        {"forward", [&](const Member& m, const std::string& p) {
           const std::string url = reader.string(m, p);
           const std::size_t scheme = url.find("://");
           if (scheme == std::string::npos || scheme == 0 || scheme + 3 == url.size()) {
             reader.fail(&m, p, "must be a URL: https://…, mllp://HOST:PORT or file://PATH");
           }
           channel.forward.push_back(url);
         }},
    });
  }
}

void read_ingest(const ObjectReader& reader, const Member& section, GatewayConfig& config) {
  auto& options = config.ingest;
  reader.read(section.value, {
      {"plugins_dir", [&](const Member& m, const std::string& p) {
         options.plugins_dir = relative_to_config(reader, reader.string(m, p));
       }},
      {"retention_days", [&](const Member& m, const std::string& p) {
         options.retention_days = static_cast<int>(reader.integer(m, p, 0, 36'500));
       }},
      {"max_pending", [&](const Member& m, const std::string& p) {
         options.max_pending = static_cast<std::size_t>(reader.integer(m, p, 1, 10'000'000));
       }},
      {"decode_threads", [&](const Member& m, const std::string& p) {
         options.decode_threads = static_cast<int>(reader.integer(m, p, 1, 64));
       }},
      {"channels", [&](const Member& m, const std::string& p) {
         if (!m.value.is_array()) reader.fail(&m, p, "must be an array");
         for (std::size_t i = 0; i < m.value.size(); ++i) {
           const std::string item = p + "[" + std::to_string(i) + "]";
           ingest::ChannelOptions channel;
           bool has_source = false;
           bool has_destinations = false;
           reader.nested(item).read(m.value.items()[i], {
               {"name", [&](const Member& c, const std::string& q) {
                  channel.name = reader.string(c, q);
                  if (!is_name(channel.name)) reader.fail(&c, q, "must be 1–64 of a-z, 0-9, '_' and '-'");
                  for (const auto& other : options.channels) {
                    if (other.name == channel.name) reader.fail(&c, q, "another channel has this name");
                  }
                }},
               {"source", [&](const Member& c, const std::string& q) {
                  read_channel_source(reader, c, q, channel.source);
                  has_source = true;
                }},
               {"plugin", [&](const Member& c, const std::string& q) {
                  channel.plugin = reader.string(c, q);
                  if (!is_name(channel.plugin)) reader.fail(&c, q, "must be a plugin folder name (a-z, 0-9, '_', '-')");
                }},
               {"mapping", [&](const Member& c, const std::string& q) {
                  const std::string file = reader.string(c, q);
                  if (!file.empty()) channel.mapping_file = relative_to_config(reader, file);
                }},
               {"destinations", [&](const Member& c, const std::string& q) {
                  read_channel_destinations(reader, c, q, channel);
                  has_destinations = true;
                }},
           });
           if (channel.name.empty() || channel.plugin.empty() || !has_source || !has_destinations) {
             reader.fail(&m, item, "a channel needs name, source, plugin and destinations");
           }
           options.channels.push_back(std::move(channel));
         }
       }},
  });
}

}  // namespace

void parse_listen_address(const std::string& text, const std::string& what, std::string& host,
                          std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw ConfigError(what + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string name = text.substr(0, colon);
  if (name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  unsigned value = 0;
  const std::string digits = text.substr(colon + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value > 65535) {
    throw ConfigError(what + ": the port must be a number from 0 to 65535");
  }
  host = name;
  port = static_cast<std::uint16_t>(value);
}

std::string default_questionnaires_dir() { return SOCIALRX_CONF_DIR "/questionnaires"; }

GatewayConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  fhir::json::ParseResult parsed = fhir::json::parse_jsonc(text.str());
  if (!parsed.document) {
    throw ConfigError(path + ": " + parsed.issues.items().front().diagnostics);
  }
  GatewayConfig config;
  const ObjectReader reader(*parsed.document, path, "");
  reader.read(parsed.document->root(), {
      {"http", [&](const Member& m, const std::string& p) {
         read_http(reader.nested(p), m, config);
       }},
      {"fhir", [&](const Member& m, const std::string& p) {
         reader.nested(p).read(m.value, {
             {"base_url", [&](const Member& b, const std::string& q) {
                config.base_url = reader.string(b, q);
                while (config.base_url.ends_with('/')) config.base_url.pop_back();
              }},
         });
       }},
      {"storage", [&](const Member& m, const std::string& p) {
         read_storage(reader.nested(p), m, config);
       }},
      {"assessment", [&](const Member& m, const std::string& p) {
         reader.nested(p).read(m.value, {
             {"questionnaires_dir", [&](const Member& d, const std::string& q) {
                const std::filesystem::path dir(reader.string(d, q));
                config.questionnaires_dir =
                    (dir.is_relative() ? std::filesystem::path(path).parent_path() / dir : dir).string();
              }},
             {"extract_on_write", [&](const Member& e, const std::string& q) {
                config.extract_on_write = reader.boolean(e, q);
              }},
         });
       }},
      {"referral", [&](const Member& m, const std::string& p) {
         reader.nested(p).read(m.value, {
             {"routing_rules", [&](const Member& r, const std::string& q) {
                const std::filesystem::path file(reader.string(r, q));
                config.routing_rules =
                    (file.is_relative() ? std::filesystem::path(path).parent_path() / file : file).string();
              }},
             {"poll_interval_ms", [&](const Member& i, const std::string& q) {
                config.recipient_poll_interval_ms = reader.integer(i, q, 100, 86'400'000);
              }},
         });
       }},
      {"outbox", [&](const Member& m, const std::string& p) {
         read_outbox(reader.nested(p), m, config);
       }},
      {"ingest", [&](const Member& m, const std::string& p) {
         read_ingest(reader.nested(p), m, config);
       }},
      {"auth", [&](const Member& m, const std::string& p) {
         reader.nested(p).read(m.value, {
             {"clients", [&](const Member& c, const std::string&) {
                read_clients(reader, c, config);
              }},
         });
       }},
  });
  if (config.backend == storage::Backend::postgresql && config.postgresql_url.empty()) {
    throw ConfigError(path + ": storage.postgresql_url is required with backend \"postgresql\"");
  }
  return config;
}

}  // namespace socialrx::gateway::config
