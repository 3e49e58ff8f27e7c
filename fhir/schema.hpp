#pragma once
// FHIR R4 structure tables. The data in fhir/generated/r4_schema.cpp is generated from HL7's
// official StructureDefinitions and ValueSets by scripts/generate_fhir_schema.mjs; this header is
// the contract between that generator and the validator. Do not edit the generated file by hand.

#include <cstdint>
#include <span>
#include <string_view>

namespace socialrx::fhir::schema {

enum class TypeKind : std::uint8_t {
  primitive,  // boolean, string, dateTime, ... (JSON primitive + optional "_name" element)
  complex,    // a datatype: HumanName, Reference, Extension, ...
  resource,   // Patient, Task, ... (also the abstract Resource and DomainResource)
  backbone,   // an element defined inline in its parent, named by its path: "Patient.contact"
};

using TypeId = std::uint16_t;
inline constexpr std::uint16_t kUnbounded = 0xFFFF;  // max cardinality "*"
inline constexpr std::int16_t kNoBinding = -1;

// One element of a type, in StructureDefinition order. The element's own name is its JSON
// property name; a choice element "value[x]" is stored as "value" with choice = true and its JSON
// names are "value" + the type name with the first letter capitalised ("valueString").
struct ElementDef {
  std::string_view name;
  std::uint16_t min;
  std::uint16_t max;           // 1 or kUnbounded (R4 base definitions use no other maximum)
  std::uint32_t types_begin;   // range in element_types(): the allowed types, TypeIds
  std::uint8_t types_count;
  bool choice;
  bool summary;                // isSummary in the base definition (for _summary=true)
  std::int16_t binding;        // index into value_sets() for a required binding, or kNoBinding
  std::uint32_t targets_begin; // range in target_types(): allowed Reference/canonical targets
  std::uint8_t targets_count;  // 0 = any resource type
};

struct TypeDef {
  std::string_view name;       // "Patient", "HumanName", "string", "Patient.contact"
  TypeKind kind;
  bool is_abstract;            // Resource, DomainResource, Element, BackboneElement
  std::uint32_t elements_begin;  // range in elements()
  std::uint16_t elements_count;
  std::string_view regex;      // primitives: the spec's regex for the value (may be empty)
};

// A required-binding value set that could be expanded from the official CodeSystems: its codes
// are the range [codes_begin, codes_begin + codes_count) of codes(), sorted by (code, system).
// Value sets that cannot be enumerated (filters, external systems such as BCP-13) are not listed;
// elements bound to them carry kNoBinding.
struct ValueSetDef {
  std::string_view url;  // without version
  std::uint32_t codes_begin;
  std::uint32_t codes_count;
};

struct CodeDef {
  std::string_view code;
  std::string_view system;
};

// Generated data. types() is sorted by name (ordinal), so a TypeId is an index into it.
std::span<const TypeDef> types();
std::span<const ElementDef> elements();
std::span<const TypeId> element_types();
std::span<const std::string_view> target_types();  // resource type names
std::span<const ValueSetDef> value_sets();
std::span<const CodeDef> codes();

// Lookups over the generated data.
const TypeDef* find_type(std::string_view name);
TypeId type_id(const TypeDef& type);
std::span<const ElementDef> elements_of(const TypeDef& type);
std::span<const TypeId> types_of(const ElementDef& element);
std::span<const std::string_view> targets_of(const ElementDef& element);
const ValueSetDef* binding_of(const ElementDef& element);
std::span<const CodeDef> codes_of(const ValueSetDef& value_set);
bool value_set_contains(const ValueSetDef& value_set, std::string_view code);  // any system
bool value_set_contains(const ValueSetDef& value_set, std::string_view system, std::string_view code);

}  // namespace socialrx::fhir::schema
