// Lookups over the generated FHIR R4 structure tables (fhir/generated/r4_schema.cpp).
// The tables are sorted by the generator (scripts/generate_fhir_schema.mjs): types() by name and
// each value set's codes by (code, system), both in byte order, which is std::string_view's order.

#include "fhir/schema.hpp"

#include <algorithm>
#include <utility>

namespace socialrx::fhir::schema {

const TypeDef* find_type(std::string_view name) {
  const auto all = types();
  const auto it = std::lower_bound(all.begin(), all.end(), name,
                                   [](const TypeDef& t, std::string_view n) { return t.name < n; });
  if (it == all.end() || it->name != name) return nullptr;
  return &*it;
}

TypeId type_id(const TypeDef& type) {
  return static_cast<TypeId>(&type - types().data());
}

std::span<const ElementDef> elements_of(const TypeDef& type) {
  return elements().subspan(type.elements_begin, type.elements_count);
}

std::span<const TypeId> types_of(const ElementDef& element) {
  return element_types().subspan(element.types_begin, element.types_count);
}

std::span<const std::string_view> targets_of(const ElementDef& element) {
  return target_types().subspan(element.targets_begin, element.targets_count);
}

const ValueSetDef* binding_of(const ElementDef& element) {
  if (element.binding < 0) return nullptr;
  const auto all = value_sets();
  const auto index = static_cast<std::size_t>(element.binding);
  return index < all.size() ? &all[index] : nullptr;
}

std::span<const CodeDef> codes_of(const ValueSetDef& value_set) {
  return codes().subspan(value_set.codes_begin, value_set.codes_count);
}

bool value_set_contains(const ValueSetDef& value_set, std::string_view code) {
  const auto range = codes_of(value_set);
  const auto it = std::lower_bound(range.begin(), range.end(), code,
                                   [](const CodeDef& c, std::string_view value) { return c.code < value; });
  return it != range.end() && it->code == code;
}

bool value_set_contains(const ValueSetDef& value_set, std::string_view system, std::string_view code) {
  const auto range = codes_of(value_set);
  const auto key = std::pair{code, system};
  const auto it = std::lower_bound(range.begin(), range.end(), key,
                                   [](const CodeDef& c, const std::pair<std::string_view, std::string_view>& k) {
                                     return std::pair{c.code, c.system} < k;
                                   });
  return it != range.end() && it->code == code && it->system == system;
}

}  // namespace socialrx::fhir::schema
