// Parser of the FHIRPath subset: precedence climbing over the tokens, into a flat node array.
// Everything outside the subset (unknown functions, `is`/`as`, quantities) is refused here, so
// a Questionnaire that loads never meets it at evaluation time.

#include <algorithm>
#include <charconv>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/expression.hpp"
#include "fhir/fhirpath/lexer.hpp"

namespace socialrx::fhir::fhirpath {

namespace {

struct FunctionInfo {
  std::string_view name;
  Function function;
  std::uint32_t min_args;
  std::uint32_t max_args;
};

constexpr FunctionInfo kFunctions[] = {
    {"where", Function::where, 1, 1},         {"select", Function::select, 1, 1},
    {"repeat", Function::repeat, 1, 1},       {"exists", Function::exists, 0, 1},
    {"empty", Function::empty, 0, 0},         {"not", Function::not_, 0, 0},
    {"count", Function::count, 0, 0},         {"sum", Function::sum, 0, 0},
    {"min", Function::min, 0, 0},             {"max", Function::max, 0, 0},
    {"first", Function::first, 0, 0},         {"last", Function::last, 0, 0},
    {"iif", Function::iif, 2, 3},             {"weight", Function::weight, 0, 0},
    {"ordinal", Function::weight, 0, 0},      {"toInteger", Function::to_integer, 0, 0},
    {"toString", Function::to_string, 0, 0},  {"ofType", Function::of_type, 1, 1},
    {"distinct", Function::distinct, 0, 0},
};

struct OperatorInfo {
  std::string_view token;
  BinaryOp op;
  int precedence;  // higher binds tighter
};

constexpr OperatorInfo kOperators[] = {
    {"implies", BinaryOp::implies, 1},
    {"or", BinaryOp::or_, 2},
    {"xor", BinaryOp::xor_, 2},
    {"and", BinaryOp::and_, 3},
    {"in", BinaryOp::in, 4},
    {"contains", BinaryOp::contains, 4},
    {"=", BinaryOp::equal, 5},
    {"~", BinaryOp::equivalent, 5},
    {"!=", BinaryOp::not_equal, 5},
    {"!~", BinaryOp::not_equivalent, 5},
    {"<", BinaryOp::less, 6},
    {">", BinaryOp::greater, 6},
    {"<=", BinaryOp::less_equal, 6},
    {">=", BinaryOp::greater_equal, 6},
    {"|", BinaryOp::union_, 7},
    {"+", BinaryOp::add, 9},
    {"-", BinaryOp::subtract, 9},
    {"&", BinaryOp::concat, 9},
    {"*", BinaryOp::multiply, 10},
    {"/", BinaryOp::divide, 10},
    {"div", BinaryOp::div, 10},
    {"mod", BinaryOp::mod, 10},
};

constexpr std::string_view kStandardConstants[] = {
    "resource", "rootResource", "context", "questionnaire", "answer", "ucum", "sct", "loinc"};

constexpr std::string_view kSystemTypes[] = {"Boolean", "Integer", "Decimal", "String",
                                             "Date",    "DateTime", "Time"};
constexpr std::string_view kFhirPrimitiveTypes[] = {"boolean", "integer", "decimal", "string",
                                                    "uri",     "code",    "date",    "dateTime",
                                                    "time"};

bool digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return false;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// hh(:mm(:ss(.fff)?)?)? then, for dateTimes, an optional Z or ±hh:mm. Returns the end offset or
// npos when malformed.
std::size_t time_part(std::string_view text, std::size_t at, bool allow_zone) {
  if (!digits(text, at, 2)) return std::string_view::npos;
  at += 2;
  if (at < text.size() && text[at] == ':') {
    if (!digits(text, at + 1, 2)) return std::string_view::npos;
    at += 3;
    if (at < text.size() && text[at] == ':') {
      if (!digits(text, at + 1, 2)) return std::string_view::npos;
      at += 3;
      if (at < text.size() && text[at] == '.') {
        std::size_t start = ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        if (at == start) return std::string_view::npos;
      }
    }
  }
  if (allow_zone && at < text.size()) {
    if (text[at] == 'Z') return at + 1;
    if (text[at] == '+' || text[at] == '-') {
      if (!digits(text, at + 1, 2) || at + 3 >= text.size() || text[at + 3] != ':' ||
          !digits(text, at + 4, 2)) {
        return std::string_view::npos;
      }
      return at + 6;
    }
  }
  return at;
}

// Classifies a literal after '@': Kind::date, date_time or time; nullopt when malformed.
// `value` gets the text FHIR would write (a trailing 'T' of "@2014T" dropped, the 'T' of a time
// dropped).
std::optional<Kind> date_literal(std::string_view text, std::string& value) {
  if (!text.empty() && text[0] == 'T') {
    if (time_part(text, 1, false) != text.size()) return std::nullopt;
    value = std::string(text.substr(1));
    return Kind::time;
  }
  std::size_t at = 0;
  if (!digits(text, 0, 4)) return std::nullopt;
  at = 4;
  if (at < text.size() && text[at] == '-') {
    if (!digits(text, at + 1, 2)) return std::nullopt;
    at += 3;
    if (at < text.size() && text[at] == '-') {
      if (!digits(text, at + 1, 2)) return std::nullopt;
      at += 3;
    }
  }
  if (at == text.size()) {
    value = std::string(text);
    return Kind::date;
  }
  if (text[at] != 'T') return std::nullopt;
  if (at + 1 == text.size()) {
    value = std::string(text.substr(0, at));
    return Kind::date_time;
  }
  if (time_part(text, at + 1, true) != text.size()) return std::nullopt;
  value = std::string(text);
  return Kind::date_time;
}

bool known_type(std::string_view name) {
  std::string_view bare = name;
  if (bare.starts_with("System.")) {
    bare.remove_prefix(7);
    return std::find(std::begin(kSystemTypes), std::end(kSystemTypes), bare) !=
           std::end(kSystemTypes);
  }
  if (bare.starts_with("FHIR.")) bare.remove_prefix(5);
  if (bare.empty()) return false;
  if (std::find(std::begin(kFhirPrimitiveTypes), std::end(kFhirPrimitiveTypes), bare) !=
      std::end(kFhirPrimitiveTypes)) {
    return true;
  }
  // System types, FHIR complex types and resource types all start with a capital letter.
  return bare[0] >= 'A' && bare[0] <= 'Z' && bare.find('.') == std::string_view::npos;
}

}  // namespace

struct Parser {
  Parser(std::vector<Token> tokens, const CompileLimits& limits, Program& program)
      : tokens_(std::move(tokens)), limits_(limits), program_(program) {}

  bool parse() {
    program_.root = expression(0, 0);
    if (program_.root < 0) return false;
    if (peek().kind != TokenKind::end) return fail(peek().position, "unexpected '" + peek().text + "'");
    return true;
  }

  std::string error;
  std::uint32_t error_position = 0;
  bool too_deep = false;

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(next_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& take() {
    const Token& token = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }
  bool is_symbol(std::string_view symbol, std::size_t ahead = 0) const {
    const Token& token = peek(ahead);
    return token.kind == TokenKind::symbol && token.text == symbol;
  }
  bool fail(std::uint32_t position, std::string message) {
    if (error.empty()) {
      error = std::move(message);
      error_position = position;
    }
    return false;
  }
  std::int32_t failed(std::uint32_t position, std::string message) {
    fail(position, std::move(message));
    return -1;
  }
  bool expect(std::string_view symbol) {
    if (!is_symbol(symbol)) {
      return fail(peek().position, "expected '" + std::string(symbol) + "'" +
                                       (peek().kind == TokenKind::end
                                            ? " before the end"
                                            : ", found '" + peek().text + "'"));
    }
    take();
    return true;
  }
  std::int32_t add(Node node) {
    program_.nodes.push_back(std::move(node));
    return static_cast<std::int32_t>(program_.nodes.size() - 1);
  }

  // The binary operator at the current token, if any.
  const OperatorInfo* infix() const {
    const Token& token = peek();
    if (token.kind != TokenKind::symbol && token.kind != TokenKind::identifier) return nullptr;
    for (const OperatorInfo& info : kOperators) {
      if (info.token == token.text) return &info;
    }
    return nullptr;
  }

  std::int32_t expression(int min_precedence, std::uint32_t depth) {
    if (depth > limits_.max_depth) {
      too_deep = true;
      return failed(peek().position, "expression nested too deeply");
    }
    std::int32_t left = unary(depth + 1);
    if (left < 0) return -1;
    while (true) {
      const Token& token = peek();
      if (token.kind == TokenKind::identifier && (token.text == "is" || token.text == "as")) {
        return failed(token.position, "the operator '" + token.text +
                                          "' is outside the supported FHIRPath subset");
      }
      const OperatorInfo* info = infix();
      if (info == nullptr || info->precedence < min_precedence) {
        break;
      }
      std::uint32_t position = take().position;
      // Left-associative: the right side binds only tighter operators.
      std::int32_t right = expression(info->precedence + 1, depth + 1);
      if (right < 0) return -1;
      Node node;
      node.kind = NodeKind::binary;
      node.op = info->op;
      node.position = position;
      node.input = left;
      node.right = right;
      left = add(std::move(node));
    }
    return left;
  }

  std::int32_t unary(std::uint32_t depth) {
    if (depth > limits_.max_depth) {
      too_deep = true;
      return failed(peek().position, "expression nested too deeply");
    }
    if (is_symbol("-") || is_symbol("+")) {
      const Token& sign = take();
      bool negative = sign.text == "-";
      std::uint32_t position = sign.position;
      std::int32_t operand = unary(depth + 1);
      if (operand < 0) return -1;
      if (!negative) return operand;
      Node node;
      node.kind = NodeKind::negate;
      node.position = position;
      node.input = operand;
      return add(std::move(node));
    }
    return postfix(depth + 1);
  }

  std::int32_t postfix(std::uint32_t depth) {
    std::int32_t current = term(depth + 1);
    if (current < 0) return -1;
    std::uint32_t chain = 0;
    while (true) {
      if (++chain > 4 * limits_.max_depth) {
        too_deep = true;
        return failed(peek().position, "path too long");
      }
      if (is_symbol(".")) {
        take();
        current = invocation(current, depth + 1);
        if (current < 0) return -1;
      } else if (is_symbol("[")) {
        std::uint32_t position = take().position;
        std::int32_t index = expression(0, depth + 1);
        if (index < 0) return -1;
        if (!expect("]")) return -1;
        Node node;
        node.kind = NodeKind::indexer;
        node.position = position;
        node.input = current;
        node.right = index;
        current = add(std::move(node));
      } else {
        return current;
      }
    }
  }

  std::int32_t term(std::uint32_t depth) {
    if (depth > limits_.max_depth) {
      too_deep = true;
      return failed(peek().position, "expression nested too deeply");
    }
    const Token& token = peek();
    Node node;
    node.position = token.position;
    switch (token.kind) {
      case TokenKind::end:
        return failed(token.position, "expression expected before the end");
      case TokenKind::string:
        node.kind = NodeKind::literal;
        node.name = take().text;
        node.literal = Item::string({});  // pointed at `name` once the nodes stop moving
        return add(std::move(node));
      case TokenKind::number: {
        node.kind = NodeKind::literal;
        const Token& number = take();
        if (number.text.find('.') == std::string::npos) {
          std::int64_t value = 0;
          auto [end, ec] = std::from_chars(number.text.data(),
                                           number.text.data() + number.text.size(), value);
          if (ec != std::errc() || end != number.text.data() + number.text.size()) {
            return failed(number.position, "integer literal out of range: " + number.text);
          }
          node.literal = Item::integer(value);
        } else {
          auto value = parse_decimal(number.text);
          if (!value) return failed(number.position, "decimal literal out of range: " + number.text);
          node.literal = Item::decimal(*value);
        }
        if (peek().kind == TokenKind::string) {
          return failed(peek().position, "quantity literals are outside the supported FHIRPath subset");
        }
        return add(std::move(node));
      }
      case TokenKind::date_time: {
        const Token& literal = take();
        std::string value;
        auto kind = date_literal(literal.text, value);
        if (!kind) return failed(literal.position, "malformed date/time literal @" + literal.text);
        node.kind = NodeKind::literal;
        node.name = std::move(value);
        node.literal = *kind == Kind::date        ? Item::date({})
                       : *kind == Kind::date_time ? Item::date_time({})
                                                  : Item::time({});
        return add(std::move(node));
      }
      case TokenKind::constant: {
        node.kind = NodeKind::constant;
        node.name = take().text;
        if (std::find(std::begin(kStandardConstants), std::end(kStandardConstants), node.name) ==
            std::end(kStandardConstants)) {
          program_.constants.push_back(node.name);
        }
        return add(std::move(node));
      }
      case TokenKind::special: {
        const Token& special = take();
        node.kind = special.text == "this"    ? NodeKind::this_
                    : special.text == "index" ? NodeKind::index
                                              : NodeKind::total;
        return add(std::move(node));
      }
      case TokenKind::symbol:
        if (token.text == "(") {
          take();
          std::int32_t inner = expression(0, depth + 1);
          if (inner < 0) return -1;
          if (!expect(")")) return -1;
          return inner;
        }
        if (token.text == "{") {
          take();
          if (!expect("}")) return -1;
          node.kind = NodeKind::empty;
          return add(std::move(node));
        }
        return failed(token.position, "unexpected '" + token.text + "'");
      case TokenKind::identifier:
        if (token.text == "true" || token.text == "false") {
          node.kind = NodeKind::literal;
          node.literal = Item::boolean(take().text == "true");
          return add(std::move(node));
        }
        return invocation(-1, depth + 1);
      case TokenKind::delimited_identifier:
        return invocation(-1, depth + 1);
    }
    return failed(token.position, "unexpected token");
  }

  // name or name(args) applied to `input` (-1: the focus).
  std::int32_t invocation(std::int32_t input, std::uint32_t depth) {
    const Token& token = peek();
    if (token.kind != TokenKind::identifier && token.kind != TokenKind::delimited_identifier) {
      return failed(token.position, token.kind == TokenKind::end
                                        ? "name expected before the end"
                                        : "name expected, found '" + token.text + "'");
    }
    bool delimited = token.kind == TokenKind::delimited_identifier;
    Node node;
    node.position = token.position;
    node.name = take().text;
    node.input = input;
    if (delimited || !is_symbol("(")) {
      node.kind = NodeKind::member;
      return add(std::move(node));
    }
    const FunctionInfo* info = nullptr;
    for (const FunctionInfo& candidate : kFunctions) {
      if (candidate.name == node.name) info = &candidate;
    }
    if (info == nullptr) {
      return failed(node.position, "the function " + node.name +
                                       "() is outside the supported FHIRPath subset");
    }
    take();  // (
    node.kind = NodeKind::function;
    node.function = info->function;
    std::vector<std::int32_t> args;
    if (info->function == Function::of_type) {
      // A type specifier, not an expression: Name or Namespace.Name.
      const Token& type = peek();
      if (type.kind != TokenKind::identifier && type.kind != TokenKind::delimited_identifier) {
        return failed(type.position, "ofType() needs a type name");
      }
      std::string name = take().text;
      if (is_symbol(".")) {
        take();
        if (peek().kind != TokenKind::identifier) {
          return failed(peek().position, "type name expected after '.'");
        }
        name += "." + take().text;
      }
      if (!known_type(name)) return failed(type.position, "unknown type " + name);
      node.name = std::move(name);
      if (!expect(")")) return -1;
      return add(std::move(node));
    }
    if (!is_symbol(")")) {
      while (true) {
        std::int32_t arg = expression(0, depth + 1);
        if (arg < 0) return -1;
        args.push_back(arg);
        if (is_symbol(",")) {
          take();
          continue;
        }
        break;
      }
    }
    if (!expect(")")) return -1;
    if (args.size() < info->min_args || args.size() > info->max_args) {
      std::string expected = info->min_args == info->max_args
                                 ? std::to_string(info->min_args)
                                 : std::to_string(info->min_args) + " to " +
                                       std::to_string(info->max_args);
      return failed(node.position, node.name + "() takes " + expected + " argument(s), not " +
                                       std::to_string(args.size()));
    }
    node.first_arg = static_cast<std::uint32_t>(program_.args.size());
    node.arg_count = static_cast<std::uint32_t>(args.size());
    program_.args.insert(program_.args.end(), args.begin(), args.end());
    return add(std::move(node));
  }

  std::vector<Token> tokens_;
  std::size_t next_ = 0;
  const CompileLimits& limits_;
  Program& program_;
};

namespace {

// Text literals view their node's string; the nodes no longer move after parsing.
void point_literals_at_text(Program& program) {
  for (Node& node : program.nodes) {
    if (node.kind != NodeKind::literal) continue;
    switch (node.literal.kind()) {
      case Kind::string:
        node.literal = Item::string(node.name);
        break;
      case Kind::date:
        node.literal = Item::date(node.name);
        break;
      case Kind::date_time:
        node.literal = Item::date_time(node.name);
        break;
      case Kind::time:
        node.literal = Item::time(node.name);
        break;
      default:
        break;
    }
  }
}

// Collects the strings of `m = 'x' (or m = 'y')*` for one member m of the focus; false for any
// other shape, and for members whose strings are dates (they compare as dates, not as text).
bool member_disjunction(const Program& program, std::int32_t id, std::string& member,
                        std::vector<std::string>& out) {
  const Node& node = program.nodes[static_cast<std::size_t>(id)];
  if (node.kind != NodeKind::binary) return false;
  if (node.op == BinaryOp::or_) {
    return member_disjunction(program, node.input, member, out) &&
           member_disjunction(program, node.right, member, out);
  }
  if (node.op != BinaryOp::equal) return false;
  const Node& left = program.nodes[static_cast<std::size_t>(node.input)];
  const Node& right = program.nodes[static_cast<std::size_t>(node.right)];
  if (left.kind != NodeKind::member || left.input != -1 || left.name.empty()) return false;
  if (right.kind != NodeKind::literal || right.literal.kind() != Kind::string) return false;
  const std::string& name = left.name;
  if (name[0] >= 'A' && name[0] <= 'Z') return false;  // a type name: selects the resource
  for (std::string_view date : {"authored", "issued", "birthDate", "date", "recorded", "lastUpdated"}) {
    if (name == date) return false;
  }
  if (!member.empty() && member != name) return false;
  member = name;
  out.push_back(right.name);
  return true;
}

void mark_fast_paths(Program& program) {
  for (Node& node : program.nodes) {
    if (node.kind != NodeKind::function || node.arg_count != 1) continue;
    std::int32_t arg = program.args[node.first_arg];
    const Node& argument = program.nodes[static_cast<std::size_t>(arg)];
    if (node.function == Function::repeat && node.input >= 0) {
      const Node& input = program.nodes[static_cast<std::size_t>(node.input)];
      const bool repeat_item = argument.kind == NodeKind::member && argument.input == -1 &&
                               argument.name == "item";
      node.resource_items = input.kind == NodeKind::constant && input.name == "resource" && repeat_item;
      node.questionnaire_items =
          input.kind == NodeKind::constant && input.name == "questionnaire" && repeat_item;
    } else if (node.function == Function::where) {
      std::vector<std::string> values;
      std::string member;
      if (member_disjunction(program, arg, member, values)) {
        node.link_ids = std::move(values);
        node.match_member = std::move(member);
        for (const std::string& value : node.link_ids) {
          node.link_id_hashes.push_back(std::hash<std::string_view>()(value));
        }
      }
    }
  }
  // A where(linkId = …) whose input is %resource.repeat(item) (marked above: inputs come first
  // or later in the array, so this is a second pass).
  for (Node& node : program.nodes) {
    if (node.link_ids.empty() || node.match_member != "linkId" || node.input < 0) continue;
    node.resource_link_ids = program.nodes[static_cast<std::size_t>(node.input)].resource_items;
    node.questionnaire_link_ids = program.nodes[static_cast<std::size_t>(node.input)].questionnaire_items;
  }
}

}  // namespace

CompileResult compile(std::string_view text, std::string_view location,
                      const CompileLimits& limits) {
  CompileResult result;
  auto report = [&](IssueType code, std::uint32_t position, const std::string& message) {
    result.issues.error(code, std::string(location),
                        "FHIRPath '" + std::string(text.substr(0, 200)) + "' at " +
                            std::to_string(position + 1) + ": " + message);
  };
  if (text.size() > limits.max_length) {
    report(IssueType::too_costly, 0,
           "expression longer than " + std::to_string(limits.max_length) + " characters");
    return result;
  }
  LexResult lexed = tokenize(text);
  if (!lexed.error.empty()) {
    report(IssueType::invalid, lexed.error_position, lexed.error);
    return result;
  }
  auto program = std::make_shared<Program>();
  program->text = std::string(text);
  Parser parser(std::move(lexed.tokens), limits, *program);
  if (!parser.parse()) {
    report(parser.too_deep ? IssueType::too_costly : IssueType::invalid, parser.error_position,
           parser.error);
    return result;
  }
  point_literals_at_text(*program);
  mark_fast_paths(*program);
  std::sort(program->constants.begin(), program->constants.end());
  program->constants.erase(std::unique(program->constants.begin(), program->constants.end()),
                           program->constants.end());
  Expression expression;
  expression.program_ = std::move(program);
  result.expression = std::move(expression);
  return result;
}

const std::string& Expression::text() const { return program_->text; }
const std::vector<std::string>& Expression::variables() const { return program_->constants; }

}  // namespace socialrx::fhir::fhirpath
