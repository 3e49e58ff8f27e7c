#pragma once
// The compiled form of an expression: a flat array of nodes referring to each other by index,
// built once by the parser and only read afterwards (by any number of evaluators at once).

#include <cstdint>
#include <string>
#include <vector>

#include "fhir/fhirpath/value.hpp"

namespace socialrx::fhir::fhirpath {

enum class NodeKind : std::uint8_t {
  literal,   // literal
  empty,     // {}
  member,    // input.name (input -1: the focus)
  function,  // input.function(args) (input -1: the focus)
  constant,  // %name
  this_,     // $this
  index,     // $index
  total,     // $total (reserved; no aggregate() in the subset, so always empty)
  binary,    // left op right
  negate,    // -operand
  indexer,   // operand[index]
};

enum class BinaryOp : std::uint8_t {
  equal,
  not_equal,
  equivalent,
  not_equivalent,
  less,
  less_equal,
  greater,
  greater_equal,
  and_,
  or_,
  xor_,
  implies,
  add,
  subtract,
  multiply,
  divide,
  div,
  mod,
  union_,
  concat,
  in,
  contains,
};

enum class Function : std::uint8_t {
  where,
  select,
  repeat,
  exists,
  empty,
  not_,
  count,
  sum,
  min,
  max,
  first,
  last,
  iif,
  weight,  // also ordinal()
  to_integer,
  to_string,
  of_type,
  distinct,
};

struct Node {
  NodeKind kind = NodeKind::empty;
  BinaryOp op = BinaryOp::equal;
  Function function = Function::where;
  std::uint32_t position = 0;  // of the node's first character in the expression
  std::int32_t input = -1;     // member/function input; binary left; negate/indexer operand
  std::int32_t right = -1;     // binary right; indexer index
  std::uint32_t first_arg = 0;  // function arguments: args[first_arg .. first_arg + arg_count)
  std::uint32_t arg_count = 0;
  Item literal;      // literal value (text kinds view `name`)
  std::string name;  // member, constant, type name (ofType), text of text literals
  // Fast paths found at compile time for the shapes every score uses:
  // `%resource.repeat(item)` (cached per resource until the evaluator's reset) and
  // `where(linkId = 'a' or linkId = 'b' …)` (a direct comparison of each item's linkId).
  bool resource_items = false;
  std::vector<std::string> link_ids;  // the compared strings (linkIds or other values)
  std::string match_member;           // the member they are compared with: where(<member> = …)
  std::vector<std::size_t> link_id_hashes;  // std::hash<std::string_view> of each of link_ids
  // where(linkId = …) applied directly to %resource.repeat(item): answered from the evaluator's
  // per-resource linkId index instead of comparing every item.
  bool resource_link_ids = false;
  // `%questionnaire.repeat(item)` and a where(linkId = …) applied directly to it: answered from
  // the WeightSource's index of the Questionnaire when it has one.
  bool questionnaire_items = false;
  bool questionnaire_link_ids = false;
};

struct Program {
  std::string text;
  std::vector<Node> nodes;
  std::vector<std::int32_t> args;
  std::int32_t root = -1;
  std::vector<std::string> constants;  // %names used, without the standard ones, sorted, unique
};

}  // namespace socialrx::fhir::fhirpath
