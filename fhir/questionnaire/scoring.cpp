#include "fhir/questionnaire/scoring.hpp"

#include <algorithm>
#include <cstring>

#include "fhir/questionnaire/answer_value.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/scoring_json.hpp"

namespace socialrx::fhir::questionnaire {

namespace {

using fhirpath::Items;

constexpr std::string_view kIndicatesNeedUrl = "https://socialrx.jp/fhir/StructureDefinition/indicates-need";

// Calls fn(extension, index) for every extension of `element` with this url.
template <typename Fn>
void for_each_extension(const json::Value& element, std::string_view url, Fn&& fn) {
  const json::Value* extensions = element.find("extension");
  if (extensions == nullptr) return;
  for (std::size_t k = 0; k < extensions->items().size(); ++k) {
    const json::Value& extension = extensions->items()[k];
    if (extension.string_at("url") == url) fn(extension, k);
  }
}

std::string extension_path(std::string_view element_path, std::size_t k) {
  return std::string(element_path) + ".extension[" + std::to_string(k) + "]";
}

struct Compiler {
  Issues& issues;
  std::vector<std::string_view> declared;  // variable names so far

  // The valueExpression of an extension compiled; nullopt (with issues) when it cannot be.
  std::optional<fhirpath::Expression> expression(const json::Value& holder, const std::string& path,
                                                 std::string_view* name = nullptr) {
    const json::Value* value = holder.find("valueExpression");
    if (value == nullptr || !value->is_object()) {
      issues.error(IssueType::required, path, "the extension has no valueExpression");
      return std::nullopt;
    }
    if (name != nullptr) *name = value->string_at("name");
    std::string_view language = value->string_at("language");
    if (!language.empty() && language != "text/fhirpath") {
      issues.error(IssueType::not_supported, path + ".valueExpression.language",
                   "only text/fhirpath expressions are supported, not " + std::string(language));
      return std::nullopt;
    }
    std::string_view text = value->string_at("expression");
    if (text.empty()) {
      issues.error(IssueType::required, path + ".valueExpression.expression",
                   "the valueExpression has no expression");
      return std::nullopt;
    }
    auto compiled = fhirpath::compile(text, path + ".valueExpression.expression");
    if (!compiled.expression) {
      issues.append(compiled.issues);
      return std::nullopt;
    }
    for (const std::string& variable : compiled.expression->variables()) {
      if (std::find(declared.begin(), declared.end(), variable) == declared.end()) {
        issues.error(IssueType::not_found, path + ".valueExpression.expression",
                     "%" + variable + " is not a variable declared before this expression");
        return std::nullopt;
      }
    }
    return compiled.expression;
  }
};

// The occurrences of a Questionnaire item in the response, in document order.
std::vector<NodeId> occurrences(const ResponseTree& tree, const Item& item) {
  std::vector<NodeId> found;
  for (NodeId id = 0; id < tree.size(); ++id) {
    if (tree.node(id).item == &item) found.push_back(id);
  }
  return found;
}

// One calculated answer: which value[x] element and its value.
struct AnswerValue {
  std::string_view element;  // "valueInteger"
  fhirpath::Item value;
  const json::Value* node = nullptr;  // Coding (or other complex value) to write
};

const json::Value* option_with_code(const Item& item, std::string_view code) {
  for (const AnswerOption& option : item.answer_options) {
    if (option.value.type == ValueType::coding && coding_of(*option.value.node).code == code) {
      return option.value.node;
    }
  }
  return nullptr;
}

// Converts one calculated value to an answer of the item's type; explains why not otherwise.
bool to_answer(const Item& item, const fhirpath::Item& value, AnswerValue& out, std::string& why) {
  using fhirpath::Kind;
  out.value = value;
  switch (item.type) {
    case ItemType::integer:
      if (value.kind() == Kind::integer) {
        out.element = "valueInteger";
        return true;
      }
      if (value.kind() == Kind::decimal) {
        if (auto integer = fhirpath::to_integer(value.as_decimal())) {
          out.element = "valueInteger";
          out.value = fhirpath::Item::integer(*integer);
          return true;
        }
      }
      break;
    case ItemType::decimal:
      if (value.is_number()) {
        out.element = "valueDecimal";
        out.value = fhirpath::Item::decimal(value.number());
        return true;
      }
      break;
    case ItemType::boolean:
      if (value.kind() == Kind::boolean) {
        out.element = "valueBoolean";
        return true;
      }
      break;
    case ItemType::string:
    case ItemType::text:
      if (value.kind() == Kind::string) {
        out.element = "valueString";
        return true;
      }
      break;
    case ItemType::url:
      if (value.kind() == Kind::string) {
        out.element = "valueUri";
        return true;
      }
      break;
    case ItemType::date:
      if (value.kind() == Kind::date) {
        out.element = "valueDate";
        return true;
      }
      break;
    case ItemType::dateTime:
      if (value.kind() == Kind::date_time || value.kind() == Kind::date) {
        out.element = "valueDateTime";
        return true;
      }
      break;
    case ItemType::time:
      if (value.kind() == Kind::time) {
        out.element = "valueTime";
        return true;
      }
      break;
    case ItemType::choice:
    case ItemType::open_choice:
      if (value.kind() == Kind::node && value.json().is_object() &&
          value.json().find("code") != nullptr) {
        out.element = "valueCoding";
        out.node = &value.json();
        return true;
      }
      if (value.kind() == Kind::string) {
        // A code: the answerOption with that code.
        if (const json::Value* coding = option_with_code(item, value.text())) {
          out.element = "valueCoding";
          out.node = coding;
          return true;
        }
        if (item.type == ItemType::open_choice) {
          out.element = "valueString";
          return true;
        }
        why = "no answerOption has the code '" + std::string(value.text()) + "'";
        return false;
      }
      break;
    case ItemType::quantity:
    case ItemType::attachment:
    case ItemType::reference:
      if (value.kind() == Kind::node) {
        out.element = item.type == ItemType::quantity     ? "valueQuantity"
                      : item.type == ItemType::attachment ? "valueAttachment"
                                                          : "valueReference";
        out.node = &value.json();
        return true;
      }
      break;
    default:
      break;
  }
  if (why.empty()) {
    why = "the value " + fhirpath::describe(Items(&value, 1)) + " does not fit an item of type " +
          std::string(item_type_code(item.type));
  }
  return false;
}

void write_answer_value(JsonWriter& writer, const AnswerValue& answer) {
  writer.StartObject();
  write_key(writer, answer.element);
  const fhirpath::Item& value = answer.value;
  if (answer.element == "valueCoding") {
    write_coding(writer, *answer.node);
  } else if (answer.node != nullptr) {
    write_json(writer, *answer.node);
  } else {
    switch (value.kind()) {
      case fhirpath::Kind::boolean:
        writer.Bool(value.as_boolean());
        break;
      case fhirpath::Kind::integer:
        writer.Int64(value.as_integer());
        break;
      case fhirpath::Kind::decimal: {
        std::string text = fhirpath::to_text(value.as_decimal());
        // RawNumber would quote it: Writer treats raw numbers as strings.
        writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
        break;
      }
      default:
        write_string(writer, value.text());
        break;
    }
  }
  writer.EndObject();
}

// Whether a given answer equals a calculated one (numbers by value, Codings by system and code).
bool same_answer(const json::Value& given, const AnswerValue& computed) {
  TypedValue typed = find_choice(given, "value");
  if (!typed || typed.element != computed.element) return false;
  const json::Value& node = *typed.node;
  if (computed.element == "valueCoding") {
    CodingView a = coding_of(node);
    CodingView b = coding_of(*computed.node);
    return a.system == b.system && a.code == b.code;
  }
  if (computed.node != nullptr) return json::equal_ignoring_member_order(node, *computed.node);
  const fhirpath::Item& value = computed.value;
  switch (value.kind()) {
    case fhirpath::Kind::boolean:
      return node.is_bool() && node.as_bool() == value.as_boolean();
    case fhirpath::Kind::integer:
    case fhirpath::Kind::decimal: {
      if (!node.is_number()) return false;
      auto given_number = fhirpath::parse_decimal(node.text());
      return given_number && fhirpath::compare(*given_number, value.number()) == 0;
    }
    default:
      return node.is_string() && node.text() == value.text();
  }
}

// Writes the response with calculated answers filled in: into existing occurrences without an
// answer, and as new item objects (with any missing enclosing groups) in Questionnaire order.
class Filler {
 public:
  Filler(const QuestionnaireIndex& index, JsonWriter& writer) : index_(index), writer_(writer) {
    fills_.resize(index.items().size(), nullptr);
    virtual_.resize(index.items().size(), false);
  }

  void fill_existing(ItemId item, const std::string* answers) { fills_[item] = answers; }
  void fill_absent(ItemId item, const std::string* answers, const std::vector<bool>& present) {
    fills_[item] = answers;
    for (ItemId id = item; id != no_item && !present[id]; id = index_.item(id).parent) {
      virtual_[id] = true;
    }
  }

  void write_root(const json::Value& response) { write_object(response, nullptr, true); }

 private:
  std::span<const ItemId> children_of(ItemId parent) const {
    return parent == no_item ? index_.top_level() : std::span<const ItemId>(index_.item(parent).children);
  }
  bool has_virtual_child(ItemId parent) const {
    for (ItemId child : children_of(parent)) {
      if (virtual_[child]) return true;
    }
    return false;
  }

  void write_object(const json::Value& object, const Item* item, bool root) {
    const ItemId self = item != nullptr ? item->id : no_item;
    bool has_items = false;
    bool has_answer = false;
    writer_.StartObject();
    for (const json::Member& member : object.members()) {
      write_key(writer_, member.key);
      if (member.key == "item" && member.value.is_array() && (root || item != nullptr)) {
        has_items = true;
        write_items(member.value, self);
      } else {
        if (member.key == "answer") has_answer = true;
        write_json(writer_, member.value);
      }
    }
    if (item != nullptr && fills_[self] != nullptr && !has_answer) {
      write_key(writer_, "answer");
      writer_.RawValue(fills_[self]->data(), fills_[self]->size(), rapidjson::kArrayType);
    }
    if (!has_items && (root || item != nullptr) && has_virtual_child(self)) {
      write_key(writer_, "item");
      writer_.StartArray();
      for (ItemId child : children_of(self)) {
        if (virtual_[child]) write_virtual(child);
      }
      writer_.EndArray();
    }
    writer_.EndObject();
  }

  void write_items(const json::Value& array, ItemId parent) {
    std::span<const ItemId> children = children_of(parent);
    std::size_t next = 0;  // children before `next` have been considered for insertion
    auto insert_before = [&](std::uint32_t sibling_index) {
      while (next < children.size() && index_.item(children[next]).sibling_index < sibling_index) {
        if (virtual_[children[next]]) write_virtual(children[next]);
        ++next;
      }
    };
    writer_.StartArray();
    for (const json::Value& element : array.items()) {
      const Item* item = element.is_object() ? index_.find(element.string_at("linkId")) : nullptr;
      if (item != nullptr && item->parent != parent) item = nullptr;
      if (item != nullptr) insert_before(item->sibling_index);
      if (element.is_object()) {
        write_object(element, item, false);
      } else {
        write_json(writer_, element);
      }
    }
    insert_before(static_cast<std::uint32_t>(-1));
    writer_.EndArray();
  }

  void write_virtual(ItemId id) {
    const Item& item = index_.item(id);
    writer_.StartObject();
    write_member(writer_, "linkId", item.link_id);
    if (fills_[id] != nullptr) {
      write_key(writer_, "answer");
      writer_.RawValue(fills_[id]->data(), fills_[id]->size(), rapidjson::kArrayType);
    }
    if (has_virtual_child(id)) {
      write_key(writer_, "item");
      writer_.StartArray();
      for (ItemId child : item.children) {
        if (virtual_[child]) write_virtual(child);
      }
      writer_.EndArray();
    }
    writer_.EndObject();
  }

  const QuestionnaireIndex& index_;
  JsonWriter& writer_;
  std::vector<const std::string*> fills_;
  std::vector<bool> virtual_;
};

}  // namespace

// --- compile ---------------------------------------------------------------------------------

ScoringLoad ScoringPlan::compile(std::shared_ptr<const QuestionnaireIndex> index) {
  ScoringLoad load;
  if (!index) {
    load.issues.error(IssueType::invalid, "Questionnaire", "no Questionnaire to score");
    return load;
  }
  auto plan = std::make_shared<ScoringPlan>();
  plan->index_ = index;
  const std::size_t count = index->items().size();
  plan->need_expressions_.resize(count);
  plan->need_paths_.resize(count);
  plan->calculated_.resize(count, false);
  plan->option_needs_.resize(count);
  for (const Item& item : index->items()) {
    for (const AnswerOption& option : item.answer_options) {
      bool needs = false;
      if (const json::Value* flag = option.extension(kIndicatesNeedUrl)) {
        const json::Value* value = flag->find("valueBoolean");
        needs = value != nullptr && value->is_bool() && value->as_bool();
      }
      plan->option_needs_[item.id].push_back(needs);
    }
  }
  Compiler compiler{load.issues, {}};
  const json::Value& resource = index->resource();
  plan->indexed_link_ids_ = std::all_of(index->items().begin(), index->items().end(), [&](const Item& item) {
    return item.node != nullptr && item.node->is_object() && !item.link_id.empty() &&
           index->find(item.link_id) == &item;
  });
  {
    // repeat(item) visits level by level: the top level, then each item's children in the order
    // their parents were reached.
    std::vector<ItemId> queue(index->top_level().begin(), index->top_level().end());
    for (std::size_t i = 0; i < queue.size(); ++i) {
      for (ItemId child : index->item(queue[i]).children) queue.push_back(child);
    }
    plan->repeat_order_.assign(index->items().size(), 0);
    for (std::size_t i = 0; i < queue.size(); ++i) plan->repeat_order_[queue[i]] = static_cast<std::uint32_t>(i);
    if (queue.size() != index->items().size()) plan->indexed_link_ids_ = false;
  }

  auto add_variable = [&](const json::Value& holder, const std::string& element_path, ItemId item,
                          std::size_t k) {
    std::string path = extension_path(element_path, k);
    std::string_view name;
    auto expression = compiler.expression(holder, path, &name);
    if (name.empty()) {
      load.issues.error(IssueType::required, path + ".valueExpression.name", "a variable needs a name");
      return;
    }
    if (std::find(compiler.declared.begin(), compiler.declared.end(), name) !=
        compiler.declared.end()) {
      load.issues.error(IssueType::duplicate, path + ".valueExpression.name",
                        "the variable %" + std::string(name) + " is declared twice");
      return;
    }
    compiler.declared.push_back(name);
    if (expression) plan->variables_.push_back({name, item, std::move(*expression), path});
  };

  for_each_extension(resource, extension_url::variable, [&](const json::Value& e, std::size_t k) {
    add_variable(e, "Questionnaire", no_item, k);
  });
  for (const Item& item : index->items()) {
    if (item.node == nullptr) continue;
    for_each_extension(*item.node, extension_url::variable,
                       [&](const json::Value& e, std::size_t k) { add_variable(e, item.path, item.id, k); });
  }

  for (const Item& item : index->items()) {
    if (item.node == nullptr) continue;
    for_each_extension(*item.node, extension_url::calculated_expression,
                       [&](const json::Value& e, std::size_t k) {
      std::string path = extension_path(item.path, k);
      // One value per response: not inside a repeating group, and not under a question
      // (answer.item), where the filled answer would have no single place.
      for (ItemId parent = item.parent; parent != no_item; parent = index->item(parent).parent) {
        const Item& ancestor = index->item(parent);
        if (ancestor.repeats || ancestor.is_question()) {
          load.issues.error(IssueType::not_supported, path,
                            "a calculatedExpression inside a repeating group or under a question is "
                            "not supported");
          return;
        }
      }
      auto expression = compiler.expression(e, path);
      if (!expression) return;
      plan->calculated_[item.id] = true;
      plan->calculations_.push_back({item.id, std::move(*expression), path});
    });
    for_each_extension(*item.node, extension_url::indicates_need_when,
                       [&](const json::Value& e, std::size_t k) {
      std::string path = extension_path(item.path, k);
      if (auto expression = compiler.expression(e, path)) {
        plan->need_expressions_[item.id] = std::move(*expression);
        plan->need_paths_[item.id] = path;
      }
    });
  }

  for_each_extension(resource, extension_url::sdh_risk, [&](const json::Value& risk, std::size_t k) {
    std::string path = extension_path("Questionnaire", k);
    RiskRule rule;
    rule.path = path;
    bool has_expression = false;
    for_each_extension(risk, "domain", [&](const json::Value& e, std::size_t) {
      rule.domain = e.find("valueCoding");
    });
    if (rule.domain == nullptr || !rule.domain->is_object()) {
      load.issues.error(IssueType::required, path, "sdh-risk needs a domain (valueCoding)");
      return;
    }
    rule.domain_code = rule.domain->string_at("code");
    for_each_extension(risk, "expression", [&](const json::Value& e, std::size_t j) {
      if (auto expression = compiler.expression(e, extension_path(path, j))) {
        rule.expression = std::move(*expression);
        has_expression = true;
      }
    });
    for_each_extension(risk, "recipient", [&](const json::Value& recipient, std::size_t j) {
      RecipientRule candidate;
      candidate.path = extension_path(path, j);
      for_each_extension(recipient, "kind", [&](const json::Value& e, std::size_t) {
        candidate.kind = e.find("valueCoding");
      });
      if (candidate.kind == nullptr || !candidate.kind->is_object()) {
        load.issues.error(IssueType::required, candidate.path, "a recipient needs a kind (valueCoding)");
        return;
      }
      for_each_extension(recipient, "when", [&](const json::Value& e, std::size_t i) {
        candidate.when = compiler.expression(e, extension_path(candidate.path, i));
      });
      rule.recipients.push_back(std::move(candidate));
    });
    if (!has_expression) {
      if (!load.issues.has_errors()) {
        load.issues.error(IssueType::required, path, "sdh-risk needs an expression");
      }
      return;
    }
    plan->risks_.push_back(std::move(rule));
  });

  for_each_extension(resource, extension_url::do_not_contact, [&](const json::Value& e, std::size_t k) {
    plan->do_not_contact_path_ = extension_path("Questionnaire", k);
    plan->do_not_contact_ = compiler.expression(e, plan->do_not_contact_path_);
  });

  if (!load.issues.has_errors()) load.plan = std::move(plan);
  return load;
}

const fhirpath::Expression* ScoringPlan::need_expression(ItemId item) const {
  const auto& expression = need_expressions_[item];
  return expression ? &*expression : nullptr;
}

std::optional<fhirpath::Decimal> ScoringPlan::weight(const json::Value& response_item,
                                                     const json::Value& coding) const {
  const Item* item = index_->find(response_item.string_at("linkId"));
  if (item == nullptr) return std::nullopt;
  CodingView wanted = coding_of(coding);
  for (const AnswerOption& option : item->answer_options) {
    if (option.value.type != ValueType::coding) continue;
    CodingView candidate = coding_of(*option.value.node);
    if (candidate.code != wanted.code || candidate.system != wanted.system) continue;
    if (auto weight = fhirpath::weight_extension(*option.node)) return weight;
    return fhirpath::weight_extension(*option.value.node);
  }
  return std::nullopt;
}

bool ScoringPlan::find_questionnaire_item(const json::Value& questionnaire, std::string_view link_id,
                                          QuestionnaireItem& found) const {
  if (!indexed_link_ids_ || &questionnaire != &index_->resource()) return false;
  found = {};
  if (const Item* item = index_->find(link_id)) {
    found.item = item->node;
    found.owner = item->parent == no_item ? nullptr : index_->item(item->parent).node;
    found.order = repeat_order_[item->id];
  }
  return true;
}

// --- score -----------------------------------------------------------------------------------

struct ScoringRun {
  const ScoringPlan& plan;
  fhirpath::Evaluator& evaluator;
  ScoreResult& result;
  fhirpath::Environment env;
  std::vector<fhirpath::Variable> variables;

  std::optional<Items> evaluate(const fhirpath::Expression& expression, const json::Value* context,
                                const std::string& path) {
    env.context = context;
    env.variables = variables;
    auto evaluation = evaluator.evaluate(expression, env, result.issues, path);
    if (!evaluation.ok) return std::nullopt;
    return evaluation.items;
  }

  // A Boolean result (singleton rules); empty and errors count as false.
  bool holds(const fhirpath::Expression& expression, const std::string& path) {
    auto items = evaluate(expression, nullptr, path);
    if (!items) return false;
    bool error = false;
    auto value = fhirpath::as_boolean(*items, &error);
    if (error) {
      result.issues.error(IssueType::processing, path,
                          "FHIRPath '" + expression.text().substr(0, 200) +
                              "' must give a single Boolean, gave " + std::to_string(items->size()) +
                              " items");
      return false;
    }
    return value.value_or(false);
  }
};

namespace {

// Scores with the caller's tree of the response, or (null) one built here when needed.
ScoreResult score_with_tree(const ScoringPlan& plan, const json::Value& response,
                            fhirpath::Evaluator& evaluator, const ResponseTree* given_tree) {
  ScoreResult result;
  evaluator.reset();
  const QuestionnaireIndex& index = plan.index();
  ScoringRun run{plan, evaluator, result, {}, {}};
  run.env.resource = &response;
  run.env.questionnaire = &index.resource();
  run.env.weights = &plan;
  run.variables.reserve(plan.variables().size());

  const bool needs_tree = !plan.calculations().empty() ||
                          std::any_of(plan.variables().begin(), plan.variables().end(),
                                      [](const CompiledVariable& v) { return v.item != no_item; });
  const ResponseTree built =
      needs_tree && given_tree == nullptr ? ResponseTree::build(index, response) : ResponseTree();
  const ResponseTree& tree = given_tree != nullptr ? *given_tree : built;

  // 1. Variables.
  for (const CompiledVariable& variable : plan.variables()) {
    const json::Value* context = nullptr;
    if (variable.item != no_item) {
      auto found = occurrences(tree, index.item(variable.item));
      if (!found.empty()) context = tree.node(found.front()).node;
    }
    auto items = run.evaluate(variable.expression, context, variable.path);
    run.variables.push_back({variable.name, items.value_or(Items())});
  }

  // 2. Calculated items.
  std::vector<bool> present(index.items().size(), false);
  for (const ResponseNode& node : tree.nodes()) {
    if (node.item != nullptr) present[node.item->id] = true;
  }
  struct Fill {
    ItemId item;
    bool existing;
  };
  std::vector<Fill> fills;
  for (const CompiledCalculation& calculation : plan.calculations()) {
    const Item& item = index.item(calculation.item);
    auto items = run.evaluate(calculation.expression, nullptr, calculation.path);
    if (!items) continue;
    if (items->size() > 1 && !item.repeats) {
      result.issues.error(IssueType::processing, calculation.path,
                          "the calculatedExpression of " + std::string(item.link_id) + " gave " +
                              std::to_string(items->size()) + " values for a non-repeating item");
      continue;
    }
    std::vector<AnswerValue> answers;
    bool convertible = true;
    for (const fhirpath::Item& value : *items) {
      AnswerValue answer;
      std::string why;
      if (!to_answer(item, value, answer, why)) {
        result.issues.error(IssueType::processing, calculation.path,
                            "the calculatedExpression of " + std::string(item.link_id) + ": " + why);
        convertible = false;
        break;
      }
      answers.push_back(answer);
    }
    if (!convertible) continue;

    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartArray();
    for (const AnswerValue& answer : answers) write_answer_value(writer, answer);
    writer.EndArray();
    CalculatedAnswers calculated{item.id, std::string(buffer.GetString(), buffer.GetSize()), false};

    auto found = occurrences(tree, item);
    std::span<const json::Value> given =
        found.empty() ? std::span<const json::Value>() : tree.node(found.front()).answers;
    if (given.empty()) {
      if (!answers.empty()) {
        calculated.filled = true;
        fills.push_back({item.id, !found.empty()});
      }
    } else {
      // The response carries answers: they must be the calculated ones.
      for (std::size_t i = 0; i < std::max(given.size(), answers.size()); ++i) {
        if (i < given.size() && i < answers.size() && same_answer(given[i], answers[i])) continue;
        std::string path = tree.path(found.front()) + ".answer[" + std::to_string(i) + "]";
        if (i < given.size()) {
          TypedValue typed = find_choice(given[i], "value");
          if (typed) path += "." + std::string(typed.element);
        }
        std::string expected = i < answers.size() ? fhirpath::describe(Items(&answers[i].value, 1))
                                                  : "no answer";
        if (i < answers.size() && answers[i].element == "valueCoding") {
          expected = "'" + std::string(coding_of(*answers[i].node).code) + "'";
        }
        result.issues.error(IssueType::business_rule, path,
                            std::string(item.link_id) + " is calculated (" +
                                calculation.expression.text().substr(0, 120) + "): expected " +
                                expected + ", the response differs");
        break;
      }
    }
    result.calculated.push_back(std::move(calculated));
  }

  // 3. Fill in what was missing, then risks on the filled response.
  if (!fills.empty()) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    Filler filler(index, writer);
    for (const Fill& fill : fills) {
      const std::string* answers = nullptr;
      for (const CalculatedAnswers& calculated : result.calculated) {
        if (calculated.item == fill.item) answers = &calculated.answers_json;
      }
      if (fill.existing) {
        filler.fill_existing(fill.item, answers);
      } else {
        filler.fill_absent(fill.item, answers, present);
      }
    }
    filler.write_root(response);
    result.filled_json = std::string(buffer.GetString(), buffer.GetSize());
    json::ParseResult parsed = json::parse(*result.filled_json);
    if (parsed.document) {
      result.filled_document = std::move(*parsed.document);
      run.env.resource = &result.filled_document->root();
    } else {
      result.issues.append(parsed.issues);  // cannot happen: the writer wrote valid JSON
    }
  }

  for (const RiskRule& rule : plan.risks()) {
    RiskResult risk;
    risk.domain_code = rule.domain_code;
    risk.domain = rule.domain;
    risk.at_risk = run.holds(rule.expression, rule.path);
    if (risk.at_risk) {
      for (const RecipientRule& recipient : rule.recipients) {
        if (!recipient.when || run.holds(*recipient.when, recipient.path)) {
          risk.recipient = recipient.kind;
          break;
        }
      }
    }
    result.risks.push_back(risk);
  }
  if (plan.do_not_contact()) {
    result.do_not_contact = run.holds(*plan.do_not_contact(), plan.do_not_contact_path());
  }
  return result;
}

}  // namespace

ScoreResult score_response(const ScoringPlan& plan, const json::Value& response,
                           fhirpath::Evaluator& evaluator) {
  return score_with_tree(plan, response, evaluator, nullptr);
}

ScoreResult score_response(const ScoringPlan& plan, const json::Value& response,
                           fhirpath::Evaluator& evaluator, const ResponseTree& tree) {
  return score_with_tree(plan, response, evaluator, &tree);
}

bool answer_indicates_need(const ScoringPlan& plan, const Item& item, const json::Value& answer,
                           const json::Value& response_item, const json::Value& response,
                           fhirpath::Evaluator& evaluator, Issues& issues) {
  TypedValue typed = find_choice(answer, "value");
  if (!typed) return false;
  // indicates-need on the chosen answerOption (the flags are read once, in the plan).
  const CodingView answer_coding = typed.type == ValueType::coding ? coding_of(*typed.node) : CodingView();
  for (std::size_t k = 0; k < item.answer_options.size(); ++k) {
    const AnswerOption& option = item.answer_options[k];
    if (option.value.type != typed.type || option.node == nullptr) continue;
    bool same = false;
    if (typed.type == ValueType::coding) {
      // By size and first byte before memcmp: string_view's == calls compare() out of line, and
      // this runs for each option of each coded answer that is extracted.
      auto equal = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() &&
               (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
      };
      same = equal(answer_coding.code, option.coding.code) && equal(answer_coding.system, option.coding.system);
    } else {
      same = json::equal_ignoring_member_order(*typed.node, *option.value.node);
    }
    if (!same) continue;
    if (plan.option_indicates_need(item.id, k)) return true;
    break;
  }
  const fhirpath::Expression* expression = plan.need_expression(item.id);
  if (expression == nullptr) return false;
  auto value = fhirpath::value_item(*typed.node,
                                    fhirpath::fhir_type_from_suffix(value_type_suffix(typed.type)),
                                    &response_item);
  if (!value) return false;
  fhirpath::Environment env;
  env.resource = &response;
  env.questionnaire = &plan.index().resource();
  env.answer = Items(&*value, 1);
  env.weights = &plan;
  auto evaluation = evaluator.evaluate(*expression, env, issues, plan.need_expression_path(item.id));
  if (!evaluation.ok) return false;
  bool error = false;
  auto holds = fhirpath::as_boolean(evaluation.items, &error);
  if (error) {
    issues.error(IssueType::processing, plan.need_expression_path(item.id),
                 "indicates-need-when must give a single Boolean");
    return false;
  }
  return holds.value_or(false);
}

}  // namespace socialrx::fhir::questionnaire
