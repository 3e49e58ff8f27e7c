// The FHIR REST API through the real binary, on SQLite and on PostgreSQL.

#include "tests/gateway/rest/rest_test_support.hpp"

namespace socialrx::testing {
namespace {

const std::string kPatient = R"({"resourceType":"Patient",
  "identifier":[{"system":"urn:oid:1.2.392.100495.20.3.51.10910112341","value":"0000123456"}],
  "name":[{"text":"宇都宮 花子","family":"宇都宮","given":["花子"]},
          {"text":"ウツノミヤ ハナコ","family":"ウツノミヤ","given":["ハナコ"]}],
  "gender":"female","birthDate":"1962-03-15"})";

// Not a referral Task (code approve, not fulfill): the search parameters are what is tested here,
// without the referral workflow routing it (tests/gateway/referral/referral_workflow_test.cpp).
std::string task(const std::string& status, const std::string& owner, const std::string& focus) {
  return R"({"resourceType":"Task","status":")" + status +
         R"(","intent":"order","code":{"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"approve"}]},
           "focus":{"reference":")" + focus + R"("},"owner":{"reference":")" + owner + R"("},
           "businessStatus":{"coding":[{"system":"http://socialrx.example.jp/CodeSystem/business-status","code":"received"}]}})";
}

std::vector<std::string> ids_in(const fhir::json::Document& bundle, const std::string& mode = "match") {
  std::vector<std::string> ids;
  if (const auto* entries = bundle.root().find("entry")) {
    for (const auto& entry : entries->items()) {
      const auto* search = entry.find("search");
      if (search != nullptr && search->string_at("mode") == mode) {
        ids.emplace_back(entry.find("resource")->string_at("id"));
      }
    }
  }
  return ids;
}

std::string issue_code(const HttpResponse& response) {
  auto outcome = json_of(response);
  const auto* issues = outcome.root().find("issue");
  return issues == nullptr ? "" : std::string(issues->items()[0].string_at("code"));
}

using FhirApi = RestTest;

TEST_P(FhirApi, MetadataIsPublicAndListsWhatIsSupported) {
  auto client = anonymous();
  HttpResponse response = client.get("/metadata");
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(response.header("Content-Type"), "application/fhir+json; charset=utf-8");
  auto statement = json_of(response);
  EXPECT_EQ(statement.root().string_at("fhirVersion"), "4.0.1");
  EXPECT_TRUE(fhir::parse_and_validate(response.body).valid());
  EXPECT_NE(response.body.find(R"("name":"business-status")"), std::string::npos);
  EXPECT_NE(response.body.find(R"("type":"Task")"), std::string::npos);
  EXPECT_EQ(response.body.find(R"("type":"OperationOutcome")"), std::string::npos);
}

TEST_P(FhirApi, AuthenticationAndScopes) {
  auto nobody = anonymous();
  HttpResponse missing = nobody.get("/Patient");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer realm=\"socialrx\"");
  EXPECT_EQ(issue_code(missing), "login");

  FhirClient wrong(gateway(), "not-a-token", nullptr);
  EXPECT_EQ(wrong.get("/Patient").status, 401u);

  auto read_only = reader();
  EXPECT_EQ(read_only.get("/Patient").status, 200u);
  HttpResponse refused = read_only.post("/Patient", kPatient);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(issue_code(refused), "forbidden");
}

TEST_P(FhirApi, CreateReadUpdateDeleteWithVersions) {
  auto client = admin();
  HttpResponse created = client.post("/Patient", kPatient);
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(json_of(created).root().string_at("id"));
  EXPECT_EQ(created.header("ETag"), "W/\"1\"");
  EXPECT_NE(created.header("Last-Modified").find("GMT"), std::string::npos);
  EXPECT_NE(created.header("Location").find("/fhir/Patient/" + id + "/_history/1"), std::string::npos);

  HttpResponse read = client.get("/Patient/" + id);
  ASSERT_EQ(read.status, 200u);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(json_of(read).root().find("meta")->string_at("versionId"), "1");

  std::string updated_body = kPatient;
  updated_body.insert(1, R"("id":")" + id + R"(",)");
  updated_body.replace(updated_body.find("\"female\""), 8, "\"other\"");
  HttpResponse stale_first = client.put("/Patient/" + id, updated_body, {{"If-Match", "W/\"7\""}});
  EXPECT_EQ(stale_first.status, 412u);
  HttpResponse updated = client.put("/Patient/" + id, updated_body, {{"If-Match", "W/\"1\""}});
  ASSERT_EQ(updated.status, 200u) << updated.body;
  EXPECT_EQ(updated.header("ETag"), "W/\"2\"");
  HttpResponse stale = client.put("/Patient/" + id, updated_body, {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412u);

  HttpResponse first = client.get("/Patient/" + id + "/_history/1");
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(json_of(first).root().string_at("gender"), "female");
  EXPECT_EQ(client.get("/Patient/" + id + "/_history/9").status, 404u);

  EXPECT_EQ(client.del("/Patient/" + id).status, 204u);
  HttpResponse gone = client.get("/Patient/" + id);
  EXPECT_EQ(gone.status, 410u);
  EXPECT_EQ(issue_code(gone), "deleted");
  EXPECT_EQ(client.del("/Patient/" + id).status, 204u);  // idempotent

  HttpResponse history = client.get("/Patient/" + id + "/_history");
  ASSERT_EQ(history.status, 200u);
  auto bundle = json_of(history);
  EXPECT_EQ(bundle.root().string_at("type"), "history");
  const auto entries = bundle.root().find("entry")->items();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].find("request")->string_at("method"), "DELETE");
  EXPECT_EQ(entries[1].find("request")->string_at("method"), "PUT");
  EXPECT_EQ(entries[2].find("request")->string_at("method"), "POST");

  // Update as create: a client-chosen id.
  std::string chosen = kPatient;
  chosen.insert(1, R"("id":"chosen-1",)");
  EXPECT_EQ(client.put("/Patient/chosen-1", chosen).status, 201u);
  EXPECT_EQ(client.put("/Patient/chosen-1", chosen).status, 200u);
}

TEST_P(FhirApi, ErrorsAreOperationOutcomesWithTheRightStatus) {
  auto client = admin();
  HttpResponse invalid = client.post("/Patient", R"({"resourceType":"Patient","birthDate":"1944-02-30"})");
  EXPECT_EQ(invalid.status, 422u);
  auto outcome = json_of(invalid);
  EXPECT_EQ(outcome.root().find("issue")->items()[0].find("expression")->items()[0].text(),
            "Patient.birthDate");

  EXPECT_EQ(client.post("/Patient", R"({"resourceType":"Task"})").status, 400u);
  EXPECT_EQ(client.post("/Patient", "{not json").status, 400u);
  HttpResponse wrong_type = client.send(boost::beast::http::verb::post, "/Patient", kPatient,
                                        {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415u);
  EXPECT_EQ(client.get("/Patient", {{"Accept", "application/fhir+xml"}}).status, 406u);
  EXPECT_EQ(client.get("/Patient?_format=xml").status, 406u);
  EXPECT_EQ(client.get("/Patient", {{"Accept", "application/fhir+json"}}).status, 200u);
  HttpResponse not_allowed = client.del("/Patient");
  EXPECT_EQ(not_allowed.status, 405u);
  EXPECT_EQ(not_allowed.header("Allow"), "GET, POST, PUT");
  EXPECT_EQ(client.get("/Unicorn/1").status, 404u);
  EXPECT_EQ(client.get("/Patient/nope").status, 404u);
  std::string huge = R"({"resourceType":"Patient","name":[{"text":")" + std::string(9u << 20, 'a') + R"("}]})";
  HttpResponse too_large = client.post("/Patient", huge);
  EXPECT_EQ(too_large.status, 413u);
  EXPECT_EQ(issue_code(too_large), "too-long");
  std::string with_id = kPatient;
  with_id.insert(1, R"("id":"other",)");
  EXPECT_EQ(client.put("/Patient/mismatch", with_id).status, 400u);
  for (const auto& response : {invalid, wrong_type}) {
    EXPECT_EQ(response.body.find("SQL"), std::string::npos);
  }
}

TEST_P(FhirApi, PreferReturn) {
  auto client = admin();
  HttpResponse minimal = client.post("/Patient", kPatient, {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 201u);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_FALSE(minimal.header("Location").empty());
  HttpResponse outcome = client.post("/Patient", kPatient, {{"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 201u);
  EXPECT_EQ(json_of(outcome).root().string_at("resourceType"), "OperationOutcome");
}

TEST_P(FhirApi, ConditionalCreate) {
  auto client = admin();
  const Headers condition{{"If-None-Exist", "identifier=urn:oid:1.2.392.100495.20.3.51.10910112341|0000123456"}};
  HttpResponse first = client.post("/Patient", kPatient, condition);
  ASSERT_EQ(first.status, 201u) << first.body;
  HttpResponse second = client.post("/Patient", kPatient, condition);
  EXPECT_EQ(second.status, 200u);
  EXPECT_EQ(json_of(second).root().string_at("id"), json_of(first).root().string_at("id"));
  EXPECT_EQ(client.post("/Patient", kPatient, {{"If-None-Exist", "unknown=1"}}).status, 400u);
}

// Conditional update (PUT Type?identifier=…): none matches → created; one → that one updated;
// the same in a transaction, where references to the entry's fullUrl follow the match.
TEST_P(FhirApi, ConditionalUpdate) {
  auto client = admin();
  const std::string criteria = "/Observation?identifier=https://socialrx.jp/fhir/sid/extracted|qr-1/ucla-1/0";
  const auto observation = [](const std::string& value) {
    return R"({"resourceType":"Observation","status":"final",
      "identifier":[{"system":"https://socialrx.jp/fhir/sid/extracted","value":"qr-1/ucla-1/0"}],
      "code":{"text":"UCLA 1"},"valueString":")" + value + R"("})";
  };
  HttpResponse created = client.put(criteria, observation("first"));
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(json_of(created).root().string_at("id"));
  HttpResponse updated = client.put(criteria, observation("second"));
  ASSERT_EQ(updated.status, 200u) << updated.body;
  EXPECT_EQ(json_of(updated).root().string_at("id"), id);
  EXPECT_EQ(json_of(updated).root().find("meta")->string_at("versionId"), "2");
  EXPECT_EQ(json_of(client.get("/Observation?_summary=count")).root().find("total")->text(), "1");
  EXPECT_EQ(client.put("/Observation?unknown=1", observation("x")).status, 400u);

  const std::string transaction = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:33333333-3333-4333-8333-333333333333","resource":)" + observation("third") + R"(,
     "request":{"method":"PUT","url":")" + criteria.substr(1) + R"("}},
    {"resource":{"resourceType":"Condition","subject":{"reference":"Patient/p1"},
                 "identifier":[{"system":"https://socialrx.jp/fhir/sid/extracted","value":"qr-1/risk/loneliness"}],
                 "code":{"text":"孤独"},
                 "evidence":[{"detail":[{"reference":"urn:uuid:33333333-3333-4333-8333-333333333333"}]}]},
     "request":{"method":"PUT","url":"Condition?identifier=https://socialrx.jp/fhir/sid/extracted|qr-1/risk/loneliness"}}]})";
  for (const char* round : {"201 Created", "200 OK"}) {
    HttpResponse response = client.post("", transaction);
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto bundle = json_of(response);
    const auto entries = bundle.root().find("entry")->items();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].find("response")->string_at("status"), "200 OK");
    EXPECT_EQ(entries[0].find("resource")->string_at("id"), id);
    EXPECT_EQ(entries[1].find("response")->string_at("status"), round);
    EXPECT_EQ(entries[1].find("resource")->find("evidence")->items()[0].find("detail")->items()[0].string_at("reference"),
              "Observation/" + id);
  }
  EXPECT_EQ(json_of(client.get("/Observation?_summary=count")).root().find("total")->text(), "1");
  EXPECT_EQ(json_of(client.get("/Condition?_summary=count")).root().find("total")->text(), "1");
}

TEST_P(FhirApi, SearchByTheReferralWorkflowParameters) {
  const std::string patient = create("Patient", kPatient);
  const std::string other = create("Patient", R"({"resourceType":"Patient","name":[{"family":"佐藤"}],"birthDate":"1990-07-01"})");
  const std::string center = create("Organization", R"({"resourceType":"Organization","name":"中央地域包括支援センター"})");
  const std::string request = create("ServiceRequest",
      R"({"resourceType":"ServiceRequest","status":"active","intent":"order","subject":{"reference":"Patient/)" +
          patient + R"("},"category":[{"coding":[{"system":"http://snomed.info/sct","code":"410606002"}]}]})");
  const std::string task_id = create("Task", task("requested", "Organization/" + center, "ServiceRequest/" + request));
  create("Task", task("accepted", "Organization/" + center, "ServiceRequest/" + request));

  auto client = admin();
  auto search = [&](const std::string& query) {
    HttpResponse response = client.get(query);
    EXPECT_EQ(response.status, 200u) << query << "\n" << response.body;
    return json_of(response);
  };
  EXPECT_EQ(ids_in(search("/Patient?identifier=urn:oid:1.2.392.100495.20.3.51.10910112341|0000123456")),
            std::vector<std::string>{patient});
  EXPECT_EQ(ids_in(search("/Patient?identifier=0000123456")), std::vector<std::string>{patient});
  EXPECT_EQ(ids_in(search("/Patient?name=%E3%81%86%E3%81%A4%E3%81%AE%E3%81%BF%E3%82%84")),  // うつのみや
            std::vector<std::string>{patient});
  EXPECT_EQ(ids_in(search("/Patient?name:exact=%E4%BD%90%E8%97%A4")), std::vector<std::string>{other});  // 佐藤
  EXPECT_EQ(ids_in(search("/Patient?birthdate=1962-03-15")), std::vector<std::string>{patient});
  EXPECT_EQ(ids_in(search("/Patient?birthdate=lt1970")), std::vector<std::string>{patient});
  EXPECT_EQ(ids_in(search("/Patient?birthdate=ge1990-01")), std::vector<std::string>{other});
  EXPECT_EQ(ids_in(search("/ServiceRequest?subject=Patient/" + patient + "&status=active")),
            std::vector<std::string>{request});
  EXPECT_EQ(ids_in(search("/ServiceRequest?patient=" + patient)), std::vector<std::string>{request});
  EXPECT_EQ(ids_in(search("/ServiceRequest?category=http://snomed.info/sct|410606002")),
            std::vector<std::string>{request});
  EXPECT_EQ(ids_in(search("/Task?owner=Organization/" + center + "&status=requested")),
            std::vector<std::string>{task_id});
  EXPECT_EQ(ids_in(search("/Task?owner=Organization/" + center + "&status=requested,accepted")).size(), 2u);
  EXPECT_EQ(ids_in(search("/Task?status:not=accepted")), std::vector<std::string>{task_id});
  EXPECT_EQ(ids_in(search("/Task?focus=ServiceRequest/" + request)).size(), 2u);
  EXPECT_EQ(ids_in(search("/Task?business-status=received")).size(), 2u);
  EXPECT_EQ(ids_in(search("/Task?_id=" + task_id)), std::vector<std::string>{task_id});
  EXPECT_EQ(ids_in(search("/Task?_lastUpdated=gt2020-01-01")).size(), 2u);
  EXPECT_EQ(ids_in(search("/Task?_lastUpdated=lt2020-01-01")).size(), 0u);

  auto included = search("/Task?_id=" + task_id + "&_include=Task:focus&_include=Task:owner");
  auto includes = ids_in(included, "include");
  std::sort(includes.begin(), includes.end());
  auto expected = std::vector<std::string>{request, center};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(includes, expected);
  EXPECT_EQ(ids_in(search("/ServiceRequest?_id=" + request + "&_revinclude=Task:focus"), "include").size(), 2u);

  auto count = search("/Task?_summary=count");
  EXPECT_EQ(count.root().find("total")->text(), "2");
  EXPECT_EQ(count.root().find("entry"), nullptr);
}

TEST_P(FhirApi, UnknownSearchParametersAreReportedOrRefused) {
  auto client = admin();
  HttpResponse lenient = client.get("/Patient?shoe-size=27");
  ASSERT_EQ(lenient.status, 200u);
  auto bundle = json_of(lenient);
  const auto entries = bundle.root().find("entry")->items();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].find("search")->string_at("mode"), "outcome");
  EXPECT_NE(lenient.body.find("shoe-size"), std::string::npos);
  HttpResponse strict = client.get("/Patient?shoe-size=27", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400u);
  EXPECT_EQ(client.get("/Patient?birthdate=yesterday").status, 400u);
  EXPECT_EQ(client.get("/Patient?_sort=name").status, 400u);
}

TEST_P(FhirApi, PagingStaysStableWhileResourcesAreAdded) {
  for (int i = 0; i < 7; ++i) {
    create("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"loneliness )" +
                              std::to_string(i) + R"("}})");
  }
  auto client = admin();
  std::vector<std::string> seen;
  std::string next = "/Observation?_count=3";
  int pages = 0;
  while (!next.empty()) {
    auto page = json_of(client.get(next));
    for (const auto& id : ids_in(page)) seen.push_back(id);
    if (pages == 0) {  // added after the first page: not in this search
      create("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"late"}})");
    }
    next.clear();
    for (const auto& link : page.root().find("link")->items()) {
      if (link.string_at("relation") == "next") {
        const std::string url(link.string_at("url"));
        next = url.substr(url.find("/fhir/") + 5);
      }
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 7u);

  auto newest = json_of(client.get("/Observation?_sort=-_lastUpdated&_count=1"));
  EXPECT_EQ(newest.root().find("entry")->items()[0].find("resource")->find("code")->string_at("text"), "late");
}

TEST_P(FhirApi, TransactionRewritesReferencesAndIsAllOrNothing) {
  auto client = admin();
  const std::string transaction = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111","resource":)" + kPatient + R"(,
     "request":{"method":"POST","url":"Patient"}},
    {"fullUrl":"urn:uuid:22222222-2222-4222-8222-222222222222",
     "resource":{"resourceType":"ServiceRequest","status":"active","intent":"order",
                 "subject":{"reference":"urn:uuid:11111111-1111-4111-8111-111111111111"}},
     "request":{"method":"POST","url":"ServiceRequest"}},
    {"resource":{"resourceType":"Task","status":"requested","intent":"order",
                 "focus":{"reference":"urn:uuid:22222222-2222-4222-8222-222222222222"},
                 "for":{"reference":"urn:uuid:11111111-1111-4111-8111-111111111111"}},
     "request":{"method":"POST","url":"Task"}}]})";
  HttpResponse response = client.post("", transaction);
  ASSERT_EQ(response.status, 200u) << response.body;
  auto bundle = json_of(response);
  EXPECT_EQ(bundle.root().string_at("type"), "transaction-response");
  const auto entries = bundle.root().find("entry")->items();
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& entry : entries) EXPECT_EQ(entry.find("response")->string_at("status"), "201 Created");
  const std::string patient(entries[0].find("resource")->string_at("id"));
  const std::string request(entries[1].find("resource")->string_at("id"));
  EXPECT_EQ(entries[1].find("resource")->find("subject")->string_at("reference"), "Patient/" + patient);
  EXPECT_EQ(entries[2].find("resource")->find("focus")->string_at("reference"), "ServiceRequest/" + request);
  EXPECT_EQ(ids_in(json_of(client.get("/Task?patient=" + patient))).size(), 1u);

  // A conditional reference resolves inside the transaction; a failing entry undoes them all.
  const std::string conditional = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Task","status":"requested","intent":"order",
                 "for":{"reference":"Patient?identifier=urn:oid:1.2.392.100495.20.3.51.10910112341|0000123456"}},
     "request":{"method":"POST","url":"Task"}}]})";
  HttpResponse resolved = client.post("", conditional);
  ASSERT_EQ(resolved.status, 200u) << resolved.body;
  EXPECT_EQ(json_of(resolved).root().find("entry")->items()[0].find("resource")->find("for")->string_at("reference"),
            "Patient/" + patient);

  const std::string failing = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"must not stay"}},
     "request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Task","status":"requested","intent":"order",
                 "for":{"reference":"Patient?identifier=nobody"}},
     "request":{"method":"POST","url":"Task"}}]})";
  HttpResponse refused = client.post("", failing);
  EXPECT_EQ(refused.status, 412u) << refused.body;
  EXPECT_EQ(json_of(client.get("/Observation?_summary=count")).root().find("total")->text(), "0");

  const std::string invalid = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"fine"}},
     "request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Observation","status":"done","code":{"text":"bad status"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  HttpResponse unprocessable = client.post("", invalid);
  EXPECT_EQ(unprocessable.status, 422u);
  EXPECT_NE(unprocessable.body.find("Bundle.entry[1].resource.status"), std::string::npos);
  EXPECT_EQ(json_of(client.get("/Observation?_summary=count")).root().find("total")->text(), "0");
}

TEST_P(FhirApi, BatchEntriesSucceedOrFailAlone) {
  auto client = admin();
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"kept"}},
     "request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Observation","status":"done","code":{"text":"bad"}},
     "request":{"method":"POST","url":"Observation"}},
    {"request":{"method":"GET","url":"Patient/absent"}}]})";
  HttpResponse response = client.post("", batch);
  ASSERT_EQ(response.status, 200u) << response.body;
  auto bundle = json_of(response);
  EXPECT_EQ(bundle.root().string_at("type"), "batch-response");
  const auto entries = bundle.root().find("entry")->items();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].find("response")->string_at("status"), "201 Created");
  EXPECT_EQ(entries[1].find("response")->string_at("status"), "422 Unprocessable Entity");
  EXPECT_EQ(entries[2].find("response")->string_at("status"), "404 Not Found");
  EXPECT_EQ(json_of(client.get("/Observation?_summary=count")).root().find("total")->text(), "1");
}

TEST_P(FhirApi, ValidateOperation) {
  auto client = admin();
  HttpResponse good = client.post("/Patient/$validate", kPatient);
  ASSERT_EQ(good.status, 200u);
  EXPECT_EQ(json_of(good).root().find("issue")->items()[0].string_at("severity"), "information");
  HttpResponse bad = client.post("/Patient/$validate",
      R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","gender":"f"}}]})");
  ASSERT_EQ(bad.status, 200u);
  EXPECT_EQ(issue_code(bad), "code-invalid");
  EXPECT_EQ(json_of(client.get("/Patient?_summary=count")).root().find("total")->text(), "0");
}

TEST_P(FhirApi, WritesSurviveARestart) {
  const std::string id = create("Patient", kPatient);
  ASSERT_EQ(gateway().stop(), 0) << gateway().stderr_text();
  gateway().start();
  auto client = admin();
  EXPECT_EQ(client.get("/Patient/" + id).status, 200u);
  EXPECT_EQ(ids_in(json_of(client.get("/Patient?name=%E5%AE%87%E9%83%BD%E5%AE%AE"))).size(), 1u);
}

SOCIALRX_REST_BACKENDS(FhirApi);

}  // namespace
}  // namespace socialrx::testing
