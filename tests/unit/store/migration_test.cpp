// Schema migrations from every earlier version. data/schema_vN.<backend>.sql are frozen stores of schema
// version N with records, sealed secrets and an audit trail (data/README.md says how they were made);
// each is loaded into a fresh database and opened with today's keydesk, which must migrate it, keep every
// record and secret, keep the audit chain valid, and end with exactly the schema a fresh store has.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/schema.h"
#include "store/store_url.h"
#include "store_fixture.h"

namespace keydesk::store::testing {
namespace {

constexpr const char* kA = "4090A1B2C3D4E5F60718";
constexpr const char* kB = "4090A1B2C3D4E5F60719";
const std::string kData = STORE_TEST_DATA;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Column {
  std::string table, name, type;
};

// Tables and columns in creation order, as the database reports them.
std::vector<Column> columns_of(Database& db) {
  const char* sql =
      db.dialect() == Dialect::kSqlite
          ? "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p "
            "WHERE m.type = 'table' ORDER BY m.rowid, p.cid"
          : "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = "
            "c.table_name "
            "WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position";
  auto rows = db.run(sql);
  EXPECT_TRUE(rows.ok()) << describe(rows.error());
  std::vector<Column> out;
  if (rows.ok())
    for (const auto& r : rows->rows) out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

// Everything that makes up the schema: columns with type, nullability and default; indexes; constraints.
std::vector<std::string> describe_schema(Database& db) {
  std::vector<std::string> out;
  const std::vector<const char*> queries =
      db.dialect() == Dialect::kSqlite
          ? std::vector<const char*>{"SELECT m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p.\"notnull\" "
                                     "|| ' default=' || coalesce(p.dflt_value, '-') || ' pk=' || p.pk "
                                     "FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' "
                                     "ORDER BY m.name, p.name",
                                     "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master "
                                     "WHERE type IN ('index', 'table') ORDER BY name"}
          : std::vector<const char*>{
                "SELECT table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable || "
                "' default=' || coalesce(column_default, '-') FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, column_name",
                "SELECT tablename || ' ' || indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
                "SELECT c.relname || ' ' || pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c "
                "ON c.oid = k.conrelid WHERE k.connamespace = current_schema()::regnamespace ORDER BY 1"};
  for (const char* q : queries) {
    auto rows = db.run(q);
    EXPECT_TRUE(rows.ok()) << describe(rows.error());
    if (rows.ok())
      for (const auto& r : rows->rows) out.push_back(r.text(0));
  }
  return out;
}

template <typename B>
class Migration : public ::testing::Test {
 protected:
  std::string backend() const { return std::string(B::kName) == "SQLite" ? "sqlite" : "postgresql"; }
  std::string snapshot_path(int version) const {
    return kData + "/schema_v" + std::to_string(version) + "." + backend() + ".sql";
  }
  // The snapshots' master key, copied to a private 0600 file (git does not keep file modes).
  std::string master_key() {
    const std::string path = dir_.path() + "/snapshot-master.key";
    if (!std::filesystem::exists(path)) {
      std::filesystem::copy_file(kData + "/snapshot-master.key", path);
      std::filesystem::permissions(path,
                                   std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    return "file:" + path;
  }
  TestDir dir_;
  Actor alice_{"alice"};
};
TYPED_TEST_SUITE(Migration, Backends, BackendNames);

// What the snapshot of `version` holds, written with the API so every MAC, seal and audit entry is real.
void populate(RecordStore& store, int version) {
  const Actor bob{"bob"};
  TokenRecord a;
  a.cuid = cuid(kA);
  a.serial = "10000001";
  a.model = "keydesk-sim standard";
  a.status = LifecycleStatus::kActive;
  a.user = {"Alice Example", "E-1001", "alice@example.com"};
  a.provisioned_at = "2026-01-15T10:00:00.000Z";
  a.provisioned_by = "bob";
  a.pin_method = PinMethod::kDefaultForceChange;
  a.puk_method = PukMethod::kRandomPerToken;
  a.admin_key_method = AdminKeyMethod::kDerived;
  a.admin_key_check = "0F1E2D";
  std::vector<NewSecret> secrets;
  secrets.push_back({SecretField::puk(), secret("31415926")});
  secrets.push_back({SecretField::initial_pin(), secret("271828")});
  if (version >= 2) {
    a.certificates = {{"9a", "CN=Alice Example", "7B", "2027-01-15T00:00:00Z"}};
    a.oath = {{"vpn", "hotp", "SHA1", 6, 0, 30, "batch-1#alice"}};
    secrets.push_back({SecretField::oath_seed("vpn"), secret("12345678901234567890")});
  }
  ASSERT_TRUE(store.create_record(a, std::move(secrets), bob, "rollout wave 1").ok());
  TokenRecord b;
  b.cuid = cuid(kB);
  b.cuid_source = CuidSource::kCplc;
  b.status = LifecycleStatus::kInStock;
  ASSERT_TRUE(store.create_record(b, {}, bob, "received").ok());
  ASSERT_TRUE(store.set_status(cuid(kA), LifecycleStatus::kSuspended, bob, "INC-100 on leave").ok());
  ASSERT_TRUE(store.read_secret(cuid(kA), SecretField::puk(), bob, "INC-101").ok());
  ASSERT_TRUE(store.set_status(cuid(kB), LifecycleStatus::kDecommissioned, bob, "dead on arrival").ok());
  if (version >= 2) {
    ASSERT_TRUE(store.advance_oath_counter(cuid(kA), "vpn", 0, 3, bob).ok());
  }
}

std::string literal(const SqlRow& row, size_t i, const std::string& type, Dialect dialect) {
  if (row.is_null(i)) return "NULL";
  std::string t = type;
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t.find("INT") != std::string::npos) return row.text(i);
  if (t == "BLOB" || t == "BYTEA")
    return dialect == Dialect::kSqlite ? "X'" + to_hex(row.blob(i)) + "'"
                                       : "'\\x" + to_hex(row.blob(i)) + "'";
  std::string out = "'";
  for (char c : row.text(i)) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Generates data/schema_vN.<backend>.sql for every N below the current version. Run by hand when a new
// schema version is added (see data/README.md); the files it writes are then frozen.
TYPED_TEST(Migration, DISABLED_GenerateSnapshots) {
  const char* out_dir = std::getenv("KEYDESK_SNAPSHOT_OUT");
  ASSERT_NE(out_dir, nullptr) << "set KEYDESK_SNAPSHOT_OUT";
  if (!std::filesystem::exists(kData + "/snapshot-master.key")) {
    ASSERT_TRUE(create_master_key("file:" + kData + "/snapshot-master.key").ok());
  }
  for (int version = 1; version < kSchemaVersion; ++version) {
    TestDir scratch_dir, store_dir;
    // The tables and columns schema `version` had: a scratch database migrated that far.
    auto scratch = open_database(TypeParam::new_url(scratch_dir), true);
    ASSERT_TRUE(scratch.ok());
    ASSERT_TRUE(migrate(**scratch, version).ok());
    const std::vector<Column> columns = columns_of(**scratch);
    // The data, written by today's code using only what `version` had.
    const std::string url = TypeParam::new_url(store_dir);
    {
      auto made = init_store({url, this->master_key()}, this->alice_);
      ASSERT_TRUE(made.ok()) << describe(made.error());
      populate(*made->store, version);
    }
    auto db = open_database(url);
    ASSERT_TRUE(db.ok());
    std::string out =
        "-- keydesk record store, schema version " + std::to_string(version) + ", " + this->backend() +
        ".\n-- Frozen test data: generated by migration_test.cpp (DISABLED_GenerateSnapshots), see "
        "README.md.\n-- Master key: snapshot-master.key. Do not edit: the MACs cover the rows.\n";
    for (const auto& m : migrations())
      if (m.version <= version) out += (*db)->dialect() == Dialect::kSqlite ? m.sqlite : m.postgres;
    const char* order[] = {"meta",          "data_keys",        "tokens",
                           "token_secrets", "piv_certificates", "oath_credentials",
                           "audit_log",     "audit_head"};
    for (const char* table : order) {
      std::vector<Column> cols;
      for (const auto& c : columns)
        if (c.table == table) cols.push_back(c);
      if (cols.empty()) continue;
      std::string names;
      for (const auto& c : cols) names += (names.empty() ? "" : ", ") + c.name;
      auto rows = (*db)->run("SELECT " + names + " FROM " + table + " ORDER BY 1, 2");
      ASSERT_TRUE(rows.ok()) << describe(rows.error());
      for (const auto& row : rows->rows) {
        std::string values;
        for (size_t i = 0; i < cols.size(); ++i) {
          std::string v = literal(row, i, cols[i].type, (*db)->dialect());
          if (std::string(table) == "meta" && i == 1 && row.text(0) == "schema_version")
            v = "'" + std::to_string(version) + "'";
          values += (i ? ", " : "") + v;
        }
        out += std::string("INSERT INTO ") + table + " (" + names + ") VALUES (" + values + ");\n";
      }
    }
    std::ofstream(std::string(out_dir) + "/schema_v" + std::to_string(version) + "." + this->backend() +
                  ".sql")
        << out;
  }
}

TYPED_TEST(Migration, EveryEarlierSchemaMigratesWithRecordsSecretsAndTrailIntact) {
  // The schema a fresh store has today.
  TestDir fresh_dir;
  const std::string fresh_url = TypeParam::new_url(fresh_dir);
  ASSERT_TRUE(init_store({fresh_url, "file:" + fresh_dir.path() + "/k"}, this->alice_).ok());
  auto fresh = open_database(fresh_url);
  ASSERT_TRUE(fresh.ok());
  const std::vector<std::string> want = describe_schema(**fresh);
  ASSERT_FALSE(want.empty());

  for (int version = 1; version < kSchemaVersion; ++version) {
    SCOPED_TRACE("from schema version " + std::to_string(version));
    ASSERT_TRUE(std::filesystem::exists(this->snapshot_path(version)))
        << "every earlier schema version needs a snapshot: " << this->snapshot_path(version);
    TestDir dir;
    const std::string url = TypeParam::new_url(dir);
    {
      auto db = open_database(url, true);
      ASSERT_TRUE(db.ok());
      ASSERT_TRUE((*db)->exec_script(read_file(this->snapshot_path(version))).ok());
      EXPECT_EQ(*schema_version(**db), version);
    }
    auto opened = open_store({url, this->master_key()});
    ASSERT_TRUE(opened.ok()) << describe(opened.error());
    RecordStore& store = **opened;
    EXPECT_EQ(store.info().migrated_from, version);
    EXPECT_EQ(store.info().schema_version, kSchemaVersion);

    auto a = store.get_record(cuid(kA));
    ASSERT_TRUE(a.ok()) << describe(a.error());
    EXPECT_EQ(a->status, LifecycleStatus::kSuspended);
    EXPECT_EQ(a->status_reason, "INC-100 on leave");
    EXPECT_EQ(a->user.employee_id, "E-1001");
    EXPECT_EQ(a->admin_key_method, AdminKeyMethod::kDerived);
    EXPECT_EQ(a->provisioning, ProvisioningState::kNone);  // added by version 3, at its default
    EXPECT_EQ(text(*store.read_secret(cuid(kA), SecretField::puk(), this->alice_, "migration check")),
              "31415926");
    if (version >= 2) {
      ASSERT_EQ(a->oath.size(), 1u);
      EXPECT_EQ(a->oath[0].counter, 3u);
      EXPECT_EQ(text(*store.read_secret(cuid(kA), SecretField::oath_seed("vpn"), this->alice_, "check")),
                "12345678901234567890");
    }
    EXPECT_EQ(store.get_record(cuid(kB))->status, LifecycleStatus::kDecommissioned);
    // The new schema's features work on the migrated store.
    EXPECT_TRUE(store.vault_put("after-migration", bytes_of("x"), this->alice_, "").ok());
    EXPECT_TRUE(store.journal_step(cuid(kA), "migrated", this->alice_).ok());
    auto report = store.verify_audit();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok()) << report->findings.front().detail;
    auto trail = store.audit_trail("store", 10);
    ASSERT_TRUE(trail.ok());
    bool migrated = false;
    for (const auto& e : *trail)
      migrated = migrated || (e.action == "store.migrate" &&
                              e.details == "{\"from\":" + std::to_string(version) +
                                               ",\"to\":" + std::to_string(kSchemaVersion) + "}");
    EXPECT_TRUE(migrated) << "the migration is an audit entry";

    auto db = open_database(url);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(describe_schema(**db), want) << "a migrated store must have exactly a fresh store's schema";
  }
}

TYPED_TEST(Migration, AStoreFromANewerKeydeskIsRefused) {
  const std::string url = TypeParam::new_url(this->dir_);
  ASSERT_TRUE(init_store({url, this->master_key()}, this->alice_).ok());
  TypeParam::sql(url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  auto opened = open_store({url, this->master_key()});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind, ErrorKind::kNotSupported);
  EXPECT_NE(opened.error().context.find("upgrade keydesk"), std::string::npos);
}

TYPED_TEST(Migration, OpeningNeverCreatesAStore) {
  const std::string url = TypeParam::new_url(this->dir_);
  auto opened = open_store({url, this->master_key()});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind, ErrorKind::kNotFound);
  auto db = open_database(url, true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*schema_version(**db), 0) << "a failed open left a schema behind";
}

}  // namespace
}  // namespace keydesk::store::testing
