#include "fhir/questionnaire/scoring_json.hpp"

namespace socialrx::fhir::questionnaire {

void write_json(JsonWriter& writer, const json::Value& value) {
  switch (value.kind()) {
    case json::Kind::null:
      writer.Null();
      return;
    case json::Kind::boolean:
      writer.Bool(value.as_bool());
      return;
    case json::Kind::number: {
      std::string_view text = value.text();
      // RawNumber would quote it: Writer treats raw numbers as strings.
        writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      return;
    }
    case json::Kind::string:
      write_string(writer, value.text());
      return;
    case json::Kind::array:
      writer.StartArray();
      for (const json::Value& item : value.items()) write_json(writer, item);
      writer.EndArray();
      return;
    case json::Kind::object:
      writer.StartObject();
      for (const json::Member& member : value.members()) {
        write_key(writer, member.key);
        write_json(writer, member.value);
      }
      writer.EndObject();
      return;
  }
}

void write_coding(JsonWriter& writer, const json::Value& coding) {
  writer.StartObject();
  for (std::string_view key : {"system", "version", "code", "display"}) {
    if (const json::Value* part = coding.find(key); part != nullptr && part->is_string()) {
      write_member(writer, key, part->text());
    }
  }
  writer.EndObject();
}

void write_codeable_concept(JsonWriter& writer, std::string_view system, std::string_view code,
                            std::string_view display) {
  writer.StartObject();
  write_key(writer, "coding");
  writer.StartArray();
  writer.StartObject();
  write_member(writer, "system", system);
  write_member(writer, "code", code);
  if (!display.empty()) write_member(writer, "display", display);
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
}

}  // namespace socialrx::fhir::questionnaire
