#include "gateway/ingest/dev_channels.hpp"

#include <filesystem>

#include "gateway/ingest/plugin_loader.hpp"

namespace socialrx::gateway::ingest {

std::optional<ChannelOptions> dev_ssmix2_channel(const std::vector<ChannelOptions>& configured,
                                                 const std::string& plugins_dir, std::ostream& err) {
  for (const auto& channel : configured) {
    if (channel.name == "ssmix2") return std::nullopt;
  }
  if (!std::filesystem::exists(plugin_library_path(plugins_dir, "hl7v2"))) {
    err << "socialrx: warning: --dev: no hl7v2 plugin in " << plugins_dir
        << "; the ssmix2 MLLP channel is not configured\n";
    return std::nullopt;
  }
  ChannelOptions channel;
  channel.name = "ssmix2";
  channel.source.kind = ChannelSource::Kind::mllp;
  channel.source.mllp_listen = "127.0.0.1:2575";
  channel.plugin = "hl7v2";
  channel.mapping_file = SOCIALRX_MAPPINGS_DIR "/hl7v2/ssmix2.jsonc";
  channel.store = true;
  channel.referral = true;
  return channel;
}

}  // namespace socialrx::gateway::ingest
