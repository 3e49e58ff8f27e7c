#pragma once
// The channels `--dev` configures (DESIGN.md: "default channels loaded").

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gateway/ingest/ingest_options.hpp"

namespace socialrx::gateway::ingest {

// "ssmix2": MLLP on 127.0.0.1:2575, plugin hl7v2 with mappings/hl7v2/ssmix2.jsonc of the source
// tree, destinations store + referral. Not when `configured` has a channel of that name, nor
// when the hl7v2 plugin is not built in `plugins_dir` (then a warning on `err`).
std::optional<ChannelOptions> dev_ssmix2_channel(const std::vector<ChannelOptions>& configured,
                                                 const std::string& plugins_dir, std::ostream& err);

}  // namespace socialrx::gateway::ingest
