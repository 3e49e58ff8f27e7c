#include "plugins/hl7v2/mapping_transforms.hpp"

#include <algorithm>
#include <array>

#include "fhir/date_time.hpp"
#include "fhir/jp_identifiers.hpp"
#include "fhir/text_normalize.hpp"
#include "plugins/hl7v2/mapping_position.hpp"

namespace socialrx::plugins::hl7v2::mapping {
namespace {

using fhir::json::Member;
using fhir::json::Value;

void add_issue(TransformContext& context, PluginIssue::Severity severity, std::string code,
               const std::string& location, std::string diagnostics) {
  context.issues.push_back(PluginIssue{.severity = severity,
                                       .code = std::move(code),
                                       .location = location,
                                       .diagnostics = std::move(diagnostics)});
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One component (or subcomponent) of a field repetition, trimmed; "" for HL7's explicit null.
std::string_view part(const Message& message, std::size_t segment, int field, int repetition,
                      int component, int subcomponent = 1) {
  if (message.is_explicit_null(segment, field, repetition, component, subcomponent)) return {};
  return fhir::jp::trim_padding(message.value(segment, field, repetition, component, subcomponent));
}

// JP Core's name form (fhir::jp::normalize_jp_name: half-width katakana → full-width, white space
// collapsed and trimmed) goes through ICU; most names need none of it, and three names per
// message made it a visible share of decoding. Text without white space and without any byte
// that can start half-width katakana or non-ASCII white space (lead bytes C2, E1, E2, EF and the
// sequence E3 80 80 = U+3000) is already in that form. The parser hands over well-formed UTF-8.
std::string jp_name(std::string_view text) {
  bool plain = true;
  for (std::size_t i = 0; i < text.size() && plain; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xEF) plain = false;
    if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x80) {
      plain = false;
    }
  }
  return plain ? std::string(text) : fhir::jp::normalize_jp_name(text);
}

// --- dates ------------------------------------------------------------------------------------

std::optional<Value> date_transform(std::string_view text, const std::string& location,
                                    TransformContext& context) {
  std::optional<std::string> date = hl7_to_fhir_date(text);
  if (!date) {
    add_issue(context, PluginIssue::Severity::error, "value", location,
              location + " is not an HL7 date (YYYYMMDD) on the calendar");
    return std::nullopt;
  }
  return context.out.make_string(*date);
}

std::optional<Value> datetime_transform(std::string_view text, const std::string& location,
                                        TransformContext& context) {
  std::optional<std::string> datetime = hl7_to_fhir_datetime(text, context.timezone);
  if (!datetime) {
    add_issue(context, PluginIssue::Severity::error, "value", location,
              location + " is not an HL7 date/time (YYYYMMDD[HHMM[SS[.S]]][+ZZZZ]) on the calendar");
    return std::nullopt;
  }
  return context.out.make_string(*datetime);
}

// --- Japanese identifiers ---------------------------------------------------------------------

std::optional<Value> institution_code_transform(std::string_view text, const std::string& location,
                                                TransformContext& context) {
  const fhir::jp::IdentifierResult code =
      fhir::jp::check_medical_institution_code(text, fhir::jp::CheckMode::lenient);
  if (!code.valid) {
    add_issue(context, PluginIssue::Severity::error, "value", location,
              location + " is not a 10-digit medical institution code (医療機関コード)");
    return std::nullopt;
  }
  if (code.is_warning()) {
    add_issue(context, PluginIssue::Severity::warning, "value", location,
              location + ": the medical institution code's check digit does not match");
  }
  return context.out.make_string(code.normalized);
}

std::optional<Value> postal_code_transform(std::string_view text, const std::string& location,
                                           TransformContext& context) {
  const fhir::jp::IdentifierResult code = fhir::jp::check_postal_code(text);
  if (!code.valid) {
    add_issue(context, PluginIssue::Severity::error, "value", location,
              location + " is not a 7-digit postal code");
    return std::nullopt;
  }
  return context.out.make_string(code.normalized);
}

std::optional<Value> name_text_transform(std::string_view text, const std::string&,
                                         TransformContext& context) {
  std::string name = jp_name(text);
  if (name.empty()) return std::nullopt;
  return context.out.make_string(name);
}

std::optional<Value> member_id_transform(std::span<const std::string_view> texts,
                                         std::span<const std::string> locations,
                                         TransformContext& context) {
  // Without an insurer number or 番号 there is no identifier to build; "$required" says whether
  // that is an error.
  if (texts[0].empty() || texts[2].empty()) return std::nullopt;
  const fhir::jp::IdentifierResult id =
      fhir::jp::build_insurance_member_id(texts[0], texts[1], texts[2], texts[3]);
  if (!id.valid) {
    add_issue(context, PluginIssue::Severity::error, "value", locations[0],
              "the insured person's identifier (被保険者個人識別子) cannot be built from " +
                  locations[0] + ", " + locations[1] + ", " + locations[2] + " and " + locations[3] +
                  ": an insurer number of 1 to 8 digits and parts without ':' are needed");
    return std::nullopt;
  }
  return context.out.make_string(id.normalized);
}

// --- XPN → HumanName --------------------------------------------------------------------------

// HL7 table 4000 (name/address representation) → ISO 21090 EN representation (JP Core: IDE
// for kanji, SYL for kana).
std::string_view representation_code(std::string_view hl7) {
  if (hl7 == "I") return "IDE";
  if (hl7 == "P") return "SYL";
  if (hl7 == "A") return "ABC";
  return {};
}

// HL7 table 0200 (name type) → FHIR name-use.
std::string_view name_use(std::string_view hl7) {
  if (hl7 == "L") return "official";
  if (hl7 == "D") return "usual";
  if (hl7 == "M") return "maiden";
  if (hl7 == "N" || hl7 == "A") return "nickname";
  return {};
}

std::optional<Value> xpn_transform(std::size_t segment, int field, int repetition, const std::string&,
                                   TransformContext& context) {
  const Message& m = context.message;
  auto& out = context.out;
  const std::string family = jp_name(part(m, segment, field, repetition, 1, 1));
  std::vector<std::string> given;
  for (int component : {2, 3}) {  // given name, then second given names
    std::string name = jp_name(part(m, segment, field, repetition, component));
    if (!name.empty()) given.push_back(std::move(name));
  }
  if (family.empty() && given.empty()) return std::nullopt;

  std::vector<Member> members;
  const std::string_view representation = representation_code(part(m, segment, field, repetition, 8));
  if (!representation.empty()) {
    const std::array<Member, 2> extension{
        Member{"url", out.make_string("http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation")},
        Member{"valueCode", out.make_string(representation)}};
    const Value object = out.make_object(extension);
    members.push_back(Member{"extension", out.make_array(std::span<const Value>(&object, 1))});
  }
  const std::string_view use = name_use(part(m, segment, field, repetition, 7));
  if (!use.empty()) members.push_back(Member{"use", out.make_string(use)});
  std::string text = family;
  for (const std::string& name : given) text += (text.empty() ? "" : " ") + name;
  members.push_back(Member{"text", out.make_string(text)});
  if (!family.empty()) members.push_back(Member{"family", out.make_string(family)});
  if (!given.empty()) {
    std::vector<Value> items;
    for (const std::string& name : given) items.push_back(out.make_string(name));
    members.push_back(Member{"given", out.make_array(items)});
  }
  return out.make_object(members);
}

// --- XAD → Address ----------------------------------------------------------------------------

constexpr std::array<std::string_view, 47> kPrefectures{
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

std::string_view prefecture_prefix(std::string_view text) {
  for (std::string_view prefecture : kPrefectures) {
    if (text.substr(0, prefecture.size()) == prefecture) return prefecture;
  }
  return {};
}

// HL7 table 0190 (address type) → FHIR address-use.
std::string_view address_use(std::string_view hl7) {
  if (hl7 == "H") return "home";
  if (hl7 == "B" || hl7 == "O") return "work";
  if (hl7 == "C") return "temp";
  if (hl7 == "BA") return "old";
  return {};
}

std::optional<Value> xad_transform(std::size_t segment, int field, int repetition,
                                   const std::string& location, TransformContext& context) {
  const Message& m = context.message;
  auto& out = context.out;
  const std::string_view street = part(m, segment, field, repetition, 1, 1);
  const std::string_view other = part(m, segment, field, repetition, 2);
  const std::string_view city = part(m, segment, field, repetition, 3);
  std::string_view state = part(m, segment, field, repetition, 4);
  const std::string_view zip = part(m, segment, field, repetition, 5);
  const std::string_view country = part(m, segment, field, repetition, 6);
  const std::string_view type = part(m, segment, field, repetition, 7);
  const std::string_view whole = part(m, segment, field, repetition, 8);

  // JAHIS puts the whole address in XAD-8; when only that is sent, the 都道府県 still can be read.
  std::string text(whole);
  if (text.empty()) text = std::string(state) + std::string(city) + std::string(street) + std::string(other);
  if (state.empty()) state = prefecture_prefix(text);
  if (text.empty() && zip.empty()) return std::nullopt;

  std::vector<Member> members;
  const std::string_view use = address_use(type);
  if (!use.empty()) members.push_back(Member{"use", out.make_string(use)});
  if (!text.empty()) members.push_back(Member{"text", out.make_string(text)});
  std::vector<Value> lines;
  for (std::string_view line : {street, other}) {
    if (!line.empty()) lines.push_back(out.make_string(line));
  }
  if (!lines.empty()) members.push_back(Member{"line", out.make_array(lines)});
  if (!city.empty()) members.push_back(Member{"city", out.make_string(city)});
  if (!state.empty()) members.push_back(Member{"state", out.make_string(state)});
  if (!zip.empty()) {
    const fhir::jp::IdentifierResult postal = fhir::jp::check_postal_code(zip);
    if (!postal.valid) {
      add_issue(context, PluginIssue::Severity::warning, "value", location + ".5",
                location + ".5 is not a 7-digit postal code; kept as sent");
    }
    members.push_back(Member{"postalCode", out.make_string(postal.valid ? postal.normalized : std::string(zip))});
  }
  if (!country.empty()) members.push_back(Member{"country", out.make_string(country)});
  return out.make_object(members);
}

// --- XTN → ContactPoint -----------------------------------------------------------------------

// HL7 table 0202 (telecommunication equipment type) → FHIR contact-point-system.
std::string_view contact_system(std::string_view hl7) {
  if (hl7 == "PH" || hl7 == "CP") return "phone";
  if (hl7 == "FX") return "fax";
  if (hl7 == "BP") return "pager";
  if (hl7 == "Internet" || hl7 == "X.400") return "email";
  if (hl7.empty()) return {};
  return "other";
}

// HL7 table 0201 (telecommunication use code) → FHIR contact-point-use; a cellular phone
// (equipment CP) is "mobile" whatever the use code says.
std::string_view contact_use(std::string_view hl7_use, std::string_view hl7_equipment) {
  if (hl7_equipment == "CP") return "mobile";
  if (hl7_use == "PRN" || hl7_use == "ORN" || hl7_use == "VHN") return "home";
  if (hl7_use == "WPN") return "work";
  return {};
}

std::optional<Value> xtn_transform(std::size_t segment, int field, int repetition, const std::string&,
                                   TransformContext& context) {
  const Message& m = context.message;
  auto& out = context.out;
  const std::string_view use_code = part(m, segment, field, repetition, 2);
  const std::string_view equipment = part(m, segment, field, repetition, 3);
  std::string_view system = contact_system(equipment);
  std::string_view value = part(m, segment, field, repetition, 12);  // unformatted number
  if (value.empty()) value = part(m, segment, field, repetition, 1);  // formatted (older senders)
  if (value.empty() || system == "email") {
    const std::string_view email = part(m, segment, field, repetition, 4);
    if (!email.empty()) {
      value = email;
      system = "email";
    }
  }
  if (value.empty()) return std::nullopt;
  if (system.empty()) system = "phone";  // SS-MIX2 senders often leave XTN-3 empty on phone fields

  std::vector<Member> members{Member{"system", out.make_string(system)},
                              Member{"value", out.make_string(value)}};
  const std::string_view use = contact_use(use_code, equipment);
  if (!use.empty()) members.push_back(Member{"use", out.make_string(use)});
  return out.make_object(members);
}

const std::array<TransformInfo, 9> kTransforms{{
    {.name = "date", .input = TransformInfo::Input::value, .arity = 1, .on_value = date_transform},
    {.name = "datetime", .input = TransformInfo::Input::value, .arity = 1, .on_value = datetime_transform},
    {.name = "medical-institution-code", .input = TransformInfo::Input::value, .arity = 1,
     .on_value = institution_code_transform},
    {.name = "postal-code", .input = TransformInfo::Input::value, .arity = 1, .on_value = postal_code_transform},
    {.name = "name-text", .input = TransformInfo::Input::value, .arity = 1, .on_value = name_text_transform},
    {.name = "xpn-jp", .input = TransformInfo::Input::field, .arity = 1, .on_field = xpn_transform},
    {.name = "xad-jp", .input = TransformInfo::Input::field, .arity = 1, .on_field = xad_transform},
    {.name = "xtn", .input = TransformInfo::Input::field, .arity = 1, .on_field = xtn_transform},
    {.name = "jp-insurance-member-id", .input = TransformInfo::Input::values, .arity = 4,
     .on_values = member_id_transform},
}};

bool valid_fhir(const std::string& text) { return fhir::time_range(text).has_value(); }

}  // namespace

const TransformInfo* find_transform(std::string_view name) {
  for (const TransformInfo& transform : kTransforms) {
    if (transform.name == name) return &transform;
  }
  return nullptr;
}

std::string transform_names() {
  std::string names;
  for (const TransformInfo& transform : kTransforms) {
    names += (names.empty() ? "" : ", ") + std::string(transform.name);
  }
  return names;
}

std::optional<std::string> hl7_to_fhir_date(std::string_view text) {
  // DT is YYYY[MM[DD]]; a DTM (with a time) gives its date.
  std::string_view digits = text.substr(0, std::min<std::size_t>(text.size(), 8));
  if (!(digits.size() == 4 || digits.size() == 6 || digits.size() == 8) || !all_digits(digits)) {
    return std::nullopt;
  }
  if (text.size() > 8 && !all_digits(text.substr(8, 1))) return std::nullopt;
  std::string date(digits.substr(0, 4));
  if (digits.size() >= 6) date += "-" + std::string(digits.substr(4, 2));
  if (digits.size() == 8) date += "-" + std::string(digits.substr(6, 2));
  if (!valid_fhir(date)) return std::nullopt;
  return date;
}

std::optional<std::string> hl7_to_fhir_datetime(std::string_view text, std::string_view timezone) {
  // DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
  std::string_view offset;
  if (std::size_t sign = text.find_first_of("+-"); sign != std::string_view::npos) {
    offset = text.substr(sign);
    text = text.substr(0, sign);
    if (offset.size() != 5 || !all_digits(offset.substr(1))) return std::nullopt;
  }
  std::string_view fraction;
  if (std::size_t dot = text.find('.'); dot != std::string_view::npos) {
    fraction = text.substr(dot + 1);
    text = text.substr(0, dot);
    if (fraction.empty() || fraction.size() > 4 || !all_digits(fraction) || text.size() != 14) {
      return std::nullopt;
    }
  }
  if (!all_digits(text)) return std::nullopt;
  if (text.size() <= 8) {
    // A date alone stays a date (FHIR dateTime allows it; a zone is meaningless on it).
    return hl7_to_fhir_date(text);
  }
  if (text.size() != 10 && text.size() != 12 && text.size() != 14) return std::nullopt;
  std::optional<std::string> date = hl7_to_fhir_date(text.substr(0, 8));
  if (!date) return std::nullopt;
  std::string out = *date + "T" + std::string(text.substr(8, 2));
  out += ":" + (text.size() >= 12 ? std::string(text.substr(10, 2)) : std::string("00"));
  out += ":" + (text.size() >= 14 ? std::string(text.substr(12, 2)) : std::string("00"));
  if (!fraction.empty()) out += "." + std::string(fraction);
  if (offset.empty()) {
    out += std::string(timezone);
  } else {
    out += std::string(offset.substr(0, 3)) + ":" + std::string(offset.substr(3, 2));
  }
  if (!valid_fhir(out)) return std::nullopt;
  return out;
}

}  // namespace socialrx::plugins::hl7v2::mapping
