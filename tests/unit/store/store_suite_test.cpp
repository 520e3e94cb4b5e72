// The record store's conformance suite, the same on SQLite and PostgreSQL.
#include <sys/stat.h>

#include <algorithm>

#include "store/lifecycle.h"
#include "store/schema.h"
#include "store_fixture.h"

namespace keydesk::store::testing {
namespace {

template <typename B>
class StoreSuite : public StoreFixture<B> {};
TYPED_TEST_SUITE(StoreSuite, Backends, BackendNames);

constexpr const char* kA = "4090A1B2C3D4E5F60718";
constexpr const char* kB = "4090A1B2C3D4E5F60719";

std::vector<std::string> actions_of(const std::vector<AuditEntry>& trail) {
  std::vector<std::string> out;
  for (const auto& e : trail) out.push_back(e.action);
  return out;
}

TYPED_TEST(StoreSuite, InitCreatesAnOwnerOnlyKeyAndRefusesASecondInit) {
  struct stat st {};
  ASSERT_EQ(::stat((this->dir_.path() + "/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const StoreInfo& info = this->store_->info();
  EXPECT_EQ(info.schema_version, kSchemaVersion);
  EXPECT_EQ(info.master_key, this->key_);
  EXPECT_EQ(info.store_id.size(), 32u);
  EXPECT_EQ(info.backend, std::string(TypeParam::kName) == "SQLite" ? "sqlite" : "postgresql");
  auto again = init_store({this->url_, this->key_}, this->alice_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kRefused);
  auto trail = this->store_->audit_trail("store", 10);
  ASSERT_TRUE(trail.ok());
  EXPECT_EQ(actions_of(*trail), std::vector<std::string>{"store.init"});
}

TYPED_TEST(StoreSuite, RecordRoundTripsWithEveryField) {
  auto created = this->create(kA);
  ASSERT_TRUE(created.ok()) << describe(created.error());
  EXPECT_EQ(created->version, 1);
  auto got = this->store_->get_record(cuid(kA));
  ASSERT_TRUE(got.ok()) << describe(got.error());
  const TokenRecord want = this->sample(kA);
  EXPECT_EQ(got->cuid, want.cuid);
  EXPECT_EQ(got->serial, want.serial);
  EXPECT_EQ(got->model, want.model);
  EXPECT_EQ(got->atr, want.atr);
  EXPECT_EQ(got->status, LifecycleStatus::kActive);
  EXPECT_EQ(got->status_operator, "alice");
  EXPECT_EQ(got->user, want.user);
  EXPECT_EQ(got->provisioned_by, "bob");
  EXPECT_EQ(got->pin_method, PinMethod::kDefaultForceChange);
  EXPECT_EQ(got->puk_method, PukMethod::kRandomPerToken);
  EXPECT_EQ(got->admin_key_method, AdminKeyMethod::kRandomPerToken);
  EXPECT_EQ(got->admin_key_check, "A1B2C3");
  EXPECT_EQ(got->fido_policy, "pin-required");
  EXPECT_EQ(got->certificates, want.certificates);
  ASSERT_EQ(got->oath.size(), 2u);
  EXPECT_EQ(got->oath[0].name, "github:alice");  // sorted by name
  EXPECT_EQ(got->oath[1], want.oath[0]);
  EXPECT_EQ(got->secrets_on_record, (std::vector<std::string>{"initial-pin", "oath-seed/vpn", "puk"}));
  EXPECT_EQ(got->version, 1);
  EXPECT_FALSE(got->created_at.empty());

  auto dup = this->create(kA);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(this->store_->get_record(cuid(kB)).error().kind, ErrorKind::kNotFound);
}

TYPED_TEST(StoreSuite, DeviceSerialKeyedRecord) {
  TokenRecord r = this->sample("00000000000000000000");
  r.cuid = cuid_from_device_serial(23456789);
  r.cuid_source = CuidSource::kDeviceSerial;
  r.serial = "23456789";
  ASSERT_TRUE(this->store_->create_record(r, {}, this->alice_, "").ok());
  auto got = this->store_->get_record(cuid_from_device_serial(23456789));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->cuid_source, CuidSource::kDeviceSerial);
}

TYPED_TEST(StoreSuite, FindByUserMatchesNameEmployeeIdOrEmail) {
  ASSERT_TRUE(this->create(kA, "Alice Example").ok());
  ASSERT_TRUE(this->create(kB, "Alice Example").ok());
  TokenRecord other = this->sample("4090A1B2C3D4E5F6071A", "Carol");
  other.user.employee_id = "E-2002";
  other.user.email = "carol@example.com";
  ASSERT_TRUE(this->store_->create_record(other, {}, this->alice_, "").ok());
  EXPECT_EQ(this->store_->find_by_user("Alice Example")->size(), 2u);
  EXPECT_EQ(this->store_->find_by_user("E-2002")->size(), 1u);
  EXPECT_EQ(this->store_->find_by_user("carol@example.com")->front().user.name, "Carol");
  EXPECT_TRUE(this->store_->find_by_user("nobody")->empty());
}

TYPED_TEST(StoreSuite, SecretsAreStoredOnlySealedAndReadingOneIsAuditedWithItsReason) {
  ASSERT_TRUE(this->create(kA).ok());
  const std::string contents = TypeParam::raw_contents(this->url_);
  for (std::string plain : {"73915028", "12345678901234567890"}) {
    EXPECT_EQ(contents.find(plain), std::string::npos) << plain << " is stored in clear";
    EXPECT_EQ(contents.find(to_hex(bytes_of(plain))), std::string::npos)
        << plain << " is stored in clear (hex)";
    EXPECT_EQ(contents.find(to_hex(bytes_of(plain), true)), std::string::npos);
  }
  // No reason, no secret, and nothing read.
  auto refused = this->store_->read_secret(cuid(kA), SecretField::puk(), this->alice_, "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUsage);
  auto puk = this->store_->read_secret(cuid(kA), SecretField::puk(), Actor{"helpdesk-dave"}, "INC-4711");
  ASSERT_TRUE(puk.ok()) << describe(puk.error());
  EXPECT_EQ(text(*puk), "73915028");
  auto seed = this->store_->read_secret(cuid(kA), SecretField::oath_seed("vpn"), this->alice_, "INC-4712");
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(text(*seed), "12345678901234567890");
  EXPECT_EQ(this->store_->read_secret(cuid(kA), SecretField::admin_key(), this->alice_, "x").error().kind,
            ErrorKind::kNotFound);

  auto trail = this->store_->audit_trail(kA, 10);
  ASSERT_TRUE(trail.ok());
  EXPECT_EQ(actions_of(*trail), (std::vector<std::string>{"token.create", "secret.read", "secret.read"}));
  const AuditEntry& read = (*trail)[1];
  EXPECT_EQ(read.operator_name, "helpdesk-dave");
  EXPECT_EQ(read.reason, "INC-4711");
  EXPECT_NE(read.details.find("\"field\":\"puk\""), std::string::npos);
  for (const auto& e : *trail) EXPECT_EQ(e.details.find("73915028"), std::string::npos);
  EXPECT_EQ(TypeParam::raw_contents(this->url_).find("73915028"), std::string::npos);
}

TYPED_TEST(StoreSuite, PutSecretReplacesAndBumpsTheVersion) {
  ASSERT_TRUE(this->create(kA).ok());
  auto r = this->store_->put_secret(cuid(kA), SecretField::puk(), bytes_of("99990000"), this->alice_,
                                    "PUK changed");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(text(*this->store_->read_secret(cuid(kA), SecretField::puk(), this->alice_, "check")),
            "99990000");
  ASSERT_TRUE(
      this->store_->put_secret(cuid(kA), SecretField::admin_key(), Bytes(24, 0xAB), this->alice_, "").ok());
  EXPECT_EQ(this->store_->get_record(cuid(kA))->secrets_on_record.size(), 4u);
  // A seed needs its credential.
  EXPECT_EQ(
      this->store_->put_secret(cuid(kA), SecretField::oath_seed("nope"), bytes_of("s"), this->alice_, "")
          .error()
          .kind,
      ErrorKind::kNotFound);
  EXPECT_EQ(this->store_->put_secret(cuid(kA), SecretField::puk(), {}, this->alice_, "").error().kind,
            ErrorKind::kUsage);
}

TYPED_TEST(StoreSuite, LifecycleFollowsTheTableWithReasonAndOperator) {
  TokenRecord stock = this->sample(kA);
  stock.status = LifecycleStatus::kInStock;
  ASSERT_TRUE(this->store_->create_record(stock, {}, this->alice_, "").ok());
  const Actor dave{"dave"};
  auto s = this->store_->set_status(cuid(kA), LifecycleStatus::kSuspended, dave, "INC-1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kRefused);
  EXPECT_NE(s.error().context.find("in-stock -> suspended is not allowed"), std::string::npos);
  EXPECT_EQ(this->store_->set_status(cuid(kA), LifecycleStatus::kActive, dave, "").error().kind,
            ErrorKind::kUsage);

  const std::vector<LifecycleStatus> path{LifecycleStatus::kActive,         LifecycleStatus::kSuspended,
                                          LifecycleStatus::kActive,         LifecycleStatus::kLost,
                                          LifecycleStatus::kDecommissioned, LifecycleStatus::kInStock};
  int64_t version = 1;
  for (LifecycleStatus to : path) {
    auto r = this->store_->set_status(cuid(kA), to, dave, std::string("INC-") + status_name(to));
    ASSERT_TRUE(r.ok()) << status_name(to) << ": " << describe(r.error());
    EXPECT_EQ(r->status, to);
    EXPECT_EQ(r->status_operator, "dave");
    EXPECT_EQ(r->status_reason, std::string("INC-") + status_name(to));
    EXPECT_EQ(r->version, ++version);
  }
  // lost never returns to active.
  ASSERT_TRUE(this->store_->set_status(cuid(kA), LifecycleStatus::kActive, dave, "x").ok());
  ASSERT_TRUE(this->store_->set_status(cuid(kA), LifecycleStatus::kLost, dave, "x").ok());
  EXPECT_EQ(this->store_->set_status(cuid(kA), LifecycleStatus::kActive, dave, "found it").error().kind,
            ErrorKind::kRefused);
  EXPECT_EQ(this->store_->set_status(cuid(kA), LifecycleStatus::kLost, dave, "again").error().kind,
            ErrorKind::kRefused);

  auto trail = this->store_->audit_trail(kA, 3);
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 3u);
  EXPECT_EQ(trail->back().action, "token.status");
  EXPECT_NE(trail->back().details.find("\"from\":\"active\""), std::string::npos);
  EXPECT_NE(trail->back().details.find("\"to\":\"lost\""), std::string::npos);
  EXPECT_EQ(trail->back().operator_name, "dave");
  auto counts = this->store_->count_by_status();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->at(LifecycleStatus::kLost), 1);
}

// The fleet report's figures (docs/provisioning.md, "Fleet report"), each gap made by one record and
// counted once, on both backends.
TYPED_TEST(StoreSuite, FleetFiguresCountEachGapOverTokensInService) {
  ASSERT_TRUE(this->create(kA).ok());  // in service, PUK on record, HOTP never exported, cert 9c expired
  TokenRecord b = this->sample(kB, "Bob");
  b.pin_method = PinMethod::kDefaultNoForceChange;
  b.fido_policy.clear();
  b.oath.clear();
  b.certificates.clear();
  ASSERT_TRUE(this->store_->create_record(b, {}, this->alice_, "no secrets").ok());
  TokenRecord c = this->sample("4090A1B2C3D4E5F6071A", "Carol");
  c.status = LifecycleStatus::kInStock;  // not in service: counted as a record only
  c.fido_policy.clear();
  ASSERT_TRUE(this->store_->create_record(c, {}, this->alice_, "stock").ok());
  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "r1/oath-export:begin", this->alice_).ok());

  auto f = this->store_->fleet_figures("2026-12-15T00:00:00Z");
  ASSERT_TRUE(f.ok()) << describe(f.error());
  EXPECT_EQ(f->records, 3);
  EXPECT_EQ(f->in_service, 2);
  EXPECT_EQ(f->without_puk, 1);          // B
  EXPECT_EQ(f->default_pin, 1);          // B
  EXPECT_EQ(f->hotp_not_exported, 1);    // A: begun, not done
  EXPECT_EQ(f->without_fido_policy, 1);  // B (C is in stock)
  EXPECT_EQ(f->provisioning_pending, 0);
  EXPECT_EQ(f->expired_certificates, 1);  // A's 9c

  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "r1/oath-export:done", this->alice_).ok());
  f = this->store_->fleet_figures("2026-11-15T00:00:00Z");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->hotp_not_exported, 0);
  EXPECT_EQ(f->expired_certificates, 0);
}

TYPED_TEST(StoreSuite, StaleVersionsConflictInsteadOfOverwriting) {
  ASSERT_TRUE(this->create(kA).ok());
  TokenRecord mine = *this->store_->get_record(cuid(kA));
  TokenRecord theirs = mine;
  theirs.user.email = "alice@new.example";
  ASSERT_TRUE(this->store_->save_record(theirs, Actor{"bob"}, "e-mail changed").ok());
  mine.fido_policy = "uv-required";
  auto lost = this->store_->save_record(mine, this->alice_, "policy");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(this->store_->get_record(cuid(kA))->user.email, "alice@new.example");
  auto stale =
      this->store_->set_status(cuid(kA), LifecycleStatus::kSuspended, this->alice_, "INC-2", int64_t{1});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(
      this->store_->set_status(cuid(kA), LifecycleStatus::kSuspended, this->alice_, "INC-2", int64_t{2})
          .ok());
}

TYPED_TEST(StoreSuite, UpdateRecordChangesDataButNotTheStatus) {
  ASSERT_TRUE(this->create(kA).ok());
  auto r = this->store_->update_record(
      cuid(kA),
      [](TokenRecord& t) {
        t.certificates.push_back({"9d", "CN=Alice (key management)", "01AD", "2028-01-01T00:00:00Z"});
        std::erase_if(t.oath,
                      [](const OathCredential& o) { return o.name == "vpn"; });  // its sealed seed goes too
        return Status{};
      },
      this->alice_, "renewal");
  ASSERT_TRUE(r.ok()) << describe(r.error());
  EXPECT_EQ(r->version, 2);
  auto got = this->store_->get_record(cuid(kA));
  EXPECT_EQ(got->certificates.size(), 3u);
  EXPECT_EQ(got->secrets_on_record, (std::vector<std::string>{"initial-pin", "puk"}));
  auto trail = this->store_->audit_trail(kA, 1);
  EXPECT_NE(trail->back().details.find("certificates"), std::string::npos);
  auto bad = this->store_->update_record(
      cuid(kA),
      [](TokenRecord& t) {
        t.status = LifecycleStatus::kDecommissioned;
        return Status{};
      },
      this->alice_, "");
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
  auto control = this->store_->update_record(
      cuid(kA),
      [](TokenRecord& t) {
        t.user.name = "Alice\x1b[31m";
        return Status{};
      },
      this->alice_, "");
  EXPECT_EQ(control.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(this->store_->get_record(cuid(kA))->version, 2);
}

TYPED_TEST(StoreSuite, HotpCounterIsACompareAndSet) {
  ASSERT_TRUE(this->create(kA).ok());
  const Actor server{"otp-server-1"};
  EXPECT_TRUE(*this->store_->advance_oath_counter(cuid(kA), "vpn", 0, 1, server));
  EXPECT_FALSE(*this->store_->advance_oath_counter(cuid(kA), "vpn", 0, 1, server)) << "the same value twice";
  EXPECT_TRUE(*this->store_->advance_oath_counter(cuid(kA), "vpn", 1, 5, server));  // resynchronised ahead
  EXPECT_EQ(this->store_->advance_oath_counter(cuid(kA), "vpn", 5, 5, server).error().kind,
            ErrorKind::kUsage);
  EXPECT_EQ(this->store_->advance_oath_counter(cuid(kA), "github:alice", 0, 1, server).error().kind,
            ErrorKind::kUsage);
  EXPECT_EQ(this->store_->advance_oath_counter(cuid(kA), "none", 0, 1, server).error().kind,
            ErrorKind::kNotFound);
  auto got = this->store_->get_record(cuid(kA));
  EXPECT_EQ(got->oath[1].counter, 5u);
  EXPECT_EQ(got->version, 3);
  auto trail = this->store_->audit_trail(kA, 1);
  EXPECT_EQ(trail->back().action, "oath.counter");
  EXPECT_NE(trail->back().details.find("\"to\":5"), std::string::npos);
}

TYPED_TEST(StoreSuite, VaultHoldsTheStoresOwnSecrets) {
  ASSERT_TRUE(
      this->store_->vault_put("puk-derivation/2026", Bytes(32, 0x42), this->alice_, "new batch").ok());
  ASSERT_TRUE(this->store_->vault_put("xauth-master", bytes_of("k1"), this->alice_, "").ok());
  ASSERT_TRUE(this->store_->vault_put("xauth-master", bytes_of("k2"), this->alice_, "rotated").ok());
  EXPECT_EQ(*this->store_->vault_names(), (std::vector<std::string>{"puk-derivation/2026", "xauth-master"}));
  EXPECT_EQ(this->store_->vault_read("xauth-master", this->alice_, "").error().kind, ErrorKind::kUsage);
  auto v = this->store_->vault_read("xauth-master", this->alice_, "CHG-77");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(text(*v), "k2");
  EXPECT_EQ(this->store_->vault_read("missing", this->alice_, "x").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->store_->vault_put("bad name", bytes_of("x"), this->alice_, "").error().kind,
            ErrorKind::kUsage);
  auto trail = this->store_->audit_trail("vault/xauth-master", 10);
  EXPECT_EQ(actions_of(*trail), (std::vector<std::string>{"vault.put", "vault.put", "vault.read"}));
  EXPECT_TRUE(this->store_->verify_audit()->ok());
}

TYPED_TEST(StoreSuite, JournalRecordsEachStepOnce) {
  ASSERT_TRUE(this->create(kA).ok());
  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "puk-set", this->alice_).ok());
  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "puk-set", this->alice_).ok());
  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "pin-policy", this->alice_).ok());
  auto steps = this->store_->journal(cuid(kA));
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ(this->store_->journal_step(cuid(kB), "x", this->alice_).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->store_->audit_trail(kA, 10)->size(), 3u);
}

TYPED_TEST(StoreSuite, JournalStepsCommitTogetherOrNotAtAll) {
  ASSERT_TRUE(this->create(kA).ok());
  ASSERT_TRUE(this->store_->journal_step(cuid(kA), "r1/piv-puk:begin", this->alice_).ok());
  // One bad marker refuses the whole batch: nothing of it is recorded or audited.
  auto refused = this->store_->journal_steps(cuid(kA), {"r1/piv-puk:done", "r1/piv-pin:begin", "bad marker"},
                                             this->alice_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(this->store_->journal(cuid(kA))->size(), 1u);
  EXPECT_EQ(this->store_->audit_trail(kA, 10)->size(), 2u);
  // A batch with a marker already there records the others, once each.
  ASSERT_TRUE(
      this->store_
          ->journal_steps(cuid(kA), {"r1/piv-puk:begin", "r1/piv-puk:done", "r1/piv-pin:begin"}, this->alice_)
          .ok());
  auto steps = this->store_->journal(cuid(kA));
  ASSERT_TRUE(steps.ok());
  std::vector<std::string> names;
  for (const auto& s : *steps) names.push_back(s.step);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"r1/piv-pin:begin", "r1/piv-puk:begin", "r1/piv-puk:done"}));
  EXPECT_EQ(this->store_->audit_trail(kA, 10)->size(), 4u);
  EXPECT_TRUE(this->store_->verify_audit()->ok());
}

TYPED_TEST(StoreSuite, AuditVerifiesAfterEveryKindOfChange) {
  ASSERT_TRUE(this->create(kA).ok());
  ASSERT_TRUE(this->create(kB).ok());
  ASSERT_TRUE(this->store_->set_status(cuid(kA), LifecycleStatus::kSuspended, this->alice_, "INC-1").ok());
  ASSERT_TRUE(this->store_->read_secret(cuid(kB), SecretField::puk(), this->alice_, "INC-2").ok());
  ASSERT_TRUE(this->store_->advance_oath_counter(cuid(kB), "vpn", 0, 1, this->alice_).ok());
  ASSERT_TRUE(this->store_->vault_put("batch-puk", bytes_of("11223344"), this->alice_, "").ok());
  auto report = this->store_->verify_audit();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->findings.front().detail;
  EXPECT_EQ(report->entries, 7);
  EXPECT_EQ(report->head_seq, 7);
}

TYPED_TEST(StoreSuite, ReopensWithTheRecordedMasterKeyOnly) {
  ASSERT_TRUE(this->create(kA).ok());
  this->store_.reset();
  auto reopened = this->reopen();
  ASSERT_TRUE(reopened.ok()) << describe(reopened.error());
  EXPECT_EQ(text(*(*reopened)->read_secret(cuid(kA), SecretField::puk(), this->alice_, "t")), "73915028");
  EXPECT_EQ((*reopened)->info().migrated_from, kSchemaVersion);
  const std::string other = "file:" + this->dir_.path() + "/other.key";
  ASSERT_TRUE(create_master_key(other).ok());
  auto wrong = this->reopen(other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kIntegrity);
  auto missing = open_store(
      {TypeParam::new_url(this->dir_) + (std::string(TypeParam::kName) == "SQLite" ? "2" : ""), this->key_});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(missing.error().context.find("keydesk store init"), std::string::npos);
}

TYPED_TEST(StoreSuite, RotatingTheMasterKeyRewrapsOnlyTheDataKey) {
  ASSERT_TRUE(this->create(kA).ok());
  const std::string next = "file:" + this->dir_.path() + "/master-2026.key";
  auto key = create_master_key(next);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(this->store_->rotate_master_key(std::move(*key), Actor{"secops"}, "CHG-9").ok());
  EXPECT_EQ(this->store_->info().master_key, next);
  this->store_.reset();
  EXPECT_EQ(this->reopen(this->key_).error().kind, ErrorKind::kIntegrity) << "the old key no longer opens it";
  auto reopened = this->reopen();
  ASSERT_TRUE(reopened.ok()) << describe(reopened.error());
  EXPECT_EQ((*reopened)->info().master_key, next);
  EXPECT_EQ(text(*(*reopened)->read_secret(cuid(kA), SecretField::puk(), this->alice_, "after rotation")),
            "73915028");
  auto report = (*reopened)->verify_audit();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ((*reopened)->audit_trail("store", 5)->back().action, "store.rotate-key");
}

TYPED_TEST(StoreSuite, BadInputChangesNothing) {
  EXPECT_EQ(this->store_->create_record(this->sample(kA), {}, Actor{""}, "").error().kind, ErrorKind::kUsage);
  TokenRecord r = this->sample(kA);
  r.status = LifecycleStatus::kLost;
  EXPECT_EQ(this->store_->create_record(r, {}, this->alice_, "").error().kind, ErrorKind::kUsage);
  r = this->sample(kA);
  r.oath.push_back(r.oath.front());
  EXPECT_EQ(this->store_->create_record(r, {}, this->alice_, "").error().kind, ErrorKind::kUsage);
  r = this->sample(kA);
  r.oath.front().digits = 9;
  EXPECT_EQ(this->store_->create_record(r, {}, this->alice_, "").error().kind, ErrorKind::kUsage);
  r = this->sample(kA);
  r.serial = std::string(300, '1');
  EXPECT_EQ(this->store_->create_record(r, {}, this->alice_, "").error().kind, ErrorKind::kUsage);
  std::vector<NewSecret> twice;
  twice.push_back({SecretField::puk(), secret("1")});
  twice.push_back({SecretField::puk(), secret("2")});
  EXPECT_EQ(this->store_->create_record(this->sample(kA), std::move(twice), this->alice_, "").error().kind,
            ErrorKind::kUsage);
  EXPECT_EQ(this->store_->get_record(cuid(kA)).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->store_->verify_audit()->entries, 1);
}

}  // namespace
}  // namespace keydesk::store::testing
