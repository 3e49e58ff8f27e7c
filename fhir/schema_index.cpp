#include "fhir/schema_index.hpp"

#include <cctype>
#include <stdexcept>

namespace socialrx::fhir::schema {
namespace {

TypeId required_type(std::string_view name) {
  const TypeDef* type = find_type(name);
  if (type == nullptr) {
    // Only reachable with broken generated tables; a start-up failure, not a message failure.
    throw std::logic_error("generated FHIR schema lacks the type " + std::string(name));
  }
  return type_id(*type);
}

}  // namespace

const SchemaIndex& SchemaIndex::instance() {
  static const SchemaIndex index;
  return index;
}

SchemaIndex::SchemaIndex() {
  const auto all = types();
  properties_.resize(all.size());
  primitives_.resize(all.size());
  for (std::size_t id = 0; id < all.size(); ++id) {
    if (all[id].kind == TypeKind::primitive) primitives_[id] = primitive_from_name(all[id].name);
  }
  // R4's snapshots type Resource.id as string (System.String), yet the specification says a
  // resource id has the id type's rules; validate it as id.
  const TypeId id_type = required_type("id");
  for (std::size_t owner = 0; owner < all.size(); ++owner) {
    auto& properties = properties_[owner];
    const auto elements = elements_of(all[owner]);
    const bool is_resource = all[owner].kind == TypeKind::resource;
    for (std::size_t index = 0; index < elements.size(); ++index) {
      const ElementDef& element = elements[index];
      for (TypeId declared : types_of(element)) {
        const TypeId type = is_resource && element.name == "id" ? id_type : declared;
        std::string_view name = element.name;
        if (element.choice) {
          std::string composed(element.name);
          std::string_view type_name = all[type].name;
          composed += static_cast<char>(std::toupper(static_cast<unsigned char>(type_name[0])));
          composed += type_name.substr(1);
          name = names_.emplace_back(std::move(composed));
        }
        const auto element_index = static_cast<std::uint16_t>(index);
        properties.emplace(name, PropertySlot{element_index, type, false});
        if (primitives_[type]) {
          properties.emplace(names_.emplace_back("_" + std::string(name)),
                             PropertySlot{element_index, type, true});
        }
      }
    }
  }
  element_type_ = required_type("Element");
  reference_type_ = required_type("Reference");
  extension_type_ = required_type("Extension");
  coding_type_ = required_type("Coding");
  codeable_concept_type_ = required_type("CodeableConcept");
  resource_base_type_ = required_type("Resource");
}

const PropertySlot* SchemaIndex::find(TypeId owner, std::string_view property) const {
  const auto& properties = properties_[owner];
  auto found = properties.find(property);
  return found == properties.end() ? nullptr : &found->second;
}

const TypeDef* SchemaIndex::resource_type(std::string_view name) const {
  const TypeDef* type = find_type(name);
  if (type == nullptr || type->kind != TypeKind::resource || type->is_abstract) return nullptr;
  return type;
}

}  // namespace socialrx::fhir::schema
