#include "store/schema.h"

#include <array>

namespace keydesk::store {
namespace {

// Text columns default to '' rather than NULL so that the fleet report's GROUP BY and the record's MAC
// see one representation of "not recorded". Times are ISO 8601 UTC text (sorts as time).
constexpr std::array<Migration, 3> kMigrations{{
    {1, "tokens, sealed secrets, data keys, audit trail",
     R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE data_keys (
  generation INTEGER PRIMARY KEY, wrapped BLOB NOT NULL, master_key_ref TEXT NOT NULL,
  created_at TEXT NOT NULL, rewrapped_at TEXT NOT NULL DEFAULT '');
CREATE TABLE tokens (
  cuid TEXT PRIMARY KEY CHECK (length(cuid) = 20), cuid_source TEXT NOT NULL,
  serial TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', atr TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('in-stock', 'active', 'suspended', 'lost', 'decommissioned')),
  status_reason TEXT NOT NULL DEFAULT '', status_operator TEXT NOT NULL DEFAULT '',
  status_changed_at TEXT NOT NULL DEFAULT '',
  user_name TEXT NOT NULL DEFAULT '', employee_id TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
  provisioned_at TEXT NOT NULL DEFAULT '', provisioned_by TEXT NOT NULL DEFAULT '',
  pin_method TEXT NOT NULL DEFAULT 'unknown', puk_method TEXT NOT NULL DEFAULT 'unknown',
  admin_key_method TEXT NOT NULL DEFAULT 'unknown', admin_key_check TEXT NOT NULL DEFAULT '',
  fido_policy TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, mac BLOB NOT NULL);
CREATE INDEX tokens_status ON tokens (status);
CREATE TABLE token_secrets (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), field TEXT NOT NULL, sealed BLOB NOT NULL,
  sealed_at TEXT NOT NULL, PRIMARY KEY (cuid, field));
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, operator TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL, details TEXT NOT NULL, reason TEXT NOT NULL,
  prev_hash BLOB NOT NULL, hash BLOB NOT NULL, mac BLOB NOT NULL);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash BLOB NOT NULL,
  mac BLOB NOT NULL);
)sql",
     R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE data_keys (
  generation INTEGER PRIMARY KEY, wrapped BYTEA NOT NULL, master_key_ref TEXT NOT NULL,
  created_at TEXT NOT NULL, rewrapped_at TEXT NOT NULL DEFAULT '');
CREATE TABLE tokens (
  cuid TEXT PRIMARY KEY CHECK (length(cuid) = 20), cuid_source TEXT NOT NULL,
  serial TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', atr TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('in-stock', 'active', 'suspended', 'lost', 'decommissioned')),
  status_reason TEXT NOT NULL DEFAULT '', status_operator TEXT NOT NULL DEFAULT '',
  status_changed_at TEXT NOT NULL DEFAULT '',
  user_name TEXT NOT NULL DEFAULT '', employee_id TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
  provisioned_at TEXT NOT NULL DEFAULT '', provisioned_by TEXT NOT NULL DEFAULT '',
  pin_method TEXT NOT NULL DEFAULT 'unknown', puk_method TEXT NOT NULL DEFAULT 'unknown',
  admin_key_method TEXT NOT NULL DEFAULT 'unknown', admin_key_check TEXT NOT NULL DEFAULT '',
  fido_policy TEXT NOT NULL DEFAULT '',
  version BIGINT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, mac BYTEA NOT NULL);
CREATE INDEX tokens_status ON tokens (status);
CREATE TABLE token_secrets (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), field TEXT NOT NULL, sealed BYTEA NOT NULL,
  sealed_at TEXT NOT NULL, PRIMARY KEY (cuid, field));
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY, at TEXT NOT NULL, operator TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL, details TEXT NOT NULL, reason TEXT NOT NULL,
  prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL, mac BYTEA NOT NULL);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash BYTEA NOT NULL,
  mac BYTEA NOT NULL);
)sql"},
    {2, "PIV certificates and OATH credentials per token; look-ups by user",
     R"sql(
CREATE TABLE piv_certificates (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), slot TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL DEFAULT '', not_after TEXT NOT NULL DEFAULT '', PRIMARY KEY (cuid, slot));
CREATE INDEX piv_certificates_not_after ON piv_certificates (not_after);
CREATE TABLE oath_credentials (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('hotp', 'totp')), algorithm TEXT NOT NULL, digits INTEGER NOT NULL,
  counter INTEGER NOT NULL DEFAULT 0, period INTEGER NOT NULL DEFAULT 30, pskc_ref TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (cuid, name));
CREATE INDEX tokens_user_name ON tokens (user_name);
CREATE INDEX tokens_employee_id ON tokens (employee_id);
CREATE INDEX tokens_email ON tokens (email);
)sql",
     R"sql(
CREATE TABLE piv_certificates (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), slot TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL DEFAULT '', not_after TEXT NOT NULL DEFAULT '', PRIMARY KEY (cuid, slot));
CREATE INDEX piv_certificates_not_after ON piv_certificates (not_after);
CREATE TABLE oath_credentials (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('hotp', 'totp')), algorithm TEXT NOT NULL, digits INTEGER NOT NULL,
  counter BIGINT NOT NULL DEFAULT 0, period INTEGER NOT NULL DEFAULT 30, pskc_ref TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (cuid, name));
CREATE INDEX tokens_user_name ON tokens (user_name);
CREATE INDEX tokens_employee_id ON tokens (employee_id);
CREATE INDEX tokens_email ON tokens (email);
)sql"},
    {3, "provisioning state and journal (record before set); the store's own sealed secrets (vault)",
     R"sql(
ALTER TABLE tokens ADD COLUMN provisioning TEXT NOT NULL DEFAULT 'none'
  CHECK (provisioning IN ('none', 'pending', 'confirmed'));
CREATE INDEX tokens_provisioning ON tokens (provisioning);
CREATE TABLE provisioning_journal (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), step TEXT NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL,
  PRIMARY KEY (cuid, step));
CREATE TABLE vault (
  name TEXT PRIMARY KEY, sealed BLOB NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL, mac BLOB NOT NULL);
)sql",
     R"sql(
ALTER TABLE tokens ADD COLUMN provisioning TEXT NOT NULL DEFAULT 'none'
  CHECK (provisioning IN ('none', 'pending', 'confirmed'));
CREATE INDEX tokens_provisioning ON tokens (provisioning);
CREATE TABLE provisioning_journal (
  cuid TEXT NOT NULL REFERENCES tokens (cuid), step TEXT NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL,
  PRIMARY KEY (cuid, step));
CREATE TABLE vault (
  name TEXT PRIMARY KEY, sealed BYTEA NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL, mac BYTEA NOT NULL);
)sql"},
}};

static_assert(kMigrations.back().version == kSchemaVersion);

Result<int> read_version(Database& db) {
  KD_ASSIGN_OR_RETURN(bool has_meta, db.table_exists("meta"));
  if (!has_meta) return 0;
  KD_ASSIGN_OR_RETURN(SqlResult r, db.run("SELECT value FROM meta WHERE key = 'schema_version'"));
  if (r.rows.empty()) return 0;
  return static_cast<int>(std::strtol(r.rows[0].text(0).c_str(), nullptr, 10));
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

Result<int> schema_version(Database& db) {
  return read_version(db);
}

Result<int> migrate(Database& db, int target) {
  KD_TRY(db.begin(true));
  auto body = [&]() -> Result<int> {
    // Two processes opening a fresh PostgreSQL store at once: the second waits here, then finds the
    // schema in place. (SQLite's BEGIN IMMEDIATE already excludes the second.)
    if (db.dialect() == Dialect::kPostgres) KD_TRY(db.run("SELECT pg_advisory_xact_lock(4207359)"));
    KD_ASSIGN_OR_RETURN(int from, read_version(db));
    if (from > kSchemaVersion)
      return Error::make(ErrorKind::kNotSupported, "the store has schema version " + std::to_string(from) +
                                                       ", newer than this keydesk's " +
                                                       std::to_string(kSchemaVersion) + ": upgrade keydesk");
    for (const Migration& m : kMigrations) {
      if (m.version <= from || m.version > target) continue;
      KD_TRY(db.exec_script(db.dialect() == Dialect::kSqlite ? m.sqlite : m.postgres));
      KD_TRY(
          db.run("INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 {SqlValue(std::to_string(m.version))}));
    }
    return from;
  };
  auto result = body();
  if (!result.ok()) {
    db.rollback();
    return result;
  }
  KD_TRY(db.commit());
  return result;
}

}  // namespace keydesk::store
