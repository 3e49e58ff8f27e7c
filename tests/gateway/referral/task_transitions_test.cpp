// The referral Task state machine: every status pair × every party against the table of
// DOMAIN.md §1 written out here independently of the implementation, the create rules, the
// content rules (422) and who may change which element (409), and businessStatus against the
// published CodeSystem.

#include "gateway/referral/task_transitions.hpp"

#include <gtest/gtest.h>

#include <array>
#include <initializer_list>
#include <optional>
#include <set>
#include <tuple>

#include "gateway/referral/business_status.hpp"
#include "tests/gateway/referral/referral_fixture_support.hpp"

namespace socialrx::gateway::referral {
namespace {

using fixtures::expect_valid;
using fixtures::fixture;
using fixtures::parse_json;

using Change = std::pair<std::string_view, std::optional<std::string>>;

// The fixture Task (requested, owner Organization/kodomo-1) with top-level members set to the
// given JSON or removed (nullopt); the result must still be a valid R4 Task.
fhir::json::Document task_with(std::initializer_list<Change> changes) {
  fhir::json::Document document = fixture("task-referral.json");
  for (const auto& [key, json] : changes) {
    if (!json) {
      document.set_root(document.without_member(document.root(), key));
      continue;
    }
    const fhir::json::Document value = parse_json(*json);
    document.set_root(document.with_member(document.root(), key, document.copy(value.root())));
  }
  expect_valid(document.root());
  return document;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

constexpr std::string_view kReason = R"({"text":"本人の希望により"})";

// Every status a Task may carry in R4 that matters here: the ten of the machine and the two never
// used for referrals.
constexpr std::array<std::string_view, 12> kAllStatuses{
    "draft",     "requested", "accepted", "rejected",         "cancelled", "in-progress",
    "on-hold",   "completed", "failed",   "entered-in-error", "ready",     "received"};

constexpr std::array kParties{TaskParty::requester, TaskParty::owner, TaskParty::platform};

// DOMAIN.md §1 spelled out: (from, to, party) triples that are allowed, and nothing else.
std::set<std::tuple<std::string_view, std::string_view, TaskParty>> expected_allowed() {
  using P = TaskParty;
  std::set<std::tuple<std::string_view, std::string_view, TaskParty>> allowed;
  auto add = [&](std::string_view from, std::string_view to, std::initializer_list<P> parties) {
    for (P party : parties) allowed.emplace(from, to, party);
  };
  const auto owner_side = {P::owner, P::platform};
  const auto either_side = {P::requester, P::owner, P::platform};
  add("draft", "requested", {P::requester, P::platform});
  add("requested", "accepted", owner_side);
  add("requested", "rejected", owner_side);
  add("requested", "cancelled", either_side);
  for (std::string_view from : {"accepted", "in-progress", "on-hold"}) {
    add(from, "cancelled", either_side);
    add(from, "completed", owner_side);
    add(from, "failed", owner_side);
  }
  add("accepted", "in-progress", owner_side);
  add("accepted", "on-hold", owner_side);
  add("in-progress", "on-hold", owner_side);
  add("on-hold", "in-progress", owner_side);
  for (std::string_view from : {"draft", "requested", "accepted", "rejected", "cancelled", "in-progress", "on-hold",
                                "completed", "failed"}) {
    add(from, "entered-in-error", {P::requester, P::platform});
  }
  return allowed;
}

const char* name_of(TaskParty party) {
  switch (party) {
    case TaskParty::requester: return "requester";
    case TaskParty::owner: return "owner";
    case TaskParty::platform: return "platform";
  }
  return "?";
}

bool mentions(const fhir::Issues& issues, std::string_view expression, fhir::IssueType code) {
  for (const fhir::Issue& issue : issues) {
    if (issue.expression == expression && issue.code == code) return true;
  }
  return false;
}

TEST(TaskTransitionTable, EveryStatusPairAndPartyMatchesDomainTable) {
  const auto allowed = expected_allowed();
  std::size_t checked = 0;
  std::size_t permitted = 0;
  for (std::string_view from : kAllStatuses) {
    for (std::string_view to : kAllStatuses) {
      // The same statusReason on both sides: the only difference is the status.
      const auto previous = task_with({{"status", quoted(from)}, {"statusReason", std::string(kReason)}});
      const auto next = task_with({{"status", quoted(to)}, {"statusReason", std::string(kReason)}});
      for (TaskParty party : kParties) {
        SCOPED_TRACE(std::string(from) + " -> " + std::string(to) + " by " + name_of(party));
        const auto refusal = check_task_write(&previous.root(), next.root(), party);
        const bool never = to == "ready" || to == "received";
        bool expected = allowed.contains({from, to, party});
        // Writing a Task without changing it is no transition: fine, except that the owner has no
        // business with a draft (and ready/received are refused whatever was stored).
        if (from == to && !never) expected = !(from == "draft" && party == TaskParty::owner);
        EXPECT_EQ(!refusal.has_value(), expected) << (refusal ? fhir::to_operation_outcome_json(refusal->issues) : "");
        if (refusal) {
          EXPECT_EQ(refusal->http_status, never ? 422 : 409);
          if (never) {
            EXPECT_TRUE(mentions(refusal->issues, "Task.status", fhir::IssueType::value));
          } else if (from == to) {  // only the owner's write of a draft
            EXPECT_TRUE(mentions(refusal->issues, "Task", fhir::IssueType::business_rule));
          } else {
            EXPECT_TRUE(mentions(refusal->issues, "Task.status", fhir::IssueType::business_rule))
                << fhir::to_operation_outcome_json(refusal->issues);
          }
        }
        // The pure table functions say the same.
        if (from != to) {
          const bool in_table = is_allowed_transition(from, to);
          EXPECT_EQ(in_table && may_set_status(party, to), allowed.contains({from, to, party}));
        }
        ++checked;
        permitted += refusal ? 0 : 1;
      }
    }
  }
  EXPECT_EQ(checked, 12u * 12u * 3u);
  // 56 status changes (party-specific) + the no-op writes of the ten statuses by three parties,
  // less the owner's on a draft.
  EXPECT_EQ(allowed.size(), 56u);
  EXPECT_EQ(permitted, allowed.size() + 10u * 3u - 1u);
}

TEST(TaskTransitionTable, RefusalsSayWhoSetsTheStatus) {
  const auto previous = task_with({});
  const auto next = task_with({{"status", "\"accepted\""}});
  const auto refusal = check_task_write(&previous.root(), next.root(), TaskParty::requester);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->http_status, 409);
  ASSERT_EQ(refusal->issues.size(), 1u);
  EXPECT_EQ(refusal->issues.items()[0].expression, "Task.status");
  EXPECT_NE(refusal->issues.items()[0].diagnostics.find("owner"), std::string::npos);

  const auto done = task_with({{"status", "\"completed\""}});
  const auto again = task_with({{"status", "\"in-progress\""}});
  const auto reopened = check_task_write(&done.root(), again.root(), TaskParty::owner);
  ASSERT_TRUE(reopened);
  EXPECT_NE(reopened->issues.items()[0].diagnostics.find("final"), std::string::npos);
}

TEST(TaskTransitionTable, TerminalStatuses) {
  for (std::string_view status : referral_task_statuses()) {
    const bool terminal = status == "rejected" || status == "cancelled" || status == "completed" ||
                          status == "failed" || status == "entered-in-error";
    EXPECT_EQ(is_terminal(status), terminal) << status;
  }
  EXPECT_EQ(referral_task_statuses().size(), 10u);
  EXPECT_FALSE(is_terminal("ready"));
  EXPECT_FALSE(may_set_status(TaskParty::platform, "received"));
  EXPECT_FALSE(is_allowed_transition("requested", "received"));
  EXPECT_FALSE(is_allowed_transition("entered-in-error", "entered-in-error"));
}

TEST(TaskTransitionCreate, StartsAsDraftOrRequestedByTheRequesterOrSocialrx) {
  for (std::string_view status : kAllStatuses) {
    const auto task = task_with({{"status", quoted(status)}, {"statusReason", std::string(kReason)}});
    for (TaskParty party : kParties) {
      SCOPED_TRACE(std::string(status) + " by " + name_of(party));
      const auto refusal = check_task_write(nullptr, task.root(), party);
      const bool expected = (status == "draft" || status == "requested") && party != TaskParty::owner;
      EXPECT_EQ(!refusal.has_value(), expected);
      if (refusal) {
        EXPECT_EQ(refusal->http_status, status == "ready" || status == "received" ? 422 : 409);
      }
    }
  }
}

TEST(TaskTransitionContent, StatusReasonTextForRejectedCancelledOnHoldFailed) {
  const struct {
    std::string_view from;
    std::string_view to;
    TaskParty party;
  } cases[] = {{"requested", "rejected", TaskParty::owner},   {"requested", "cancelled", TaskParty::requester},
               {"accepted", "on-hold", TaskParty::owner},      {"in-progress", "failed", TaskParty::owner},
               {"in-progress", "cancelled", TaskParty::owner}, {"accepted", "failed", TaskParty::platform}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " -> " + std::string(c.to));
    const auto previous = task_with({{"status", quoted(c.from)}});
    // No statusReason at all.
    const auto bare = task_with({{"status", quoted(c.to)}});
    auto refusal = check_task_write(&previous.root(), bare.root(), c.party);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->http_status, 422);
    EXPECT_TRUE(mentions(refusal->issues, "Task.statusReason.text", fhir::IssueType::required));
    // A coded reason without text (a full recipient rejecting for capacity with a code only).
    const auto coded = task_with(
        {{"status", quoted(c.to)},
         {"statusReason", R"({"coding":[{"system":"https://example.org/reasons","code":"no-capacity"}]})"}});
    refusal = check_task_write(&previous.root(), coded.root(), c.party);
    ASSERT_TRUE(refusal);
    EXPECT_TRUE(mentions(refusal->issues, "Task.statusReason.text", fhir::IssueType::required));
    // With text: fine.
    const auto given = task_with({{"status", quoted(c.to)}, {"statusReason", std::string(kReason)}});
    EXPECT_FALSE(check_task_write(&previous.root(), given.root(), c.party));
  }
  // A statusReason needs text whatever the status; accepted needs no reason.
  const auto previous = task_with({});
  const auto accepted = task_with({{"status", "\"accepted\""}});
  EXPECT_FALSE(check_task_write(&previous.root(), accepted.root(), TaskParty::owner));
  const auto coded = task_with({{"status", "\"accepted\""}, {"statusReason", R"({"coding":[{"code":"x"}]})"}});
  const auto refusal = check_task_write(&previous.root(), coded.root(), TaskParty::owner);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->http_status, 422);
  EXPECT_TRUE(mentions(refusal->issues, "Task.statusReason.text", fhir::IssueType::required));
}

TEST(TaskTransitionContent, GravityShapeOfAReferralTask) {
  const struct {
    Change change;
    std::string_view expression;
    fhir::IssueType code;
  } cases[] = {
      {{"code", R"({"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"approve"}]})"},
       "Task.code", fhir::IssueType::value},
      {{"code", std::nullopt}, "Task.code", fhir::IssueType::value},
      {{"intent", "\"filler-order\""}, "Task.intent", fhir::IssueType::value},
      {{"focus", std::nullopt}, "Task.focus", fhir::IssueType::required},
      {{"focus", R"({"reference":"Patient/p1"})"}, "Task.focus", fhir::IssueType::value},
      {{"for", std::nullopt}, "Task.for", fhir::IssueType::required},
      {{"requester", std::nullopt}, "Task.requester", fhir::IssueType::required},
      {{"authoredOn", std::nullopt}, "Task.authoredOn", fhir::IssueType::required},
      {{"status", "\"received\""}, "Task.status", fhir::IssueType::value},
      {{"businessStatus", R"({"coding":[{"system":"https://socialrx.jp/fhir/CodeSystem/referral-business-status","code":"lost"}]})"},
       "Task.businessStatus", fhir::IssueType::code_invalid},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.expression));
    const auto next = task_with({c.change});
    // On create and on update, by anyone: the content comes first.
    const auto stored = task_with({});
    for (const fhir::json::Value* previous : {static_cast<const fhir::json::Value*>(nullptr), &stored.root()}) {
      const auto refusal = check_task_write(previous, next.root(), TaskParty::platform);
      ASSERT_TRUE(refusal);
      EXPECT_EQ(refusal->http_status, 422);
      EXPECT_TRUE(mentions(refusal->issues, c.expression, c.code)) << fhir::to_operation_outcome_json(refusal->issues);
    }
  }
  EXPECT_TRUE(is_referral_task(task_with({}).root()));
  EXPECT_FALSE(is_referral_task(task_with({{"code", std::nullopt}}).root()));
}

TEST(TaskTransitionElements, TheOwnerReportsProgressWithoutAStatusChange) {
  const auto accepted = task_with({{"status", "\"accepted\""}});
  const auto progress = task_with(
      {{"status", "\"accepted\""},
       {"businessStatus",
        R"({"coding":[{"system":"https://socialrx.jp/fhir/CodeSystem/referral-business-status","code":"appointment-scheduled","display":"面談予約"}]})"},
       {"note", R"([{"text":"12月15日 10時に面談"}])"},
       {"output",
        R"([{"type":{"coding":[{"system":"http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes","code":"resulting-activity"}]},"valueReference":{"reference":"Procedure/proc-1"}}])"},
       {"lastModified", "\"2025-12-10T10:00:00+09:00\""}});
  EXPECT_FALSE(check_task_write(&accepted.root(), progress.root(), TaskParty::owner));
  EXPECT_FALSE(check_task_write(&accepted.root(), progress.root(), TaskParty::platform));
  // The requester may not write the recipient's report.
  const auto refusal = check_task_write(&accepted.root(), progress.root(), TaskParty::requester);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->http_status, 409);
  EXPECT_TRUE(mentions(refusal->issues, "Task.output", fhir::IssueType::business_rule));
  EXPECT_TRUE(mentions(refusal->issues, "Task.businessStatus", fhir::IssueType::business_rule));
  EXPECT_FALSE(mentions(refusal->issues, "Task.note", fhir::IssueType::business_rule));
}

TEST(TaskTransitionElements, WhatEachPartyMayNotChange) {
  const auto accepted = task_with({{"status", "\"accepted\""}});
  const struct {
    Change change;
    TaskParty party;
    std::string_view expression;
  } refused[] = {
      {{"owner", R"({"reference":"Organization/other"})"}, TaskParty::requester, "Task.owner"},
      {{"owner", R"({"reference":"Organization/other"})"}, TaskParty::owner, "Task.owner"},
      {{"focus", R"({"reference":"ServiceRequest/sr-2"})"}, TaskParty::owner, "Task.focus"},
      {{"for", R"({"reference":"Patient/p2"})"}, TaskParty::owner, "Task.for"},
      {{"requester", R"({"reference":"Organization/clinic-2"})"}, TaskParty::owner, "Task.requester"},
      {{"for", R"({"reference":"Patient/p2"})"}, TaskParty::requester, "Task.for"},
      {{"input", R"([{"type":{"text":"紹介状"},"valueString":"追記"}])"}, TaskParty::owner, "Task.input"},
      {{"priority", "\"urgent\""}, TaskParty::owner, "Task.priority"},
      {{"executionPeriod", R"({"start":"2025-12-10"})"}, TaskParty::requester, "Task.executionPeriod"},
      {{"authoredOn", "\"2025-12-02\""}, TaskParty::requester, "Task.authoredOn"},
      {{"partOf", R"([{"reference":"Task/other"}])"}, TaskParty::requester, "Task.partOf"},
  };
  for (const auto& c : refused) {
    SCOPED_TRACE(std::string(c.expression) + " by " + name_of(c.party));
    const auto next = task_with({{"status", "\"accepted\""}, c.change});
    const auto refusal = check_task_write(&accepted.root(), next.root(), c.party);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->http_status, 409);
    EXPECT_TRUE(mentions(refusal->issues, c.expression, fhir::IssueType::business_rule))
        << fhir::to_operation_outcome_json(refusal->issues);
    // socialrx itself (routing, mirroring) may.
    EXPECT_FALSE(check_task_write(&accepted.root(), next.root(), TaskParty::platform));
  }
  // The requester's own elements.
  const auto reprioritized = task_with({{"status", "\"accepted\""}, {"priority", "\"urgent\""},
                                        {"note", R"([{"text":"急ぎでお願いします"}])"}});
  EXPECT_FALSE(check_task_write(&accepted.root(), reprioritized.root(), TaskParty::requester));
}

TEST(TaskTransitionElements, TheOwnerSetsOnlyTheRecipientsBusinessStatusCodes) {
  const auto accepted = task_with({{"status", "\"accepted\""}});
  for (const business_status::Code& code : business_status::kAll) {
    SCOPED_TRACE(std::string(code.code));
    const auto next = task_with({{"status", "\"accepted\""},
                                 {"businessStatus", R"({"coding":[{"system":")" + std::string(business_status::kSystem) +
                                                        R"(","code":")" + std::string(code.code) + "\"}]}"}});
    const auto refusal = check_task_write(&accepted.root(), next.root(), TaskParty::owner);
    EXPECT_EQ(!refusal.has_value(), code.set_by == business_status::SetBy::recipient);
    EXPECT_FALSE(check_task_write(&accepted.root(), next.root(), TaskParty::platform));
  }
}

TEST(TaskTransitionElements, DraftsAreTheRequestersAndFinishedReferralsOnlyTakeNotes) {
  const auto draft = task_with({{"status", "\"draft\""}, {"owner", std::nullopt}});
  const auto routed_draft = task_with({{"status", "\"draft\""}, {"priority", "\"urgent\""}});
  EXPECT_FALSE(check_task_write(&draft.root(), routed_draft.root(), TaskParty::requester));
  auto refusal = check_task_write(&draft.root(), routed_draft.root(), TaskParty::owner);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->http_status, 409);

  const auto completed = task_with({{"status", "\"completed\""}});
  const auto noted = task_with({{"status", "\"completed\""}, {"note", R"([{"text":"3か月後に様子を確認"}])"}});
  for (TaskParty party : kParties) EXPECT_FALSE(check_task_write(&completed.root(), noted.root(), party));
  const auto late_output = task_with(
      {{"status", "\"completed\""},
       {"output", R"([{"type":{"text":"追加の報告"},"valueReference":{"reference":"Procedure/proc-2"}}])"}});
  refusal = check_task_write(&completed.root(), late_output.root(), TaskParty::owner);
  ASSERT_TRUE(refusal);
  EXPECT_TRUE(mentions(refusal->issues, "Task.output", fhir::IssueType::business_rule));
  EXPECT_FALSE(check_task_write(&completed.root(), late_output.root(), TaskParty::platform));
  // Still, the requester can withdraw a finished referral made in error.
  const auto voided = task_with({{"status", "\"entered-in-error\""}, {"statusReason", R"({"text":"別の患者の紹介だった"})"}});
  EXPECT_FALSE(check_task_write(&completed.root(), voided.root(), TaskParty::requester));
}

// business_status.hpp mirrors conf/questionnaires/codesystem-referral-business-status.json.
TEST(TaskTransitionBusinessStatus, ConstantsMatchThePublishedCodeSystem) {
  const auto published = fixtures::parse_json(
      fixtures::read_text(std::string(SOCIALRX_SOURCE_DIR) + "/conf/questionnaires/codesystem-referral-business-status.json"));
  expect_valid(published.root());
  EXPECT_EQ(published.root().string_at("url"), business_status::kSystem);
  const auto concepts = published.root().find("concept")->items();
  ASSERT_EQ(concepts.size(), business_status::kAll.size());
  for (std::size_t i = 0; i < concepts.size(); ++i) {
    const business_status::Code& ours = business_status::kAll[i];
    SCOPED_TRACE(std::string(ours.code));
    EXPECT_EQ(concepts[i].string_at("code"), ours.code);
    EXPECT_EQ(concepts[i].string_at("display"), ours.display);
    std::string_view set_by;
    std::string_view bser;
    for (const auto& property : concepts[i].find("property")->items()) {
      if (property.string_at("code") == "set-by") set_by = property.string_at("valueCode");
      if (property.string_at("code") == "bser-business-status") {
        EXPECT_EQ(property.find("valueCoding")->string_at("system"), business_status::kBserSystem);
        bser = property.find("valueCoding")->string_at("code");
      }
    }
    EXPECT_EQ(set_by, ours.set_by == business_status::SetBy::platform ? "platform" : "recipient");
    EXPECT_EQ(bser, ours.bser);
    EXPECT_EQ(business_status::find(ours.code), &ours);
  }
  EXPECT_EQ(business_status::find("lost"), nullptr);
}

}  // namespace
}  // namespace socialrx::gateway::referral
