#pragma once
// Routing rules (conf/routing/routing-rules.jsonc, documented in conf/routing/README.md): which
// kinds of recipient a referral goes to, by need domain, the patient's age and municipality, in
// order of preference. Loaded and validated once at start-up; an error names the file, the line
// and the key ("conf/routing/routing-rules.jsonc:12: rules[2].needs: unknown sdh-domain code
// \"lonely\"").

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::gateway::referral {

struct RoutingRulesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A rule's `needs` entry that matches every need domain.
inline constexpr std::string_view kAnyNeed = "*";
// The capacity_preference entry for a service that publishes no capacity status.
inline constexpr std::string_view kUnknownCapacity = "unknown";

// Completed years, both bounds inclusive, either may be absent (as the directory's
// eligibility-age-range).
struct AgeBounds {
  std::optional<int> min;
  std::optional<int> max;

  bool bounded() const { return min.has_value() || max.has_value(); }
  bool contains(int years) const { return (!min || years >= *min) && (!max || years <= *max); }
  // "65歳以上", "17歳以下", "18〜64歳"; empty when unbounded.
  std::string describe() const;
};

struct RoutingRule {
  std::string id;
  std::string description;
  std::vector<std::string> needs;           // sdh-domain codes, or the single entry "*"
  AgeBounds age;                            // of the patient; unbounded = any age, also unknown
  std::vector<std::string> municipalities;  // 地方公共団体コード (6 digits); empty = everywhere
  std::vector<std::string> recipients;      // recipient-kind codes: the fallback chain, in order
  // The need is about someone the patient looks after (a carer's care burden, a parent's
  // child-rearing): the services' age eligibility describes that person, not the patient, so
  // it is not compared with the patient's age.
  bool ignore_service_age = false;
  std::size_t line = 0;  // of the rule in the file

  bool matches_need(std::string_view need_domain) const;
};

struct RoutingRules {
  std::string source;  // the file the rules came from (for explanations and logs)
  std::vector<RoutingRule> rules;
  // Capacity states (capacity, waitlist, additional-assessment-required, no-capacity and
  // "unknown") in order of preference; a service whose state is not listed is never chosen.
  std::vector<std::string> capacity_preference;

  // The position of `capacity` ("" = unknown) in capacity_preference, or nullopt.
  std::optional<std::size_t> capacity_rank(std::string_view capacity) const;
};

// The default preference when the file gives none.
std::vector<std::string> default_capacity_preference();

// conf/routing/routing-rules.jsonc of the source tree the binary was built from.
std::string default_routing_rules_path();

// Reads and validates the rules file. Throws RoutingRulesError.
RoutingRules load_routing_rules(const std::string& path);
// The same on text already read; `label` names it in errors.
RoutingRules parse_routing_rules(std::string_view text, const std::string& label);

}  // namespace socialrx::gateway::referral
