#include "fhir/validator.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <string>
#include <vector>

#include "fhir/primitives.hpp"
#include "fhir/reference.hpp"
#include "fhir/schema.hpp"
#include "fhir/schema_index.hpp"

namespace socialrx::fhir {
namespace {

using json::Member;
using json::Value;
using schema::ElementDef;
using schema::PropertySlot;
using schema::SchemaIndex;
using schema::TypeDef;
using schema::TypeId;
using schema::TypeKind;

// At most this many elements per type; the generated R4 tables stay well below it.
constexpr std::size_t kMaxElementsPerType = 256;

// JSON null stands for no value; it is only allowed inside arrays of primitives (see
// primitive_value), so anywhere else it breaks ele-1 like an empty object does.
constexpr std::string_view kNullIsNotAValue =
    "null is not a value; leave the element out (ele-1)";

// ele-1 in R4 is "hasValue() or (children().count() > id.count())": an id alone is not enough.
bool has_only_id(const Value& value) {
  return value.size() == 1 && value.members()[0].key == "id";
}
constexpr std::string_view kOnlyId =
    "an element must have a value or children other than its id (ele-1)";

// Quotes text from the input for a diagnostic, cut short at a character boundary.
std::string quoted(std::string_view text, std::size_t limit = 64) {
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return "\"" + std::string(text.substr(0, cut)) + "…\"";
  }
  return "\"" + std::string(text) + "\"";
}

std::string_view json_kind_name(const Value& value) {
  switch (value.kind()) {
    case json::Kind::null: return "null";
    case json::Kind::boolean: return "a boolean";
    case json::Kind::number: return "a number";
    case json::Kind::string: return "a string";
    case json::Kind::array: return "an array";
    case json::Kind::object: return "an object";
  }
  return "a value";
}

// Local references ("#id") and contained ids within one resource and the resources it contains;
// checked when the resource is done (ref-1 and dom-3).
struct ContainerScope {
  struct LocalReference {
    std::string_view id;  // without '#'; empty = the container itself
    std::string path;
    bool must_resolve;    // Reference.reference (ref-1); uri/canonical values only count for dom-3
  };
  std::vector<std::pair<std::string_view, std::string>> contained;  // id, path
  std::vector<LocalReference> references;
  std::vector<bool> contained_refers_to_container;                  // per contained entry
};

class Validator {
 public:
  explicit Validator(Issues& issues)
      : issues_(issues),
        index_(SchemaIndex::instance()),
        types_(schema::types()),
        elements_(schema::elements()) {}

  void top_level(const Value& resource) {
    std::string_view type = resource.string_at("resourceType");
    path_.push_back({type.empty() ? std::string_view("Resource") : type, -1});
    this->resource(resource, nullptr);
    path_.pop_back();
  }

 private:
  struct Frame {
    std::string_view name;
    std::int64_t index;  // -1: not an array item
  };

  Issues& issues_;
  const SchemaIndex& index_;
  // The generated tables, read here rather than through schema::types() and elements_of(),
  // which are calls into another file for every object and value.
  const std::span<const TypeDef> types_;
  const std::span<const ElementDef> elements_;

  TypeId type_id(const TypeDef& type) const { return static_cast<TypeId>(&type - types_.data()); }
  std::span<const ElementDef> elements_of(const TypeDef& type) const {
    return elements_.subspan(type.elements_begin, type.elements_count);
  }
  std::vector<Frame> path_;
  std::vector<ContainerScope> scopes_;
  // Set while inside a contained resource: its position in the container's scope.
  std::ptrdiff_t contained_position_ = -1;

  std::string path() const {
    std::string text;
    for (const Frame& frame : path_) {
      if (!text.empty()) text += '.';
      text += frame.name;
      if (frame.index >= 0) {
        text += '[';
        text += std::to_string(frame.index);
        text += ']';
      }
    }
    return text;
  }
  void report(IssueType code, std::string diagnostics) {
    issues_.error(code, path(), std::move(diagnostics));
  }
  void report_at(std::string_view name, IssueType code, std::string diagnostics) {
    path_.push_back({name, -1});
    report(code, std::move(diagnostics));
    path_.pop_back();
  }

  // --- resources --------------------------------------------------------------------------

  // A resource: the top-level one, a Bundle entry, a Parameters resource, or a contained one
  // (then `container` is the scope of the resource that contains it).
  void resource(const Value& value, ContainerScope* container) {
    if (!value.is_object()) {
      report(IssueType::structure, "a resource must be a JSON object, not " +
                                       std::string(json_kind_name(value)));
      return;
    }
    const Value* type_name = value.find("resourceType");
    if (type_name == nullptr || !type_name->is_string()) {
      report(IssueType::structure, "the resource has no resourceType");
      return;
    }
    const TypeDef* type = index_.resource_type(type_name->text());
    if (type == nullptr) {
      report(IssueType::not_supported,
             "unknown resourceType " + quoted(type_name->text()) + " (not an R4 resource)");
      return;
    }
    if (container != nullptr) {
      contained_rules(value, *container);
      object(value, *type, true);
      return;
    }
    scopes_.emplace_back();
    const std::ptrdiff_t outer_position = contained_position_;
    contained_position_ = -1;
    object(value, *type, true);
    contained_position_ = outer_position;
    close_scope();
  }

  // dom-2 and dom-4, and registration of the id for dom-3.
  void contained_rules(const Value& value, ContainerScope& container) {
    if (value.find("contained") != nullptr) {
      report(IssueType::invariant,
             "a contained resource must not contain resources itself (dom-2)");
    }
    if (const Value* meta = value.find("meta"); meta != nullptr && meta->is_object()) {
      if (meta->find("versionId") != nullptr || meta->find("lastUpdated") != nullptr) {
        report(IssueType::invariant,
               "a contained resource must not have meta.versionId or meta.lastUpdated (dom-4)");
      }
    }
    std::string_view id = value.string_at("id");
    if (id.empty()) {
      report(IssueType::invariant, "a contained resource needs an id to be referenced (dom-3)");
    }
    container.contained.emplace_back(id, path());
    container.contained_refers_to_container.push_back(false);
  }

  void close_scope() {
    ContainerScope scope = std::move(scopes_.back());
    scopes_.pop_back();
    std::vector<bool> referenced(scope.contained.size(), false);
    for (const auto& reference : scope.references) {
      if (reference.id.empty()) continue;  // "#" is the container itself
      bool found = false;
      for (std::size_t i = 0; i < scope.contained.size(); ++i) {
        if (scope.contained[i].first == reference.id) {
          referenced[i] = true;
          found = true;
        }
      }
      if (!found && reference.must_resolve) {
        issues_.error(IssueType::invariant, reference.path,
                      "the local reference #" + std::string(reference.id) +
                          " does not match the id of a contained resource (ref-1)");
      }
    }
    for (std::size_t i = 0; i < scope.contained.size(); ++i) {
      if (!referenced[i] && !scope.contained_refers_to_container[i] &&
          !scope.contained[i].first.empty()) {
        issues_.error(IssueType::invariant, scope.contained[i].second,
                      "the contained resource " + quoted(scope.contained[i].first) +
                          " is not referenced from the rest of the resource (dom-3)");
      }
    }
  }

  void note_local_reference(std::string_view target, bool must_resolve) {
    if (scopes_.empty()) return;
    ContainerScope& scope = scopes_.back();
    if (target.empty() && contained_position_ >= 0) {
      scope.contained_refers_to_container[static_cast<std::size_t>(contained_position_)] = true;
    }
    // Only the rare unresolved Reference needs its path; uri values just mark ids as used.
    scope.references.push_back({target, must_resolve ? path() : std::string(), must_resolve});
  }

  // --- objects ----------------------------------------------------------------------------

  void object(const Value& value, const TypeDef& type, bool is_resource) {
    if (value.size() == 0) {
      report(IssueType::invariant, "an element must have a value or children, not {} (ele-1)");
      return;
    }
    const TypeId owner = type_id(type);
    const auto elements = elements_of(type);
    if (elements.size() > kMaxElementsPerType) {
      report(IssueType::exception, "type too large for the validator");
      return;
    }
    // What each element was given as: the first property name of its value part and extension
    // part, so duplicates and mixed choice types are found. Only the type's own slots are
    // cleared: this runs for every object of every resource.
    std::array<const PropertySlot*, kMaxElementsPerType> value_part;
    std::array<const PropertySlot*, kMaxElementsPerType> extension_part;
    std::fill_n(value_part.begin(), elements.size(), nullptr);
    std::fill_n(extension_part.begin(), elements.size(), nullptr);
    // Most objects have no "_name" parts; then no primitive needs to look for its own.
    const bool has_extension_parts =
        std::any_of(value.members().begin(), value.members().end(),
                    [](const Member& member) { return member.key.starts_with('_'); });

    bool seen_resource_type = false;
    for (const Member& member : value.members()) {
      if (is_resource && member.key == "resourceType") {
        // resource() read the first one; a second one would be ignored silently otherwise.
        if (seen_resource_type) {
          report_at(member.key, IssueType::structure,
                    "the property " + quoted(member.key) + " appears twice");
        }
        seen_resource_type = true;
        continue;
      }
      const PropertySlot* slot = index_.find(owner, member.key);
      if (slot == nullptr) {
        report_at(member.key, IssueType::structure, unknown_element_message(type, member.key));
        continue;
      }
      const ElementDef& element = elements[slot->element];
      auto& first = slot->extension_part ? extension_part[slot->element] : value_part[slot->element];
      if (first != nullptr) {
        const bool same_name = first == slot;
        report_at(member.key, IssueType::structure,
                  same_name ? "the property " + quoted(member.key) + " appears twice"
                            : "the choice element " + std::string(element.name) +
                                  "[x] is given with more than one type");
        continue;
      }
      first = slot;
      if (value_part[slot->element] != nullptr && extension_part[slot->element] != nullptr &&
          value_part[slot->element]->type != extension_part[slot->element]->type) {
        report_at(member.key, IssueType::structure,
                  "the extension part of " + std::string(element.name) +
                      "[x] names another type than its value");
        continue;
      }
      path_.push_back({member.key, -1});
      if (slot->extension_part) {
        const Value* sibling = value.find(member.key.substr(1));
        primitive_extensions(member.value, element, sibling);
      } else {
        const Value* sibling =
            has_extension_parts ? find_extension_part(value, member.key, *slot) : nullptr;
        property(member.value, element, slot->type, sibling);
      }
      path_.pop_back();
    }

    for (std::size_t i : index_.required(owner)) {
      const ElementDef& element = elements[i];
      if (value_part[i] == nullptr && extension_part[i] == nullptr) {
        const std::string name =
            std::string(element.name) + (element.choice ? "[x]" : std::string());
        path_.push_back({name, -1});
        report(IssueType::required, "the required element " + name + " is missing (minimum " +
                                        std::to_string(element.min) + ")");
        path_.pop_back();
      }
    }
    if (owner == index_.extension_type()) extension_rule(value);
  }

  const Value* find_extension_part(const Value& object, std::string_view key,
                                   const PropertySlot& slot) {
    if (!index_.primitive(slot.type)) return nullptr;
    std::string underscored = "_";
    underscored += key;
    return object.find(underscored);
  }

  std::string unknown_element_message(const TypeDef& type, std::string_view key) {
    std::string message = "unknown element " + quoted(key) + " in " + std::string(type.name);
    for (const ElementDef& element : schema::elements_of(type)) {
      if (element.choice && element.name == key) {
        message += " (a choice element is named with its type, e.g. " + std::string(key) +
                   "String)";
      }
    }
    return message;
  }

  // ext-1: an extension has either a value or nested extensions, not both, not neither.
  void extension_rule(const Value& value) {
    bool has_value = false;
    for (const Member& member : value.members()) {
      if (member.key.starts_with("value") || member.key.starts_with("_value")) has_value = true;
    }
    const bool has_extensions = value.find("extension") != nullptr;
    if (has_value == has_extensions) {
      report(IssueType::invariant, has_value
                                       ? "an extension must not have both a value and extensions (ext-1)"
                                       : "an extension must have a value or extensions (ext-1)");
    }
  }

  // --- properties ---------------------------------------------------------------------------

  // The value part of one property: an array for repeating elements, a single value otherwise.
  void property(const Value& value, const ElementDef& element, TypeId type,
                const Value* extension_sibling) {
    const bool repeats = element.max > 1;
    if (!repeats) {
      if (value.is_array()) {
        report(IssueType::structure, "must be a single value, not an array (" +
                                         std::string(element.name) + " does not repeat)");
        return;
      }
      // A single primitive without a value is left out, never null, even with an extension part.
      item(value, element, type, false);
      return;
    }
    if (value.is_null()) {
      report(IssueType::invariant, std::string(kNullIsNotAValue));
      return;
    }
    if (!value.is_array()) {
      report(IssueType::structure,
             "must be an array (" + std::string(element.name) + " repeats)");
      return;
    }
    if (value.size() == 0) {
      report(IssueType::invariant, "an array must not be empty (ele-1)");
      return;
    }
    const auto extensions = extension_sibling != nullptr ? extension_sibling->items()
                                                         : std::span<const Value>();
    const auto items = value.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      path_.back().index = static_cast<std::int64_t>(i);
      const bool has_extension = i < extensions.size() && !extensions[i].is_null();
      item(items[i], element, type, has_extension);
    }
    path_.back().index = -1;
  }

  void item(const Value& value, const ElementDef& element, TypeId type, bool has_extension) {
    const TypeDef& definition = types_[type];
    if (auto primitive = index_.primitive(type)) {
      primitive_value(value, *primitive, element, has_extension);
      return;
    }
    if (value.is_null()) {
      report(IssueType::invariant, std::string(kNullIsNotAValue));
      return;
    }
    if (type == index_.resource_base_type()) {
      const bool is_contained = element.name == "contained";
      if (is_contained && !scopes_.empty()) {
        const std::ptrdiff_t outer = contained_position_;
        contained_position_ =
            static_cast<std::ptrdiff_t>(scopes_.back().contained.size());
        resource(value, &scopes_.back());
        contained_position_ = outer;
      } else {
        resource(value, nullptr);
      }
      return;
    }
    if (!value.is_object()) {
      report(IssueType::structure, "must be a JSON object (" + std::string(definition.name) +
                                       "), not " + std::string(json_kind_name(value)));
      return;
    }
    if (has_only_id(value)) {
      report(IssueType::invariant, std::string(kOnlyId));
      return;
    }
    object(value, definition, false);
    if (type == index_.reference_type()) reference(value, element);
    if (element.binding != schema::kNoBinding) coded_binding(value, element, type);
  }

  // --- primitives ---------------------------------------------------------------------------

  void primitive_value(const Value& value, Primitive primitive, const ElementDef& element,
                       bool has_extension) {
    if (value.is_null()) {
      if (!has_extension) {
        report(IssueType::invariant,
               "null is only allowed in an array whose extension part (_name) has a value "
               "at the same position (ele-1)");
      }
      return;
    }
    const JsonForm form = json_form(primitive);
    const bool form_ok = (form == JsonForm::boolean && value.is_bool()) ||
                         (form == JsonForm::number && value.is_number()) ||
                         (form == JsonForm::string && value.is_string());
    if (!form_ok) {
      static constexpr std::array<std::string_view, 3> kForms{"a JSON boolean", "a JSON number",
                                                              "a JSON string"};
      report(IssueType::structure, "must be " +
                                       std::string(kForms[static_cast<std::size_t>(form)]) +
                                       " (" + std::string(primitive_name(primitive)) +
                                       "), not " + std::string(json_kind_name(value)));
      return;
    }
    if (value.is_bool()) return;
    const std::string_view text = value.text();
    if (text.empty()) {
      report(IssueType::invariant,
             "an empty string is not a value; leave the element out (ele-1)");
      return;
    }
    if (exceeds_max_length(primitive, text)) {
      report(IssueType::too_long, "the value is longer than 1,048,576 characters");
      return;
    }
    if (std::string_view reason = check_primitive(primitive, text); !reason.empty()) {
      report(IssueType::value, "the value " + std::string(reason) + " (" +
                                   std::string(primitive_name(primitive)) + ")");
      return;
    }
    if ((primitive == Primitive::uri || primitive == Primitive::url ||
         primitive == Primitive::canonical) &&
        text.starts_with('#')) {
      note_local_reference(text.substr(1), false);
    }
    if (primitive == Primitive::code && element.binding != schema::kNoBinding) {
      const schema::ValueSetDef* value_set = schema::binding_of(element);
      if (value_set != nullptr && !schema::value_set_contains(*value_set, text)) {
        report(IssueType::code_invalid, "the code " + quoted(text) +
                                            " is not in the required value set " +
                                            std::string(value_set->url));
      }
    }
  }

  // The "_name" part of a primitive: an object (id, extension) or, for repeating elements, an
  // array of such objects or nulls that lines up with the value array.
  void primitive_extensions(const Value& value, const ElementDef& element,
                            const Value* value_sibling) {
    const TypeDef& element_type = types_[index_.element_type()];
    if (value.is_null()) {
      report(IssueType::invariant, std::string(kNullIsNotAValue));
      return;
    }
    if (element.max <= 1) {
      if (!value.is_object()) {
        report(IssueType::structure, "the extension part of a primitive must be a JSON object");
        return;
      }
      if (has_only_id(value) && (value_sibling == nullptr || value_sibling->is_null())) {
        report(IssueType::invariant, std::string(kOnlyId));
        return;
      }
      object(value, element_type, false);
      return;
    }
    if (!value.is_array()) {
      report(IssueType::structure, "must be an array, like the element it extends");
      return;
    }
    const auto values = value_sibling != nullptr && value_sibling->is_array()
                            ? value_sibling->items()
                            : std::span<const Value>();
    if (value_sibling != nullptr && value_sibling->is_array() && values.size() != value.size()) {
      report(IssueType::structure, "must have as many items as the element it extends (" +
                                       std::to_string(values.size()) + ")");
    }
    const auto items = value.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      path_.back().index = static_cast<std::int64_t>(i);
      if (items[i].is_null()) {
        if (i >= values.size() || values[i].is_null()) {
          report(IssueType::invariant, "null here and in the value array at the same position (ele-1)");
        }
      } else if (!items[i].is_object()) {
        report(IssueType::structure, "must be a JSON object or null");
      } else if (has_only_id(items[i]) && (i >= values.size() || values[i].is_null())) {
        report(IssueType::invariant, std::string(kOnlyId));
      } else {
        object(items[i], element_type, false);
      }
    }
    path_.back().index = -1;
  }

  // --- references and bindings ------------------------------------------------------------

  void reference(const Value& value, const ElementDef& element) {
    const Value* target = value.find("reference");
    if (target == nullptr || !target->is_string() || target->text().empty()) return;
    path_.push_back({"reference", -1});
    const ReferenceParts parts = parse_reference(target->text());
    switch (parts.form) {
      case ReferenceForm::local:
        note_local_reference(parts.id, true);
        break;
      case ReferenceForm::invalid:
        report(IssueType::value, "the reference is malformed: " + std::string(parts.problem));
        break;
      case ReferenceForm::relative:
      case ReferenceForm::absolute:
      case ReferenceForm::conditional:
        if (!parts.resource_type.empty()) check_target(parts.resource_type, element);
        break;
      case ReferenceForm::uuid:
      case ReferenceForm::oid:
      case ReferenceForm::other_url:
        break;
    }
    path_.pop_back();
  }

  void check_target(std::string_view resource_type, const ElementDef& element) {
    const auto targets = schema::targets_of(element);
    if (targets.empty()) return;
    for (std::string_view allowed : targets) {
      if (allowed == resource_type) return;
    }
    std::string allowed_list;
    for (std::string_view allowed : targets) {
      if (!allowed_list.empty()) allowed_list += ", ";
      allowed_list += allowed;
    }
    report(IssueType::structure, "a reference to a " + std::string(resource_type) +
                                     " is not allowed here (allowed: " + allowed_list + ")");
  }

  bool coding_in(const Value& coding, const schema::ValueSetDef& value_set) {
    std::string_view code = coding.string_at("code");
    if (code.empty()) return false;
    std::string_view system = coding.string_at("system");
    return system.empty() ? schema::value_set_contains(value_set, code)
                          : schema::value_set_contains(value_set, system, code);
  }

  // A required binding on Coding or CodeableConcept: a coding from the value set must be there.
  void coded_binding(const Value& value, const ElementDef& element, TypeId type) {
    const schema::ValueSetDef* value_set = schema::binding_of(element);
    if (value_set == nullptr) return;
    if (type == index_.coding_type()) {
      if (!coding_in(value, *value_set)) {
        report(IssueType::code_invalid, "the coding is not in the required value set " +
                                            std::string(value_set->url));
      }
    } else if (type == index_.codeable_concept_type()) {
      for (const Value& coding : value.find("coding") != nullptr ? value.find("coding")->items()
                                                                 : std::span<const Value>()) {
        if (coding.is_object() && coding_in(coding, *value_set)) return;
      }
      report(IssueType::code_invalid, "no coding is from the required value set " +
                                          std::string(value_set->url));
    }
  }
};

}  // namespace

Issues validate_resource(const json::Value& resource) {
  Issues issues;
  Validator validator(issues);
  validator.top_level(resource);
  return issues;
}

namespace {

ParsedResource validate_parsed(json::ParseResult parsed) {
  ParsedResource result;
  if (!parsed.document) {
    result.issues = std::move(parsed.issues);
    return result;
  }
  result.issues = validate_resource(parsed.document->root());
  result.document = std::move(parsed.document);
  return result;
}

}  // namespace

ParsedResource parse_and_validate(std::string_view bytes, const json::ParseLimits& limits) {
  return validate_parsed(json::parse(bytes, limits));
}

Issues validate_in_place(std::string& bytes, const json::ParseLimits& limits) {
  return validate_parsed(json::parse_in_place(bytes, limits)).issues;
}

ParsedResource parse_and_validate_owned(std::string&& bytes, const json::ParseLimits& limits) {
  return validate_parsed(json::parse_owned(std::move(bytes), limits));
}

}  // namespace socialrx::fhir
