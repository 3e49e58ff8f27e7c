#pragma once
// The FHIRPath subset the Questionnaire engine uses (conf/questionnaires/README.md): compile an
// expression once, evaluate it many times over JSON documents.
//
//   auto compiled = fhirpath::compile("%resource.repeat(item).where(linkId='a').answer.value");
//   if (!compiled.expression) → compiled.issues (code invalid, with the character position)
//   fhirpath::Evaluator evaluator;                    // one per thread; reuse it
//   fhirpath::Environment env{.resource = &qr.root(), .questionnaire = &q.root()};
//   auto result = evaluator.evaluate(*compiled.expression, env, issues, "Questionnaire.item[3]");
//   if (result.ok) → result.items (valid until evaluator.reset())
//
// Nothing throws; runtime errors (a collection of several items where one is needed, types that
// cannot be compared, overflow, the step limit) are Issues and the evaluation result is not ok.

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/value.hpp"
#include "fhir/json.hpp"
#include "fhir/outcome.hpp"

namespace socialrx::fhir::fhirpath {

struct Program;

struct CompileLimits {
  std::size_t max_length = 8192;  // characters of expression text
  std::uint32_t max_depth = 64;   // nesting of sub-expressions
};

// A compiled expression; cheap to copy (the compiled program is shared and immutable).
class Expression {
 public:
  const std::string& text() const;
  // Names of the %constants the expression uses other than the standard ones (resource,
  // rootResource, context, questionnaire, answer, ucum, sct, loinc): sorted, unique. Lets the
  // loader check variables exist and evaluate them in dependency order.
  const std::vector<std::string>& variables() const;
  const Program& program() const { return *program_; }

 private:
  friend struct CompileResult compile(std::string_view, std::string_view, const CompileLimits&);
  std::shared_ptr<const Program> program_;
};

struct CompileResult {
  std::optional<Expression> expression;
  Issues issues;  // code invalid (syntax, unknown function, wrong arguments) or too-costly
};

// Compiles; issue diagnostics name the 1-based character position ("at 12: …"); the issue
// expression is `location` (where the expression sits, e.g. the extension's path).
CompileResult compile(std::string_view text, std::string_view location = {},
                      const CompileLimits& limits = {});

// Finds the weight of an answer Coding given on a response item: the ordinalValue (or
// itemWeight) extension of the matching answerOption. The default (no WeightSource) searches
// %questionnaire for the item with the same linkId; the Questionnaire engine supplies an indexed
// one.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual std::optional<Decimal> weight(const json::Value& response_item,
                                        const json::Value& coding) const = 0;

  // Optional: answers `%questionnaire.repeat(item).where(linkId = 'x')` from an index. Returns
  // false when this source does not index `questionnaire` (the evaluator then walks it);
  // otherwise `found` is the item with that linkId (item null when there is none): its object,
  // its owner (the enclosing item object, null at the top level) and its position in document
  // pre-order. Only for Questionnaires whose linkIds are unique.
  struct QuestionnaireItem {
    const json::Value* item = nullptr;
    const json::Value* owner = nullptr;
    std::uint32_t order = 0;
  };
  virtual bool find_questionnaire_item(const json::Value& /*questionnaire*/,
                                       std::string_view /*link_id*/,
                                       QuestionnaireItem& /*found*/) const {
    return false;
  }
};

// The weight extension (ordinalValue or itemWeight, valueDecimal) of an element, if any.
std::optional<Decimal> weight_extension(const json::Value& element);
// The default lookup: the answerOption of the Questionnaire item with this linkId whose
// valueCoding has the same system and code; its weight extension or its Coding's.
std::optional<Decimal> questionnaire_option_weight(const json::Value& questionnaire,
                                                   std::string_view link_id,
                                                   const json::Value& coding);

struct Variable {
  std::string_view name;  // without '%'
  Items value;
};

struct Environment {
  const json::Value* resource = nullptr;       // %resource, %rootResource
  const json::Value* questionnaire = nullptr;  // %questionnaire
  const json::Value* context = nullptr;        // %context and the initial focus; default resource
  std::optional<Items> answer;                 // %answer (set: defined, possibly empty)
  std::span<const Variable> variables;         // %name; later entries shadow earlier ones
  const WeightSource* weights = nullptr;
};

struct Limits {
  std::uint32_t max_steps = 200000;  // node evaluations + items visited, per evaluate()
  std::uint32_t max_items = 100000;  // items in any one intermediate collection
};

struct Evaluation {
  bool ok = false;
  Items items;  // valid until the evaluator's reset()
};

// Evaluates compiled expressions. Not thread-safe: one per thread. Results (and every
// intermediate collection) live in the evaluator's arena until reset(), so evaluating many
// expressions of one response allocates a few blocks, not a vector per step.
class Evaluator {
 public:
  explicit Evaluator(Limits limits = {});
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Evaluation evaluate(const Expression& expression, const Environment& environment,
                      Issues& issues, std::string_view location = {});
  // Frees everything evaluate() returned.
  void reset();

  // Copies into the arena (to build %answer or variables that outlive their source).
  Items keep(Items items);
  std::string_view keep(std::string_view text);

  std::pmr::memory_resource* arena() { return &*arena_; }
  const Limits& limits() const { return limits_; }

  // %resource.repeat(item) of the last resource seen, kept until reset() (used internally).
  std::optional<Items> cached_resource_items(const json::Value* resource) const {
    if (resource != nullptr && resource == cached_resource_) return cached_items_;
    return std::nullopt;
  }
  void cache_resource_items(const json::Value* resource, Items items) {
    cached_resource_ = resource;
    cached_items_ = keep(items);
    link_index_.clear();
    link_index_built_ = false;
  }
  // Positions in the cached %resource.repeat(item) of the items with this linkId (a string), in
  // document order; empty unless that resource's items are cached. Built on first use.
  // `hash` is std::hash<std::string_view> of link_id (compiled expressions keep it). The span
  // is valid until the next call.
  std::span<const std::uint32_t> cached_positions_of(const json::Value* resource,
                                                     std::string_view link_id, std::size_t hash);
  std::span<const std::uint32_t> cached_positions_of(const json::Value* resource,
                                                     std::string_view link_id) {
    return cached_positions_of(resource, link_id, std::hash<std::string_view>()(link_id));
  }

 private:
  // Counts what the arena had to take from the heap beyond its own buffer, so that reset() can
  // grow the buffer to fit: after the first few responses nothing is allocated any more.
  class Upstream final : public std::pmr::memory_resource {
   public:
    std::size_t taken = 0;

   private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
      taken += bytes;
      return std::pmr::new_delete_resource()->allocate(bytes, alignment);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
      std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
      return this == &other;
    }
  };

  Limits limits_;
  Upstream upstream_;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t buffer_size_ = 0;
  std::optional<std::pmr::monotonic_buffer_resource> arena_;
  const json::Value* cached_resource_ = nullptr;
  Items cached_items_;
  // linkId → position in cached_items_, sorted by the linkId's hash then position (integer
  // comparisons only); capacity kept across resets, so that it allocates only for the first
  // responses.
  struct LinkIdEntry {
    std::size_t hash;
    std::string_view link_id;
    std::uint32_t position;
  };
  std::vector<LinkIdEntry> link_index_;
  std::vector<std::uint32_t> link_positions_;
  std::vector<std::uint32_t> link_scratch_;  // positions when two linkIds share a hash
  bool link_index_built_ = false;
};

// Singleton evaluation of a result as a Boolean (FHIRPath §4.5): empty → nullopt; one Boolean →
// it; one other item → true; several items → error (sets *error).
std::optional<bool> as_boolean(Items items, bool* error);

}  // namespace socialrx::fhir::fhirpath
