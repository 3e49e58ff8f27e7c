#include "plugins/hl7v2/message.hpp"

#include <utility>

#include "plugins/hl7v2/message_data.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

using Data = Message::Data;

// The range at `index` (1-based) within `range` of `table`, or nullptr.
const Data::Range* nth(const std::vector<Data::Range>& table, const Data::Range& range, int index) {
  if (index < 1 || static_cast<std::uint32_t>(index) > range.count) return nullptr;
  return &table[range.first + static_cast<std::uint32_t>(index) - 1];
}

bool is_empty_component(const Data& data, const Data::Range& component) {
  if (component.count != 1) return false;
  const Data::Value& value = data.subcomponents[component.first];
  return value.length == 0 && !value.explicit_null;
}

bool is_empty_repetition(const Data& data, const Data::Range& repetition) {
  return repetition.count == 1 && is_empty_component(data, data.components[repetition.first]);
}

}  // namespace

std::string to_string(const Position& position) {
  std::string out = position.segment;
  out += '-';
  out += std::to_string(position.field);
  if (position.repetition > 1) {
    out += '[';
    out += std::to_string(position.repetition);
    out += ']';
  }
  if (position.component > 0) {
    out += '.';
    out += std::to_string(position.component);
    if (position.subcomponent > 0) {
      out += '.';
      out += std::to_string(position.subcomponent);
    }
  }
  return out;
}

Message::Message(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

std::size_t Message::segment_count() const { return data_->segments.size(); }

std::string_view Message::segment_id(std::size_t index) const {
  if (index >= data_->segments.size()) return {};
  return data_->segments[index].id;
}

std::optional<std::size_t> Message::find(std::string_view segment_id, std::size_t from) const {
  for (std::size_t i = from; i < data_->segments.size(); ++i) {
    if (data_->segments[i].id == segment_id) return i;
  }
  return std::nullopt;
}

int Message::field_count(std::size_t segment) const {
  if (segment >= data_->segments.size()) return 0;
  return static_cast<int>(data_->segments[segment].fields.count);
}

int Message::repetition_count(std::size_t segment, int field) const {
  if (segment >= data_->segments.size()) return 0;
  const Data::Range* f = nth(data_->fields, data_->segments[segment].fields, field);
  if (f == nullptr) return 0;
  if (f->count == 1 && is_empty_repetition(*data_, data_->repetitions[f->first])) return 0;
  return static_cast<int>(f->count);
}

int Message::component_count(std::size_t segment, int field, int repetition) const {
  if (segment >= data_->segments.size()) return 0;
  const Data::Range* f = nth(data_->fields, data_->segments[segment].fields, field);
  if (f == nullptr) return 0;
  const Data::Range* r = nth(data_->repetitions, *f, repetition);
  if (r == nullptr || is_empty_repetition(*data_, *r)) return 0;
  return static_cast<int>(r->count);
}

namespace {

const Data::Value* find_value(const Data& data, std::size_t segment, int field, int repetition,
                              int component, int subcomponent) {
  if (segment >= data.segments.size()) return nullptr;
  const Data::Range* f = nth(data.fields, data.segments[segment].fields, field);
  if (f == nullptr) return nullptr;
  const Data::Range* r = nth(data.repetitions, *f, repetition);
  if (r == nullptr) return nullptr;
  const Data::Range* c = nth(data.components, *r, component);
  if (c == nullptr) return nullptr;
  if (subcomponent < 1 || static_cast<std::uint32_t>(subcomponent) > c->count) return nullptr;
  return &data.subcomponents[c->first + static_cast<std::uint32_t>(subcomponent) - 1];
}

}  // namespace

std::string_view Message::value(std::size_t segment, int field, int repetition, int component,
                                int subcomponent) const {
  const Data::Value* v = find_value(*data_, segment, field, repetition, component, subcomponent);
  if (v == nullptr) return {};
  return std::string_view(data_->text).substr(v->offset, v->length);
}

bool Message::is_explicit_null(std::size_t segment, int field, int repetition, int component,
                               int subcomponent) const {
  const Data::Value* v = find_value(*data_, segment, field, repetition, component, subcomponent);
  return v != nullptr && v->explicit_null;
}

const Delimiters& Message::delimiters() const { return data_->delimiters; }
std::string_view Message::declared_charset() const { return data_->declared_charset; }
std::string_view Message::decoded_charset() const { return data_->decoded_charset; }

}  // namespace socialrx::plugins::hl7v2
