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
  primitives_.resize(all.size());
  for (std::size_t id = 0; id < all.size(); ++id) {
    if (all[id].kind == TypeKind::primitive) primitives_[id] = primitive_from_name(all[id].name);
  }
  // R4's snapshots type Resource.id as string (System.String), yet the specification says a
  // resource id has the id type's rules; validate it as id.
  const TypeId id_type = required_type("id");
  // Sized for the worst case (every element with every type, each with a "_name" part): at most
  // half full, so that probes stay short.
  std::size_t most = 0;
  for (const TypeDef& type : all) {
    for (const ElementDef& element : elements_of(type)) most += 2 * types_of(element).size();
  }
  std::size_t capacity = 64;
  while (capacity < 2 * most) capacity *= 2;
  entries_.resize(capacity);
  long_names_.resize(capacity, nullptr);
  mask_ = capacity - 1;
  for (std::size_t owner = 0; owner < all.size(); ++owner) {
    const auto owner_id = static_cast<TypeId>(owner);
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
        insert(owner_id, name, PropertySlot{element_index, type, false});
        if (primitives_[type]) {
          insert(owner_id, names_.emplace_back("_" + std::string(name)),
                 PropertySlot{element_index, type, true});
        }
      }
    }
  }
  required_begin_.reserve(all.size() + 1);
  for (const TypeDef& type : all) {
    required_begin_.push_back(static_cast<std::uint32_t>(required_.size()));
    const auto elements = elements_of(type);
    for (std::size_t index = 0; index < elements.size(); ++index) {
      if (elements[index].min > 0) required_.push_back(static_cast<std::uint16_t>(index));
    }
  }
  required_begin_.push_back(static_cast<std::uint32_t>(required_.size()));
  element_type_ = required_type("Element");
  reference_type_ = required_type("Reference");
  extension_type_ = required_type("Extension");
  coding_type_ = required_type("Coding");
  codeable_concept_type_ = required_type("CodeableConcept");
  resource_base_type_ = required_type("Resource");
}

// The first definition of a name wins, as std::unordered_map::emplace did.
void SchemaIndex::insert(TypeId owner, std::string_view name, PropertySlot slot) {
  if (find(owner, name) != nullptr) return;
  const Key key = key_of(name);
  const auto size = static_cast<std::uint32_t>(name.size());
  std::size_t at = hash(owner, size, key) & mask_;
  while (entries_[at].size != kEmpty) at = (at + 1) & mask_;
  entries_[at] = Entry{key, size, owner, slot};
  long_names_[at] = name.data();
}

const TypeDef* SchemaIndex::resource_type(std::string_view name) const {
  const TypeDef* type = find_type(name);
  if (type == nullptr || type->kind != TypeKind::resource || type->is_abstract) return nullptr;
  return type;
}

}  // namespace socialrx::fhir::schema
