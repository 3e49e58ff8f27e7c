#include "fhir/questionnaire/extraction.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include "fhir/primitives.hpp"
#include "fhir/questionnaire/answer_value.hpp"
#include "fhir/questionnaire/enable_when.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/scoring_json.hpp"

namespace socialrx::fhir::questionnaire {

namespace {

namespace sys = extraction_system;

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash) {
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  // Four bytes a turn: the same sequence of steps with a quarter of the loop's own instructions.
  for (; n >= 4; n -= 4, p += 4) {
    hash = (hash ^ p[0]) * kPrime;
    hash = (hash ^ p[1]) * kPrime;
    hash = (hash ^ p[2]) * kPrime;
    hash = (hash ^ p[3]) * kPrime;
  }
  for (; n > 0; --n, ++p) hash = (hash ^ *p) * kPrime;
  return hash;
}

// The 16 lowercase hex digits of v, most significant first. Branch-free: the nibbles are spread
// into the bytes of a word, turned into digits all at once, then stored in reading order.
void write_hex16(std::uint64_t v, char* out) {
  if constexpr (std::endian::native == std::endian::little) {
    for (int half = 0; half < 2; ++half) {
      std::uint64_t x = half == 0 ? v >> 32 : v & 0xFFFFFFFFULL;
      x = ((x & 0xFFFF0000ULL) << 16) | (x & 0xFFFFULL);
      x = ((x & 0x0000FF000000FF00ULL) << 8) | (x & 0x000000FF000000FFULL);
      x = ((x & 0x00F000F000F000F0ULL) << 4) | (x & 0x000F000F000F000FULL);
      // Each byte is a nibble, least significant first; those above 9 get 'a' - '0' - 10 more.
      const std::uint64_t letters = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
      x += 0x3030303030303030ULL + letters * static_cast<std::uint64_t>('a' - '0' - 10);
      x = __builtin_bswap64(x);
      std::memcpy(out + 8 * half, &x, 8);
    }
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) out[i] = kHex[(v >> (60 - 4 * i)) & 15];
  }
}

// Conditional-update URLs: the identifier value percent-encoded where a query needs it.
void append_query_value(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '|';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

// The resource type a reference names ("Practitioner/1", "https://x/fhir/Device/2"); empty
// when it cannot be told (urn:uuid, identifier-only).
std::string_view reference_type(const json::Value& reference) {
  std::string_view text = reference.string_at("reference");
  if (text.empty()) return reference.string_at("type");
  if (text.starts_with("urn:") || text.starts_with("#")) return {};
  std::size_t history = text.find("/_history/");
  if (history != std::string_view::npos) text = text.substr(0, history);
  std::size_t slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  std::string_view head = text.substr(0, slash);
  std::size_t before = head.rfind('/');
  return before == std::string_view::npos ? head : head.substr(before + 1);
}

bool observation_performer_allowed(const json::Value& author) {
  std::string_view type = reference_type(author);
  return type.empty() || type == "Practitioner" || type == "PractitionerRole" ||
         type == "Organization" || type == "CareTeam" || type == "Patient" ||
         type == "RelatedPerson";
}

// urn:uuid:8-4-4-4-12: 45 characters.
using Uuid = std::array<char, 45>;

constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;

// `high_prefix` is fnv1a of the seed's first `prefix` characters (kFnvBasis for none): the
// first pass continues from it, so that a prefix shared by many seeds is hashed once.
Uuid make_uuid(std::string_view seed, std::uint64_t high_prefix = kFnvBasis, std::size_t prefix = 0) {
  std::uint64_t high = fnv1a(seed.substr(prefix), high_prefix);
  std::uint64_t low = fnv1a(seed, high ^ 0x9e3779b97f4a7c15ULL);
  // Version nibble 8 (custom) and the RFC 4122 variant, so it reads as a well-formed UUID.
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000008000ULL;
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  // Written by hand (snprintf was a visible cost per entry): the 32 digits first, then the
  // 8-4-4-4-12 groups.
  char digits[32];
  write_hex16(high, digits);
  write_hex16(low, digits + 16);
  Uuid text;
  char* out = text.data();
  std::memcpy(out, "urn:uuid:", 9);
  std::memcpy(out + 9, digits, 8);
  out[17] = '-';
  std::memcpy(out + 18, digits + 8, 4);
  out[22] = '-';
  std::memcpy(out + 23, digits + 12, 4);
  out[27] = '-';
  std::memcpy(out + 28, digits + 16, 4);
  out[32] = '-';
  std::memcpy(out + 33, digits + 20, 12);
  return text;
}

std::string_view view(const Uuid& uuid) { return {uuid.data(), uuid.size()}; }

// `"key":{…}` as the writer would write the member, for copying as it is.
template <typename Fn>
std::string rendered_member(Fn&& write) {
  std::string text;
  JsonText writer(text);
  writer.StartObject();
  write(writer);
  writer.EndObject();
  return text.substr(1, text.size() - 2);
}

const std::string& asked_unknown_member() {
  static const std::string text = rendered_member([](JsonText& writer) {
    write_key(writer, "dataAbsentReason");
    write_codeable_concept(writer, extraction_system::data_absent_reason, "asked-unknown",
                           "Asked But Unknown");
  });
  return text;
}

const std::string& asked_unknown_with_comma() {
  static const std::string text = "," + asked_unknown_member();
  return text;
}

const std::string& positive_member() {
  static const std::string text = rendered_member([](JsonText& writer) {
    write_key(writer, "interpretation");
    writer.StartArray();
    write_codeable_concept(writer, extraction_system::interpretation, "POS", "Positive");
    writer.EndArray();
  });
  return text;
}

// {"reference":"…"}
template <typename Writer>
void write_reference_to(Writer& writer, std::string_view reference) {
  writer.StartObject();
  write_member(writer, "reference", reference);
  writer.EndObject();
}

// Our sdh-domain code and its Gravity categories, one CodeableConcept each.
template <typename Writer>
void write_domain_categories(Writer& writer, const ExtractionPlan& plan, const json::Value& domain) {
  std::string_view code = domain.string_at("code");
  for (const json::Value* gravity : plan.gravity_categories(code)) {
    writer.StartObject();
    write_key(writer, "coding");
    writer.StartArray();
    write_coding(writer, *gravity);
    writer.EndArray();
    writer.EndObject();
  }
  writer.StartObject();
  write_key(writer, "coding");
  writer.StartArray();
  write_coding(writer, domain);
  writer.EndArray();
  writer.EndObject();
}

// The Condition of an at-risk domain, after its identifier and before its subject.
template <typename Writer>
void write_condition_members(Writer& writer, const ExtractionPlan& plan, const json::Value& domain) {
  write_key(writer, "clinicalStatus");
  write_codeable_concept(writer, sys::condition_clinical, "active", "Active");
  write_key(writer, "verificationStatus");
  write_codeable_concept(writer, sys::condition_verification, "unconfirmed", "Unconfirmed");
  write_key(writer, "category");
  writer.StartArray();
  write_codeable_concept(writer, sys::condition_category, "health-concern", "Health Concern");
  write_codeable_concept(writer, sys::us_core_category, "sdoh", "SDOH");
  write_domain_categories(writer, plan, domain);
  writer.EndArray();
  write_key(writer, "code");
  writer.StartObject();
  write_key(writer, "coding");
  writer.StartArray();
  write_coding(writer, domain);
  writer.EndArray();
  writer.EndObject();
}

// The proposed ServiceRequest of an at-risk domain, after its identifier and before orderDetail.
template <typename Writer>
void write_service_request_members(Writer& writer, const ExtractionPlan& plan,
                                   const json::Value& domain) {
  write_member(writer, "status", "draft");
  write_member(writer, "intent", "proposal");
  write_key(writer, "category");
  writer.StartArray();
  write_codeable_concept(writer, sys::snomed, "410606002", "Social service procedure");
  write_domain_categories(writer, plan, domain);
  writer.EndArray();
}

// The constant parts of an entry's head for one resource type:
//   {"fullUrl":"<uuid>" + url + <QR id, query-encoded>/<rest> + identifier + <QR id>/<rest> + "}]
struct EntryHead {
  std::string url;         // ","request":{"method":"PUT","url":"<Type>?identifier=<system>|
  std::string identifier;  // "},"resource":{"resourceType":"<Type>","identifier":[{"system":"…","value":"
};

EntryHead entry_head(std::string_view type) {
  EntryHead head;
  head.url = "\",\"request\":{\"method\":\"PUT\",\"url\":\"";
  head.url += type;
  head.url += "?identifier=";
  append_query_value(head.url, extraction_system::identifier);
  head.url += '|';
  head.identifier = "\"},\"resource\":{\"resourceType\":";
  append_json_string(head.identifier, type);
  head.identifier += ",\"identifier\":[{\"system\":";
  append_json_string(head.identifier, extraction_system::identifier);
  head.identifier += ",\"value\":\"";
  return head;
}

const EntryHead& observation_head() {
  static const EntryHead head = entry_head("Observation");
  return head;
}
const EntryHead& condition_head() {
  static const EntryHead head = entry_head("Condition");
  return head;
}
const EntryHead& service_request_head() {
  static const EntryHead head = entry_head("ServiceRequest");
  return head;
}

const std::string& order_detail_member() {
  static const std::string text = rendered_member([](JsonText& writer) {
    write_key(writer, "orderDetail");
    writer.StartArray();
    write_codeable_concept(writer, extraction_system::sdohcc_temporary, "contacting-subject-prohibited",
                           "Contacting subject prohibited");
    writer.EndArray();
  });
  return text;
}

const std::string& positive_with_comma() {
  static const std::string text = "," + positive_member();
  return text;
}

struct Evidence {
  Uuid uuid;
  bool positive = false;
  bool has_value = false;
};

class Extractor {
 public:
  Extractor(const ExtractionPlan& plan, const json::Value& response, const ScoreResult& score,
            fhirpath::Evaluator& evaluator, ExtractionResult& result, const ResponseTree* tree)
      : plan_(plan),
        index_(plan.scoring().index()),
        response_(response),
        score_(score),
        evaluator_(evaluator),
        result_(result),
        writer_(result.bundle_json),
        built_(tree != nullptr ? ResponseTree() : ResponseTree::build(index_, response)),
        tree_(tree != nullptr ? *tree : built_),
        enablement_(index_, tree_),
        counters_(index_.items().size(), 0) {}

  bool run() {
    id_ = response_.string_at("id");
    if (id_.empty()) {
      result_.issues.error(IssueType::required, "QuestionnaireResponse.id",
                           "extraction needs the response's id (the identifiers are made from it)");
      return false;
    }
    std::string_view status = response_.string_at("status");
    if (status != "completed" && status != "amended") {
      result_.issues.error(IssueType::business_rule, "QuestionnaireResponse.status",
                           "only completed or amended responses are extracted, not '" +
                               std::string(status) + "'");
      return false;
    }
    observation_status_ = status == "amended" ? "amended" : "final";
    subject_ = response_.find("subject");
    author_ = response_.find("author");
    authored_ = response_.string_at("authored");
    issued_ok_ = !authored_.empty() && check_primitive(Primitive::instant, authored_).empty();
    qr_reference_ = "QuestionnaireResponse/" + std::string(id_);
    common_members_ = common_members();
    prepare_observation_pieces();

    // About 1.4 kB per Observation: reserve once instead of growing.
    result_.bundle_json.reserve(2048 + tree_.size() * 1536);
    evidence_.reserve(tree_.size() + 16);
    writer_.StartObject();
    write_member(writer_, "resourceType", "Bundle");
    write_member(writer_, "type", "transaction");
    write_key(writer_, "entry");
    writer_.StartArray();
    visit(no_item, no_node);
    write_risks();
    writer_.EndArray();
    writer_.EndObject();
    return true;
  }

 private:
  void visit(ItemId parent_item, NodeId parent_node) {
    std::span<const ItemId> items =
        parent_item == no_item ? index_.top_level() : std::span<const ItemId>(index_.item(parent_item).children);
    // Direct children of the response node (no_node: the top level), in document order.
    const NodeId first = parent_node == no_node ? 0 : parent_node + 1;
    const NodeId end = parent_node == no_node ? static_cast<NodeId>(tree_.size()) : tree_.node(parent_node).end;
    for (ItemId id : items) {
      const Item& item = index_.item(id);
      bool found = false;
      for (NodeId child = first; child < end; child = tree_.node(child).end) {
        if (tree_.node(child).item != &item) continue;
        found = true;
        if (!enablement_.enabled(child)) continue;
        present(item, child);
        visit(id, child);
      }
      if (!found && enablement_.would_be_enabled(item, parent_node)) {
        absent(item);
        visit_absent(item, parent_node);
      }
    }
  }

  // Descendants of an item absent from the response: enabled ones are still asked.
  void visit_absent(const Item& parent, NodeId nearest) {
    for (ItemId id : parent.children) {
      const Item& item = index_.item(id);
      if (!enablement_.would_be_enabled(item, nearest)) continue;
      absent(item);
      visit_absent(item, nearest);
    }
  }

  // The members every Observation of this response shares, as JSON members:
  // `"subject":{…},"effectiveDateTime":…,"issued":…,"performer":[…]` (empty when none).
  std::string common_members() const {
    std::string text;
    JsonText out(text);
    out.StartObject();
    if (subject_ != nullptr) {
      write_key(out, "subject");
      write_json(out, *subject_);
    }
    if (!authored_.empty()) write_member(out, "effectiveDateTime", authored_);
    if (issued_ok_) write_member(out, "issued", authored_);
    if (author_ != nullptr && observation_performer_allowed(*author_)) {
      write_key(out, "performer");
      out.StartArray();
      write_json(out, *author_);
      out.EndArray();
    }
    out.EndObject();
    return text.substr(1, text.size() - 2);  // without the braces
  }

  bool extractable(const Item& item) const {
    return item.is_question() && item.code != nullptr && item.code->is_array() &&
           !item.code->items().empty() && plan_.extracted(item.id);
  }

  void present(const Item& item, NodeId node_id) {
    if (!extractable(item)) return;
    const ResponseNode& node = tree_.node(node_id);
    if (node.answers.empty()) {
      absent(item);
      return;
    }
    for (const json::Value& answer : node.answers) {
      TypedValue typed = find_choice(answer, "value");
      if (!typed || typed.type == ValueType::attachment || typed.type == ValueType::reference) {
        continue;
      }
      bool positive = answer_indicates_need(plan_.scoring(), item, answer, *node.node, response_,
                                            evaluator_, result_.issues);
      observation(item, &typed, positive, typed.type == ValueType::coding ? option_value(item, *typed.node) : nullptr);
    }
  }

  // The pre-rendered value of the answerOption this Coding is, when writing the Coding would
  // give exactly its text: the same strings for system, version, code and display.
  const std::string* option_value(const Item& item, const json::Value& coding) const {
    if (!coding.is_object()) return nullptr;
    std::string_view given[4];  // system, version, code, display
    for (const json::Member& member : coding.members()) {
      const std::string_view key = member.key;
      int k = -1;
      if (key.size() == 4) {
        k = key == "code" ? 2 : -1;
      } else if (key.size() == 6) {
        k = key == "system" ? 0 : -1;
      } else if (key.size() == 7) {
        k = key == "version" ? 1 : key == "display" ? 3 : -1;
      }
      if (k < 0) continue;
      if (given[k].data() != nullptr) return nullptr;  // a repeated key: let the writer decide
      if (!member.value.is_string()) return nullptr;
      given[k] = member.value.text().data() != nullptr ? member.value.text() : std::string_view("", 0);
    }
    // string_view's == calls compare(), out of line here; most options differ in size or in
    // the first byte of their code.
    auto same = [](std::string_view a, std::string_view b) {
      return a.size() == b.size() && (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
    };
    for (std::size_t o = 0; o < item.answer_options.size(); ++o) {
      const ExtractionPlan::OptionValue* value = plan_.option_value(item.id, o);
      if (value == nullptr || !same(value->parts[2], given[2]) || !same(value->parts[0], given[0])) continue;
      for (int k = 0; k < 4; ++k) {
        const bool a = given[k].data() != nullptr;
        const bool b = value->parts[k].data() != nullptr;
        if (a != b || !same(given[k], value->parts[k])) return nullptr;
      }
      return &value->json;
    }
    return nullptr;
  }

  void absent(const Item& item) {
    if (!extractable(item) || plan_.hidden(item.id) || plan_.scoring().is_calculated(item.id)) return;
    observation(item, nullptr, false, nullptr);
  }

  std::string identifier_value(std::string_view middle, std::string_view last) const {
    std::string value(id_);
    value += '/';
    value += middle;
    value += '/';
    value += last;
    return value;
  }

  // Opens an entry and its resource, with fullUrl, request and identifier <QR id>/<rest> written
  // (as the writer would write them member by member; end_entry closes both).
  void start_entry(const EntryHead& type, std::string_view rest, std::string_view uuid) {
    std::string& head = entry_head_;
    head.assign("{\"fullUrl\":\"");
    head += uuid;  // hex digits and dashes: nothing to escape
    head += type.url;
    head += id_query_;
    append_query_value(head, rest);
    head += type.identifier;
    head += id_json_;
    const std::size_t quote = head.size();
    append_json_string(head, rest);
    head.erase(quote, 1);  // the opening quote: the value continues the QR id's
    head += "}]";
    writer_.RawOpen(head, 2);
  }

  void end_entry() {
    writer_.EndObject();  // resource
    writer_.EndObject();  // entry
  }

  // The parts of every Observation entry that depend only on the response, around the per-item
  // pieces of the plan (ExtractionPlan::link_id_query and the like):
  //   {"fullUrl":"<uuid>" + url_head_ + <linkId query>/<n> + identifier_head_ + <linkId>/<n>
  //   + status_head_ + "category":…,"code":… + ,<common members> + ,<value> [+ ,interpretation]
  //   + tail_
  // exactly what writing each member with the writer gives.
  void prepare_observation_pieces() {
    // The QR id as the identifier's first part, in the URL and in the value, with its '/'.
    append_query_value(id_query_, id_);
    id_query_ += '/';
    append_json_string(id_json_, id_);
    id_json_.pop_back();  // the closing quote
    id_json_.erase(0, 1);  // the opening quote
    id_json_ += '/';
    observation_prefix_hash_ = fnv1a(id_, kFnvBasis);
    observation_prefix_hash_ = fnv1a("/", observation_prefix_hash_);
    url_head_ = observation_head().url;
    url_head_ += id_query_;
    identifier_head_ = observation_head().identifier;
    identifier_head_ += id_json_;
    status_head_ = "\"}],\"status\":";
    append_json_string(status_head_, observation_status_);
    status_head_ += ',';
    if (!common_members_.empty()) common_with_comma_ = "," + common_members_;
    tail_ = ",\"derivedFrom\":[{\"reference\":";
    append_json_string(tail_, qr_reference_);
    tail_ += "}]}}";
  }

  static void append_value(std::string& out, const TypedValue& typed) {
    const json::Value& value = *typed.node;
    switch (typed.type) {
      case ValueType::coding:
        out += ",\"valueCodeableConcept\":{\"coding\":[";
        append_coding(out, value);
        out += "]}";
        return;
      case ValueType::decimal:
        out += ",\"valueQuantity\":{\"value\":";
        append_json(out, value);
        out += '}';
        return;
      case ValueType::date:
      case ValueType::dateTime:
        out += ",\"valueDateTime\":";
        break;
      case ValueType::uri:
      case ValueType::string:
        out += ",\"valueString\":";
        break;
      case ValueType::integer:
        out += ",\"valueInteger\":";
        break;
      case ValueType::boolean:
        out += ",\"valueBoolean\":";
        break;
      case ValueType::time:
        out += ",\"valueTime\":";
        break;
      case ValueType::quantity:
        out += ",\"valueQuantity\":";
        break;
      default:
        return;
    }
    append_json(out, value);
  }

  // `rendered`: the value member pre-rendered in the plan (an answerOption's Coding), or null.
  void observation(const Item& item, const TypedValue* value, bool positive, const std::string* rendered) {
    std::uint32_t n = counters_[item.id]++;
    char digits[16];
    const std::string_view number(digits,
                                  static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits));
    // The identifier value <QR id>/<linkId>/<n>, which the uuid is derived from.
    seed_.assign(id_);
    seed_ += '/';
    seed_ += item.link_id;
    seed_ += '/';
    seed_ += number;
    const Uuid uuid = make_uuid(seed_, observation_prefix_hash_, id_.size() + 1);

    std::string_view value_json;
    if (rendered != nullptr) {
      value_json = *rendered;
    } else if (value != nullptr) {
      value_scratch_.clear();
      append_value(value_scratch_, *value);
      value_json = value_scratch_;
    } else {
      value_json = asked_unknown_with_comma();
    }
    // subject, effectiveDateTime, issued, performer: the same for every Observation of the
    // response, written once (see common_members) and copied.
    const std::string_view parts[] = {
        "{\"fullUrl\":\"", view(uuid), url_head_, plan_.link_id_query(item.id), number, identifier_head_,
        plan_.link_id_json(item.id), number, status_head_, plan_.category_and_code_json(item.id),
        common_with_comma_, value_json, positive ? std::string_view(positive_with_comma()) : std::string_view(),
        tail_};
    std::size_t size = 0;
    for (std::string_view part : parts) size += part.size();
    // One resize and plain copies: appending piece by piece cost more than the copying.
    std::string& out = writer_.RawValueOutput();
    std::size_t at = out.size();
    out.resize(at + size);
    char* cursor = out.data() + at;
    for (std::string_view part : parts) {
      if (part.empty()) continue;  // its data() may be null
      std::memcpy(cursor, part.data(), part.size());
      cursor += part.size();
    }
    ++result_.observations;
    if (plan_.domain(item.id) != nullptr) {
      evidence_.push_back({plan_.domain_code(item.id), Evidence{uuid, positive, value != nullptr}});
    }
  }

  // The Observations a domain's Condition cites: those that indicate a need, else every
  // answered one of the domain.
  std::vector<const Evidence*> evidence_for(std::string_view domain) const {
    std::vector<const Evidence*> cited;
    for (const auto& [code, evidence] : evidence_) {
      if (code == domain && evidence.positive) cited.push_back(&evidence);
    }
    if (cited.empty()) {
      for (const auto& [code, evidence] : evidence_) {
        if (code == domain && evidence.has_value) cited.push_back(&evidence);
      }
    }
    return cited;
  }

  void write_risks() {
    bool any_risk = false;
    for (const RiskResult& risk : score_.risks) any_risk = any_risk || risk.at_risk;
    if (!any_risk) return;
    if (subject_ == nullptr) {
      result_.issues.warning(IssueType::required, "QuestionnaireResponse.subject",
                             "the response has no subject: no Condition or ServiceRequest is proposed");
      return;
    }
    // The members that are the same in every Condition and ServiceRequest of this response,
    // rendered once: `"key":value`, copied in with RawMembers.
    const std::string subject_member = rendered_member([&](JsonText& writer) {
      write_key(writer, "subject");
      write_json(writer, *subject_);
    });
    std::string recorded_member, authored_on_member, requester_member;
    if (!authored_.empty()) {
      recorded_member = rendered_member([&](JsonText& writer) { write_member(writer, "recordedDate", authored_); });
      authored_on_member = rendered_member([&](JsonText& writer) { write_member(writer, "authoredOn", authored_); });
    }
    if (author_ != nullptr) {
      requester_member = rendered_member([&](JsonText& writer) {
        write_key(writer, "requester");
        write_json(writer, *author_);
      });
    }
    const std::string supporting_member = rendered_member([&](JsonText& writer) {
      write_key(writer, "supportingInfo");
      writer.StartArray();
      write_reference_to(writer, qr_reference_);
      writer.EndArray();
    });
    std::string member;  // per entry
    const std::span<const RiskRule> rules = plan_.scoring().risks();
    for (std::size_t k = 0; k < score_.risks.size(); ++k) {
      const RiskResult& risk = score_.risks[k];
      if (!risk.at_risk || risk.domain == nullptr) continue;
      // The plan's pieces, when this result is its k-th rule's (always, for score_response's).
      const bool prepared = k < rules.size() && rules[k].domain == risk.domain;
      std::string rest = "risk/";
      rest += risk.domain_code;
      std::string identifier = identifier_value("risk", risk.domain_code);
      const Uuid condition_uuid = make_uuid("Condition " + identifier);

      start_entry(condition_head(), rest, view(condition_uuid));
      if (prepared) {
        writer_.RawMembers(plan_.risk_condition_json(k));
      } else {
        write_condition_members(writer_, plan_, *risk.domain);
      }
      writer_.RawMembers(subject_member);
      writer_.RawMembers(recorded_member);
      std::vector<const Evidence*> cited = evidence_for(risk.domain_code);
      if (!cited.empty()) {
        member.assign("\"evidence\":[{\"detail\":[");
        for (std::size_t i = 0; i < cited.size(); ++i) {
          member += i == 0 ? "{\"reference\":\"" : ",{\"reference\":\"";
          member += view(cited[i]->uuid);  // hex digits and dashes: nothing to escape
          member += "\"}";
        }
        member += "]}]";
        writer_.RawMembers(member);
      }
      end_entry();
      ++result_.conditions;

      start_entry(service_request_head(), rest, view(make_uuid("ServiceRequest " + identifier)));
      if (prepared) {
        writer_.RawMembers(plan_.risk_service_request_json(k));
      } else {
        write_service_request_members(writer_, plan_, *risk.domain);
      }
      if (score_.do_not_contact) writer_.RawMembers(order_detail_member());
      writer_.RawMembers(subject_member);
      writer_.RawMembers(authored_on_member);
      writer_.RawMembers(requester_member);
      if (risk.recipient != nullptr) {
        member.assign("\"performerType\":{\"coding\":[");
        append_coding(member, *risk.recipient);
        member += "]}";
        writer_.RawMembers(member);
      }
      member.assign("\"reasonReference\":[{\"reference\":\"");
      member += view(condition_uuid);
      member += "\"}]";
      writer_.RawMembers(member);
      writer_.RawMembers(supporting_member);
      end_entry();
      ++result_.service_requests;
    }
  }

  const ExtractionPlan& plan_;
  const QuestionnaireIndex& index_;
  const json::Value& response_;
  const ScoreResult& score_;
  fhirpath::Evaluator& evaluator_;
  ExtractionResult& result_;
  JsonText writer_;  // appends to result_.bundle_json
  ResponseTree built_;  // when the caller gave no tree
  const ResponseTree& tree_;
  Enablement enablement_;
  std::vector<std::uint32_t> counters_;
  // Every Observation with a domain, in the order written: one flat list (reserved once) rather
  // than a growing list per domain, which cost two allocations per Observation.
  std::vector<std::pair<std::string_view, Evidence>> evidence_;

  std::string_view id_;
  std::string_view observation_status_;
  const json::Value* subject_ = nullptr;
  const json::Value* author_ = nullptr;
  std::string_view authored_;
  bool issued_ok_ = false;
  std::string qr_reference_;
  std::string common_members_;
  std::string entry_head_;
  std::string id_query_;
  std::string id_json_;
  std::uint64_t observation_prefix_hash_ = 0;
  std::string common_with_comma_;
  std::string url_head_;
  std::string identifier_head_;
  std::string status_head_;
  std::string tail_;
  std::string seed_;
  std::string value_scratch_;
};

}  // namespace

std::string stable_uuid(std::string_view seed) {
  const Uuid uuid = make_uuid(seed);
  return std::string(view(uuid));
}

std::shared_ptr<const ExtractionPlan> ExtractionPlan::build(std::shared_ptr<const ScoringPlan> scoring,
                                                            const json::Value* sdh_domain_code_system) {
  auto plan = std::make_shared<ExtractionPlan>();
  const QuestionnaireIndex& index = scoring->index();
  const std::size_t count = index.items().size();
  plan->extract_.resize(count, false);
  plan->hidden_.resize(count, false);
  plan->domain_.resize(count, nullptr);

  auto flag = [](const json::Value* extension) -> std::optional<bool> {
    if (extension == nullptr) return std::nullopt;
    const json::Value* value = extension->find("valueBoolean");
    if (value == nullptr || !value->is_bool()) return std::nullopt;
    return value->as_bool();
  };
  const bool root_extract =
      flag(find_extension(index.resource(), extension_url::observation_extract)).value_or(false);
  const json::Value* root_domain = nullptr;
  if (const json::Value* e = find_extension(index.resource(), extension_url::sdh_domain)) {
    root_domain = e->find("valueCoding");
  }
  // Items are in pre-order: a parent is always settled before its children.
  for (const Item& item : index.items()) {
    bool inherited_extract = item.parent == no_item ? root_extract : plan->extract_[item.parent];
    const json::Value* inherited_domain = item.parent == no_item ? root_domain : plan->domain_[item.parent];
    plan->extract_[item.id] =
        flag(item.extension(extension_url::observation_extract)).value_or(inherited_extract);
    const json::Value* own_domain = nullptr;
    if (const json::Value* e = item.extension(extension_url::sdh_domain)) own_domain = e->find("valueCoding");
    plan->domain_[item.id] = own_domain != nullptr && own_domain->is_object() ? own_domain : inherited_domain;
    plan->hidden_[item.id] = flag(item.extension(extension_url::hidden)).value_or(false);
  }

  if (sdh_domain_code_system != nullptr) {
    if (const json::Value* concepts = sdh_domain_code_system->find("concept")) {
      for (const json::Value& concept_node : concepts->items()) {
        std::vector<const json::Value*> codings;
        if (const json::Value* properties = concept_node.find("property")) {
          for (const json::Value& property : properties->items()) {
            if (property.string_at("code") != "gravity-category") continue;
            const json::Value* coding = property.find("valueCoding");
            if (coding != nullptr && coding->is_object()) codings.push_back(coding);
          }
        }
        plan->gravity_.emplace_back(concept_node.string_at("code"), std::move(codings));
      }
    }
  }
  // The category array and code object of each item's Observations.
  plan->category_json_.resize(count);
  plan->code_json_.resize(count);
  for (const Item& item : index.items()) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartArray();
    write_codeable_concept(writer, sys::observation_category, "social-history", "Social History");
    write_codeable_concept(writer, sys::observation_category, "survey", "Survey");
    write_codeable_concept(writer, sys::us_core_category, "sdoh", "SDOH");
    if (const json::Value* domain = plan->domain_[item.id]) {
      write_domain_categories(writer, *plan, *domain);
    }
    writer.EndArray();
    plan->category_json_[item.id].assign(buffer.GetString(), buffer.GetSize());

    if (item.code == nullptr || !item.code->is_array()) continue;
    buffer.Clear();
    JsonWriter code_writer(buffer);
    code_writer.StartObject();
    write_key(code_writer, "coding");
    code_writer.StartArray();
    for (const json::Value& coding : item.code->items()) write_coding(code_writer, coding);
    code_writer.EndArray();
    if (!item.text.empty()) write_member(code_writer, "text", item.text);
    code_writer.EndObject();
    plan->code_json_[item.id].assign(buffer.GetString(), buffer.GetSize());
  }
  // The Condition and ServiceRequest members of each sdh-risk rule (gravity_ is complete here).
  for (const RiskRule& rule : scoring->risks()) {
    std::string& condition = plan->risk_condition_json_.emplace_back();
    std::string& service_request = plan->risk_service_request_json_.emplace_back();
    if (rule.domain == nullptr) continue;
    condition = rendered_member([&](JsonText& writer) { write_condition_members(writer, *plan, *rule.domain); });
    service_request =
        rendered_member([&](JsonText& writer) { write_service_request_members(writer, *plan, *rule.domain); });
  }
  plan->option_values_.resize(count);
  plan->domain_code_.resize(count);
  for (const Item& item : index.items()) {
    if (const json::Value* domain = plan->domain_[item.id]) plan->domain_code_[item.id] = domain->string_at("code");
    for (const AnswerOption& option : item.answer_options) {
      OptionValue& value = plan->option_values_[item.id].emplace_back();
      if (option.value.type != ValueType::coding || !option.value.node->is_object()) continue;
      const json::Value& coding = *option.value.node;
      value.json = ",\"valueCodeableConcept\":{\"coding\":[";
      append_coding(value.json, coding);
      value.json += "]}";
      static constexpr std::string_view kKeys[4] = {"system", "version", "code", "display"};
      for (int k = 0; k < 4; ++k) {
        const json::Value* part = coding.find(kKeys[k]);
        if (part != nullptr && part->is_string()) {
          value.parts[k] = part->text().data() != nullptr ? part->text() : std::string_view("", 0);
        }
      }
    }
  }
  plan->link_id_query_.resize(count);
  plan->link_id_json_.resize(count);
  plan->category_and_code_json_.resize(count);
  for (const Item& item : index.items()) {
    append_query_value(plan->link_id_query_[item.id], item.link_id);
    plan->link_id_query_[item.id] += '/';
    std::string quoted;
    append_json_string(quoted, item.link_id);
    plan->link_id_json_[item.id] = quoted.substr(1, quoted.size() - 2) + '/';
    std::string& both = plan->category_and_code_json_[item.id];
    both = "\"category\":";
    both += plan->category_json_[item.id];
    both += ",\"code\":";
    both += plan->code_json_[item.id];
  }
  plan->scoring_ = std::move(scoring);
  return plan;
}

std::span<const json::Value* const> ExtractionPlan::gravity_categories(std::string_view domain_code) const {
  for (const auto& [code, codings] : gravity_) {
    if (code == domain_code) return codings;
  }
  return {};
}

ExtractionResult extract(const ExtractionPlan& plan, const json::Value& response,
                         const ScoreResult& score, fhirpath::Evaluator& evaluator) {
  ExtractionResult result;
  Extractor extractor(plan, response, score, evaluator, result, nullptr);
  if (!extractor.run()) result.bundle_json.clear();
  return result;
}

ExtractionResult extract(const ExtractionPlan& plan, const json::Value& response,
                         const ScoreResult& score, fhirpath::Evaluator& evaluator,
                         const ResponseTree& tree) {
  ExtractionResult result;
  Extractor extractor(plan, response, score, evaluator, result, &tree);
  if (!extractor.run()) result.bundle_json.clear();
  return result;
}

}  // namespace socialrx::fhir::questionnaire
