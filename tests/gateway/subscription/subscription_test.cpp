// rest-hook Subscriptions, id-only (issue #5 part 5: "sources are notified by rest-hook
// Subscription (id-only) or poll"), through the real binary on SQLite and PostgreSQL with a real
// HTTP receiver on 127.0.0.1: a Subscription is validated (422 naming the element, 403 without
// read scope) and activated; matching creates and updates are notified in order with no resource
// body (the R4 backport shape, checked with fhir/ and HL7's R4 JSON schema); a receiver that is
// down gets each notification once when it comes up; a dead notification puts the Subscription
// in error until the client sets it back, and what died is then sent.

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "fhir/validator.hpp"
#include "tests/gateway/outbox/test_destination.hpp"
#include "tests/gateway/referral/referral_test_support.hpp"
#include "tests/gateway/rest/rest_test_support.hpp"
#include "tests/gateway/run_binary.hpp"

namespace socialrx::testing {
namespace {

constexpr const char* kClinicToken = "clinic-token-0123456789";
constexpr const char* kChuoToken = "houkatsu-chuo-token-0123456789";
constexpr const char* kNoTaskReadToken = "subscriptions-only-token-0123456789";
constexpr const char* kHookSecret = "Bearer receiver-secret-for-tests";
constexpr const char* kPrivateNote = "秘密のメモ: 生活困窮";  // must never leave in a notification

// `body` with `key` set to the string `text`, or to the JSON `json`.
std::string with_string(const std::string& body, const std::string& key, const std::string& text) {
  auto document = std::move(*fhir::json::parse(body).document);
  document.set_root(document.with_member(document.root(), key, document.make_string(text)));
  return fhir::json::serialize(document.root());
}
std::string with_json(const std::string& body, const std::string& key, const std::string& json) {
  auto document = std::move(*fhir::json::parse(body).document);
  auto value = fhir::json::parse(json);
  document.set_root(document.with_member(document.root(), key, document.copy(value.document->root())));
  return fhir::json::serialize(document.root());
}

bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

class Subscriptions : public RestTest {
 protected:
  std::string extra_clients() const override {
    return "    {\"id\": \"subscriber-only\", \"token_sha256\": \"" + gateway::rest::sha256_hex(kNoTaskReadToken) +
           "\", \"scopes\": [\"system/Subscription.cruds\"]},\n";
  }
  // Quick retries, so that a receiver that comes back is served within a second.
  void before_start(const std::filesystem::path& config, const std::filesystem::path&) override {
    std::ifstream in(config);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.insert(text.find('{') + 1,
                "\n  \"outbox\": {\"max_attempts\": 1000, \"base_delay_ms\": 100, \"max_delay_ms\": 300,"
                " \"poll_interval_ms\": 100},");
    std::ofstream(config, std::ios::trunc) << text;
  }

  void TearDown() override {
    notifications_.close();
    if (!::testing::Test::HasFailure()) expect_bodies_pass_r4_schema(notifications_path());
    RestTest::TearDown();
  }

  std::filesystem::path notifications_path() { return gateway().work_dir() / "notifications.ndjson"; }

  std::string subscription(const std::string& criteria, const std::string& endpoint,
                           const std::string& type = "rest-hook") {
    return R"({"resourceType":"Subscription","status":"requested","reason":"紹介の状況をクリニックに知らせる",)"
           R"("criteria":")" + criteria + R"(","channel":{"type":")" + type + R"(","endpoint":")" + endpoint +
           R"(","payload":"application/fhir+json","header":["Authorization: )" + kHookSecret + R"("]}})";
  }

  std::string task(const std::string& requester, const std::string& status) {
    return R"({"resourceType":"Task","status":")" + status + R"(","intent":"order","description":")" +
           kPrivateNote + R"(","requester":{"reference":")" + requester + R"("}})";
  }

  // Subscribes to the Tasks of `organization` and returns the Subscription's id.
  std::string subscribe(const std::string& organization, const std::string& endpoint) {
    auto client = admin();
    HttpResponse response = client.post("/Subscription", subscription("Task?requester=" + organization, endpoint));
    EXPECT_EQ(response.status, 201u) << response.body;
    const auto document = json_of(response);
    EXPECT_EQ(document.root().string_at("status"), "active") << "R4: the server activates a requested Subscription";
    return std::string(document.root().string_at("id"));
  }

  // Checks one notification (Bundle, id-only) and returns (event number, focus reference).
  std::pair<std::string, std::string> check_notification(const ReceivedRequest& request,
                                                         const std::string& subscription_id) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.authorization, kHookSecret);
    EXPECT_EQ(request.content_type, "application/fhir+json");
    EXPECT_EQ(request.body.find(kPrivateNote), std::string::npos) << "no resource body leaves: " << request.body;
    std::string line = request.body;
    for (char& c : line) c = c == '\n' ? ' ' : c;
    notifications_ << line << '\n';
    auto parsed = fhir::json::parse(request.body);
    if (!parsed.document) {
      ADD_FAILURE() << "not JSON: " << request.body;
      return {};
    }
    const fhir::json::Value& bundle = parsed.document->root();
    const fhir::Issues issues = fhir::validate_resource(bundle);
    EXPECT_FALSE(issues.has_errors()) << fhir::to_operation_outcome_json(issues);
    EXPECT_EQ(bundle.string_at("resourceType"), "Bundle");
    EXPECT_EQ(bundle.string_at("type"), "history");
    const auto entries = bundle.find("entry")->items();
    EXPECT_EQ(entries.size(), 2u);
    if (entries.size() != 2) return {};
    EXPECT_EQ(entries[1].find("resource"), nullptr) << "id-only: the focus entry has no resource";
    const fhir::json::Value& status = *entries[0].find("resource");
    EXPECT_EQ(status.string_at("resourceType"), "Parameters");
    std::string events;
    std::string event_number;
    std::string focus;
    for (const fhir::json::Value& parameter : status.find("parameter")->items()) {
      const std::string_view name = parameter.string_at("name");
      if (name == "subscription") {
        EXPECT_TRUE(std::string(parameter.find("valueReference")->string_at("reference"))
                        .ends_with("/Subscription/" + subscription_id));
      } else if (name == "type") {
        EXPECT_EQ(parameter.string_at("valueCode"), "event-notification");
      } else if (name == "status") {
        EXPECT_EQ(parameter.string_at("valueCode"), "active");
      } else if (name == "events-since-subscription-start") {
        events = parameter.string_at("valueString");
      } else if (name == "notification-event") {
        for (const fhir::json::Value& part : parameter.find("part")->items()) {
          if (part.string_at("name") == "event-number") event_number = part.string_at("valueString");
          if (part.string_at("name") == "focus") focus = part.find("valueReference")->string_at("reference");
        }
      }
    }
    EXPECT_EQ(events, event_number);
    EXPECT_EQ(std::string(entries[1].string_at("fullUrl")), focus);
    return {event_number, focus};
  }

  void SetUp() override {
    RestTest::SetUp();
    notifications_.open(notifications_path());
  }

  std::ofstream notifications_;  // every notification received, for HL7's schema check
};

TEST_P(Subscriptions, MatchingWritesAreNotifiedIdOnlyInOrder) {
  TestDestination receiver(pick_free_port());
  receiver.start();
  const std::string clinic = "Organization/" + create("Organization", R"({"resourceType":"Organization","name":"みどりクリニック"})");
  const std::string other = "Organization/" + create("Organization", R"({"resourceType":"Organization","name":"ほかの診療所"})");
  const std::string subscription_id = subscribe(clinic, receiver.base_url() + "/notify");

  auto client = admin();
  const std::string task_id = create("Task", task(clinic, "draft"));
  create("Task", task(other, "draft"));  // not followed
  HttpResponse response = client.put("/Task/" + task_id,
                                     with_string(task(clinic, "requested"), "id", task_id));
  ASSERT_EQ(response.status, 200u) << response.body;
  response = client.put("/Task/" + task_id, with_string(task(clinic, "cancelled"), "id", task_id));
  ASSERT_EQ(response.status, 200u) << response.body;

  ASSERT_TRUE(eventually([&] { return receiver.handler().requests().size() >= 3; }))
      << receiver.handler().requests().size() << " notifications\n" << gateway().stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // nothing more arrives
  const auto requests = receiver.handler().requests();
  ASSERT_EQ(requests.size(), 3u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].target, "/fhir/notify");
    const auto [number, focus] = check_notification(requests[i], subscription_id);
    EXPECT_EQ(number, std::to_string(i + 1)) << "events arrive in order";
    EXPECT_TRUE(focus.ends_with("/fhir/Task/" + task_id)) << focus;
  }
  // The Subscription itself: readable, searchable, and deleted like any other resource.
  auto read = json_of(client.get("/Subscription/" + subscription_id));
  EXPECT_EQ(read.root().string_at("status"), "active");
  EXPECT_EQ(json_of(client.get("/Subscription?status=active&_summary=count")).root().find("total")->text(), "1");
  EXPECT_EQ(client.del("/Subscription/" + subscription_id).status, 204u);
  ASSERT_EQ(client.put("/Task/" + task_id, with_string(task(clinic, "cancelled"), "id", task_id)).status, 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(receiver.handler().requests().size(), 3u) << "a deleted Subscription is not notified";
}

TEST_P(Subscriptions, AReceiverThatIsDownGetsEachNotificationOnceWhenItComesUp) {
  TestDestination receiver(pick_free_port());  // not listening yet
  const std::string clinic = "Organization/" + create("Organization", R"({"resourceType":"Organization","name":"みどりクリニック"})");
  const std::string subscription_id = subscribe(clinic, receiver.base_url() + "/notify");
  const std::string first = create("Task", task(clinic, "draft"));
  const std::string second = create("Task", task(clinic, "draft"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1'000));  // a few failed attempts
  receiver.start();
  ASSERT_TRUE(eventually([&] { return receiver.handler().requests().size() >= 2; })) << gateway().stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto requests = receiver.handler().requests();
  ASSERT_EQ(requests.size(), 2u) << "each notification once";
  EXPECT_NE(requests[0].idempotency_key, requests[1].idempotency_key);
  EXPECT_TRUE(check_notification(requests[0], subscription_id).second.ends_with("/Task/" + first));
  EXPECT_TRUE(check_notification(requests[1], subscription_id).second.ends_with("/Task/" + second));
  auto client = admin();
  EXPECT_EQ(json_of(client.get("/Subscription/" + subscription_id)).root().string_at("status"), "active");
}

TEST_P(Subscriptions, ADeadNotificationSetsErrorUntilTheClientSetsItBack) {
  TestDestination receiver(pick_free_port());
  receiver.handler().set_script([](const ReceivedRequest&, std::size_t n) { return n == 0 ? 404u : 200u; });
  receiver.start();
  const std::string clinic = "Organization/" + create("Organization", R"({"resourceType":"Organization","name":"みどりクリニック"})");
  const std::string subscription_id = subscribe(clinic, receiver.base_url() + "/notify");
  const std::string task_id = create("Task", task(clinic, "draft"));

  auto client = admin();
  fhir::json::Document errored;
  ASSERT_TRUE(eventually([&] {
    errored = json_of(client.get("/Subscription/" + subscription_id));
    return errored.root().string_at("status") == "error";
  })) << gateway().stderr_text();
  EXPECT_NE(errored.root().string_at("error").find("404"), std::string_view::npos) << errored.root().string_at("error");
  // In error nothing new is queued.
  ASSERT_EQ(client.put("/Task/" + task_id, with_string(task(clinic, "requested"), "id", task_id)).status, 200u);

  // The client sets it back: active again, and the notification that died is sent.
  const std::string back = with_string(fhir::json::serialize(errored.root()), "status", "requested");
  HttpResponse response = client.put("/Subscription/" + subscription_id, back);
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(json_of(response).root().string_at("status"), "active");
  EXPECT_EQ(json_of(response).root().find("error"), nullptr);
  ASSERT_TRUE(eventually([&] { return receiver.handler().requests().size() >= 2; })) << gateway().stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto requests = receiver.handler().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].idempotency_key, requests[1].idempotency_key) << "the same notification, sent again";
  EXPECT_EQ(check_notification(requests[1], subscription_id).first, "1");
}

TEST_P(Subscriptions, CriteriaAndChannelsSocialrxCannotServeAre422WithThePath) {
  auto client = admin();
  const struct {
    std::string body;
    std::string path;
  } cases[] = {
      {subscription("Task?no-such-parameter=1", "http://127.0.0.1:9/notify"), "Subscription.criteria"},
      {subscription("Task", "http://127.0.0.1:9/notify"), "Subscription.criteria"},
      {subscription("Task?", "http://127.0.0.1:9/notify"), "Subscription.criteria"},
      {subscription("Task?_include=Task:focus&requester=Organization/x", "http://127.0.0.1:9/notify"),
       "Subscription.criteria"},
      {subscription("Subscription?status=active", "http://127.0.0.1:9/notify"), "Subscription.criteria"},
      {subscription("Task?requester=Organization/x", "http://127.0.0.1:9/notify", "websocket"),
       "Subscription.channel.type"},
      {subscription("Task?requester=Organization/x", "ftp://127.0.0.1/notify"), "Subscription.channel.endpoint"},
  };
  for (const auto& refused : cases) {
    HttpResponse response = client.post("/Subscription", refused.body);
    EXPECT_EQ(response.status, 422u) << refused.body << "\n" << response.body;
    EXPECT_NE(response.body.find("\"" + refused.path), std::string::npos) << response.body;
  }
  // A header that would be sent as two lines.
  HttpResponse response = client.post(
      "/Subscription",
      with_json(subscription("Task?requester=Organization/x", "http://127.0.0.1:9/notify"), "channel",
                  R"({"type":"rest-hook","endpoint":"http://127.0.0.1:9/n","header":["X-A: 1\r\nX-B: 2"]})"));
  EXPECT_EQ(response.status, 422u) << response.body;
  EXPECT_NE(response.body.find("Subscription.channel.header[0]"), std::string::npos) << response.body;
  EXPECT_EQ(json_of(client.get("/Subscription?_summary=count")).root().find("total")->text(), "0");
  // The CapabilityStatement says what is offered.
  EXPECT_NE(client.get("/metadata").body.find(R"("type":"Subscription","documentation":"channel.type rest-hook only)"),
            std::string::npos);
}

TEST_P(Subscriptions, AClientSubscribesOnlyToWhatItMayRead) {
  auto client = client_with(kNoTaskReadToken);
  HttpResponse response =
      client.post("/Subscription", subscription("Task?requester=Organization/x", "http://127.0.0.1:9/notify"));
  EXPECT_EQ(response.status, 403u) << response.body;
  EXPECT_NE(response.body.find("Subscription.criteria"), std::string::npos) << response.body;
}

SOCIALRX_REST_BACKENDS(Subscriptions);

// The closed loop: the clinic follows its referrals' Tasks; the workflow routes the referral and
// mirrors the recipient's acceptance onto the clinic's Task, and each committed change reaches the
// clinic's endpoint as an id-only notification (the demo directory, clients bound to organizations:
// a bound client may follow only Tasks whose requester or owner is its organization).
class ReferralSubscriptions : public Subscriptions {
 protected:
  std::string extra_clients() const override {
    const auto client = [](const char* id, const char* token, const std::string& organization, const char* scopes) {
      return std::string("    {\"id\": \"") + id + "\", \"token_sha256\": \"" + gateway::rest::sha256_hex(token) +
             "\", \"organization\": \"" + organization + "\", \"scopes\": [" + scopes + "]},\n";
    };
    return Subscriptions::extra_clients() + client("clinic", kClinicToken, kClinicIdentifier, R"("system/*.cruds")") +
           client("houkatsu-chuo", kChuoToken, std::string(kDirectoryOrganization) + "midori-houkatsu-chuo",
                  R"("system/Task.rsu", "system/ServiceRequest.rs", "system/Patient.r")");
  }
  void before_start(const std::filesystem::path& config, const std::filesystem::path& data_dir) override {
    Subscriptions::before_start(config, data_dir);
    const RunResult imported = run_socialrx(
        {"directory", "import", std::string(SOCIALRX_SOURCE_DIR) + "/conf/directory/demo-directory.csv", "--config",
         config.string(), "--data", data_dir.string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }
};

TEST_P(ReferralSubscriptions, TheClinicIsNotifiedOfEveryChangeOfItsReferralTask) {
  TestDestination receiver(pick_free_port());
  receiver.start();
  auto clinic = client_with(kClinicToken);
  HttpResponse organization = clinic.post(
      "/Organization",
      R"({"resourceType":"Organization","name":"みどりクリニック","identifier":[{"system":"http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no","value":"9910000001"}]})");
  ASSERT_EQ(organization.status, 201u) << organization.body;
  const std::string clinic_key = "Organization/" + std::string(json_of(organization).root().string_at("id"));
  // Bound to its organization, the clinic follows its own referrals only.
  for (const std::string& criteria : std::vector<std::string>{"Task?status=requested", "Task?requester=Organization/someone-else",
                                     "Task?requester=" + clinic_key + ",Organization/someone-else",
                                     "Patient?name=緑"}) {
    HttpResponse refused = clinic.post("/Subscription", subscription(criteria, receiver.base_url() + "/clinic-hook"));
    EXPECT_EQ(refused.status, 403u) << criteria << ": " << refused.body;
    EXPECT_NE(refused.body.find("Subscription.criteria"), std::string::npos) << refused.body;
  }
  HttpResponse subscribed =
      clinic.post("/Subscription", subscription("Task?requester=" + clinic_key, receiver.base_url() + "/clinic-hook"));
  ASSERT_EQ(subscribed.status, 201u) << subscribed.body;
  const std::string subscription_id(json_of(subscribed).root().string_at("id"));

  // The referral: Patient, Consent, ServiceRequest and Task in one transaction; routed at once.
  HttpResponse submitted = clinic.post("", referral_bundle(ReferralSpec{}));
  ASSERT_EQ(submitted.status, 200u) << submitted.body;
  std::string source_task;
  const auto submitted_bundle = json_of(submitted);  // kept: the loop reads into it (C++20 range-for)
  for (const fhir::json::Value& entry : submitted_bundle.root().find("entry")->items()) {
    const std::string key = key_of_location(entry.find("response")->string_at("location"));
    if (key.starts_with("Task/")) source_task = key;
  }
  ASSERT_FALSE(source_task.empty());

  // The recipient accepts its downstream Task; the workflow mirrors it onto the clinic's Task.
  auto chuo = client_with(kChuoToken);
  auto downstream = json_of(chuo.get("/Task?part-of=" + source_task));
  ASSERT_NE(downstream.root().find("entry"), nullptr) << "routed to 中央地域包括支援センター";
  fhir::json::Document task;
  task.set_root(task.copy(*downstream.root().find("entry")->items()[0].find("resource")));
  task.set_root(task.with_member(task.root(), "status", task.make_string("accepted")));
  ASSERT_EQ(chuo.put("/Task/" + std::string(task.root().string_at("id")), fhir::json::serialize(task.root())).status, 200u);
  auto current = json_of(clinic.get("/" + source_task));
  ASSERT_EQ(current.root().string_at("status"), "accepted") << "mirrored";
  const std::string current_version(current.root().find("meta")->string_at("versionId"));

  // Notifications about the clinic's Task: the submission (routed) and the acceptance, in order,
  // the last one naming the version the clinic now reads.
  std::vector<std::pair<std::string, std::string>> about_source;  // (event number, etag)
  ASSERT_TRUE(eventually([&] {
    about_source.clear();
    for (const ReceivedRequest& request : receiver.handler().requests()) {
      auto bundle = fhir::json::parse(request.body);
      if (!bundle.document) continue;
      const auto entries = bundle.document->root().find("entry")->items();
      if (entries.size() == 2 && std::string(entries[1].string_at("fullUrl")).ends_with("/" + source_task)) {
        about_source.emplace_back(std::to_string(about_source.size() + 1),
                                  std::string(entries[1].find("response")->string_at("etag")));
      }
    }
    return !about_source.empty() && about_source.back().second == "W/\"" + current_version + "\"";
  })) << receiver.handler().requests().size() << " notifications\n" << gateway().stderr_text();
  EXPECT_GE(about_source.size(), 2u);
  std::int64_t previous = 0;
  for (const ReceivedRequest& request : receiver.handler().requests()) {
    const auto [number, focus] = check_notification(request, subscription_id);
    EXPECT_EQ(request.body.find("花子"), std::string::npos) << "nothing about the person leaves";
    EXPECT_EQ(std::stoll(number), previous + 1) << "numbered in order, no gap";
    previous = std::stoll(number);
  }
}

SOCIALRX_REST_BACKENDS(ReferralSubscriptions);

}  // namespace
}  // namespace socialrx::testing
