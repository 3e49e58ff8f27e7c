#pragma once
// Fast lookups over the generated schema, built once: which element and type a JSON property
// name of a given type stands for ("valueQuantity" of Observation → value[x] as Quantity,
// "_birthDate" → the extension part of birthDate), and the primitive kind of each type.

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/primitives.hpp"
#include "fhir/schema.hpp"

namespace socialrx::fhir::schema {

struct PropertySlot {
  std::uint16_t element;   // index within elements_of(owner type)
  TypeId type;             // the type this property name selects
  bool extension_part;     // "_name": the id/extension part of a primitive
};

class SchemaIndex {
 public:
  static const SchemaIndex& instance();

  const PropertySlot* find(TypeId owner, std::string_view property) const;
  // The primitive kind of a primitive type, or nullopt for complex and resource types.
  std::optional<Primitive> primitive(TypeId type) const { return primitives_[type]; }
  // A concrete (non-abstract) resource type by name, or nullptr.
  const TypeDef* resource_type(std::string_view name) const;

  TypeId element_type() const { return element_type_; }      // Element: id + extension
  TypeId reference_type() const { return reference_type_; }  // Reference
  TypeId extension_type() const { return extension_type_; }  // Extension
  TypeId coding_type() const { return coding_type_; }
  TypeId codeable_concept_type() const { return codeable_concept_type_; }
  TypeId resource_base_type() const { return resource_base_type_; }  // abstract Resource

 private:
  SchemaIndex();
  std::vector<std::unordered_map<std::string_view, PropertySlot>> properties_;  // by owner TypeId
  std::vector<std::optional<Primitive>> primitives_;                            // by TypeId
  std::deque<std::string> names_;  // storage for composed property names ("valueString")
  TypeId element_type_ = 0;
  TypeId reference_type_ = 0;
  TypeId extension_type_ = 0;
  TypeId coding_type_ = 0;
  TypeId codeable_concept_type_ = 0;
  TypeId resource_base_type_ = 0;
};

}  // namespace socialrx::fhir::schema
