#pragma once
// JSON output for scoring and extraction: RapidJSON's Writer straight into a string buffer (no
// DOM), plus copying parts of the arena JSON model into it.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

#include "fhir/fhirpath/value.hpp"
#include "fhir/json.hpp"

namespace socialrx::fhir::questionnaire {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void write_key(JsonWriter& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
inline void write_string(JsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
inline void write_member(JsonWriter& writer, std::string_view key, std::string_view text) {
  write_key(writer, key);
  write_string(writer, text);
}

// A value of the model, numbers as their literal.
void write_json(JsonWriter& writer, const json::Value& value);
// A Coding without its extensions (ordinalValue and the like belong to the Questionnaire).
void write_coding(JsonWriter& writer, const json::Value& coding);
// {"coding":[{"system":…,"code":…,"display":…}]}
void write_codeable_concept(JsonWriter& writer, std::string_view system, std::string_view code,
                            std::string_view display = {});

}  // namespace socialrx::fhir::questionnaire
