#pragma once
// Fast lookups over the generated schema, built once: which element and type a JSON property
// name of a given type stands for ("valueQuantity" of Observation → value[x] as Quantity,
// "_birthDate" → the extension part of birthDate), and the primitive kind of each type.

#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

  // Runs for every JSON property the validator meets, so it is inline and probes one flat table
  // (see Entry) instead of a std::unordered_map per type, whose small maps compared the key
  // against every name with memcmp (about 105 instructions a lookup; this is about 30).
  const PropertySlot* find(TypeId owner, std::string_view property) const {
    const Key key = key_of(property);
    const std::uint32_t size = static_cast<std::uint32_t>(property.size());
    for (std::size_t at = hash(owner, size, key) & mask_;; at = (at + 1) & mask_) {
      const Entry& entry = entries_[at];
      if (entry.size == kEmpty) return nullptr;
      if (entry.owner == owner && entry.size == size && entry.key.head == key.head &&
          entry.key.tail == key.tail &&
          (size <= 16 || std::memcmp(long_names_[at], property.data(), size) == 0)) {
        return &entry.slot;
      }
    }
  }
  // The primitive kind of a primitive type, or nullopt for complex and resource types.
  std::optional<Primitive> primitive(TypeId type) const { return primitives_[type]; }
  // The positions (in elements_of(type)) of the type's elements with a minimum above 0; most
  // types have none, and the validator checks these after each object.
  std::span<const std::uint16_t> required(TypeId type) const {
    return {required_.data() + required_begin_[type], required_begin_[type + 1] - required_begin_[type]};
  }
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

  // The first and last 8 bytes of a name (overlapping when shorter; 4 + 4 below 8 bytes, three
  // single bytes below 4): for names of up to 16 bytes, equal size and Key mean equal names.
  struct Key {
    std::uint64_t head;
    std::uint64_t tail;
  };
  static Key key_of(std::string_view name) {
    const char* p = name.data();
    const std::size_t n = name.size();
    Key key{0, 0};
    if (n >= 8) {
      std::memcpy(&key.head, p, 8);
      std::memcpy(&key.tail, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t head = 0, tail = 0;
      std::memcpy(&head, p, 4);
      std::memcpy(&tail, p + n - 4, 4);
      key.head = head;
      key.tail = tail;
    } else if (n > 0) {
      key.head = static_cast<unsigned char>(p[0]) | (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8);
      key.tail = static_cast<unsigned char>(p[n - 1]);
    }
    return key;
  }
  static std::size_t hash(TypeId owner, std::uint32_t size, const Key& key) {
    std::uint64_t h = (key.head * 0x9E3779B97F4A7C15ULL) ^ (key.tail * 0xC2B2AE3D27D4EB4FULL) ^
                      ((static_cast<std::uint64_t>(owner) << 8 | size) * 0x165667B19E3779F9ULL);
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFF;
  struct Entry {
    Key key;
    std::uint32_t size = kEmpty;  // kEmpty: a free slot
    TypeId owner = 0;
    PropertySlot slot{};
  };
  void insert(TypeId owner, std::string_view name, PropertySlot slot);

  std::vector<Entry> entries_;               // open addressing, linear probing, at most half full
  std::vector<const char*> long_names_;      // by entry: the name, for names over 16 bytes
  std::size_t mask_ = 0;
  std::vector<std::optional<Primitive>> primitives_;                            // by TypeId
  std::vector<std::uint16_t> required_;           // element positions, type after type
  std::vector<std::uint32_t> required_begin_;     // by TypeId, and one past the last
  std::deque<std::string> names_;  // storage for composed property names ("valueString")
  TypeId element_type_ = 0;
  TypeId reference_type_ = 0;
  TypeId extension_type_ = 0;
  TypeId coding_type_ = 0;
  TypeId codeable_concept_type_ = 0;
  TypeId resource_base_type_ = 0;
};

}  // namespace socialrx::fhir::schema
