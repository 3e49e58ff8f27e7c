#include "gateway/ingest/plugin_loader.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <iostream>

namespace socialrx::gateway::ingest {

std::string default_plugins_dir() { return SOCIALRX_PLUGINS_DIR; }

std::string plugin_library_path(std::string_view plugins_dir, std::string_view name) {
  return (std::filesystem::path(plugins_dir) / name /
          ("libsocialrx_plugin_" + std::string(name) + ".so"))
      .string();
}

const LoadedPlugin& PluginLoader::load(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto found = loaded_.find(name); found != loaded_.end()) return found->second;
  const std::string prefix = "plugin " + std::string(name) + ": ";
  // A name is a folder name, never a path: "../x" must not load a library from elsewhere.
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string_view::npos) {
    throw PluginLoadError(prefix + "a plugin name is lowercase letters, digits, '_' and '-'");
  }
  const std::string path = plugin_library_path(plugins_dir_, name);
  if (!std::filesystem::is_regular_file(path)) {
    throw PluginLoadError(prefix + "no library at " + path + " (ingest.plugins_dir is " + plugins_dir_ + ")");
  }
  // RTLD_LOCAL: two plugins may carry their own copies of fhir/ without clashing. RTLD_NOW: an
  // unresolved symbol is found now, at start-up, not when the first message arrives.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    throw PluginLoadError(prefix + "cannot load " + path + ": " + (error ? error : "unknown error"));
  }
  dlerror();
  void* symbol = dlsym(handle, kSocialrxPluginEntryPoint);
  if (symbol == nullptr) {
    dlclose(handle);
    throw PluginLoadError(prefix + path + " does not export " + kSocialrxPluginEntryPoint +
                          " (is it a socialrx plugin?)");
  }
  using EntryPoint = const plugins::PluginDescriptor* (*)();
  const plugins::PluginDescriptor* descriptor = nullptr;
  try {
    descriptor = reinterpret_cast<EntryPoint>(symbol)();
  } catch (...) {
    descriptor = nullptr;
  }
  std::string problem;
  if (descriptor == nullptr) {
    problem = "socialrx_plugin_v1() returned no descriptor";
  } else if (descriptor->api_version != plugins::kPluginApiVersion) {
    problem = "built against plugin API version " + std::to_string(descriptor->api_version) +
              ", this gateway speaks version " + std::to_string(plugins::kPluginApiVersion) +
              "; rebuild the plugin against this gateway's plugins/plugin_api.hpp";
  } else if (descriptor->name == nullptr || std::string_view(descriptor->name) != name) {
    problem = "the library calls itself \"" + std::string(descriptor->name ? descriptor->name : "") +
              "\", not \"" + std::string(name) + "\"";
  } else if (!descriptor->decodes && !descriptor->encodes) {
    problem = "the plugin neither decodes nor encodes";
  } else if (descriptor->make_codec == nullptr) {
    problem = "the plugin has no make_codec";
  }
  if (!problem.empty()) {
    // Not unloaded when the descriptor came back: static destructors of a half-used library are
    // not worth the risk at start-up; the process stops anyway.
    if (descriptor == nullptr) dlclose(handle);
    throw PluginLoadError(prefix + path + ": " + problem);
  }
  LoadedPlugin plugin{std::string(name), path, descriptor};
  return loaded_.emplace(std::string(name), std::move(plugin)).first->second;
}

plugins::PluginIssue plugin_threw_issue(std::string_view plugin_name, std::string_view method) {
  plugins::PluginIssue issue;
  issue.severity = plugins::PluginIssue::Severity::error;
  issue.code = "exception";
  issue.diagnostics = "the " + std::string(plugin_name) + " plugin failed on this message (" +
                      std::string(method) + " threw); it is stored and can be reprocessed once the " +
                      "plugin or its mapping is fixed";
  return issue;
}

void GuardedCodec::report_exception(std::string_view method) const noexcept {
  try {
    // The exception's text is not logged: a plugin may have put message content in it.
    std::cerr << "socialrx: plugin " << plugin_name_ << ": " << method << " threw an exception\n";
  } catch (...) {
  }
}

plugins::MessageHeader GuardedCodec::read_header(std::string_view message) const noexcept {
  try {
    return codec_->read_header(message);
  } catch (...) {
    report_exception("read_header");
  }
  plugins::MessageHeader header;
  try {
    header.readable = false;
    header.issues.push_back(plugin_threw_issue(plugin_name_, "read_header"));
  } catch (...) {
  }
  return header;
}

plugins::DecodeResult GuardedCodec::decode(std::string_view message) const noexcept {
  try {
    return codec_->decode(message);
  } catch (...) {
    report_exception("decode");
  }
  plugins::DecodeResult result;
  try {
    result.disposition = plugins::Disposition::data_error;
    result.issues.push_back(plugin_threw_issue(plugin_name_, "decode"));
  } catch (...) {
  }
  return result;
}

std::string GuardedCodec::acknowledge(std::string_view message, plugins::Disposition disposition,
                                      const std::vector<plugins::PluginIssue>& issues) const noexcept {
  try {
    return codec_->acknowledge(message, disposition, issues);
  } catch (...) {
    report_exception("acknowledge");
  }
  return {};
}

plugins::EncodeResult GuardedCodec::encode(std::string_view fhir_json) const noexcept {
  try {
    return codec_->encode(fhir_json);
  } catch (...) {
    report_exception("encode");
  }
  plugins::EncodeResult result;
  try {
    result.ok = false;
    result.issues.push_back(plugin_threw_issue(plugin_name_, "encode"));
  } catch (...) {
  }
  return result;
}

std::shared_ptr<const GuardedCodec> make_guarded_codec(const LoadedPlugin& plugin,
                                                       const plugins::CodecSettings& settings) {
  plugins::CodecOrError made;
  try {
    made = plugin.descriptor->make_codec(settings);
  } catch (...) {
    throw PluginLoadError("plugin " + plugin.name + ": make_codec threw an exception" +
                          (settings.mapping_file.empty() ? "" : " (mapping " + settings.mapping_file + ")"));
  }
  if (!made.codec) {
    throw PluginLoadError("plugin " + plugin.name + ": " +
                          (made.error.empty() ? "make_codec returned no codec" : made.error));
  }
  return std::make_shared<const GuardedCodec>(plugin.name, std::move(made.codec));
}

}  // namespace socialrx::gateway::ingest
