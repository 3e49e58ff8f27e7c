#pragma once
// Task.businessStatus codes of referral Tasks: the sub-states that Task.status must not carry.
// Gravity does not profile businessStatus, and DOMAIN.md §1 keeps Task.status strictly in the
// referral state machine (task_transitions.hpp), so everything finer — where routing stands, what
// the recipient is doing — is a code of our published CodeSystem
// conf/questionnaires/codesystem-referral-business-status.json. The workflow names the constants
// below instead of spelling strings; tests/gateway/referral checks that they equal the published
// CodeSystem (codes and Japanese displays).

#include <array>
#include <string_view>

namespace socialrx::gateway::referral::business_status {

inline constexpr std::string_view kSystem = "https://socialrx.jp/fhir/CodeSystem/referral-business-status";
// HL7 BSeR TaskBusinessStatus, which several of our codes map to (property bser-business-status).
inline constexpr std::string_view kBserSystem = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS";

// Who sets a code: socialrx while it routes and delivers, or the recipient (the Task owner).
enum class SetBy { platform, recipient };

struct Code {
  std::string_view code;
  std::string_view display;  // Japanese, as published
  SetBy set_by;
  std::string_view bser;     // the BSeR TaskBusinessStatus code it maps to, or empty
};

// Routing and delivery (socialrx sets these on the source Task and the per-recipient Tasks).
inline constexpr Code kRouted{"routed", "紹介先決定", SetBy::platform, "2.0"};
inline constexpr Code kNoRecipient{"no-recipient", "紹介先なし(対象外・圏域外・受入不可)", SetBy::platform, ""};
inline constexpr Code kConsentRequired{"consent-required", "同意待ち", SetBy::platform, ""};
inline constexpr Code kConsentWithdrawn{"consent-withdrawn", "同意撤回", SetBy::platform, ""};
inline constexpr Code kAwaitingDelivery{"awaiting-delivery", "送達待ち", SetBy::platform, ""};
inline constexpr Code kDelivered{"delivered", "送達済", SetBy::platform, ""};
inline constexpr Code kRerouted{"rerouted", "再紹介", SetBy::platform, ""};

// The recipient's own progress (the common sub-states of Japanese platforms, DOMAIN.md §1).
inline constexpr Code kReceivedByRecipient{"received-by-recipient", "受付", SetBy::recipient, ""};
inline constexpr Code kAppointmentScheduled{"appointment-scheduled", "面談予約", SetBy::recipient, "5.1.1"};
inline constexpr Code kAppointmentMissed{"appointment-missed", "面談に来られず", SetBy::recipient, "5.1.2"};
inline constexpr Code kAppointmentCancelled{"appointment-cancelled", "面談取消", SetBy::recipient, "5.1.3"};
inline constexpr Code kAppointmentCompleted{"appointment-completed", "面談実施", SetBy::recipient, "5.1.4"};
inline constexpr Code kUnableToContact{"unable-to-contact", "連絡つかず", SetBy::recipient, ""};
inline constexpr Code kWaiting{"waiting", "待機", SetBy::recipient, ""};
inline constexpr Code kNotEligible{"not-eligible", "対象外", SetBy::recipient, "4.0"};
inline constexpr Code kSupportStarted{"support-started", "支援開始", SetBy::recipient, ""};
inline constexpr Code kSupportEnded{"support-ended", "支援終了", SetBy::recipient, "7.0"};

// Every code, in the order of the published CodeSystem.
inline constexpr std::array kAll{
    kRouted,          kNoRecipient,          kConsentRequired,      kConsentWithdrawn,
    kAwaitingDelivery, kDelivered,           kRerouted,             kReceivedByRecipient,
    kAppointmentScheduled, kAppointmentMissed, kAppointmentCancelled, kAppointmentCompleted,
    kUnableToContact, kWaiting,              kNotEligible,          kSupportStarted,
    kSupportEnded,
};

// The entry for `code`, or nullptr when it is not one of ours.
constexpr const Code* find(std::string_view code) {
  for (const Code& entry : kAll) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

}  // namespace socialrx::gateway::referral::business_status
