#include "gateway/directory/code_tables.hpp"

#include <array>

namespace socialrx::gateway::directory {
namespace {

constexpr std::array kRecipientKinds{
    Code{"chiiki-houkatsu", "地域包括支援センター"},
    Code{"kodomo-katei", "子ども家庭センター"},
    Code{"seikatsu-konkyu", "生活困窮者自立相談支援機関"},
    Code{"shakyo", "社会福祉協議会"},
    Code{"kayoi-no-ba", "通いの場・地域の団体"},
    Code{"kaigo-nintei", "要介護認定を行う市町村"},
};

constexpr std::array kSdhDomains{
    Code{"housing", "住まい"},
    Code{"economic", "収入・生活費(経済的困窮)"},
    Code{"food", "食料"},
    Code{"employment", "仕事"},
    Code{"debt", "債務・支払い"},
    Code{"care-burden", "介護の負担"},
    Code{"child-rearing", "子育て"},
    Code{"social-participation", "社会参加"},
    Code{"social-support", "社会的支援・相談相手"},
    Code{"loneliness", "孤独感"},
    Code{"violence", "暴力・虐待"},
};

constexpr std::array kCouncils{
    Code{"child-welfare-council", "要保護児童対策地域協議会"},
    Code{"isolation-council", "孤独・孤立対策地域協議会"},
    Code{"community-care-meeting", "地域ケア会議"},
};

constexpr std::array kCapacityStatuses{
    Code{"capacity", "Has Capacity"},
    Code{"no-capacity", "No Capacity"},
    Code{"waitlist", "No Capacity - Has Waitlist"},
    Code{"additional-assessment-required", "Additional Assessment Required"},
};

}  // namespace

std::span<const Code> recipient_kinds() { return kRecipientKinds; }
std::span<const Code> sdh_domains() { return kSdhDomains; }
std::span<const Code> councils() { return kCouncils; }
std::span<const Code> capacity_statuses() { return kCapacityStatuses; }

std::string_view display_of(std::span<const Code> table, std::string_view code) {
  for (const Code& entry : table) {
    if (entry.code == code) return entry.display;
  }
  return {};
}

}  // namespace socialrx::gateway::directory
