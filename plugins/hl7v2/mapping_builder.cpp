// Applying a loaded mapping to one parsed message: which message types are taken, then each
// resource of the message's list built from its element template, then the transaction Bundle
// with one conditional entry per resource. Pure and thread-safe: the mapping is read-only, all
// output lives in a Document made for this message.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/text_normalize.hpp"
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

PluginIssue make_issue(PluginIssue::Severity severity, std::string code, std::string location,
                       std::string diagnostics) {
  return PluginIssue{.severity = severity,
                     .code = std::move(code),
                     .location = std::move(location),
                     .diagnostics = std::move(diagnostics)};
}

// Which segment a position means. Inside a resource made "for_each" segment (one Condition per
// PRB), that segment is the current one and the others are searched in its group (up to the next
// one) and then in the message's header part (MSH, PID before the first group); inside an
// element "$for_each" the iterated segment is the current one. Elsewhere: the first in the message.
struct Scope {
  const Message& message;
  std::string group_segment{};
  std::size_t group_start = 0;
  std::size_t group_end = 0;
  std::size_t header_end = 0;  // where the first group starts
  std::vector<std::pair<std::string, std::size_t>> current{};  // innermost last

  std::optional<std::size_t> find(std::string_view id) const {
    for (auto it = current.rbegin(); it != current.rend(); ++it) {
      if (it->first == id) return it->second;
    }
    if (group_segment.empty()) return message.find(id);
    if (id == group_segment) return group_start;
    if (std::optional<std::size_t> in_group = message.find(id, group_start + 1);
        in_group && *in_group < group_end) {
      return in_group;
    }
    if (std::optional<std::size_t> in_header = message.find(id); in_header && *in_header < header_end) {
      return in_header;
    }
    return std::nullopt;
  }

  // The segments with this id that an element "$for_each" walks: those of the group, or all.
  std::vector<std::size_t> all(std::string_view id) const {
    std::vector<std::size_t> out;
    const std::size_t begin = group_segment.empty() ? 0 : group_start;
    const std::size_t end = group_segment.empty() ? message.segment_count() : group_end;
    for (std::optional<std::size_t> at = message.find(id, begin); at && *at < end; at = message.find(id, *at + 1)) {
      out.push_back(*at);
    }
    return out;
  }
};

struct Build {
  const Mapping& mapping;
  fhir::json::Document& out;
  std::vector<PluginIssue>& issues;
  std::vector<std::pair<std::string, std::string>> entries;  // resource name → fullUrl

  std::size_t error_count() const {
    std::size_t n = 0;
    for (const PluginIssue& issue : issues) n += issue.severity == PluginIssue::Severity::error ? 1 : 0;
    return n;
  }
};

bool has_value(const Scope& scope, const FieldPosition& position) {
  std::optional<std::size_t> segment = scope.find(position.segment);
  return segment && !mapping::read_value(scope.message, *segment, position, position.repetition).empty();
}

struct Produced {
  std::vector<Value> values;
  // Where a value was looked for and not found (turned into text only for a "required" issue:
  // most empty positions are optional, and formatting each one showed in profiles).
  const FieldPosition* missing = nullptr;
  int missing_repetition = 1;
  std::string missing_location() const {
    return missing != nullptr ? mapping::location_of(*missing, missing_repetition) : std::string();
  }
};

std::optional<Value> build_node(const TemplateNode& node, Scope& scope, Build& build);
void build_into(const TemplateNode& node, Scope& scope, Build& build, std::vector<Value>& items);

// One repetition of a "$from" with a single position.
std::optional<Value> read_one(const Expression& expression, std::size_t segment, int repetition,
                              Scope& scope, Build& build) {
  const FieldPosition& position = expression.from[0];
  mapping::TransformContext context{build.out, scope.message, build.mapping.timezone, build.issues};
  if (expression.transform != nullptr && expression.transform->input == TransformInfo::Input::field) {
    return expression.transform->on_field(segment, position.field, repetition,
                                          mapping::location_of(position, repetition), context);
  }
  const std::string_view text = mapping::read_value(scope.message, segment, position, repetition);
  if (text.empty()) return std::nullopt;
  if (expression.map != nullptr) {
    auto found = expression.map->find(text);
    if (found != expression.map->end()) return build.out.make_string(found->second);
    switch (expression.unmapped) {
      case Expression::Unmapped::keep:
        return build.out.make_string(text);
      case Expression::Unmapped::omit:
        return std::nullopt;
      case Expression::Unmapped::error: {
        const std::string location = mapping::location_of(position, repetition);
        build.issues.push_back(make_issue(PluginIssue::Severity::error, "code-invalid", location,
                                          location + " has a code that code map '" + expression.map_name +
                                              "' does not list (for " + expression.fhir_path + ")"));
        return std::nullopt;
      }
    }
  }
  if (expression.transform != nullptr) {
    return expression.transform->on_value(text, mapping::location_of(position, repetition), context);
  }
  return build.out.make_string(text);
}

Produced read_from(const Expression& expression, Scope& scope, Build& build) {
  Produced produced;
  const FieldPosition& first = expression.from[0];
  if (expression.transform != nullptr && expression.transform->input == TransformInfo::Input::values) {
    std::vector<std::string_view> texts;
    std::vector<std::string> locations;
    for (const FieldPosition& position : expression.from) {
      std::optional<std::size_t> segment = scope.find(position.segment);
      texts.push_back(segment ? mapping::read_value(scope.message, *segment, position, position.repetition)
                              : std::string_view());
      locations.push_back(mapping::location_of(position, position.repetition));
    }
    mapping::TransformContext context{build.out, scope.message, build.mapping.timezone, build.issues};
    if (std::optional<Value> value = expression.transform->on_values(texts, locations, context)) {
      produced.values.push_back(*value);
    } else {
      produced.missing = &expression.from[0];
      produced.missing_repetition = expression.from[0].repetition;
    }
    return produced;
  }
  std::optional<std::size_t> segment = scope.find(first.segment);
  if (!segment) {
    produced.missing = &first;
    produced.missing_repetition = first.repetition;
    return produced;
  }
  if (first.every_repetition()) {
    const int count = mapping::repetitions_of(scope.message, *segment, first);
    for (int repetition = 1; repetition <= count; ++repetition) {
      if (std::optional<Value> value = read_one(expression, *segment, repetition, scope, build)) {
        produced.values.push_back(*value);
      }
    }
    if (produced.values.empty()) produced.missing = &first;
    return produced;
  }
  if (std::optional<Value> value = read_one(expression, *segment, first.repetition, scope, build)) {
    produced.values.push_back(*value);
  } else {
    produced.missing = &first;
    produced.missing_repetition = first.repetition;
  }
  return produced;
}

Produced evaluate(const Expression& expression, Scope& scope, Build& build) {
  Produced produced;
  const std::size_t errors_before = build.error_count();
  if (expression.when && !has_value(scope, *expression.when)) return produced;
  switch (expression.source) {
    case Expression::Source::from:
      produced = read_from(expression, scope, build);
      break;
    case Expression::Source::constant:
      produced.values.push_back(build.out.make_string(expression.constant));
      break;
    case Expression::Source::entry:
      for (const auto& [name, full_url] : build.entries) {
        if (name == expression.entry) {
          produced.values.push_back(build.out.make_string(full_url));
          break;
        }
      }
      break;
    case Expression::Source::concat: {
      std::string text;
      bool complete = true;
      for (const TemplateNode& part : expression.parts) {
        if (part.kind == TemplateNode::Kind::string) {
          text += part.text;
          continue;
        }
        Produced piece = evaluate(*part.expression, scope, build);
        if (piece.values.empty() || !piece.values[0].is_string()) {
          complete = false;
          produced.missing = piece.missing;
          produced.missing_repetition = piece.missing_repetition;
          break;
        }
        text += piece.values[0].text();
      }
      if (complete) produced.values.push_back(build.out.make_string(text));
      break;
    }
    case Expression::Source::first:
      for (const TemplateNode& part : expression.parts) {
        if (part.kind == TemplateNode::Kind::string) {
          produced.values.push_back(build.out.make_string(part.text));
          break;
        }
        Produced piece = evaluate(*part.expression, scope, build);
        if (!piece.values.empty()) {
          produced.values = std::move(piece.values);
          break;
        }
        if (produced.missing == nullptr) {
          produced.missing = piece.missing;
          produced.missing_repetition = piece.missing_repetition;
        }
      }
      break;
    case Expression::Source::for_each:
      for (std::size_t segment : scope.all(expression.for_each_segment)) {
        scope.current.emplace_back(expression.for_each_segment, segment);
        std::optional<Value> item = build_node(*expression.each, scope, build);
        scope.current.pop_back();
        if (item) produced.values.push_back(*item);
      }
      break;
  }
  if (produced.values.empty() && expression.default_value) {
    produced.values.push_back(build.out.make_string(*expression.default_value));
  }
  // A transform that already reported why it produced nothing is enough; "required" would only
  // repeat it.
  if (produced.values.empty() && expression.required && build.error_count() == errors_before) {
    const std::string location = produced.missing_location();
    build.issues.push_back(make_issue(
        PluginIssue::Severity::error, "required", location,
        (location.empty() ? std::string("a value") : location) + " is required for " + expression.fhir_path));
  }
  return produced;
}

bool is_multiple(const Expression& expression) {
  return expression.source == Expression::Source::for_each ||
         (expression.source == Expression::Source::from && expression.from.size() == 1 &&
          expression.from[0].every_repetition());
}

// Items of an array template: expressions with several values are spliced in.
void build_into(const TemplateNode& node, Scope& scope, Build& build, std::vector<Value>& items) {
  if (node.kind == TemplateNode::Kind::expression) {
    Produced produced = evaluate(*node.expression, scope, build);
    items.insert(items.end(), produced.values.begin(), produced.values.end());
    return;
  }
  if (std::optional<Value> value = build_node(node, scope, build)) items.push_back(*value);
}

std::optional<Value> build_node(const TemplateNode& node, Scope& scope, Build& build) {
  switch (node.kind) {
    case TemplateNode::Kind::string:
      return build.out.make_string(node.text);
    case TemplateNode::Kind::number:
      return build.out.make_number(node.text);
    case TemplateNode::Kind::boolean:
      return fhir::json::Document::make_bool(node.text == "true");
    case TemplateNode::Kind::expression: {
      Produced produced = evaluate(*node.expression, scope, build);
      if (produced.values.empty()) return std::nullopt;
      if (is_multiple(*node.expression)) return build.out.make_array(produced.values);
      return produced.values[0];
    }
    case TemplateNode::Kind::array: {
      std::vector<Value> items;
      for (const TemplateNode& item : node.items) build_into(item, scope, build, items);
      if (items.empty()) return std::nullopt;
      return build.out.make_array(items);
    }
    case TemplateNode::Kind::object:
      break;
  }
  if (node.when && !has_value(scope, *node.when)) return std::nullopt;
  std::vector<Member> members;
  bool any_dynamic = false;
  bool dynamic_produced = false;
  for (const auto& [key, child] : node.members) {
    any_dynamic = any_dynamic || child.dynamic;
    std::optional<Value> value = build_node(child, scope, build);
    if (!value) continue;
    dynamic_produced = dynamic_produced || child.dynamic;
    members.push_back(Member{key, *value});
  }
  if ((any_dynamic && !dynamic_produced) || members.empty()) return std::nullopt;
  return build.out.make_object(members);
}

// --- the conditional request ------------------------------------------------------------------

// The element a url-template path names in the built resource ("identifier[0].value").
const Value* resolve_path(const Value& resource, std::string_view path) {
  const Value* at = &resource;
  while (!path.empty() && at != nullptr) {
    const std::size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    std::optional<std::size_t> index;
    if (const std::size_t bracket = step.find('['); bracket != std::string_view::npos) {
      std::size_t number = 0;
      for (char c : step.substr(bracket + 1)) {
        if (c == ']') break;
        number = number * 10 + static_cast<std::size_t>(c - '0');
      }
      index = number;
      step = step.substr(0, bracket);
    }
    at = at->find(step);
    if (at != nullptr && at->is_array()) {
      const std::size_t i = index.value_or(0);
      at = i < at->size() ? &at->items()[i] : nullptr;
    }
  }
  return at != nullptr && (at->is_string() || at->is_number()) ? at : nullptr;
}

// A search value in a URL: unreserved characters and the ':' and '/' of system URIs as they are,
// everything else (including each byte of UTF-8 kana) as %XX.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::optional<std::string> expand_url(const mapping::UrlTemplate& url, const Value& resource,
                                      std::string& missing) {
  std::string out;
  for (const auto& piece : url.pieces) {
    if (!piece.is_path) {
      out += piece.text;
      continue;
    }
    const Value* value = resolve_path(resource, piece.text);
    if (value == nullptr || value->text().empty()) {
      missing = piece.text;
      return std::nullopt;
    }
    out += percent_encode(value->text());
  }
  return out;
}

// A urn:uuid fullUrl that is the same every time the same resource is decoded (golden tests and
// reprocessing compare Bundles): two FNV-1a hashes of the conditional request, formatted as an
// RFC 9562 version 8 (custom) UUID.
std::string stable_uuid(std::string_view key) {
  auto fnv = [&](std::uint64_t hash) {
    for (unsigned char c : key) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    return hash;
  };
  std::uint64_t high = fnv(0xcbf29ce484222325ULL);
  std::uint64_t low = fnv(0x84222325cbf29ce4ULL ^ high);
  high = (high & ~0xF000ULL) | 0x8000ULL;                                   // version 8
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;              // RFC variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "urn:uuid:";
  for (int i = 0; i < 32; ++i) {
    const std::uint64_t word = i < 16 ? high : low;
    const int shift = 60 - 4 * (i % 16);
    out += kHex[(word >> shift) & 0xF];
    if (i == 7 || i == 11 || i == 15 || i == 19) out += '-';
  }
  return out;
}

// --- resources and the Bundle -----------------------------------------------------------------

struct Entry {
  std::string full_url;
  Value resource;
  std::string method;
  std::string url;
  std::string if_none_exist;
};

void build_resource(const ResourceDef& def, Scope& scope, Build& build, std::vector<Entry>& entries,
                    bool& named) {
  if (!def.when_segment.empty() && !scope.find(def.when_segment)) return;
  if (def.when && !has_value(scope, *def.when)) return;
  std::optional<Value> elements = build_node(def.elements, scope, build);
  if (!elements) return;

  std::vector<Member> members{Member{"resourceType", build.out.make_string(def.resource_type)}};
  if (!def.profile.empty()) {
    const Value profile = build.out.make_string(def.profile);
    const Member meta{"profile", build.out.make_array(std::span<const Value>(&profile, 1))};
    members.push_back(Member{"meta", build.out.make_object(std::span<const Member>(&meta, 1))});
  }
  for (const Member& member : elements->members()) members.push_back(member);
  const Value resource = build.out.make_object(members);

  std::string missing;
  std::optional<std::string> criteria = expand_url(def.url, resource, missing);
  if (!criteria) {
    if (build.error_count() == 0) {
      build.issues.push_back(make_issue(PluginIssue::Severity::error, "required", "",
                                        "the message gives no " + def.resource_type + "." + missing +
                                            ", which identifies the " + def.resource_type +
                                            " so that it is not stored twice"));
    }
    return;
  }
  Entry entry{.full_url = stable_uuid(def.resource_type + " " + *criteria),
              .resource = resource,
              .method = def.method,
              .url = def.method == "PUT" ? *criteria : def.resource_type,
              .if_none_exist = def.method == "PUT" ? std::string() : *criteria};
  if (!def.name.empty() && !named) {
    build.entries.emplace_back(def.name, entry.full_url);
    named = true;
  }
  entries.push_back(std::move(entry));
}

void build_resources(const ResourceDef& def, const Message& message, Build& build, std::vector<Entry>& entries) {
  bool named = false;
  if (def.for_each.empty()) {
    Scope scope{.message = message};
    build_resource(def, scope, build, entries, named);
    return;
  }
  std::vector<std::size_t> starts;
  for (std::optional<std::size_t> at = message.find(def.for_each); at; at = message.find(def.for_each, *at + 1)) {
    starts.push_back(*at);
  }
  for (std::size_t i = 0; i < starts.size(); ++i) {
    Scope scope{.message = message,
                .group_segment = def.for_each,
                .group_start = starts[i],
                .group_end = i + 1 < starts.size() ? starts[i + 1] : message.segment_count(),
                .header_end = starts[0]};
    build_resource(def, scope, build, entries, named);
  }
}

std::string bundle_json(fhir::json::Document& out, const std::vector<Entry>& entries) {
  std::vector<Value> items;
  for (const Entry& entry : entries) {
    std::vector<Member> request{Member{"method", out.make_string(entry.method)},
                                Member{"url", out.make_string(entry.url)}};
    if (!entry.if_none_exist.empty()) request.push_back(Member{"ifNoneExist", out.make_string(entry.if_none_exist)});
    const std::array<Member, 3> members{Member{"fullUrl", out.make_string(entry.full_url)},
                                        Member{"resource", entry.resource},
                                        Member{"request", out.make_object(request)}};
    items.push_back(out.make_object(members));
  }
  const std::array<Member, 3> bundle{Member{"resourceType", out.make_string("Bundle")},
                                     Member{"type", out.make_string("transaction")},
                                     Member{"entry", out.make_array(items)}};
  return fhir::json::serialize(out.make_object(bundle));
}

DecodeResult reject(std::string location, std::string diagnostics) {
  DecodeResult result;
  result.disposition = Disposition::rejected;
  result.issues.push_back(make_issue(PluginIssue::Severity::error, "not-supported", std::move(location),
                                     std::move(diagnostics)));
  return result;
}

}  // namespace

DecodeResult apply_mapping(const Mapping& mapping, const Message& message) {
  const std::optional<std::size_t> msh = message.find("MSH");
  if (!msh) return reject("MSH", "the message has no MSH segment");
  const std::string code(fhir::jp::trim_padding(message.value(*msh, 9, 1, 1)));
  const std::string event(fhir::jp::trim_padding(message.value(*msh, 9, 1, 2)));
  if (!mapping.versions.empty()) {
    const std::string_view version = fhir::jp::trim_padding(message.value(*msh, 12, 1, 1));
    if (std::find(mapping.versions.begin(), mapping.versions.end(), version) == mapping.versions.end()) {
      return reject("MSH-12", "this HL7 version is not one the mapping " + mapping.name + " takes");
    }
  }
  auto found = mapping.messages.find(code + "^" + event);
  if (found == mapping.messages.end()) {
    // HL7 error 201 (unsupported event) when the message code is known, 200 otherwise.
    for (const auto& [type, def] : mapping.messages) {
      if (!code.empty() && type.rfind(code + "^", 0) == 0) {
        return reject("MSH-9.2", "this trigger event is not one the mapping " + mapping.name + " takes");
      }
    }
    return reject("MSH-9.1", "this message type is not one the mapping " + mapping.name + " takes");
  }

  DecodeResult result;
  fhir::json::Document out;
  Build build{.mapping = mapping, .out = out, .issues = result.issues, .entries = {}};
  std::vector<Entry> entries;
  for (const auto& def : found->second.resources) build_resources(*def, message, build, entries);

  if (build.error_count() > 0) {
    result.disposition = Disposition::data_error;
    return result;
  }
  if (entries.empty()) {
    result.disposition = Disposition::data_error;
    result.issues.push_back(make_issue(PluginIssue::Severity::error, "required", "",
                                       "the message produced no resource under mapping " + mapping.name));
    return result;
  }
  result.disposition = Disposition::accepted;
  result.bundle = bundle_json(out, entries);
  return result;
}

}  // namespace socialrx::plugins::hl7v2
