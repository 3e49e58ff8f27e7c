// Tree-walking evaluation of a compiled Program. Every collection is a vector in the
// evaluator's arena; a Frame says what the focus, $this and $index are inside function
// arguments. The first runtime error stops the evaluation and becomes one Issue.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/expression.hpp"

namespace socialrx::fhir::fhirpath {

namespace {

using Vec = std::pmr::vector<Item>;

constexpr std::string_view kOrdinalValueUrl = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
constexpr std::string_view kItemWeightUrl = "http://hl7.org/fhir/StructureDefinition/itemWeight";

struct Frame {
  Items focus;
  const Item* this_item = nullptr;  // null at the top: $this is the focus
  std::int64_t index = -1;          // $index inside where/select/exists; -1: none
};

// Elements whose JSON strings are dates (reached by name, without a choice suffix to tell).
bool is_date_element(std::string_view name) {
  return name == "authored" || name == "issued" || name == "birthDate" || name == "date" ||
         name == "recorded" || name == "lastUpdated";
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

std::string_view kind_name(const Item& item) {
  switch (item.kind()) {
    case Kind::boolean: return "Boolean";
    case Kind::integer: return "Integer";
    case Kind::decimal: return "Decimal";
    case Kind::string: return "String";
    case Kind::date: return "Date";
    case Kind::date_time: return "DateTime";
    case Kind::time: return "Time";
    case Kind::node: {
      std::string_view name = fhir_type_name(item.fhir_type());
      return name.empty() ? "an element" : name;
    }
  }
  return "?";
}

// ofType(): System types match the kind; FHIR types match the type the item is known to have,
// and primitives of unknown FHIR type match by kind.
bool matches_type(const Item& item, std::string_view type) {
  bool system_only = false;
  if (type.starts_with("System.")) {
    type.remove_prefix(7);
    system_only = true;
  } else if (type.starts_with("FHIR.")) {
    type.remove_prefix(5);
  }
  static constexpr std::pair<std::string_view, Kind> kSystem[] = {
      {"Boolean", Kind::boolean}, {"Integer", Kind::integer}, {"Decimal", Kind::decimal},
      {"String", Kind::string},   {"Date", Kind::date},       {"DateTime", Kind::date_time},
      {"Time", Kind::time}};
  for (const auto& [name, kind] : kSystem) {
    if (name == type) return item.kind() == kind;
  }
  if (system_only) return false;
  if (item.kind() == Kind::node) {
    if (item.fhir_type() == FhirType::resource) {
      return item.json().string_at("resourceType") == type || type == "Resource" ||
             type == "DomainResource";
    }
    return item.fhir_type() != FhirType::unknown && fhir_type_name(item.fhir_type()) == type;
  }
  if (item.fhir_type() != FhirType::unknown) return fhir_type_name(item.fhir_type()) == type;
  switch (item.kind()) {
    case Kind::boolean: return type == "boolean";
    case Kind::integer: return type == "integer";
    case Kind::decimal: return type == "decimal";
    case Kind::string: return type == "string" || type == "code" || type == "uri";
    case Kind::date: return type == "date";
    case Kind::date_time: return type == "dateTime";
    case Kind::time: return type == "time";
    default: return false;
  }
}

const json::Value* find_questionnaire_item(const json::Value& parent, std::string_view link_id,
                                           int depth) {
  if (depth > 64) return nullptr;
  const json::Value* items = parent.find("item");
  if (items == nullptr) return nullptr;
  for (const json::Value& item : items->items()) {
    if (item.string_at("linkId") == link_id) return &item;
    if (const json::Value* found = find_questionnaire_item(item, link_id, depth + 1)) return found;
  }
  return nullptr;
}

class Run {
 public:
  Run(const Program& program, const Environment& environment, Evaluator& evaluator,
      Issues& issues, std::string_view location)
      : program_(program),
        env_(environment),
        evaluator_(evaluator),
        issues_(issues),
        location_(location),
        arena_(evaluator.arena()),
        limits_(evaluator.limits()) {}

  bool eval(std::int32_t id, const Frame& frame, Vec& out) {
    const Node& node = program_.nodes[static_cast<std::size_t>(id)];
    if (!step(node.position)) return false;
    switch (node.kind) {
      case NodeKind::literal:
        return push(out, node.literal, node.position);
      case NodeKind::empty:
      case NodeKind::total:
        return true;
      case NodeKind::this_:
        if (frame.this_item != nullptr) return push(out, *frame.this_item, node.position);
        return append(out, frame.focus, node.position);
      case NodeKind::index:
        if (frame.index >= 0) return push(out, Item::integer(frame.index), node.position);
        return true;
      case NodeKind::constant:
        return constant(node, out);
      case NodeKind::member: {
        Vec input = vec();
        const Items source = node.input < 0 ? frame.focus : Items();
        if (node.input >= 0 && !eval(node.input, frame, input)) return false;
        for (const Item& item : node.input < 0 ? source : Items(input)) {
          if (!navigate(item, node.name, out, node.position)) return false;
        }
        return true;
      }
      case NodeKind::function:
        return function(node, frame, out);
      case NodeKind::binary:
        return binary(node, frame, out);
      case NodeKind::negate:
        return negate(node, frame, out);
      case NodeKind::indexer:
        return indexer(node, frame, out);
    }
    return fail(node.position, "unknown node");
  }

 private:
  Vec vec() { return Vec(arena_); }

  bool fail(std::uint32_t position, const std::string& message,
            IssueType code = IssueType::processing) {
    issues_.error(code, std::string(location_),
                  "FHIRPath '" + program_.text.substr(0, 200) + "' at " +
                      std::to_string(position + 1) + ": " + message);
    return false;
  }

  // step() and push() run for every node and item: their common path inline, the failure (which
  // builds a message) out of line, so that they are not calls themselves.
  [[gnu::always_inline]] bool step(std::uint32_t position) {
    if (++steps_ <= limits_.max_steps) [[likely]] return true;
    return too_many_steps(position);
  }
  [[gnu::noinline, gnu::cold]] bool too_many_steps(std::uint32_t position) {
    return fail(position,
                "evaluation exceeded " + std::to_string(limits_.max_steps) + " steps",
                IssueType::too_costly);
  }

  [[gnu::always_inline]] bool push(Vec& out, const Item& item, std::uint32_t position) {
    if (out.size() >= limits_.max_items) [[unlikely]] return too_many_items(position);
    out.push_back(item);
    return true;
  }
  [[gnu::noinline, gnu::cold]] bool too_many_items(std::uint32_t position) {
    return fail(position,
                "a collection exceeded " + std::to_string(limits_.max_items) + " items",
                IssueType::too_costly);
  }

  bool append(Vec& out, Items items, std::uint32_t position) {
    if (out.size() + items.size() > limits_.max_items) return push(out, Item(), position) && false;
    out.insert(out.end(), items.begin(), items.end());
    return true;
  }

  // The single item of a collection an operator needs: nullptr for empty, error for several.
  bool single(const Vec& items, std::uint32_t position, const char* what, const Item*& item) {
    if (items.size() > 1) {
      return fail(position, std::string(what) + " needs a single item, got " +
                                std::to_string(items.size()));
    }
    item = items.empty() ? nullptr : &items.front();
    return true;
  }

  bool truth(const Vec& items, std::uint32_t position, std::optional<bool>& value) {
    bool error = false;
    value = as_boolean(items, &error);
    if (error) {
      return fail(position, "a condition must be a single Boolean, got " +
                                std::to_string(items.size()) + " items");
    }
    return true;
  }

  bool constant(const Node& node, Vec& out) {
    // A view: its == against the literals below compares sizes first, where std::string's ==
    // with a char* ran strlen and compare() for each of them.
    const std::string_view name = node.name;
    auto resource_node = [&](const json::Value* value) {
      if (value == nullptr) return fail(node.position, "%" + node.name + " is not available here");
      return push(out, Item::node(value, nullptr, FhirType::resource), node.position);
    };
    if (name == "resource" || name == "rootResource") return resource_node(env_.resource);
    if (name == "context") return resource_node(env_.context ? env_.context : env_.resource);
    if (name == "questionnaire") return resource_node(env_.questionnaire);
    if (name == "ucum") return push(out, Item::string("http://unitsofmeasure.org"), node.position);
    if (name == "sct") return push(out, Item::string("http://snomed.info/sct"), node.position);
    if (name == "loinc") return push(out, Item::string("http://loinc.org"), node.position);
    if (name == "answer") {
      if (!env_.answer) return fail(node.position, "%answer is only defined in indicates-need-when");
      return append(out, *env_.answer, node.position);
    }
    for (auto it = env_.variables.rbegin(); it != env_.variables.rend(); ++it) {
      if (it->name == name) return append(out, it->value, node.position);
    }
    return fail(node.position, "unknown variable %" + node.name, IssueType::not_found);
  }

  // One JSON member value (an array: each element) as items.
  bool emit(const json::Value& value, FhirType type, const json::Value* owner,
            std::string_view name, Vec& out, std::uint32_t position) {
    if (value.is_array()) {
      for (const json::Value& element : value.items()) {
        if (!element.is_array() && !emit(element, type, owner, name, out, position)) return false;
      }
      return true;
    }
    switch (value.kind()) {
      case json::Kind::null:
      case json::Kind::array:
        return true;
      case json::Kind::boolean:
        return push(out, Item::boolean(value.as_bool()).with_fhir_type(type), position);
      case json::Kind::number: {
        std::string_view text = value.text();
        bool looks_decimal = text.find_first_of(".eE") != std::string_view::npos;
        if (type == FhirType::decimal || (type != FhirType::integer && looks_decimal)) {
          auto decimal = parse_decimal(text);
          if (!decimal) return fail(position, "decimal " + std::string(text) + " out of range");
          return push(out, Item::decimal(*decimal).with_fhir_type(type), position);
        }
        std::int64_t integer = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
        if (ec != std::errc() || end != text.data() + text.size()) {
          return fail(position, "integer " + std::string(text) + " out of range");
        }
        return push(out, Item::integer(integer).with_fhir_type(type), position);
      }
      case json::Kind::string: {
        std::string_view text = value.text();
        Item item;
        if (type == FhirType::date) {
          item = Item::date(text);
        } else if (type == FhirType::date_time) {
          item = Item::date_time(text);
        } else if (type == FhirType::time) {
          item = Item::time(text);
        } else if (type == FhirType::unknown && is_date_element(name)) {
          item = text.size() <= 10 ? Item::date(text) : Item::date_time(text);
        } else {
          item = Item::string(text);
        }
        return push(out, item.with_fhir_type(type), position);
      }
      case json::Kind::object: {
        FhirType object_type = value.find("resourceType") != nullptr ? FhirType::resource : type;
        return push(out, Item::node(&value, owner, object_type), position);
      }
    }
    return true;
  }

  bool navigate(const Item& item, std::string_view name, Vec& out, std::uint32_t position) {
    if (item.kind() != Kind::node) return true;  // System values have no children
    const json::Value& object = item.json();
    if (!object.is_object()) return true;
    if (!name.empty() && is_upper(name[0]) && item.fhir_type() == FhirType::resource) {
      // A type name as the first step (QuestionnaireResponse.item) selects the resource.
      if (object.string_at("resourceType") == name) return push(out, item, position);
      return true;
    }
    FhirType type = FhirType::unknown;
    // One pass: the member of that name (the first), else the first choice element: `value`
    // finds valueCoding, valueInteger… and knows its type.
    // Whether the object has a linkId is noted on the way (for the owner below).
    const json::Value* child = nullptr;
    const json::Value* choice = nullptr;
    FhirType choice_type = FhirType::unknown;
    bool has_link_id = false;
    const auto members = object.members();
    std::size_t m = 0;
    for (; m < members.size(); ++m) {
      const std::string_view key = members[m].key;
      const json::Member& member = members[m];
      if (key.size() == 6 && key == "linkId") has_link_id = true;
      if (key.size() == name.size()) {
        if (key == name) {
          child = &member.value;
          break;
        }
      } else if (choice == nullptr && key.size() > name.size() && key[0] == name[0] &&
                 is_upper(key[name.size()]) && key.starts_with(name)) {
        FhirType suffix_type = fhir_type_from_suffix(key.substr(name.size()));
        if (suffix_type != FhirType::unknown) {
          choice_type = suffix_type;
          choice = &member.value;
        }
      }
    }
    if (child == nullptr) {
      if (choice == nullptr) return true;
      child = choice;
      type = choice_type;
    }
    // Children of a response item (an object with a linkId) belong to that item.
    for (++m; !has_link_id && m < members.size(); ++m) has_link_id = members[m].key == "linkId";
    const json::Value* owner = has_link_id ? &object : item.owner();
    return emit(*child, type, owner, name, out, position);
  }

  // %resource.repeat(item).where(linkId = 'a' or …): the items with those linkIds from the
  // evaluator's index of the (cached) items, in document order, as the plain where() gives them.
  bool resource_items_with_link_ids(const Node& node, Items items, Vec& out) {
    if (node.link_ids.size() == 1) {
      for (std::uint32_t position :
           evaluator_.cached_positions_of(env_.resource, node.link_ids[0], node.link_id_hashes[0])) {
        if (!step(node.position) || !push(out, items[position], node.position)) return false;
      }
      return true;
    }
    std::pmr::vector<std::uint32_t> positions(arena_);
    for (std::size_t k = 0; k < node.link_ids.size(); ++k) {
      std::span<const std::uint32_t> found =
          evaluator_.cached_positions_of(env_.resource, node.link_ids[k], node.link_id_hashes[k]);
      positions.insert(positions.end(), found.begin(), found.end());
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    for (std::uint32_t position : positions) {
      if (!step(node.position) || !push(out, items[position], node.position)) return false;
    }
    return true;
  }

  // %questionnaire.repeat(item).where(linkId = 'a' or …) from the WeightSource's index; false
  // (nothing written) when it has none for this Questionnaire.
  bool questionnaire_items_with_link_ids(const Node& node, Vec& out, bool& answered) {
    answered = false;
    if (env_.weights == nullptr || env_.questionnaire == nullptr) return true;
    std::pmr::vector<WeightSource::QuestionnaireItem> found(arena_);
    for (const std::string& wanted : node.link_ids) {
      WeightSource::QuestionnaireItem item;
      if (!env_.weights->find_questionnaire_item(*env_.questionnaire, wanted, item)) return true;
      if (item.item == nullptr) continue;
      bool seen = false;
      for (const auto& other : found) seen = seen || other.item == item.item;
      if (!seen) found.push_back(item);
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.order < b.order; });
    answered = true;
    for (const auto& item : found) {
      FhirType type = item.item->find("resourceType") != nullptr ? FhirType::resource : FhirType::unknown;
      if (!step(node.position) || !push(out, Item::node(item.item, item.owner, type), node.position)) {
        return false;
      }
    }
    return true;
  }

  bool function(const Node& node, const Frame& frame, Vec& out) {
    if (node.questionnaire_link_ids) {
      bool answered = false;
      if (!questionnaire_items_with_link_ids(node, out, answered)) return false;
      if (answered) return true;
    }
    if (node.resource_items) {
      if (auto cached = evaluator_.cached_resource_items(env_.resource)) {
        return append(out, *cached, node.position);
      }
    }
    Vec input_storage = vec();
    Items input = frame.focus;
    if (node.resource_link_ids) {
      if (auto cached = evaluator_.cached_resource_items(env_.resource)) {
        return resource_items_with_link_ids(node, *cached, out);
      }
    }
    if (node.input >= 0) {
      if (!eval(node.input, frame, input_storage)) return false;
      input = input_storage;
      if (node.resource_link_ids) {
        if (auto cached = evaluator_.cached_resource_items(env_.resource)) {
          return resource_items_with_link_ids(node, *cached, out);
        }
      }
    }
    if (!node.link_ids.empty()) {
      // where(name = 'a' or name = 'b' …): a string member compared directly; any other shape of
      // the member (absent, a choice element, not a string) takes the condition's evaluation.
      const std::int32_t condition = program_.args[node.first_arg];
      for (std::size_t i = 0; i < input.size(); ++i) {
        const Item& item = input[i];
        if (!step(node.position)) return false;
        if (item.kind() != Kind::node || !item.json().is_object()) continue;  // no members: empty
        const json::Value* member = item.json().find(node.match_member);
        if (member != nullptr && member->is_string()) {
          for (const std::string& wanted : node.link_ids) {
            if (member->text() == wanted) {
              if (!push(out, item, node.position)) return false;
              break;
            }
          }
          continue;
        }
        Vec result = vec();
        if (!eval(condition, Frame{Items(&item, 1), &item, static_cast<std::int64_t>(i)}, result)) {
          return false;
        }
        std::optional<bool> keep;
        if (!truth(result, program_.nodes[static_cast<std::size_t>(condition)].position, keep)) return false;
        if (keep.value_or(false) && !push(out, item, node.position)) return false;
      }
      return true;
    }
    if (node.resource_items) {
      std::size_t start = out.size();
      // From the one resource, `item` only ever reaches children of the node it is applied to:
      // a tree walk meets each node once, so nothing needs de-duplicating.
      const std::int32_t arg = program_.args[node.first_arg];
      if (input.size() == 1 ? !item_tree(program_.nodes[static_cast<std::size_t>(arg)], input[0], out, node.position)
                            : !repeat(arg, input, out, node.position)) {
        return false;
      }
      evaluator_.cache_resource_items(env_.resource, Items(out).subspan(start));
      return true;
    }
    const std::int32_t* args = program_.args.data() + node.first_arg;
    const std::uint32_t position = node.position;
    switch (node.function) {
      case Function::where:
      case Function::exists:
        if (node.function == Function::exists && node.arg_count == 0) {
          return push(out, Item::boolean(!input.empty()), position);
        }
        for (std::size_t i = 0; i < input.size(); ++i) {
          const Item current = input[i];
          Vec result = vec();
          if (!eval(args[0], Frame{Items(&current, 1), &current, static_cast<std::int64_t>(i)},
                    result)) {
            return false;
          }
          std::optional<bool> keep;
          if (!truth(result, program_.nodes[static_cast<std::size_t>(args[0])].position, keep)) {
            return false;
          }
          if (keep.value_or(false)) {
            if (node.function == Function::exists) return push(out, Item::boolean(true), position);
            if (!push(out, current, position)) return false;
          }
        }
        if (node.function == Function::exists) return push(out, Item::boolean(false), position);
        return true;
      case Function::select:
        for (std::size_t i = 0; i < input.size(); ++i) {
          const Item current = input[i];
          if (!eval(args[0], Frame{Items(&current, 1), &current, static_cast<std::int64_t>(i)},
                    out)) {
            return false;
          }
        }
        return true;
      case Function::repeat:
        return repeat(args[0], input, out, position);
      case Function::empty:
        return push(out, Item::boolean(input.empty()), position);
      case Function::not_: {
        Vec copy(input.begin(), input.end(), arena_);
        std::optional<bool> value;
        if (!truth(copy, position, value)) return false;
        if (value) return push(out, Item::boolean(!*value), position);
        return true;
      }
      case Function::count:
        return push(out, Item::integer(static_cast<std::int64_t>(input.size())), position);
      case Function::sum:
        return sum(input, out, position);
      case Function::min:
      case Function::max:
        return extreme(input, out, position, node.function == Function::max);
      case Function::first:
        if (!input.empty()) return push(out, input.front(), position);
        return true;
      case Function::last:
        if (!input.empty()) return push(out, input.back(), position);
        return true;
      case Function::iif: {
        // The arguments are evaluated on the function's input; only the chosen branch runs.
        Frame inner{input, input.size() == 1 ? &input[0] : frame.this_item, frame.index};
        Vec condition = vec();
        if (!eval(args[0], inner, condition)) return false;
        std::optional<bool> value;
        if (!truth(condition, program_.nodes[static_cast<std::size_t>(args[0])].position, value)) {
          return false;
        }
        if (value.value_or(false)) return eval(args[1], inner, out);
        if (node.arg_count == 3) return eval(args[2], inner, out);
        return true;
      }
      case Function::weight:
        return weight(input, out, position);
      case Function::to_integer:
        return to_integer(input, out, position);
      case Function::to_string: {
        if (input.size() > 1) return fail(position, "toString() needs a single item");
        if (input.empty()) return true;
        auto text = to_string(input[0]);
        if (!text) return true;
        return push(out, Item::string(evaluator_.keep(*text)), position);
      }
      case Function::of_type:
        for (const Item& item : input) {
          if (matches_type(item, node.name) && !push(out, item, position)) return false;
        }
        return true;
      case Function::distinct:
        for (const Item& item : input) {
          if (!contains_item(out, item) && !push(out, item, position)) return false;
          if (!step(position)) return false;
        }
        return true;
    }
    return fail(position, "unknown function");
  }

  // Membership by equality (nodes: the same node or structurally equal).
  bool contains_item(Items items, const Item& item) {
    for (const Item& candidate : items) {
      if (candidate.kind() == Kind::node && item.kind() == Kind::node) {
        if (&candidate.json() == &item.json()) return true;
        ++steps_;
        if (json::equal_ignoring_member_order(candidate.json(), item.json())) return true;
        continue;
      }
      if (items_equal(candidate, item).value_or(false)) return true;
    }
    return false;
  }

  // Nodes are the same only when they are the same node: repeat() walks a tree and must not
  // fold equal siblings (two identical answers are two answers).
  static bool contains_same(Items items, const Item& item) {
    for (const Item& candidate : items) {
      if (candidate.kind() == Kind::node || item.kind() == Kind::node) {
        if (candidate.kind() == item.kind() && &candidate.json() == &item.json()) return true;
        continue;
      }
      if (items_equal(candidate, item).value_or(false)) return true;
    }
    return false;
  }

  bool repeat(std::int32_t arg, Items input, Vec& out, std::uint32_t position) {
    Vec queue(input.begin(), input.end(), arena_);
    std::size_t start = out.size();
    // Nodes already in the result, by identity (a linear search made repeat quadratic).
    std::pmr::unordered_set<const json::Value*> seen(arena_);
    bool values = false;  // whether the result has System values (compared by equality)
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const Item current = queue[i];
      Vec produced = vec();
      if (!eval(arg, Frame{Items(&current, 1), &current, -1}, produced)) return false;
      for (const Item& item : produced) {
        if (!step(position)) return false;
        if (item.kind() == Kind::node) {
          if (!seen.insert(&item.json()).second) continue;
        } else {
          if (values && contains_same(Items(out).subspan(start), item)) continue;
          values = true;
        }
        if (!push(out, item, position)) return false;
        queue.push_back(item);
      }
    }
    return true;
  }

  // repeat(item) from one node as repeat() walks a tree: the same items in the same (breadth
  // first) order, the same steps counted. `member` is the argument, the member `item` of the
  // focus: navigated directly rather than evaluated per node, and the result doubles as the
  // queue (repeat() appends every item it keeps to both). This is %resource.repeat(item), which
  // every score starts with.
  bool item_tree(const Node& member, const Item& root, Vec& out, std::uint32_t position) {
    const std::size_t start = out.size();
    bool values = false;  // whether the result has System values (compared by equality)
    Vec produced = vec();
    for (std::size_t next = 0; next == 0 || start + next - 1 < out.size(); ++next) {
      const Item current = next == 0 ? root : out[start + next - 1];
      produced.clear();
      if (!step(member.position) || !navigate(current, member.name, produced, member.position)) {
        return false;
      }
      for (const Item& item : produced) {
        if (!step(position)) return false;
        if (item.kind() != Kind::node) {
          if (values && contains_same(Items(out).subspan(start), item)) continue;
          values = true;
        }
        if (!push(out, item, position)) return false;
      }
    }
    return true;
  }

  bool sum(Items input, Vec& out, std::uint32_t position) {
    if (input.empty()) return true;  // as fhirpath.js: value.tail().aggregate($this+$total, value.first())
    bool all_integer = true;
    std::int64_t integer_total = 0;
    Decimal decimal_total{0, 0};
    for (const Item& item : input) {
      if (!item.is_number()) {
        return fail(position, "sum() needs numbers, got " + std::string(kind_name(item)));
      }
      if (item.kind() == Kind::integer && all_integer) {
        if (__builtin_add_overflow(integer_total, item.as_integer(), &integer_total)) {
          return fail(position, "sum() overflowed");
        }
        continue;
      }
      if (all_integer) {
        all_integer = false;
        decimal_total = decimal_from_integer(integer_total);
      }
      auto next = add(decimal_total, item.number());
      if (!next) return fail(position, "sum() overflowed");
      decimal_total = *next;
    }
    return push(out, all_integer ? Item::integer(integer_total) : Item::decimal(decimal_total),
                position);
  }

  bool extreme(Items input, Vec& out, std::uint32_t position, bool want_max) {
    if (input.empty()) return true;
    const Item* best = &input[0];
    for (const Item& item : input.subspan(1)) {
      bool comparable = false;
      auto c = compare_items(item, *best, &comparable);
      if (!comparable) {
        return fail(position, std::string(want_max ? "max" : "min") + "() cannot compare " +
                                  std::string(kind_name(item)) + " with " +
                                  std::string(kind_name(*best)));
      }
      if (!c) return true;  // dates of different precision: unknown
      if (want_max ? *c > 0 : *c < 0) best = &item;
    }
    return push(out, *best, position);
  }

  bool weight(Items input, Vec& out, std::uint32_t position) {
    for (const Item& item : input) {
      if (item.kind() != Kind::node || !item.json().is_object()) continue;
      const json::Value& element = item.json();
      std::optional<Decimal> value;
      const json::Value* coding = &element;
      const json::Value* owner = item.owner();
      if (const json::Value* value_coding = element.find("valueCoding")) {
        // An answer (or an answerOption): its own weight, else its Coding's.
        value = weight_extension(element);
        coding = value_coding;
        if (element.find("linkId") != nullptr) owner = &element;
      }
      if (!value && coding->is_object()) value = weight_extension(*coding);
      if (!value && coding->is_object() && owner != nullptr) {
        if (env_.weights != nullptr) {
          value = env_.weights->weight(*owner, *coding);
        } else if (env_.questionnaire != nullptr) {
          value = questionnaire_option_weight(*env_.questionnaire, owner->string_at("linkId"),
                                              *coding);
        } else {
          return fail(position, "weight() needs %questionnaire");
        }
      }
      if (value && !push(out, Item::decimal(*value), position)) return false;
    }
    return true;
  }

  bool to_integer(Items input, Vec& out, std::uint32_t position) {
    if (input.size() > 1) return fail(position, "toInteger() needs a single item");
    if (input.empty()) return true;
    const Item& item = input[0];
    switch (item.kind()) {
      case Kind::integer:
        return push(out, Item::integer(item.as_integer()), position);
      case Kind::boolean:
        return push(out, Item::integer(item.as_boolean() ? 1 : 0), position);
      case Kind::string: {
        std::string_view text = item.text();
        std::size_t offset = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
        if (text.size() == offset) return true;
        for (std::size_t i = offset; i < text.size(); ++i) {
          if (text[i] < '0' || text[i] > '9') return true;
        }
        std::int64_t value = 0;
        std::string_view digits = text[0] == '+' ? text.substr(1) : text;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size()) return true;
        return push(out, Item::integer(value), position);
      }
      default:
        return true;  // not convertible: empty, as the specification says
    }
  }

  bool negate(const Node& node, const Frame& frame, Vec& out) {
    Vec operand = vec();
    if (!eval(node.input, frame, operand)) return false;
    const Item* item = nullptr;
    if (!single(operand, node.position, "unary '-'", item)) return false;
    if (item == nullptr) return true;
    if (item->kind() == Kind::integer) {
      if (item->as_integer() == std::numeric_limits<std::int64_t>::min()) {
        return fail(node.position, "integer overflow");
      }
      return push(out, Item::integer(-item->as_integer()), node.position);
    }
    if (item->kind() == Kind::decimal) {
      Decimal value = item->as_decimal();
      if (value.mantissa == std::numeric_limits<std::int64_t>::min()) {
        return fail(node.position, "decimal overflow");
      }
      return push(out, Item::decimal(Decimal{-value.mantissa, value.scale}), node.position);
    }
    return fail(node.position, "unary '-' needs a number, got " + std::string(kind_name(*item)));
  }

  bool indexer(const Node& node, const Frame& frame, Vec& out) {
    Vec operand = vec();
    if (!eval(node.input, frame, operand)) return false;
    Vec index_items = vec();
    if (!eval(node.right, frame, index_items)) return false;
    const Item* index = nullptr;
    if (!single(index_items, node.position, "an index", index)) return false;
    if (index == nullptr) return true;
    if (index->kind() != Kind::integer) {
      return fail(node.position, "an index must be an Integer, got " + std::string(kind_name(*index)));
    }
    std::int64_t i = index->as_integer();
    if (i >= 0 && static_cast<std::uint64_t>(i) < operand.size()) {
      return push(out, operand[static_cast<std::size_t>(i)], node.position);
    }
    return true;
  }

  bool binary(const Node& node, const Frame& frame, Vec& out) {
    Vec left = vec();
    if (!eval(node.input, frame, left)) return false;
    const std::uint32_t position = node.position;
    // and / or / implies: the right side is not needed when the left decides.
    if (node.op == BinaryOp::and_ || node.op == BinaryOp::or_ || node.op == BinaryOp::implies ||
        node.op == BinaryOp::xor_) {
      std::optional<bool> a;
      if (!truth(left, position, a)) return false;
      if (node.op == BinaryOp::and_ && a == false) return push(out, Item::boolean(false), position);
      if (node.op == BinaryOp::or_ && a == true) return push(out, Item::boolean(true), position);
      if (node.op == BinaryOp::implies && a == false) return push(out, Item::boolean(true), position);
      Vec right = vec();
      if (!eval(node.right, frame, right)) return false;
      std::optional<bool> b;
      if (!truth(right, position, b)) return false;
      std::optional<bool> result;
      switch (node.op) {
        case BinaryOp::and_:
          if (b == false) result = false;
          else if (a && b) result = true;
          break;
        case BinaryOp::or_:
          if (b == true) result = true;
          else if (a && b) result = false;  // both false
          break;
        case BinaryOp::xor_:
          if (a && b) result = *a != *b;
          break;
        default:  // implies, a is true or empty
          if (a == true) result = b;
          else if (b == true) result = true;
          break;
      }
      if (result) return push(out, Item::boolean(*result), position);
      return true;
    }
    Vec right = vec();
    if (!eval(node.right, frame, right)) return false;
    switch (node.op) {
      case BinaryOp::equal:
      case BinaryOp::not_equal: {
        if (left.empty() || right.empty()) return true;
        bool negated = node.op == BinaryOp::not_equal;
        if (left.size() != right.size()) return push(out, Item::boolean(negated), position);
        for (std::size_t i = 0; i < left.size(); ++i) {
          auto equal = items_equal(left[i], right[i]);
          if (!equal) return true;
          if (!*equal) return push(out, Item::boolean(negated), position);
        }
        return push(out, Item::boolean(!negated), position);
      }
      case BinaryOp::equivalent:
      case BinaryOp::not_equivalent: {
        bool negated = node.op == BinaryOp::not_equivalent;
        bool same = left.size() == right.size();
        for (std::size_t i = 0; same && i < left.size(); ++i) {
          bool found = false;
          for (const Item& candidate : right) {
            if (!step(position)) return false;
            if (items_equivalent(left[i], candidate)) {
              found = true;
              break;
            }
          }
          same = found;
        }
        return push(out, Item::boolean(same != negated), position);
      }
      case BinaryOp::less:
      case BinaryOp::less_equal:
      case BinaryOp::greater:
      case BinaryOp::greater_equal: {
        const Item* a = nullptr;
        const Item* b = nullptr;
        if (!single(left, position, "a comparison", a) || !single(right, position, "a comparison", b)) {
          return false;
        }
        if (a == nullptr || b == nullptr) return true;
        bool comparable = false;
        auto c = compare_items(*a, *b, &comparable);
        if (!comparable) {
          return fail(position, "cannot compare " + std::string(kind_name(*a)) + " with " +
                                    std::string(kind_name(*b)));
        }
        if (!c) return true;
        bool result = node.op == BinaryOp::less          ? *c < 0
                      : node.op == BinaryOp::less_equal  ? *c <= 0
                      : node.op == BinaryOp::greater     ? *c > 0
                                                         : *c >= 0;
        return push(out, Item::boolean(result), position);
      }
      case BinaryOp::union_:
        for (const Vec* side : {&left, &right}) {
          for (const Item& item : *side) {
            if (!step(position)) return false;
            if (!contains_item(out, item) && !push(out, item, position)) return false;
          }
        }
        return true;
      case BinaryOp::in:
      case BinaryOp::contains: {
        const Vec& element_side = node.op == BinaryOp::in ? left : right;
        const Vec& collection = node.op == BinaryOp::in ? right : left;
        const Item* element = nullptr;
        if (!single(element_side, position, node.op == BinaryOp::in ? "'in'" : "'contains'",
                    element)) {
          return false;
        }
        if (element == nullptr) return true;
        return push(out, Item::boolean(contains_item(collection, *element)), position);
      }
      case BinaryOp::concat: {
        std::string text;
        for (const Vec* side : {&left, &right}) {
          const Item* item = nullptr;
          if (!single(*side, position, "'&'", item)) return false;
          if (item == nullptr) continue;
          if (item->kind() != Kind::string) {
            return fail(position, "'&' needs strings, got " + std::string(kind_name(*item)));
          }
          text += item->text();
        }
        return push(out, Item::string(evaluator_.keep(text)), position);
      }
      default:
        return arithmetic(node.op, left, right, out, position);
    }
  }

  bool arithmetic(BinaryOp op, const Vec& left, const Vec& right, Vec& out,
                  std::uint32_t position) {
    const Item* a = nullptr;
    const Item* b = nullptr;
    if (!single(left, position, "arithmetic", a) || !single(right, position, "arithmetic", b)) {
      return false;
    }
    if (a == nullptr || b == nullptr) return true;
    if (op == BinaryOp::add && a->kind() == Kind::string && b->kind() == Kind::string) {
      std::string text(a->text());
      text += b->text();
      return push(out, Item::string(evaluator_.keep(text)), position);
    }
    if (!a->is_number() || !b->is_number()) {
      return fail(position, "arithmetic needs numbers, got " + std::string(kind_name(*a)) +
                                " and " + std::string(kind_name(*b)));
    }
    if (a->kind() == Kind::integer && b->kind() == Kind::integer && op != BinaryOp::divide) {
      std::int64_t x = a->as_integer();
      std::int64_t y = b->as_integer();
      std::int64_t result = 0;
      bool overflow = false;
      switch (op) {
        case BinaryOp::add: overflow = __builtin_add_overflow(x, y, &result); break;
        case BinaryOp::subtract: overflow = __builtin_sub_overflow(x, y, &result); break;
        case BinaryOp::multiply: overflow = __builtin_mul_overflow(x, y, &result); break;
        case BinaryOp::div:
        case BinaryOp::mod:
          if (y == 0) return true;  // division by zero is empty
          if (x == std::numeric_limits<std::int64_t>::min() && y == -1) {
            overflow = op == BinaryOp::div;
            result = 0;
            break;
          }
          result = op == BinaryOp::div ? x / y : x % y;
          break;
        default: break;
      }
      if (overflow) return fail(position, "integer overflow");
      return push(out, Item::integer(result), position);
    }
    Decimal x = a->number();
    Decimal y = b->number();
    std::optional<Decimal> result;
    switch (op) {
      case BinaryOp::add: result = add(x, y); break;
      case BinaryOp::subtract: result = subtract(x, y); break;
      case BinaryOp::multiply: result = multiply(x, y); break;
      case BinaryOp::divide:
        if (is_zero(y)) return true;
        result = divide(x, y);
        break;
      case BinaryOp::div: {
        if (is_zero(y)) return true;
        result = truncated_divide(x, y);
        if (result) {
          auto integer = fhirpath::to_integer(*result);
          if (integer) return push(out, Item::integer(*integer), position);
        }
        break;
      }
      case BinaryOp::mod:
        if (is_zero(y)) return true;
        result = modulo(x, y);
        break;
      default: break;
    }
    if (!result) return fail(position, "decimal overflow");
    return push(out, Item::decimal(*result), position);
  }

  const Program& program_;
  const Environment& env_;
  Evaluator& evaluator_;
  Issues& issues_;
  std::string_view location_;
  std::pmr::memory_resource* arena_;
  const Limits& limits_;
  std::uint32_t steps_ = 0;
};

}  // namespace

std::optional<bool> as_boolean(Items items, bool* error) {
  *error = false;
  if (items.empty()) return std::nullopt;
  if (items.size() > 1) {
    *error = true;
    return std::nullopt;
  }
  if (items[0].kind() == Kind::boolean) return items[0].as_boolean();
  return true;
}

std::optional<Decimal> weight_extension(const json::Value& element) {
  const json::Value* extensions = element.find("extension");
  if (extensions == nullptr) return std::nullopt;
  for (const json::Value& extension : extensions->items()) {
    std::string_view url = extension.string_at("url");
    if (url != kOrdinalValueUrl && url != kItemWeightUrl) continue;
    const json::Value* value = extension.find("valueDecimal");
    if (value == nullptr) value = extension.find("valueInteger");
    if (value != nullptr && value->is_number()) return parse_decimal(value->text());
  }
  return std::nullopt;
}

std::optional<Decimal> questionnaire_option_weight(const json::Value& questionnaire,
                                                   std::string_view link_id,
                                                   const json::Value& coding) {
  const json::Value* item = find_questionnaire_item(questionnaire, link_id, 0);
  if (item == nullptr) return std::nullopt;
  const json::Value* options = item->find("answerOption");
  if (options == nullptr) return std::nullopt;
  std::string_view system = coding.string_at("system");
  std::string_view code = coding.string_at("code");
  for (const json::Value& option : options->items()) {
    const json::Value* option_coding = option.find("valueCoding");
    if (option_coding == nullptr) continue;
    if (option_coding->string_at("code") != code || option_coding->string_at("system") != system) {
      continue;
    }
    if (auto weight = weight_extension(option)) return weight;
    return weight_extension(*option_coding);
  }
  return std::nullopt;
}

Evaluator::Evaluator(Limits limits) : limits_(limits) {
  buffer_size_ = 64 * 1024;
  buffer_ = std::make_unique<std::byte[]>(buffer_size_);
  arena_.emplace(buffer_.get(), buffer_size_, &upstream_);
}

std::span<const std::uint32_t> Evaluator::cached_positions_of(const json::Value* resource,
                                                              std::string_view link_id,
                                                              std::size_t hash) {
  if (resource == nullptr || resource != cached_resource_) return {};
  if (!link_index_built_) {
    link_index_.clear();
    const std::hash<std::string_view> hasher;
    for (std::size_t i = 0; i < cached_items_.size(); ++i) {
      const Item& item = cached_items_[i];
      if (item.kind() != Kind::node || !item.json().is_object()) continue;
      const json::Value* value = item.json().find("linkId");
      if (value == nullptr || !value->is_string()) continue;
      link_index_.push_back({hasher(value->text()), value->text(), static_cast<std::uint32_t>(i)});
    }
    std::sort(link_index_.begin(), link_index_.end(), [](const LinkIdEntry& a, const LinkIdEntry& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.position < b.position;
    });
    link_positions_.resize(link_index_.size());
    for (std::size_t i = 0; i < link_index_.size(); ++i) link_positions_[i] = link_index_[i].position;
    link_index_built_ = true;
  }
  auto first = std::lower_bound(link_index_.begin(), link_index_.end(), hash,
                                [](const LinkIdEntry& a, std::size_t h) { return a.hash < h; });
  auto last = first;
  bool same_text = true;
  for (; last != link_index_.end() && last->hash == hash; ++last) same_text = same_text && last->link_id == link_id;
  if (same_text) {
    return std::span<const std::uint32_t>(link_positions_.data() + (first - link_index_.begin()),
                                          static_cast<std::size_t>(last - first));
  }
  // Another linkId with the same hash: only this one's positions (still in order).
  link_scratch_.clear();
  for (auto it = first; it != last; ++it) {
    if (it->link_id == link_id) link_scratch_.push_back(it->position);
  }
  return link_scratch_;
}

void Evaluator::reset() {
  cached_resource_ = nullptr;
  cached_items_ = {};
  link_index_.clear();
  link_index_built_ = false;
  arena_.reset();  // frees what came from upstream
  if (upstream_.taken > 0) {
    constexpr std::size_t kMaxBuffer = 16u << 20;
    buffer_size_ = std::min(kMaxBuffer, buffer_size_ + 2 * upstream_.taken);
    buffer_ = std::make_unique<std::byte[]>(buffer_size_);
    upstream_.taken = 0;
  }
  arena_.emplace(buffer_.get(), buffer_size_, &upstream_);
}

Items Evaluator::keep(Items items) {
  if (items.empty()) return {};
  auto* stored = static_cast<Item*>(arena_->allocate(items.size_bytes(), alignof(Item)));
  std::uninitialized_copy(items.begin(), items.end(), stored);
  return {stored, items.size()};
}

std::string_view Evaluator::keep(std::string_view text) {
  if (text.empty()) return {};
  auto* stored = static_cast<char*>(arena_->allocate(text.size(), 1));
  std::memcpy(stored, text.data(), text.size());
  return {stored, text.size()};
}

Evaluation Evaluator::evaluate(const Expression& expression, const Environment& environment,
                               Issues& issues, std::string_view location) {
  Evaluation evaluation;
  const Program& program = expression.program();
  Run run(program, environment, *this, issues, location);
  const json::Value* context = environment.context ? environment.context : environment.resource;
  Item focus_item;
  Items focus;
  if (context != nullptr) {
    focus_item = Item::node(context, nullptr,
                            context->find("resourceType") ? FhirType::resource : FhirType::unknown);
    focus = Items(&focus_item, 1);
  }
  Vec out(&*arena_);
  if (!run.eval(program.root, Frame{focus, nullptr, -1}, out)) return evaluation;
  evaluation.ok = true;
  evaluation.items = keep(out);
  return evaluation;
}

}  // namespace socialrx::fhir::fhirpath
