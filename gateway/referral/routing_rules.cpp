#include "gateway/referral/routing_rules.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "fhir/jp_identifiers.hpp"
#include "fhir/json.hpp"
#include "gateway/directory/code_tables.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Member;
using fhir::json::Value;

// Walks one JSONC object like the gateway configuration does (gateway/config): every key must
// have a handler (a typo must not be silently ignored), and errors name file, line and key path.
class RulesReader {
 public:
  RulesReader(const fhir::json::Document& document, const std::string& file) : document_(document), file_(file) {}

  using Handler = std::function<void(const Member&, const std::string& key_path)>;
  void read(const Value& object, const std::string& path, std::size_t line,
            const std::map<std::string, Handler, std::less<>>& handlers) const {
    if (!object.is_object()) fail(line, path, "must be an object");
    for (const Member& member : object.members()) {
      const std::string key_path = path.empty() ? std::string(member.key) : path + "." + std::string(member.key);
      auto handler = handlers.find(member.key);
      if (handler == handlers.end()) fail(line_of(member), key_path, "unknown key");
      handler->second(member, key_path);
    }
  }

  [[noreturn]] void fail(std::size_t line, const std::string& key_path, const std::string& problem) const {
    throw RoutingRulesError(file_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                            (key_path.empty() ? "" : key_path + ": ") + problem);
  }
  [[noreturn]] void fail(const Member& member, const std::string& key_path, const std::string& problem) const {
    fail(line_of(member), key_path, problem);
  }

  std::size_t line_of(const Member& member) const { return document_.line_of(member); }
  // An array item has no key of its own: its line is that of its first key, if it has one.
  std::size_t line_of_item(const Value& item, std::size_t fallback) const {
    return item.is_object() && item.size() > 0 ? line_of(item.members()[0]) : fallback;
  }

  std::string string(const Member& member, const std::string& key_path) const {
    if (!member.value.is_string()) fail(member, key_path, "must be a string");
    return std::string(member.value.text());
  }
  int integer(const Member& member, const std::string& key_path, int min, int max) const {
    int value = 0;
    const std::string_view text = member.value.text();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!member.value.is_number() || error != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      fail(member, key_path, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
  }
  bool boolean(const Member& member, const std::string& key_path) const {
    if (!member.value.is_bool()) fail(member, key_path, "must be true or false");
    return member.value.as_bool();
  }
  // A non-empty array of distinct strings, each accepted by `check` (which returns a problem or "").
  std::vector<std::string> codes(const Member& member, const std::string& key_path,
                                 const std::function<std::string(std::string_view)>& check) const {
    if (!member.value.is_array() || member.value.size() == 0) fail(member, key_path, "must be a non-empty array");
    std::vector<std::string> out;
    for (const Value& item : member.value.items()) {
      if (!item.is_string()) fail(member, key_path, "must be an array of strings");
      std::string code(item.text());
      if (const std::string problem = check(code); !problem.empty()) fail(member, key_path, problem);
      if (std::find(out.begin(), out.end(), code) != out.end()) {
        fail(member, key_path, "\"" + code + "\" is listed twice");
      }
      out.push_back(std::move(code));
    }
    return out;
  }

 private:
  const fhir::json::Document& document_;
  const std::string& file_;
};

bool in_table(std::span<const directory::Code> table, std::string_view code) {
  return std::any_of(table.begin(), table.end(), [&](const directory::Code& c) { return c.code == code; });
}

std::string check_need(std::string_view code) {
  if (code == kAnyNeed || in_table(directory::sdh_domains(), code)) return {};
  return "unknown sdh-domain code \"" + std::string(code) + "\" (see conf/questionnaires/codesystem-sdh-domain.json)";
}

std::string check_recipient_kind(std::string_view code) {
  if (in_table(directory::recipient_kinds(), code)) return {};
  return "unknown recipient-kind code \"" + std::string(code) +
         "\" (see conf/questionnaires/codesystem-recipient-kind.json)";
}

std::string check_capacity(std::string_view code) {
  if (code == kUnknownCapacity || in_table(directory::capacity_statuses(), code)) return {};
  return "unknown capacity state \"" + std::string(code) +
         "\" (capacity, waitlist, additional-assessment-required, no-capacity or unknown)";
}

std::string check_municipality(std::string_view code) {
  const fhir::jp::IdentifierResult result = fhir::jp::check_local_government_code(code);
  if (!result.valid) return "\"" + std::string(code) + "\": " + result.problem;
  if (result.normalized != code) return "\"" + std::string(code) + "\": write the 6 ASCII digits";
  return {};
}

bool valid_rule_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == '_';
         });
}

AgeBounds read_age(const RulesReader& reader, const Member& member, const std::string& path) {
  AgeBounds age;
  reader.read(member.value, path, reader.line_of(member), {
      {"min", [&](const Member& m, const std::string& p) { age.min = reader.integer(m, p, 0, 150); }},
      {"max", [&](const Member& m, const std::string& p) { age.max = reader.integer(m, p, 0, 150); }},
  });
  if (!age.bounded()) reader.fail(member, path, "give min, max or both (leave out \"age\" for any age)");
  if (age.min && age.max && *age.min > *age.max) {
    reader.fail(member, path, "min (" + std::to_string(*age.min) + ") is greater than max (" +
                                  std::to_string(*age.max) + ")");
  }
  return age;
}

RoutingRule read_rule(const RulesReader& reader, const Value& item, const std::string& path, std::size_t line) {
  RoutingRule rule;
  rule.line = line;
  reader.read(item, path, line, {
      {"id", [&](const Member& m, const std::string& p) {
         rule.id = reader.string(m, p);
         if (!valid_rule_id(rule.id)) reader.fail(m, p, "1 to 64 of A-Z a-z 0-9 - . _");
       }},
      {"description", [&](const Member& m, const std::string& p) { rule.description = reader.string(m, p); }},
      {"needs", [&](const Member& m, const std::string& p) {
         rule.needs = reader.codes(m, p, check_need);
         if (rule.needs.size() > 1 && std::find(rule.needs.begin(), rule.needs.end(), kAnyNeed) != rule.needs.end()) {
           reader.fail(m, p, "\"*\" stands alone (it already matches every need)");
         }
       }},
      {"age", [&](const Member& m, const std::string& p) { rule.age = read_age(reader, m, p); }},
      {"municipalities", [&](const Member& m, const std::string& p) {
         rule.municipalities = reader.codes(m, p, check_municipality);
       }},
      {"recipients", [&](const Member& m, const std::string& p) {
         rule.recipients = reader.codes(m, p, check_recipient_kind);
       }},
      {"ignore_service_age", [&](const Member& m, const std::string& p) {
         rule.ignore_service_age = reader.boolean(m, p);
       }},
  });
  if (rule.id.empty()) reader.fail(line, path, "a rule needs an \"id\"");
  if (rule.needs.empty()) reader.fail(line, path + " (" + rule.id + ")", "a rule needs \"needs\"");
  if (rule.recipients.empty()) reader.fail(line, path + " (" + rule.id + ")", "a rule needs \"recipients\"");
  return rule;
}

void read_rules(const RulesReader& reader, const Member& member, RoutingRules& rules) {
  if (!member.value.is_array() || member.value.size() == 0) {
    reader.fail(member, "rules", "must be a non-empty array of rules");
  }
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < member.value.size(); ++i) {
    const Value& item = member.value.items()[i];
    const std::string path = "rules[" + std::to_string(i) + "]";
    RoutingRule rule = read_rule(reader, item, path, reader.line_of_item(item, reader.line_of(member)));
    if (!ids.insert(rule.id).second) {
      const Member* id = nullptr;
      for (const Member& m : item.members()) {
        if (m.key == "id") id = &m;
      }
      reader.fail(id != nullptr ? reader.line_of(*id) : rule.line, path + ".id",
                  "duplicate rule id \"" + rule.id + "\"");
    }
    rules.rules.push_back(std::move(rule));
  }
}

}  // namespace

std::string AgeBounds::describe() const {
  if (min && max) return *min == *max ? std::to_string(*min) + "歳" : std::to_string(*min) + "〜" + std::to_string(*max) + "歳";
  if (min) return std::to_string(*min) + "歳以上";
  if (max) return std::to_string(*max) + "歳以下";
  return {};
}

bool RoutingRule::matches_need(std::string_view need_domain) const {
  if (need_domain.empty()) return false;
  return std::any_of(needs.begin(), needs.end(),
                     [&](const std::string& need) { return need == kAnyNeed || need == need_domain; });
}

std::optional<std::size_t> RoutingRules::capacity_rank(std::string_view capacity) const {
  const std::string_view state = capacity.empty() ? kUnknownCapacity : capacity;
  const auto found = std::find(capacity_preference.begin(), capacity_preference.end(), state);
  if (found == capacity_preference.end()) return std::nullopt;
  return static_cast<std::size_t>(found - capacity_preference.begin());
}

std::vector<std::string> default_capacity_preference() {
  return {"capacity", "unknown", "waitlist", "additional-assessment-required"};
}

std::string default_routing_rules_path() { return SOCIALRX_CONF_DIR "/routing/routing-rules.jsonc"; }

RoutingRules parse_routing_rules(std::string_view text, const std::string& label) {
  fhir::json::ParseResult parsed = fhir::json::parse_jsonc(text);
  if (!parsed.document) throw RoutingRulesError(label + ": " + parsed.issues.items().front().diagnostics);
  RoutingRules rules;
  rules.source = label;
  rules.capacity_preference = default_capacity_preference();
  const RulesReader reader(*parsed.document, label);
  bool has_rules = false;
  reader.read(parsed.document->root(), "", 0, {
      {"rules", [&](const Member& m, const std::string&) {
         read_rules(reader, m, rules);
         has_rules = true;
       }},
      {"capacity_preference", [&](const Member& m, const std::string& p) {
         rules.capacity_preference = reader.codes(m, p, check_capacity);
       }},
  });
  if (!has_rules) reader.fail(0, "rules", "missing: the file needs a \"rules\" array");
  return rules;
}

RoutingRules load_routing_rules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RoutingRulesError(path + ": cannot open the routing rules file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_routing_rules(text.str(), path);
}

}  // namespace socialrx::gateway::referral
