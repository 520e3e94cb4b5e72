// Tampering with the store behind keydesk's back, with the backend's own command-line tool (sqlite3,
// psql): every change is either reported by audit verify (which damage, which entry or record) or refused
// when the data is used.
#include "store_fixture.h"

namespace keydesk::store::testing {
namespace {

template <typename B>
class Tamper : public StoreFixture<B> {
 protected:
  void SetUp() override {
    StoreFixture<B>::SetUp();
    if (this->HasFatalFailure()) return;
    ASSERT_TRUE(this->create(kA).ok());
    ASSERT_TRUE(this->create(kB).ok());
    ASSERT_TRUE(this->store_->set_status(cuid(kA), LifecycleStatus::kSuspended, this->alice_, "INC-1").ok());
    ASSERT_TRUE(this->store_->read_secret(cuid(kB), SecretField::puk(), this->alice_, "INC-2").ok());
    ASSERT_TRUE(this->store_->vault_put("batch-puk", bytes_of("11223344"), this->alice_, "").ok());
    // seq: 1 store.init, 2 create A, 3 create B, 4 status A, 5 secret.read B, 6 vault.put
    auto clean = this->store_->verify_audit();
    ASSERT_TRUE(clean.ok() && clean->ok());
  }

  AuditReport verify() {
    auto r = this->store_->verify_audit();
    EXPECT_TRUE(r.ok()) << describe(r.error());
    return r.ok() ? *r : AuditReport{};
  }
  static bool has(const AuditReport& r, AuditDamage kind, const std::string& subject) {
    for (const auto& f : r.findings)
      if (f.kind == kind && f.subject == subject) return true;
    return false;
  }
  void expect_writes_refused() {
    TokenRecord c = this->sample(kC);
    auto w = this->store_->create_record(c, {}, this->alice_, "");
    ASSERT_FALSE(w.ok()) << "a write after a damaged head would launder the damage";
    EXPECT_EQ(w.error().kind, ErrorKind::kIntegrity);
  }

  static constexpr const char* kA = "4090A1B2C3D4E5F60718";
  static constexpr const char* kB = "4090A1B2C3D4E5F60719";
  static constexpr const char* kC = "4090A1B2C3D4E5F6071A";
};
TYPED_TEST_SUITE(Tamper, Backends, BackendNames);

TYPED_TEST(Tamper, StatusUpdatedWithSqlIsRefusedAndReported) {
  this->sql("UPDATE tokens SET status = 'active' WHERE cuid = '" + std::string(this->kA) + "'");
  auto got = this->store_->get_record(cuid(this->kA));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kIntegrity);
  // No write re-MACs the forged row.
  EXPECT_EQ(
      this->store_->set_status(cuid(this->kA), LifecycleStatus::kLost, this->alice_, "INC-3").error().kind,
      ErrorKind::kIntegrity);
  const AuditReport r = this->verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kRecordChanged);
  EXPECT_EQ(r.findings[0].subject, this->kA);
  // Other records stay usable.
  EXPECT_TRUE(this->store_->get_record(cuid(this->kB)).ok());
}

TYPED_TEST(Tamper, ChangedAuditEntryIsNamed) {
  this->sql("UPDATE audit_log SET reason = 'routine check' WHERE seq = 4");
  const AuditReport r = this->verify();
  ASSERT_EQ(r.findings.size(), 1u) << r.findings.back().detail;
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kChanged);
  EXPECT_EQ(r.findings[0].seq, 4);
}

TYPED_TEST(Tamper, DeletedAuditEntryIsNamed) {
  this->sql("DELETE FROM audit_log WHERE seq = 4");
  const AuditReport r = this->verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kDeleted);
  EXPECT_EQ(r.findings[0].seq, 4);
}

TYPED_TEST(Tamper, TruncatedTrailIsNamedAndStopsWrites) {
  this->sql("DELETE FROM audit_log WHERE seq >= 5");
  const AuditReport r = this->verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kTruncated);
  EXPECT_EQ(r.findings[0].seq, 5);
  this->expect_writes_refused();
}

TYPED_TEST(Tamper, HeadMovedBackIsNamedAndStopsWrites) {
  this->sql(
      "DELETE FROM audit_log WHERE seq = 6; "
      "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)");
  const AuditReport r = this->verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kHeadInvalid);
  this->expect_writes_refused();
}

TYPED_TEST(Tamper, ForgedEntryIsNamedAndStopsWrites) {
  this->sql(
      "INSERT INTO audit_log (seq, at, operator, action, subject, details, reason, prev_hash, hash, mac) "
      "SELECT seq + 1, at, 'mallory', 'token.status', subject, '{\"from\":\"lost\",\"to\":\"active\"}', "
      "'found', "
      "hash, hash, mac FROM audit_log WHERE seq = 6");
  const AuditReport r = this->verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kInserted);
  EXPECT_EQ(r.findings[0].seq, 7);
  this->expect_writes_refused();
}

TYPED_TEST(Tamper, SealedPukMovedToAnotherTokenDoesNotOpen) {
  const std::string a = this->kA, b = this->kB;
  this->sql("DELETE FROM token_secrets WHERE cuid = '" + b +
            "' AND field = 'puk'; "
            "UPDATE token_secrets SET cuid = '" +
            b + "' WHERE cuid = '" + a + "' AND field = 'puk'");
  auto puk = this->store_->read_secret(cuid(b), SecretField::puk(), this->alice_, "INC-5");
  ASSERT_FALSE(puk.ok());
  EXPECT_EQ(puk.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(puk.error().context.find("does not open"), std::string::npos) << puk.error().context;
  EXPECT_EQ(puk.error().context.find("73915028"), std::string::npos);
  // The attempt is on record, with what happened.
  auto trail = this->store_->audit_trail(b, 1);
  ASSERT_TRUE(trail.ok());
  EXPECT_EQ(trail->back().action, "secret.read");
  EXPECT_NE(trail->back().details.find("refused"), std::string::npos);
  const AuditReport r = this->verify();
  EXPECT_TRUE(this->has(r, AuditDamage::kRecordChanged, a));
  EXPECT_TRUE(this->has(r, AuditDamage::kRecordChanged, b));
}

TYPED_TEST(Tamper, SealedValuesSwappedBetweenFieldsDoNotOpen) {
  const std::string a = this->kA;
  this->sql("UPDATE token_secrets SET field = 'swap' WHERE cuid = '" + a +
            "' AND field = 'puk'; "
            "UPDATE token_secrets SET field = 'puk' WHERE cuid = '" +
            a +
            "' AND field = 'initial-pin'; "
            "UPDATE token_secrets SET field = 'initial-pin' WHERE cuid = '" +
            a + "' AND field = 'swap'");
  for (const SecretField& f : {SecretField::puk(), SecretField::initial_pin()}) {
    auto v = this->store_->read_secret(cuid(a), f, this->alice_, "INC-6");
    ASSERT_FALSE(v.ok()) << f.name();
    EXPECT_NE(v.error().context.find("does not open"), std::string::npos);
  }
}

TYPED_TEST(Tamper, OlderSealedValuePutBackIsRefused) {
  const std::string a = this->kA;
  this->sql("CREATE TABLE stash AS SELECT cuid, field, sealed FROM token_secrets WHERE cuid = '" + a + "'");
  ASSERT_TRUE(
      this->store_->put_secret(cuid(a), SecretField::puk(), bytes_of("55554444"), this->alice_, "new PUK")
          .ok());
  this->sql(
      "UPDATE token_secrets SET sealed = (SELECT sealed FROM stash WHERE stash.cuid = token_secrets.cuid AND "
      "stash.field = token_secrets.field) WHERE cuid = '" +
      a + "' AND field = 'puk'");
  // It opens (same token, same field) but the record's MAC covers which value it holds.
  auto puk = this->store_->read_secret(cuid(a), SecretField::puk(), this->alice_, "INC-7");
  ASSERT_FALSE(puk.ok());
  EXPECT_EQ(puk.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(puk.error().context.find("changed outside keydesk"), std::string::npos);
  EXPECT_TRUE(this->has(this->verify(), AuditDamage::kRecordChanged, a));
}

TYPED_TEST(Tamper, OlderRecordRowPutBackIsRefusedAndReported) {
  const std::string a = this->kA;
  this->sql("CREATE TABLE stash AS SELECT * FROM tokens WHERE cuid = '" + a + "'");
  ASSERT_TRUE(this->store_->set_status(cuid(a), LifecycleStatus::kLost, this->alice_, "INC-8").ok());
  this->sql(
      "UPDATE tokens SET status = s.status, status_reason = s.status_reason, status_operator = "
      "s.status_operator, "
      "status_changed_at = s.status_changed_at, version = s.version, updated_at = s.updated_at, mac = s.mac "
      "FROM stash s WHERE tokens.cuid = s.cuid");
  auto got = this->store_->get_record(cuid(a));
  ASSERT_FALSE(got.ok()) << "a suspended copy must not pass for the lost token";
  EXPECT_EQ(got.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(got.error().context.find("older copy"), std::string::npos);
  EXPECT_EQ(this->store_->read_secret(cuid(a), SecretField::puk(), this->alice_, "x").error().kind,
            ErrorKind::kIntegrity);
  EXPECT_EQ(this->store_->get_record(cuid(a)).error().kind, ErrorKind::kIntegrity)
      << "the refused read laundered it";
  const AuditReport r = this->verify();
  EXPECT_TRUE(this->has(r, AuditDamage::kRecordRolledBack, a)) << (r.ok() ? "" : r.findings[0].detail);
}

TYPED_TEST(Tamper, DeletedRecordIsReported) {
  const std::string b = this->kB;
  for (const char* table : {"token_secrets", "piv_certificates", "oath_credentials", "tokens"})
    this->sql(std::string("DELETE FROM ") + table + " WHERE cuid = '" + b + "'");
  const AuditReport r = this->verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kRecordDeleted);
  EXPECT_EQ(r.findings[0].subject, b);
}

TYPED_TEST(Tamper, RecordInsertedWithSqlIsReported) {
  const std::string c = this->kC;
  this->sql("INSERT INTO tokens (cuid, cuid_source, status, version, created_at, updated_at, mac) SELECT '" +
            c + "', cuid_source, 'active', 1, created_at, updated_at, mac FROM tokens WHERE cuid = '" +
            this->kB + "'");
  EXPECT_EQ(this->store_->get_record(cuid(c)).error().kind, ErrorKind::kIntegrity);
  EXPECT_TRUE(this->has(this->verify(), AuditDamage::kRecordChanged, c));
}

TYPED_TEST(Tamper, VaultRowChangedIsRefusedAndReported) {
  this->sql("UPDATE vault SET version = version + 1 WHERE name = 'batch-puk'");
  EXPECT_EQ(this->store_->vault_read("batch-puk", this->alice_, "INC-9").error().kind, ErrorKind::kIntegrity);
  EXPECT_TRUE(this->has(this->verify(), AuditDamage::kRecordChanged, "vault/batch-puk"));
}

TYPED_TEST(Tamper, WrappedDataKeyIsBoundToItsStore) {
  // The wrapped data key's associated data names the store id: another store's row (or a changed id) does
  // not open under the same master key.
  this->store_.reset();
  TypeParam::sql(this->url_,
                 "UPDATE meta SET value = 'ffffffffffffffffffffffffffffffff' WHERE key = 'store_id'");
  auto reopened = this->reopen();
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().kind, ErrorKind::kIntegrity);
}

}  // namespace
}  // namespace keydesk::store::testing
