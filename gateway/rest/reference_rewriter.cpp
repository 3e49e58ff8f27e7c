#include "gateway/rest/reference_rewriter.hpp"

#include <vector>

namespace socialrx::gateway::rest {
namespace {

using fhir::json::Member;
using fhir::json::Value;
using Replace = std::function<std::optional<std::string>(std::string_view)>;

// nullopt when nothing below `value` changed, so unchanged subtrees are shared.
std::optional<Value> rewrite(fhir::json::Document& document, const Value& value,
                             const Replace& replace) {
  if (value.is_array()) {
    std::vector<Value> items(value.items().begin(), value.items().end());
    bool changed = false;
    for (Value& item : items) {
      if (auto rewritten = rewrite(document, item, replace)) {
        item = *rewritten;
        changed = true;
      }
    }
    return changed ? std::optional<Value>(document.make_array(items)) : std::nullopt;
  }
  if (!value.is_object()) return std::nullopt;
  std::vector<Member> members(value.members().begin(), value.members().end());
  bool changed = false;
  for (Member& member : members) {
    std::optional<Value> rewritten;
    if (member.key == "reference" && member.value.is_string()) {
      if (auto text = replace(member.value.text())) rewritten = document.make_string(*text);
    } else {
      rewritten = rewrite(document, member.value, replace);
    }
    if (rewritten) {
      member.value = *rewritten;
      changed = true;
    }
  }
  return changed ? std::optional<Value>(document.make_object(members)) : std::nullopt;
}

}  // namespace

Value rewrite_references(fhir::json::Document& document, const Value& value, const Replace& replace) {
  return rewrite(document, value, replace).value_or(value);
}

}  // namespace socialrx::gateway::rest
