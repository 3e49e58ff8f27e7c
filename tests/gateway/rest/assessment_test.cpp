// Assessment through the real binary (issue #4): the shipped Questionnaires are served, responses
// are checked against them (422 with linkId paths, as tests/fhir/questionnaire/shipped/cases.tsv
// lists), completed responses are stored with their extraction, $extract shows the same without
// storing, amendments amend. Every response body is also checked with HL7's JSON schema (RestTest).

#include <fstream>
#include <map>
#include <sstream>

#include "tests/gateway/rest/rest_test_support.hpp"

namespace socialrx::testing {
namespace {

const std::filesystem::path kShipped =
    std::filesystem::path(SOCIALRX_SOURCE_DIR) / "tests/fhir/questionnaire/shipped";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// file → lines of a TSV (comments and blank lines skipped), split on tabs.
std::multimap<std::string, std::vector<std::string>> read_tsv(const std::filesystem::path& path) {
  std::multimap<std::string, std::vector<std::string>> rows;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    rows.emplace(fields.front(), fields);
  }
  return rows;
}

std::string total(FhirClient& client, const std::string& search) {
  return std::string(json_of(client.get(search + (search.find('?') == std::string::npos ? "?" : "&") +
                                        "_summary=count"))
                         .root()
                         .find("total")
                         ->text());
}

// The response with another status and the id the server gave it (for an update).
std::string with_status_and_id(const std::string& body, const std::string& status, const std::string& id) {
  auto document = json_of(HttpResponse{200, {}, body});
  document.set_root(document.with_member(document.root(), "status", document.make_string(status)));
  document.set_root(document.with_member(document.root(), "id", document.make_string(id)));
  return fhir::json::serialize(document.root());
}

using Assessment = RestTest;

TEST_P(Assessment, ShippedQuestionnairesAndCodeSystemsAreServed) {
  auto client = reader();
  EXPECT_EQ(total(client, "/Questionnaire"), "4");
  EXPECT_EQ(total(client, "/CodeSystem"), "6");  // sdh-item, sdh-answer, sdh-domain, recipient-kind, referral-business-status, disclosure-basis
  HttpResponse screening =
      client.get("/Questionnaire?url=https://socialrx.jp/fhir/Questionnaire/sdh-screening");
  ASSERT_EQ(screening.status, 200u);
  EXPECT_NE(screening.body.find("社会生活課題アセスメント"), std::string::npos);
  HttpResponse metadata = client.get("/metadata");
  EXPECT_NE(metadata.body.find("QuestionnaireResponse-extract"), std::string::npos);
}

TEST_P(Assessment, InvalidResponsesAreRefusedWithTheLinkIdPath) {
  auto client = admin();
  const auto cases = read_tsv(kShipped / "cases.tsv");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kShipped / "invalid")) {
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    ++files;
    HttpResponse response = client.post("/QuestionnaireResponse", read_text(entry.path()));
    ASSERT_EQ(response.status, 422u) << response.body;
    const auto outcome = json_of(response);
    const auto [first, last] = cases.equal_range(name);
    ASSERT_NE(first, last) << "no expected issue in cases.tsv";
    for (auto expected = first; expected != last; ++expected) {
      const std::string& code = expected->second.at(1);
      const std::string& expression = expected->second.at(2);
      bool found = false;
      for (const auto& issue : outcome.root().find("issue")->items()) {
        const auto* expressions = issue.find("expression");
        if (issue.string_at("code") == code && expressions != nullptr &&
            expressions->items()[0].text() == expression) {
          found = true;
        }
      }
      EXPECT_TRUE(found) << code << " at " << expression << " not in " << response.body;
    }
  }
  EXPECT_GE(files, 12u);
  EXPECT_EQ(total(client, "/QuestionnaireResponse"), "0");
  EXPECT_EQ(total(client, "/Observation"), "0");
}

TEST_P(Assessment, CompletedResponsesAreStoredWithTheirExtraction) {
  auto client = admin();
  const auto risks = read_tsv(kShipped / "expected_risks.tsv");
  for (const auto& entry : std::filesystem::directory_iterator(kShipped / "valid")) {
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    const std::string body = read_text(entry.path());
    HttpResponse created = client.post("/QuestionnaireResponse", body);
    ASSERT_EQ(created.status, 201u) << created.body;
    const auto stored = json_of(created);
    const std::string id(stored.root().string_at("id"));
    const std::string derived = "/Observation?derived-from=QuestionnaireResponse/" + id;
    const std::string subject(stored.root().find("subject")->string_at("reference"));
    const std::string status(stored.root().string_at("status"));
    if (status != "completed" && status != "amended") {
      EXPECT_EQ(total(client, derived), "0") << "an in-progress response is not extracted";
      continue;
    }
    EXPECT_NE(total(client, derived), "0");
    // One proposed ServiceRequest per at-risk domain, for the kind of recipient the rules chose.
    std::multiset<std::string> expected_kinds;
    for (auto [row, end] = risks.equal_range(name); row != end; ++row) {
      if (row->second.at(1) != "do-not-contact") expected_kinds.insert(row->second.at(2));
    }
    std::multiset<std::string> kinds;
    const auto requests = json_of(client.get("/ServiceRequest?subject=" + subject + "&_count=100"));
    if (const auto* entries = requests.root().find("entry")) {
      for (const auto& found : entries->items()) {
        const auto* request = found.find("resource");
        if (request->string_at("intent") != "proposal") continue;
        const auto* supporting = request->find("supportingInfo");
        if (supporting == nullptr ||
            supporting->items()[0].string_at("reference") != "QuestionnaireResponse/" + id) {
          continue;
        }
        kinds.insert(std::string(request->find("performerType")->find("coding")->items()[0].string_at("code")));
      }
    }
    EXPECT_EQ(kinds, expected_kinds);
  }
}

TEST_P(Assessment, ExtractStoresNothingAndAmendmentsAmend) {
  auto client = admin();
  const std::string body = read_text(kShipped / "valid/01-older-living-alone-lonely.json");
  HttpResponse created = client.post("/QuestionnaireResponse", body);
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(json_of(created).root().string_at("id"));
  const std::string derived = "/Observation?derived-from=QuestionnaireResponse/" + id;
  const std::string observations = total(client, "/Observation");
  const std::string conditions = total(client, "/Condition");

  HttpResponse extracted = client.post("/QuestionnaireResponse/" + id + "/$extract", "");
  ASSERT_EQ(extracted.status, 200u) << extracted.body;
  const auto bundle = json_of(extracted);
  EXPECT_EQ(bundle.root().string_at("type"), "transaction");
  EXPECT_EQ(std::to_string(bundle.root().find("entry")->size()),
            std::to_string(std::stoul(observations) + 2 * std::stoul(conditions)));
  EXPECT_EQ(total(client, "/Observation"), observations) << "$extract stored something";

  // The same through the type-level form with the response in Parameters.
  const std::string parameters = R"({"resourceType":"Parameters","parameter":[{"name":"questionnaire-response","resource":)" +
                                 with_status_and_id(body, "completed", id) + "}]}";
  HttpResponse typed = client.post("/QuestionnaireResponse/$extract", parameters);
  ASSERT_EQ(typed.status, 200u) << typed.body;
  EXPECT_EQ(json_of(typed).root().find("entry")->size(), bundle.root().find("entry")->size());

  // Amended: the same Observations get a new version with status amended; nothing is added.
  HttpResponse amended = client.put("/QuestionnaireResponse/" + id, with_status_and_id(body, "amended", id),
                                    {{"If-Match", "W/\"1\""}});
  ASSERT_EQ(amended.status, 200u) << amended.body;
  EXPECT_EQ(total(client, "/Observation"), observations);
  EXPECT_EQ(total(client, "/Condition"), conditions);
  const auto after = json_of(client.get(derived + "&_count=1"));
  const auto* observation = after.root().find("entry")->items()[0].find("resource");
  EXPECT_EQ(observation->string_at("status"), "amended");
  EXPECT_EQ(observation->find("meta")->string_at("versionId"), "2");

  // A stale If-Match changes nothing, extraction included.
  EXPECT_EQ(client.put("/QuestionnaireResponse/" + id, with_status_and_id(body, "amended", id),
                       {{"If-Match", "W/\"1\""}})
                .status,
            412u);
  EXPECT_EQ(json_of(client.get(derived + "&_count=1")).root().find("entry")->items()[0]
                .find("resource")->find("meta")->string_at("versionId"),
            "2");
}

// $extract's refusals: what is not there, not a response, or not finished.
TEST_P(Assessment, ExtractRefusesWhatItCannotExtract) {
  auto client = admin();
  EXPECT_EQ(client.get("/QuestionnaireResponse/no-such-response/$extract").status, 404u);
  HttpResponse partial = client.post("/QuestionnaireResponse",
                                     read_text(kShipped / "valid/05-in-progress-partial.json"));
  ASSERT_EQ(partial.status, 201u) << partial.body;
  const std::string id(json_of(partial).root().string_at("id"));
  HttpResponse unfinished = client.get("/QuestionnaireResponse/" + id + "/$extract");
  EXPECT_EQ(unfinished.status, 422u) << unfinished.body;
  EXPECT_EQ(client.del("/QuestionnaireResponse/" + id).status, 204u);
  EXPECT_EQ(client.get("/QuestionnaireResponse/" + id + "/$extract").status, 410u);
  EXPECT_EQ(client.post("/QuestionnaireResponse/$extract", R"({"resourceType":"Patient"})").status, 400u);
  EXPECT_EQ(client.get("/QuestionnaireResponse/$extract").status, 405u);
  EXPECT_EQ(total(client, "/Observation"), "0");
}

TEST_P(Assessment, ValidateAndBundlesCheckResponsesToo) {
  auto client = admin();
  const std::string invalid = read_text(kShipped / "invalid/09-wrong-ucla-total.json");
  HttpResponse validated = client.post("/QuestionnaireResponse/$validate", invalid);
  ASSERT_EQ(validated.status, 200u);
  EXPECT_NE(validated.body.find("ucla-total"), std::string::npos) << validated.body;
  EXPECT_NE(validated.body.find("business-rule"), std::string::npos);

  const std::string transaction = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + invalid + R"(,"request":{"method":"POST","url":"QuestionnaireResponse"}}]})";
  HttpResponse refused = client.post("", transaction);
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_NE(refused.body.find("Bundle.entry[0].resource.item.where(linkId='ucla')"), std::string::npos)
      << refused.body;
  EXPECT_EQ(total(client, "/QuestionnaireResponse"), "0");
}

SOCIALRX_REST_BACKENDS(Assessment);

}  // namespace
}  // namespace socialrx::testing
