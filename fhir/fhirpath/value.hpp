#pragma once
// The items FHIRPath collections hold: either a node of the JSON document (an element such as
// a Coding or an item) or a computed System value (Boolean, Integer, Decimal, String, Date,
// DateTime, Time). Primitive JSON members are turned into System values as they are reached, so
// operators only ever see these kinds.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fhir/fhirpath/decimal.hpp"
#include "fhir/json.hpp"

namespace socialrx::fhir::fhirpath {

enum class Kind : std::uint8_t { boolean, integer, decimal, string, date, date_time, time, node };

// The FHIR type an item is known to have: from the suffix of a choice element (valueCoding,
// valueInteger) or from resourceType. `unknown` for elements reached by plain names and for
// computed values.
enum class FhirType : std::uint8_t {
  unknown,
  resource,
  boolean,
  integer,
  decimal,
  string,
  uri,
  code,
  date,
  date_time,
  time,
  coding,
  quantity,
  reference,
  attachment,
  codeable_concept,
};

// The type a choice-element suffix names ("Coding", "DateTime"), unknown when it names none.
FhirType fhir_type_from_suffix(std::string_view suffix);
// Its FHIR spelling ("Coding", "dateTime").
std::string_view fhir_type_name(FhirType type);

class Item {
 public:
  static Item boolean(bool value);
  static Item integer(std::int64_t value);
  static Item decimal(Decimal value);
  // Text items keep a view: the caller keeps the characters alive (the document or the
  // evaluator's arena).
  static Item string(std::string_view text);
  static Item date(std::string_view text);
  static Item date_time(std::string_view text);
  static Item time(std::string_view text);
  // A JSON object (or array element) of a document; owner is the nearest response item (the
  // object with a linkId) it sits in, used by weight() to find the question an answer belongs to.
  static Item node(const json::Value* value, const json::Value* owner, FhirType type);

  Kind kind() const { return kind_; }
  FhirType fhir_type() const { return type_; }
  Item with_fhir_type(FhirType type) const {
    Item copy = *this;
    copy.type_ = type;
    return copy;
  }

  bool as_boolean() const { return u_.flag; }
  std::int64_t as_integer() const { return u_.integer; }
  Decimal as_decimal() const { return u_.decimal; }
  std::string_view text() const { return {u_.text.data, u_.text.size}; }
  const json::Value& json() const { return *u_.node.value; }
  const json::Value* owner() const { return u_.node.owner; }

  bool is_number() const { return kind_ == Kind::integer || kind_ == Kind::decimal; }
  bool is_text_kind() const {
    return kind_ == Kind::string || kind_ == Kind::date || kind_ == Kind::date_time ||
           kind_ == Kind::time;
  }
  // Integer and Decimal as a Decimal (implicit conversion Integer → Decimal).
  Decimal number() const { return kind_ == Kind::integer ? decimal_from_integer(u_.integer) : u_.decimal; }

 private:
  Kind kind_ = Kind::boolean;
  FhirType type_ = FhirType::unknown;
  union {
    bool flag;
    std::int64_t integer;
    Decimal decimal;
    struct {
      const char* data;
      std::size_t size;
    } text;
    struct {
      const json::Value* value;
      const json::Value* owner;
    } node;
  } u_{};
};

// The factories are inline: the evaluator makes an item for every value it touches.
inline Item Item::boolean(bool value) {
  Item item;
  item.kind_ = Kind::boolean;
  item.u_.flag = value;
  return item;
}

inline Item Item::integer(std::int64_t value) {
  Item item;
  item.kind_ = Kind::integer;
  item.u_.integer = value;
  return item;
}

inline Item Item::decimal(Decimal value) {
  Item item;
  item.kind_ = Kind::decimal;
  item.u_.decimal = value;
  return item;
}

inline Item Item::string(std::string_view text) {
  Item item;
  item.kind_ = Kind::string;
  item.u_.text = {text.data(), text.size()};
  return item;
}

inline Item Item::date(std::string_view text) {
  Item item = string(text);
  item.kind_ = Kind::date;
  return item;
}

inline Item Item::date_time(std::string_view text) {
  Item item = string(text);
  item.kind_ = Kind::date_time;
  return item;
}

inline Item Item::time(std::string_view text) {
  Item item = string(text);
  item.kind_ = Kind::time;
  return item;
}

inline Item Item::node(const json::Value* value, const json::Value* owner, FhirType type) {
  Item item;
  item.kind_ = Kind::node;
  item.type_ = type;
  item.u_.node = {value, owner};
  return item;
}

using Items = std::span<const Item>;

// One JSON value of a known FHIR type (the answer of valueInteger, valueCoding…) as an item, the
// way path navigation makes it: nullopt for null, arrays and numbers out of range.
std::optional<Item> value_item(const json::Value& value, FhirType type, const json::Value* owner);

// FHIRPath equality (=) of two single items: nullopt when it is unknown (dates of different
// precision). Integer and Decimal compare as numbers, nodes structurally.
std::optional<bool> items_equal(const Item& a, const Item& b);
// Equivalence (~): like equality, but strings ignore case and surrounding/inner whitespace
// differences, decimals compare at the lesser precision, and unknown is false.
bool items_equivalent(const Item& a, const Item& b);
// Ordering of two single items of comparable kinds: -1/0/1; nullopt when the kinds cannot be
// compared or the precision differs (dates), see `comparable`.
std::optional<int> compare_items(const Item& a, const Item& b, bool* comparable);

// The text toString() gives: numbers as literals, booleans "true"/"false", dates as written;
// nullopt for nodes.
std::optional<std::string> to_string(const Item& item);

// A readable rendering for test messages and diagnostics ("1", "'a'", "Coding{...}").
std::string describe(Items items);

}  // namespace socialrx::fhir::fhirpath
