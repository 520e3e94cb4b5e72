// The record beside the token and the fleet report's renderings (docs/provisioning.md, "The record during a
// call" and "Fleet report"): pure functions over a record and a snapshot.
#include <gtest/gtest.h>

#include "fleet/fleet_report.h"
#include "fleet/record_check.h"

namespace keydesk::fleet {
namespace {

using store::PinMethod;

store::TokenRecord record(PinMethod pin) {
  store::TokenRecord r;
  r.cuid = *iso7816::Cuid::parse("4090A1B2C3D4E5F60718");
  r.status = store::LifecycleStatus::kActive;
  r.provisioning = store::ProvisioningState::kConfirmed;
  r.user = {"Dana <admin>", "E-7", "dana@example.com"};
  r.pin_method = pin;
  r.certificates = {{"9a", "CN=Dana", "01", "2026-01-31T23:59:59Z"},
                    {"9c", "CN=Dana", "02", "2030-01-01T00:00:00Z"}};
  r.oath = {{"vpn", "hotp", "SHA1", 6, 7, 30, ""}, {"corp", "totp", "SHA1", 6, 0, 30, ""}};
  r.secrets_on_record = {"initial-pin", "puk"};
  return r;
}

runbook::TokenSnapshot snapshot(std::optional<bool> force, std::optional<bool> is_default,
                                std::optional<uint64_t> counter) {
  runbook::TokenSnapshot s;
  s.identity.cuid = "4090A1B2C3D4E5F60718";
  s.access = runbook::AccessControl{};
  s.access->force_pin_change = force;
  s.access->pin_is_default = is_default;
  s.oath = runbook::OathState{};
  runbook::OathCredential c;
  c.name = "vpn";
  c.type = "HOTP";
  c.counter = counter;
  s.oath->credentials.push_back(c);
  return s;
}

TEST(PinState, OnlyWhatTheTokenSaysWithoutAnAttempt) {
  EXPECT_EQ(
      pin_state(record(PinMethod::kDefaultForceChange), snapshot(true, std::nullopt, 7)).still_provisioned,
      true);
  EXPECT_EQ(
      pin_state(record(PinMethod::kDefaultForceChange), snapshot(false, std::nullopt, 7)).still_provisioned,
      false);
  EXPECT_EQ(
      pin_state(record(PinMethod::kDefaultNoForceChange), snapshot(std::nullopt, true, 7)).still_provisioned,
      true);
  EXPECT_EQ(
      pin_state(record(PinMethod::kDefaultNoForceChange), snapshot(std::nullopt, false, 7)).still_provisioned,
      false);
  // A random PIN: the token cannot tell whether it was changed...
  EXPECT_EQ(pin_state(record(PinMethod::kRandomDelivered), snapshot(false, false, 7)).still_provisioned,
            std::nullopt);
  // ...but a factory default PIN is certainly not the delivered one.
  EXPECT_EQ(pin_state(record(PinMethod::kRandomDelivered), snapshot(false, true, 7)).still_provisioned,
            false);
}

TEST(RecordKey, CplcElseDeviceSerial) {
  runbook::TokenIdentity id;
  id.cuid = "4090A1B2C3D4E5F60718";
  EXPECT_EQ(record_key(id)->hex(), "4090A1B2C3D4E5F60718");
  id.cuid.clear();
  EXPECT_FALSE(record_key(id).has_value());
  id.serial = 23456789;
  EXPECT_EQ(*record_key(id), store::cuid_from_device_serial(23456789));
}

TEST(CheckRecord, CountersSideBySideAndExpiryAgainstNow) {
  const auto r = record(PinMethod::kDefaultForceChange);
  auto aligned = check_record(&r, snapshot(true, std::nullopt, 7), "2026-06-01T00:00:00Z");
  EXPECT_EQ(aligned.json["HotpCounters"].size(), 1u);  // the TOTP credential has no counter
  EXPECT_EQ(aligned.json["HotpCounters"][0]["Aligned"], true);
  EXPECT_EQ(aligned.json["Certificates"][0]["Expired"], true);
  EXPECT_EQ(aligned.json["Certificates"][1]["Expired"], false);
  EXPECT_EQ(aligned.json["Puk"]["OnRecord"], true);
  auto ahead = check_record(&r, snapshot(true, std::nullopt, 9), "2026-06-01T00:00:00Z");
  EXPECT_EQ(ahead.json["HotpCounters"][0]["Aligned"], false);
  EXPECT_EQ(ahead.json["HotpCounters"][0]["OnToken"], 9);
  bool said = false;
  for (const auto& l : ahead.lines)
    said |= l.find("recorded counter 7, token 9 (NOT aligned)") != std::string::npos;
  EXPECT_TRUE(said);
  auto missing = check_record(&r, snapshot(true, std::nullopt, std::nullopt), "2026-06-01T00:00:00Z");
  EXPECT_TRUE(missing.json["HotpCounters"][0]["Aligned"].is_null());
  auto none = check_record(nullptr, snapshot(true, std::nullopt, 7), "2026-06-01T00:00:00Z");
  EXPECT_EQ(none.json["OnRecord"], false);
  EXPECT_FALSE(none.json.contains("Pin"));
}

FleetReport sample_report() {
  FleetReport r;
  r.generated_at = "2026-12-01T00:00:00Z";
  r.store = "sqlite:/var/lib/<keydesk>";
  r.figures.records = 10;
  r.figures.in_service = 8;
  r.figures.without_puk = 2;
  r.tokens_read = true;
  SeenToken a;
  a.reader = "Reader \"1\" <script>alert(1)</script>";
  a.cuid = "4090A1B2C3D4E5F60718";
  SeenToken b;
  b.reader = "Reader 2";
  b.recorded = true;
  b.status = "active";
  b.pin_still_default = true;
  b.hotp_not_aligned = 1;
  r.seen = {a, b};
  return r;
}

TEST(FleetReport, GapsOverRecordsAndConnectedTokens) {
  const auto g = gaps(sample_report());
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(g[0].key, "WithoutPuk");
  EXPECT_EQ(g[0].records, 2);
  EXPECT_EQ(g[0].tokens, 1);  // b: recorded, no PUK on record
  EXPECT_EQ(g[1].tokens, 1);  // b: PIN still default
  EXPECT_EQ(g[2].tokens, 1);  // b: one HOTP counter not aligned
  EXPECT_FALSE(g[3].tokens.has_value());
  EXPECT_EQ(g[4].tokens, 1);  // a: seen, not recorded
  const auto j = fleet_json(sample_report());
  EXPECT_EQ(j["Gaps"]["SeenNotRecorded"]["Tokens"], 1);
  EXPECT_EQ(j["ByStatus"]["lost"], 0);
}

TEST(FleetReport, HtmlIsSelfContainedAndEscapesWhatTokensAndTheStoreSay) {
  const std::string html = fleet_html(sample_report());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("sqlite:/var/lib/&lt;keydesk&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace keydesk::fleet
