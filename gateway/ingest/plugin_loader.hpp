#pragma once
// Vendor-format plugins (plugins/plugin_api.hpp) loaded by name at start-up:
//   <plugins_dir>/<name>/libsocialrx_plugin_<name>.so, dlopen(RTLD_NOW | RTLD_LOCAL), the one
//   symbol socialrx_plugin_v1(), its api_version checked against the gateway's.
// Any problem is a start-up error naming the plugin and the file (PluginLoadError). Libraries
// stay loaded for the life of the process (codecs and their vtables live in them).
//
// Every call into a plugin's Codec goes through GuardedCodec, which catches whatever the plugin
// throws and turns it into a failed message, so that a faulty plugin fails that message and the
// gateway goes on.

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/plugin_api.hpp"

namespace socialrx::gateway::ingest {

struct PluginLoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The build tree's plugins/ folder (where socialrx_add_plugin() puts libraries).
std::string default_plugins_dir();
// <plugins_dir>/<name>/libsocialrx_plugin_<name>.so
std::string plugin_library_path(std::string_view plugins_dir, std::string_view name);

struct LoadedPlugin {
  std::string name;
  std::string path;
  const plugins::PluginDescriptor* descriptor = nullptr;  // lives as long as the process
};

class PluginLoader {
 public:
  explicit PluginLoader(std::string plugins_dir) : plugins_dir_(std::move(plugins_dir)) {}
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // Loads the plugin once (later calls return the same). Throws PluginLoadError: no such
  // library, dlopen failed, no socialrx_plugin_v1, wrong api_version, a name that differs from
  // the folder's, or a plugin that neither decodes nor encodes.
  const LoadedPlugin& load(std::string_view name);
  const std::string& plugins_dir() const { return plugins_dir_; }

 private:
  std::string plugins_dir_;
  std::mutex mutex_;
  std::map<std::string, LoadedPlugin, std::less<>> loaded_;
};

// A Codec behind a guard: no exception from the plugin gets out.
class GuardedCodec {
 public:
  GuardedCodec(std::string plugin_name, std::unique_ptr<plugins::Codec> codec)
      : plugin_name_(std::move(plugin_name)), codec_(std::move(codec)) {}

  const std::string& plugin_name() const { return plugin_name_; }

  // Threw: readable = false with an "exception" issue.
  plugins::MessageHeader read_header(std::string_view message) const noexcept;
  // Threw: data_error with an "exception" issue (the message is stored and can be reprocessed
  // once the plugin or its mapping is fixed).
  plugins::DecodeResult decode(std::string_view message) const noexcept;
  // Threw: empty (the transport then has no reply bytes from the codec).
  std::string acknowledge(std::string_view message, plugins::Disposition disposition,
                          const std::vector<plugins::PluginIssue>& issues) const noexcept;
  plugins::EncodeResult encode(std::string_view fhir_json) const noexcept;

 private:
  void report_exception(std::string_view method) const noexcept;

  std::string plugin_name_;
  std::unique_ptr<plugins::Codec> codec_;
};

// Makes a guarded codec of `plugin` with `settings`. Throws PluginLoadError with the plugin's
// own error (which names the mapping file, line and key) or when make_codec throws.
std::shared_ptr<const GuardedCodec> make_guarded_codec(const LoadedPlugin& plugin,
                                                       const plugins::CodecSettings& settings);

// The issue every guard reports for a plugin that threw (no exception text: it may quote data).
plugins::PluginIssue plugin_threw_issue(std::string_view plugin_name, std::string_view method);

}  // namespace socialrx::gateway::ingest
