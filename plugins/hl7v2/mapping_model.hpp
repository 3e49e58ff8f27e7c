#pragma once
// The loaded form of a mapping file (mapping_loader.cpp builds it, mapping_builder.cpp walks it).
// Everything here was checked at load, so the builder trusts it: positions parse, transforms and
// code maps exist, entry names refer to resources built earlier in the same message.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/hl7v2/mapping_position.hpp"
#include "plugins/hl7v2/mapping_transforms.hpp"

namespace socialrx::plugins::hl7v2::mapping {

using CodeMap = std::map<std::string, std::string, std::less<>>;

struct Expression;

// One node of an element template: the FHIR JSON to produce, with expressions at the leaves.
struct TemplateNode {
  enum class Kind { string, number, boolean, object, array, expression };
  Kind kind = Kind::string;
  std::string text;                                         // string/number literal; "true"/"false"
  std::vector<std::pair<std::string, TemplateNode>> members;  // object, in file order
  std::vector<TemplateNode> items;                          // array
  std::shared_ptr<const Expression> expression;             // expression
  // object: built only when this position has a value ("$when").
  std::optional<FieldPosition> when;
  // True when the node (or anything under it) holds an expression: an object or array made only
  // of such members is dropped when every expression under it produced nothing, so a template
  // like {"system": "…", "value": {"$from": "PID-3"}} vanishes with an empty PID-3 instead of
  // leaving a half-built identifier.
  bool dynamic = false;
};

// Where an expression's values come from, and what is done to them.
struct Expression {
  enum class Source { from, concat, first, constant, entry, for_each };
  Source source = Source::from;

  std::vector<FieldPosition> from;    // "$from": one position, or several for a multi-input transform
  std::vector<TemplateNode> parts;    // "$concat" / "$first"
  std::string constant;               // "$const"
  std::string entry;                  // "$entry": the name of a resource built earlier
  std::string for_each_segment;       // "$for_each": a segment id
  std::shared_ptr<const TemplateNode> each;  // "$template" for "$for_each"

  const TransformInfo* transform = nullptr;  // "$transform"
  const CodeMap* map = nullptr;              // "$map"
  std::string map_name;
  enum class Unmapped { error, omit, keep };
  Unmapped unmapped = Unmapped::error;       // "$unmapped"
  std::optional<std::string> default_value;  // "$default": used when nothing was produced
  bool required = false;                     // "$required": nothing produced → data_error
  std::optional<FieldPosition> when;         // "$when": evaluated only when this has a value

  std::string fhir_path;  // "Patient.identifier.value", for diagnostics
};

// "{identifier[0].system}|{identifier[0].value}": literal text and paths into the built resource.
struct UrlTemplate {
  struct Piece {
    bool is_path = false;
    std::string text;  // literal text, or the path
  };
  std::vector<Piece> pieces;
};

struct ResourceDef {
  // A "$entry" in the elements: checked, per message, against the resources built before it.
  struct EntryUse {
    std::string name;
    std::size_t line = 0;
    std::string key_path;
  };
  std::vector<EntryUse> entry_uses;
  std::string key_path;        // where it was defined, for errors found when a message uses it
  std::size_t line = 0;

  std::string name;            // for "$entry" references; may be empty for inline definitions
  std::string resource_type;   // "Patient"
  std::string profile;         // meta.profile, optional
  std::string for_each;        // one resource per segment with this id (and its group), or ""
  std::optional<FieldPosition> when;  // built only when this position has a value
  std::string when_segment;           // built only when this segment is present
  std::string method = "PUT";  // "PUT" (conditional update) or "POST" (with ifNoneExist)
  UrlTemplate url;             // PUT: request.url; POST: ifNoneExist (request.url is the type)
  TemplateNode elements;       // an object template
};

struct MessageDef {
  std::string type;  // "ADT^A08"
  std::vector<std::shared_ptr<const ResourceDef>> resources;
};

}  // namespace socialrx::plugins::hl7v2::mapping

namespace socialrx::plugins::hl7v2 {

struct Mapping {
  std::string name;                     // the file's display name
  std::vector<std::string> versions;    // accepted MSH-12 values; empty: any
  std::string timezone = "+09:00";      // for HL7 times without an offset
  std::map<std::string, mapping::CodeMap, std::less<>> code_maps;
  std::map<std::string, std::shared_ptr<const mapping::ResourceDef>, std::less<>> definitions;
  std::map<std::string, mapping::MessageDef, std::less<>> messages;  // by "CODE^EVENT"
};

}  // namespace socialrx::plugins::hl7v2
