// Reading and validating a mapping file (the format: mappings/hl7v2/README.md). Every key must be
// known (a typo must not silently drop an element), and every error names the file, the line and
// the key path: "ssmix2.jsonc:42: messages.ADT^A08.resources[0].elements.birthDate: unknown
// transform 'dat'". Loading is start-up work, so problems are thrown inside and returned as text.

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "fhir/json.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "plugins/hl7v2/mapping_model.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

using fhir::json::Member;
using fhir::json::Value;
using mapping::Expression;
using mapping::FieldPosition;
using mapping::ResourceDef;
using mapping::TemplateNode;
using mapping::TransformInfo;

constexpr std::string_view kFormat = "socialrx-hl7v2-mapping/1";

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_expression_key(std::string_view key) {
  return key == "$from" || key == "$concat" || key == "$first" || key == "$const" || key == "$entry" ||
         key == "$for_each";
}

bool valid_message_type(std::string_view type) {
  return type.size() == 7 && mapping::is_segment_id(type.substr(0, 3)) && type[3] == '^' &&
         mapping::is_segment_id(type.substr(4, 3));
}

bool valid_path_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '[' || c == ']' || c == '.';
    if (!ok) return false;
  }
  return true;
}

class Loader {
 public:
  Loader(const fhir::json::Document& document, std::string file, Mapping& mapping)
      : document_(document), file_(std::move(file)), mapping_(mapping) {}

  void load() {
    const Value& root = document_.root();
    if (!root.is_object()) fail(1, "", "the mapping must be a JSON object");
    check_keys(root, "", {"format", "description", "versions", "timezone", "code_maps", "definitions",
                          "messages"});
    const Member* format = member(root, "format");
    if (format == nullptr || !format->value.is_string() || format->value.text() != kFormat) {
      fail(format != nullptr ? line(*format) : 1, "format", "must be \"" + std::string(kFormat) + "\"");
    }
    if (const Member* m = member(root, "description")) string(*m, "description");
    if (const Member* m = member(root, "versions")) {
      if (!m->value.is_array()) fail(line(*m), "versions", "must be an array of HL7 versions (\"2.5\")");
      for (const Value& item : m->value.items()) {
        if (!item.is_string() || item.text().empty()) fail(line(*m), "versions", "must be an array of strings");
        mapping_.versions.emplace_back(item.text());
      }
    }
    if (const Member* m = member(root, "timezone")) {
      const std::string zone = string(*m, "timezone");
      const bool ok = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && std::isdigit(zone[1]) &&
                      std::isdigit(zone[2]) && zone[3] == ':' && std::isdigit(zone[4]) && std::isdigit(zone[5]);
      if (!ok) fail(line(*m), "timezone", "must be an offset like \"+09:00\"");
      mapping_.timezone = zone;
    }
    // Code maps and shared definitions first, whatever their order in the file: messages and
    // definitions refer to them.
    if (const Member* m = member(root, "code_maps")) read_code_maps(*m);
    if (const Member* m = member(root, "definitions")) read_definitions(*m);
    const Member* messages = member(root, "messages");
    if (messages == nullptr || !messages->value.is_object() || messages->value.size() == 0) {
      fail(messages != nullptr ? line(*messages) : 1, "messages",
           "must be an object with at least one message type (\"ADT^A08\": {…})");
    }
    read_messages(*messages);
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& key_path, const std::string& problem) const {
    throw LoadError(file_ + (at > 0 ? ":" + std::to_string(at) : "") + ": " +
                    (key_path.empty() ? "" : key_path + ": ") + problem);
  }

  std::size_t line(const Member& m) const { return document_.line_of(m); }
  std::size_t line_of_item(const Value& item, std::size_t fallback) const {
    return item.is_object() && item.size() > 0 ? line(item.members()[0]) : fallback;
  }
  static const Member* member(const Value& object, std::string_view key) {
    for (const Member& m : object.members()) {
      if (m.key == key) return &m;
    }
    return nullptr;
  }
  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  void check_keys(const Value& object, const std::string& path, std::initializer_list<std::string_view> known) const {
    std::set<std::string_view> seen;
    for (const Member& m : object.members()) {
      if (std::find(known.begin(), known.end(), m.key) == known.end()) {
        fail(line(m), join(path, m.key), "unknown key");
      }
      if (!seen.insert(m.key).second) fail(line(m), join(path, m.key), "given twice");
    }
  }

  std::string string(const Member& m, const std::string& path) const {
    if (!m.value.is_string() || m.value.text().empty()) fail(line(m), path, "must be a non-empty string");
    return std::string(m.value.text());
  }

  FieldPosition position(const Member& m, const std::string& path) const {
    if (!m.value.is_string()) fail(line(m), path, "must be an HL7 position like \"PID-5\"");
    std::string problem;
    std::optional<FieldPosition> parsed = mapping::parse_position(m.value.text(), problem);
    if (!parsed) fail(line(m), path, problem);
    return *parsed;
  }

  // "$when" / "when": a position that must have a value, or a segment that must be present.
  void when(const Member& m, const std::string& path, std::optional<FieldPosition>& position_out,
            std::string* segment_out) const {
    if (m.value.is_string() && mapping::is_segment_id(m.value.text()) && segment_out != nullptr) {
      *segment_out = std::string(m.value.text());
      return;
    }
    position_out = position(m, path);
    if (position_out->every_repetition()) fail(line(m), path, "[*] cannot be a condition");
  }

  void read_code_maps(const Member& maps) {
    if (!maps.value.is_object()) fail(line(maps), "code_maps", "must be an object of code maps");
    for (const Member& map : maps.value.members()) {
      const std::string path = join("code_maps", map.key);
      if (!map.value.is_object() || map.value.size() == 0) {
        fail(line(map), path, "must be a non-empty object of code → FHIR value");
      }
      mapping::CodeMap& codes = mapping_.code_maps[std::string(map.key)];
      for (const Member& code : map.value.members()) {
        codes[std::string(code.key)] = string(code, join(path, code.key));
      }
    }
  }

  void read_definitions(const Member& definitions) {
    if (!definitions.value.is_object()) fail(line(definitions), "definitions", "must be an object of resources");
    for (const Member& definition : definitions.value.members()) {
      const std::string path = join("definitions", definition.key);
      auto resource = read_resource(definition.value, path, line(definition), /*inline_definition=*/false);
      resource->name = std::string(definition.key);
      mapping_.definitions[std::string(definition.key)] = std::move(resource);
    }
  }

  void read_messages(const Member& messages) {
    for (const Member& message : messages.value.members()) {
      const std::string path = join("messages", message.key);
      if (!valid_message_type(message.key)) {
        fail(line(message), path, "a message type is written CODE^EVENT, e.g. \"ADT^A08\"");
      }
      if (!message.value.is_object()) fail(line(message), path, "must be an object");
      check_keys(message.value, path, {"description", "resources"});
      if (const Member* m = member(message.value, "description")) string(*m, join(path, "description"));
      const Member* resources = member(message.value, "resources");
      const std::string resources_path = join(path, "resources");
      if (resources == nullptr || !resources->value.is_array() || resources->value.size() == 0) {
        fail(resources != nullptr ? line(*resources) : line(message), resources_path,
             "must be a non-empty array of definition names or resource objects");
      }
      mapping::MessageDef def;
      def.type = std::string(message.key);
      std::set<std::string> built;  // names of the resources before this one, for "$entry"
      std::size_t index = 0;
      for (const Value& item : resources->value.items()) {
        const std::string item_path = resources_path + "[" + std::to_string(index++) + "]";
        const std::size_t item_line = line_of_item(item, line(*resources));
        std::shared_ptr<const ResourceDef> resource;
        if (item.is_string()) {
          auto found = mapping_.definitions.find(item.text());
          if (found == mapping_.definitions.end()) {
            fail(item_line, item_path, "no definition named '" + std::string(item.text()) + "'");
          }
          resource = found->second;
        } else {
          resource = read_resource(item, item_path, item_line, /*inline_definition=*/true);
        }
        for (const ResourceDef::EntryUse& use : resource->entry_uses) {
          if (!built.contains(use.name)) {
            fail(use.line, use.key_path,
                 "$entry '" + use.name + "' is not a resource built before this one in " + def.type);
          }
        }
        if (!resource->name.empty()) built.insert(resource->name);
        def.resources.push_back(std::move(resource));
      }
      mapping_.messages[def.type] = std::move(def);
    }
  }

  std::shared_ptr<ResourceDef> read_resource(const Value& object, const std::string& path, std::size_t at,
                                             bool inline_definition) {
    if (!object.is_object()) fail(at, path, "must be a resource object");
    if (inline_definition) {
      check_keys(object, path, {"name", "resourceType", "profile", "for_each", "when", "request", "elements"});
    } else {
      check_keys(object, path, {"resourceType", "profile", "for_each", "when", "request", "elements"});
    }
    auto resource = std::make_shared<ResourceDef>();
    resource->key_path = path;
    resource->line = at;
    if (const Member* m = member(object, "name")) resource->name = string(*m, join(path, "name"));
    const Member* type = member(object, "resourceType");
    if (type == nullptr) fail(at, path, "resourceType is missing");
    resource->resource_type = string(*type, join(path, "resourceType"));
    if (const Member* m = member(object, "profile")) resource->profile = string(*m, join(path, "profile"));
    if (const Member* m = member(object, "for_each")) {
      resource->for_each = string(*m, join(path, "for_each"));
      if (!mapping::is_segment_id(resource->for_each)) fail(line(*m), join(path, "for_each"), "must be a segment id");
    }
    if (const Member* m = member(object, "when")) when(*m, join(path, "when"), resource->when, &resource->when_segment);

    const Member* request = member(object, "request");
    if (request == nullptr) {
      fail(at, path, "request is missing: every entry must be conditional so that decoding a message twice "
                     "stores nothing new");
    }
    read_request(*request, join(path, "request"), *resource);

    const Member* elements = member(object, "elements");
    if (elements == nullptr || !elements->value.is_object()) {
      fail(elements != nullptr ? line(*elements) : at, join(path, "elements"), "must be an object");
    }
    context_ = resource.get();
    resource->elements = read_template(elements->value, join(path, "elements"), line(*elements),
                                       resource->resource_type);
    context_ = nullptr;
    return resource;
  }

  void read_request(const Member& request, const std::string& path, ResourceDef& resource) const {
    if (!request.value.is_object()) fail(line(request), path, "must be an object");
    check_keys(request.value, path, {"method", "url", "if_none_exist"});
    const Member* method = member(request.value, "method");
    if (method == nullptr) fail(line(request), path, "method is missing (PUT or POST)");
    resource.method = string(*method, join(path, "method"));
    const std::string_view key = resource.method == "PUT" ? "url" : "if_none_exist";
    if (resource.method != "PUT" && resource.method != "POST") {
      fail(line(*method), join(path, "method"), "must be PUT (conditional update) or POST (with if_none_exist)");
    }
    const Member* text = member(request.value, key);
    const std::string text_path = join(path, key);
    if (text == nullptr) fail(line(request), path, std::string(key) + " is missing");
    if (member(request.value, resource.method == "PUT" ? "if_none_exist" : "url") != nullptr) {
      fail(line(request), path, resource.method == "PUT" ? "PUT takes url, not if_none_exist"
                                                         : "POST takes if_none_exist, not url");
    }
    const std::string value = string(*text, text_path);
    if (resource.method == "PUT" && value.rfind(resource.resource_type + "?", 0) != 0) {
      fail(line(*text), text_path, "must be a conditional URL: " + resource.resource_type + "?…");
    }
    resource.url = parse_url_template(value, line(*text), text_path);
  }

  mapping::UrlTemplate parse_url_template(const std::string& text, std::size_t at, const std::string& path) const {
    mapping::UrlTemplate url;
    std::size_t from = 0;
    bool has_path = false;
    while (from < text.size()) {
      const std::size_t open = text.find('{', from);
      if (open == std::string::npos) {
        url.pieces.push_back({false, text.substr(from)});
        break;
      }
      if (open > from) url.pieces.push_back({false, text.substr(from, open - from)});
      const std::size_t close = text.find('}', open);
      if (close == std::string::npos) fail(at, path, "a '{' has no '}'");
      const std::string element = text.substr(open + 1, close - open - 1);
      if (!valid_path_name(element)) {
        fail(at, path, "'{" + element + "}' is not an element path like {identifier[0].value}");
      }
      url.pieces.push_back({true, element});
      has_path = true;
      from = close + 1;
    }
    if (!has_path) fail(at, path, "needs at least one {element} so that each resource gets its own criteria");
    return url;
  }

  // --- element templates ---------------------------------------------------------------------

  TemplateNode read_template(const Value& value, const std::string& path, std::size_t at,
                             const std::string& fhir_path) {
    TemplateNode node;
    switch (value.kind()) {
      case fhir::json::Kind::string:
        node.kind = TemplateNode::Kind::string;
        node.text = std::string(value.text());
        return node;
      case fhir::json::Kind::number:
        node.kind = TemplateNode::Kind::number;
        node.text = std::string(value.text());
        return node;
      case fhir::json::Kind::boolean:
        node.kind = TemplateNode::Kind::boolean;
        node.text = value.as_bool() ? "true" : "false";
        return node;
      case fhir::json::Kind::null:
        fail(at, path, "null is not a value; leave the element out");
      case fhir::json::Kind::array: {
        node.kind = TemplateNode::Kind::array;
        if (value.size() == 0) fail(at, path, "an empty array produces nothing; leave the element out");
        std::size_t index = 0;
        for (const Value& item : value.items()) {
          const std::string item_path = path + "[" + std::to_string(index++) + "]";
          node.items.push_back(read_template(item, item_path, line_of_item(item, at), fhir_path));
          node.dynamic = node.dynamic || node.items.back().dynamic;
        }
        return node;
      }
      case fhir::json::Kind::object:
        break;
    }
    for (const Member& m : value.members()) {
      if (is_expression_key(m.key)) return read_expression(value, path, at, fhir_path);
    }
    node.kind = TemplateNode::Kind::object;
    if (value.size() == 0) fail(at, path, "an empty object produces nothing; leave the element out");
    for (const Member& m : value.members()) {
      const std::string member_path = join(path, m.key);
      if (m.key == "$when") {
        std::optional<FieldPosition> condition;
        when(m, member_path, condition, nullptr);
        node.when = condition;
        continue;
      }
      if (!m.key.empty() && m.key[0] == '$') {
        fail(line(m), member_path, "unknown key (expressions start with $from, $concat, $first, $const, "
                                   "$entry or $for_each; objects may have $when)");
      }
      node.members.emplace_back(std::string(m.key), read_template(m.value, member_path, line(m),
                                                                  fhir_path + "." + std::string(m.key)));
      node.dynamic = node.dynamic || node.members.back().second.dynamic;
    }
    if (node.when) node.dynamic = true;
    return node;
  }

  TemplateNode read_expression(const Value& object, const std::string& path, std::size_t at,
                               const std::string& fhir_path) {
    check_keys(object, path, {"$from", "$concat", "$first", "$const", "$entry", "$for_each", "$template",
                              "$transform", "$map", "$unmapped", "$default", "$required", "$when"});
    auto expression = std::make_shared<Expression>();
    expression->fhir_path = fhir_path;
    int sources = 0;
    for (const Member& m : object.members()) sources += is_expression_key(m.key) ? 1 : 0;
    if (sources != 1) {
      fail(at, path, "give exactly one of $from, $concat, $first, $const, $entry and $for_each");
    }

    if (const Member* m = member(object, "$from")) {
      expression->source = Expression::Source::from;
      if (m->value.is_array()) {
        std::size_t index = 0;
        for (const Value& item : m->value.items()) {
          if (!item.is_string()) fail(line(*m), join(path, "$from"), "must be positions like \"IN1-3\"");
          std::string problem;
          std::optional<FieldPosition> parsed = mapping::parse_position(item.text(), problem);
          if (!parsed) fail(line(*m), join(path, "$from") + "[" + std::to_string(index) + "]", problem);
          if (parsed->every_repetition()) fail(line(*m), join(path, "$from"), "[*] only with a single position");
          expression->from.push_back(*parsed);
          ++index;
        }
        if (expression->from.empty()) fail(line(*m), join(path, "$from"), "must not be empty");
      } else {
        expression->from.push_back(position(*m, join(path, "$from")));
      }
    }
    if (const Member* m = member(object, "$const")) {
      expression->source = Expression::Source::constant;
      expression->constant = string(*m, join(path, "$const"));
    }
    if (const Member* m = member(object, "$entry")) {
      expression->source = Expression::Source::entry;
      expression->entry = string(*m, join(path, "$entry"));
      if (context_ != nullptr) context_->entry_uses.push_back({expression->entry, line(*m), path});
    }
    for (std::string_view key : {"$concat", "$first"}) {
      const Member* m = member(object, key);
      if (m == nullptr) continue;
      expression->source = key == "$concat" ? Expression::Source::concat : Expression::Source::first;
      const std::string parts_path = join(path, key);
      if (!m->value.is_array() || m->value.size() == 0) fail(line(*m), parts_path, "must be a non-empty array");
      std::size_t index = 0;
      for (const Value& item : m->value.items()) {
        const std::string item_path = parts_path + "[" + std::to_string(index++) + "]";
        TemplateNode part = read_template(item, item_path, line_of_item(item, line(*m)), fhir_path);
        if (part.kind != TemplateNode::Kind::string && part.kind != TemplateNode::Kind::expression) {
          fail(line_of_item(item, line(*m)), item_path, "must be a string or an expression");
        }
        expression->parts.push_back(std::move(part));
      }
    }
    const Member* each_template = member(object, "$template");
    if (const Member* m = member(object, "$for_each")) {
      expression->source = Expression::Source::for_each;
      expression->for_each_segment = string(*m, join(path, "$for_each"));
      if (!mapping::is_segment_id(expression->for_each_segment)) {
        fail(line(*m), join(path, "$for_each"), "must be a segment id like \"NK1\"");
      }
      if (each_template == nullptr || !each_template->value.is_object()) {
        fail(line(*m), path, "$for_each needs a $template object");
      }
      expression->each = std::make_shared<TemplateNode>(
          read_template(each_template->value, join(path, "$template"), line(*each_template), fhir_path));
    } else if (each_template != nullptr) {
      fail(line(*each_template), join(path, "$template"), "only with $for_each");
    }

    if (const Member* m = member(object, "$transform")) {
      const std::string name = string(*m, join(path, "$transform"));
      expression->transform = mapping::find_transform(name);
      if (expression->transform == nullptr) {
        fail(line(*m), path, "unknown transform '" + name + "' (known: " + mapping::transform_names() + ")");
      }
      if (expression->source != Expression::Source::from) fail(line(*m), path, "$transform works on $from");
      const TransformInfo& transform = *expression->transform;
      if (transform.input == TransformInfo::Input::values) {
        if (expression->from.size() != transform.arity) {
          fail(line(*m), path, "transform '" + name + "' takes " + std::to_string(transform.arity) +
                                   " positions in $from");
        }
      } else if (expression->from.size() != 1) {
        fail(line(*m), path, "transform '" + name + "' takes one position in $from");
      }
      if (transform.input == TransformInfo::Input::field &&
          (expression->from[0].component != 0 || expression->from[0].subcomponent != 0)) {
        fail(line(*m), path, "transform '" + name + "' reads a whole field: give \"SEG-N\" or \"SEG-N[*]\"");
      }
    } else if (expression->source == Expression::Source::from && expression->from.size() != 1) {
      fail(at, path, "several positions in $from need a transform that takes them");
    }
    if (const Member* m = member(object, "$map")) {
      expression->map_name = string(*m, join(path, "$map"));
      auto found = mapping_.code_maps.find(expression->map_name);
      if (found == mapping_.code_maps.end()) {
        fail(line(*m), path, "no code map named '" + expression->map_name + "' in code_maps");
      }
      expression->map = &found->second;
      if (expression->source != Expression::Source::from) fail(line(*m), path, "$map works on $from");
      if (expression->transform != nullptr) fail(line(*m), path, "give $map or $transform, not both");
    }
    if (const Member* m = member(object, "$unmapped")) {
      const std::string unmapped = string(*m, join(path, "$unmapped"));
      if (expression->map == nullptr) fail(line(*m), path, "$unmapped only with $map");
      if (unmapped == "error") {
        expression->unmapped = Expression::Unmapped::error;
      } else if (unmapped == "omit") {
        expression->unmapped = Expression::Unmapped::omit;
      } else if (unmapped == "keep") {
        expression->unmapped = Expression::Unmapped::keep;
      } else {
        fail(line(*m), join(path, "$unmapped"), "must be error, omit or keep");
      }
    }
    if (const Member* m = member(object, "$default")) expression->default_value = string(*m, join(path, "$default"));
    if (const Member* m = member(object, "$required")) {
      if (!m->value.is_bool()) fail(line(*m), join(path, "$required"), "must be true or false");
      expression->required = m->value.as_bool();
      if (expression->required && expression->source != Expression::Source::from &&
          expression->source != Expression::Source::concat && expression->source != Expression::Source::first) {
        fail(line(*m), path, "$required works on $from, $concat and $first");
      }
    }
    if (const Member* m = member(object, "$when")) when(*m, join(path, "$when"), expression->when, nullptr);

    TemplateNode node;
    node.kind = TemplateNode::Kind::expression;
    node.expression = std::move(expression);
    node.dynamic = node.expression->source != Expression::Source::constant || node.expression->when.has_value();
    return node;
  }

  const fhir::json::Document& document_;
  std::string file_;
  Mapping& mapping_;
  ResourceDef* context_ = nullptr;  // the resource whose elements are being read
};

std::string base_name(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

MappingOrError load_mapping_text(std::string_view text, const std::string& display_name) {
  MappingOrError result;
  fhir::json::ParseResult parsed = fhir::json::parse_jsonc(text);
  if (!parsed.document) {
    std::string problem = "not valid JSONC";
    if (!parsed.issues.empty()) problem = parsed.issues.items().front().diagnostics;
    result.error = display_name + ": " + problem;
    return result;
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->name = display_name;
  try {
    Loader(*parsed.document, display_name, *mapping).load();
  } catch (const LoadError& error) {
    result.error = error.what();
    return result;
  }
  result.mapping = std::move(mapping);
  return result;
}

std::string default_mapping_file() { return SOCIALRX_HL7V2_DEFAULT_MAPPING; }

MappingOrError load_mapping_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return MappingOrError{.mapping = nullptr, .error = path + ": cannot be read"};
  std::ostringstream text;
  text << file.rdbuf();
  return load_mapping_text(text.str(), base_name(path));
}

}  // namespace socialrx::plugins::hl7v2
