// Test fixture: a plugin built against an API version the gateway does not speak.
#include "plugins/plugin_api.hpp"

namespace {
socialrx::plugins::CodecOrError make(const socialrx::plugins::CodecSettings&) { return {}; }
}  // namespace

SOCIALRX_PLUGIN_EXPORT const socialrx::plugins::PluginDescriptor* socialrx_plugin_v1() {
  static const socialrx::plugins::PluginDescriptor descriptor{
      999, "test_wrong_api", "0", "test fixture: wrong API version", true, false, make};
  return &descriptor;
}
