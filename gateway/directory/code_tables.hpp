#pragma once
// The local codes a directory row may use, with their Japanese displays. They mirror
// conf/questionnaires/codesystem-recipient-kind.json and codesystem-sdh-domain.json (the
// published CodeSystems); tests/gateway/directory checks that the two stay equal.

#include <span>
#include <string_view>

namespace socialrx::gateway::directory {

struct Code {
  std::string_view code;
  std::string_view display;
};

std::span<const Code> recipient_kinds();
std::span<const Code> sdh_domains();
// The statutory councils an organization may be a recorded member of: the codes of
// codesystem-disclosure-basis.json whose property council is true.
std::span<const Code> councils();
// SDOH Clinical Care STU 3 SDOHCC-ValueSetCapacityStatus (English displays, as published).
std::span<const Code> capacity_statuses();

// The display of `code` in `table`, or empty when it is not there.
std::string_view display_of(std::span<const Code> table, std::string_view code);

}  // namespace socialrx::gateway::directory
