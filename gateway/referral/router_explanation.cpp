// RoutingDecision::explanation(): the decision as bounded Japanese text for a Task.note.
//
// A coordinator reading it must learn which rule applied, what was chosen and why, what the next
// candidates are, and why the others were skipped. Skips that explain themselves by number
// (outside the area: most of a prefecture's directory) are counted; the others are named, up to a
// few, because those are the ones a person may want to act on (a full waitlist, an age limit).

#include <map>
#include <set>

#include "gateway/referral/router.hpp"

namespace socialrx::gateway::referral {
namespace {

constexpr std::size_t kNamedAlternatives = 3;
constexpr std::size_t kNamedSkips = 6;

bool counted_only(Verdict verdict) {
  return verdict == Verdict::outside_area || verdict == Verdict::need_not_served;
}

// Cuts at a UTF-8 character boundary and marks the cut.
std::string bounded(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  const std::string_view ellipsis = "…";
  std::size_t cut = limit - ellipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += ellipsis;
  return text;
}

std::string rule_text(const MatchedRule& rule) {
  return rule.description.empty() ? "ルール " + rule.id : "ルール " + rule.id + "（" + rule.description + "）";
}

// The skipped candidates of the given rules: named ones (deduplicated across rules) and counts.
std::string skipped_text(const RoutingDecision& decision, const std::set<std::string, std::less<>>& rule_ids) {
  std::vector<std::string> named;
  std::set<std::string> seen;
  std::size_t more = 0;
  std::map<Verdict, std::set<std::string>> counted;
  for (const CandidateVerdict& verdict : decision.considered) {
    if (!rule_ids.contains(verdict.rule_id)) continue;
    if (verdict.verdict == Verdict::chosen || verdict.verdict == Verdict::alternative) continue;
    if (counted_only(verdict.verdict)) {
      counted[verdict.verdict].insert(verdict.service);
      continue;
    }
    if (!seen.insert(verdict.service + "\n" + verdict.detail).second) continue;
    if (named.size() < kNamedSkips) {
      named.push_back(verdict.label + " " + verdict.detail);
    } else {
      ++more;
    }
  }
  std::string text;
  for (const std::string& entry : named) text += (text.empty() ? "" : "；") + entry;
  if (more > 0) text += "；ほか " + std::to_string(more) + " 件";
  for (const auto& [verdict, services] : counted) {
    text += (text.empty() ? "" : "；") + std::string(verdict_name(verdict)) + " " + std::to_string(services.size()) + " 件";
  }
  return text.empty() ? text : "除外: " + text + "。";
}

std::size_t candidates_of(const RoutingDecision& decision, std::string_view rule_id) {
  std::set<std::string_view> services;
  for (const CandidateVerdict& verdict : decision.considered) {
    if (verdict.rule_id == rule_id) services.insert(verdict.service);
  }
  return services.size();
}

}  // namespace

std::string RoutingDecision::explanation() const {
  std::string text = "紹介先の選定（ニーズ " + (need_domain.empty() ? std::string("未指定") : need_domain) +
                     "、地方公共団体コード " + (municipality_code.empty() ? std::string("不明") : municipality_code) +
                     "）: ";
  std::set<std::string, std::less<>> explained_rules;
  if (chosen) {
    for (const MatchedRule& rule : matched_rules) {
      explained_rules.insert(rule.id);
      if (rule.id == rule_id) {
        text += rule_text(rule) + "、候補 " + std::to_string(candidates_of(*this, rule.id)) + " 件。";
        break;
      }
      text += "先に試した" + rule_text(rule) + " は該当なし（候補 " + std::to_string(candidates_of(*this, rule.id)) +
              " 件）。";
    }
    text += chosen->label() + " を選択（" + ranked.front().detail + "）。";
    if (ranked.size() > 1) {
      text += "次点: ";
      for (std::size_t i = 1; i < ranked.size() && i <= kNamedAlternatives; ++i) {
        text += (i > 1 ? "、" : "") + ranked[i].candidate.label() + "（" + ranked[i].detail + "）";
      }
      if (ranked.size() - 1 > kNamedAlternatives) {
        text += " ほか " + std::to_string(ranked.size() - 1 - kNamedAlternatives) + " 件";
      }
      text += "。";
    }
  } else {
    text += "該当する紹介先なし。";
    if (matched_rules.empty()) {
      text += "条件に当てはまるルールがない。";
    } else {
      text += "試したルール: ";
      for (std::size_t i = 0; i < matched_rules.size(); ++i) {
        explained_rules.insert(matched_rules[i].id);
        text += (i > 0 ? "、" : "") + matched_rules[i].id + "（候補 " +
                std::to_string(candidates_of(*this, matched_rules[i].id)) + " 件）";
      }
      text += "。";
    }
  }
  text += skipped_text(*this, explained_rules);
  return bounded(std::move(text), kMaxExplanationBytes);
}

}  // namespace socialrx::gateway::referral
