#include "gateway/referral/resource_json.hpp"

#include "fhir/reference.hpp"

namespace socialrx::gateway::referral {

using fhir::json::Member;
using fhir::json::Value;

Value JsonBuilder::object(std::initializer_list<Member> members) {
  std::vector<Member> present;
  present.reserve(members.size());
  for (const Member& member : members) {
    if (!member.value.is_null()) present.push_back(member);  // absent elements are left out
  }
  return doc_.make_object(present);
}

Value JsonBuilder::array(std::initializer_list<Value> items) {
  return doc_.make_array(std::span<const Value>(items.begin(), items.size()));
}

Value JsonBuilder::array(const std::vector<Value>& items) { return doc_.make_array(items); }

Value JsonBuilder::reference(std::string_view reference, std::string_view display) {
  return object({{"reference", string(reference)}, {"display", display.empty() ? Value() : string(display)}});
}

Value JsonBuilder::coding(std::string_view system, std::string_view code, std::string_view display) {
  return object({{"system", string(system)},
                 {"code", string(code)},
                 {"display", display.empty() ? Value() : string(display)}});
}

Value JsonBuilder::codeable(std::string_view system, std::string_view code, std::string_view display,
                           std::string_view text) {
  return object({{"coding", array({coding(system, code, display)})},
                 {"text", text.empty() ? Value() : string(text)}});
}

Value JsonBuilder::text_concept(std::string_view text) { return object({{"text", string(text)}}); }

Value JsonBuilder::annotation(std::string_view text, std::string_view time) {
  return object({{"time", string(time)}, {"text", string(text)}});
}

std::string reference_key(const Value* reference) {
  if (reference == nullptr || !reference->is_object()) return {};
  const fhir::ReferenceParts parts = fhir::parse_reference(reference->string_at("reference"));
  if (parts.form != fhir::ReferenceForm::relative && parts.form != fhir::ReferenceForm::absolute) return {};
  return std::string(parts.resource_type) + "/" + std::string(parts.id);
}

std::vector<std::string> reference_keys(const Value& resource, std::string_view element) {
  std::vector<std::string> keys;
  const Value* references = resource.find(element);
  if (references == nullptr) return keys;
  const auto add = [&keys](const Value& reference) {
    if (std::string key = reference_key(&reference); !key.empty()) keys.push_back(std::move(key));
  };
  if (references->is_array()) {
    for (const Value& reference : references->items()) add(reference);
  } else {
    add(*references);
  }
  return keys;
}

namespace {

const Value* find_coding(const Value* concepts, std::string_view system, std::string_view code) {
  if (concepts == nullptr) return nullptr;
  if (concepts->is_array()) {
    for (const Value& item : concepts->items()) {
      if (const Value* found = find_coding(&item, system, code)) return found;
    }
    return nullptr;
  }
  const Value* codings = concepts->find("coding");
  if (codings == nullptr) return nullptr;
  for (const Value& coding : codings->items()) {
    if (coding.string_at("system") == system && (code.empty() || coding.string_at("code") == code)) {
      return &coding;
    }
  }
  return nullptr;
}

}  // namespace

bool has_coding(const Value* concepts, std::string_view system, std::string_view code) {
  return find_coding(concepts, system, code) != nullptr;
}

std::string_view status_reason_text(const Value& task) {
  const Value* reason = task.find("statusReason");
  return reason != nullptr ? reason->string_at("text") : std::string_view();
}

std::string_view code_in(const Value* concepts, std::string_view system) {
  const Value* coding = find_coding(concepts, system, {});
  return coding != nullptr ? coding->string_at("code") : std::string_view();
}

}  // namespace socialrx::gateway::referral
