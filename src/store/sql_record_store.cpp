// RecordStore over a Database (SQLite or PostgreSQL): the same SQL, the same sealing, the same audit chain
// on both. See record_store.h for the contract and docs/store.md for the formats.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "crypto/random.h"
#include "store/lifecycle.h"
#include "store/record_codec.h"
#include "store/record_store.h"
#include "store/schema.h"
#include "store/store_url.h"

namespace keydesk::store {
namespace {

// docs/provisioning.md, "Fleet report". $1: now (ISO 8601 UTC).
constexpr const char* kFleetQuery = R"sql(SELECT count(*),
  sum(CASE WHEN t.status IN ('active', 'suspended') THEN 1 ELSE 0 END),
  sum(CASE WHEN t.status IN ('active', 'suspended') AND NOT EXISTS
        (SELECT 1 FROM token_secrets s WHERE s.cuid = t.cuid AND s.field = 'puk') THEN 1 ELSE 0 END),
  sum(CASE WHEN t.status IN ('active', 'suspended') AND t.pin_method IN ('default-no-force-change', 'unknown')
        THEN 1 ELSE 0 END),
  sum(CASE WHEN t.status IN ('active', 'suspended') AND EXISTS
        (SELECT 1 FROM oath_credentials o WHERE o.cuid = t.cuid AND o.type = 'hotp') AND NOT EXISTS
        (SELECT 1 FROM provisioning_journal j WHERE j.cuid = t.cuid AND j.step LIKE '%/oath-export:done')
        THEN 1 ELSE 0 END),
  sum(CASE WHEN t.status IN ('active', 'suspended') AND t.fido_policy = '' THEN 1 ELSE 0 END),
  sum(CASE WHEN t.provisioning = 'pending' THEN 1 ELSE 0 END),
  sum(CASE WHEN t.status IN ('active', 'suspended') AND EXISTS
        (SELECT 1 FROM piv_certificates c WHERE c.cuid = t.cuid AND c.not_after <> '' AND c.not_after < $1)
        THEN 1 ELSE 0 END)
FROM tokens t)sql";

using iso7816::Cuid;
using json = nlohmann::json;

constexpr int kMaxAttempts = 8;  // a transaction PostgreSQL rolled back (deadlock, serialization) is re-run
constexpr const char* kTokenPurpose = "token-secret";
constexpr const char* kVaultPurpose = "vault";

constexpr const char* kTokenColumns =
    "cuid, cuid_source, serial, model, atr, status, status_reason, status_operator, status_changed_at, "
    "provisioning, user_name, employee_id, email, provisioned_at, provisioned_by, pin_method, puk_method, "
    "admin_key_method, admin_key_check, fido_policy, version, created_at, updated_at, mac";

Bytes data_key_aad(std::string_view store_id, uint32_t generation) {
  Bytes aad = bytes_of("keydesk-data-key-v1");
  append_field(aad, store_id);
  append_be32(aad, generation);
  return aad;
}

// Text that reaches the audit trail and a terminal: printable, bounded.
Status check_text(std::string_view what, std::string_view value, size_t max) {
  if (value.size() > max)
    return Error::make(ErrorKind::kUsage,
                       std::string(what) + " is longer than " + std::to_string(max) + " bytes");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7F)
      return Error::make(ErrorKind::kUsage, std::string(what) + " contains a control character");
  return {};
}

Status check_actor(const Actor& actor) {
  if (actor.operator_name.empty()) return Error::make(ErrorKind::kUsage, "an operator name is required");
  return check_text("operator", actor.operator_name, 128);
}

Status check_reason(std::string_view reason, bool required) {
  if (required && reason.empty())
    return Error::make(ErrorKind::kUsage, "a reason is required (a ticket id or a few words)");
  return check_text("reason", reason, 1024);
}

Status check_name(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 64)
    return Error::make(ErrorKind::kUsage, std::string(what) + " must be 1 to 64 characters");
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '@'))
      return Error::make(ErrorKind::kUsage,
                         std::string(what) + " may contain letters, digits and - _ . / : @ only");
  return {};
}

Status check_record(const TokenRecord& r) {
  for (auto [what, value] : std::initializer_list<std::pair<const char*, const std::string*>>{
           {"serial", &r.serial},
           {"model", &r.model},
           {"atr", &r.atr},
           {"user name", &r.user.name},
           {"employee id", &r.user.employee_id},
           {"e-mail", &r.user.email},
           {"provisioned by", &r.provisioned_by},
           {"provisioned at", &r.provisioned_at},
           {"admin key check value", &r.admin_key_check},
           {"FIDO policy", &r.fido_policy}})
    KD_TRY(check_text(what, *value, 256));
  std::set<std::string> slots, names;
  for (const auto& c : r.certificates) {
    KD_TRY(check_name("certificate slot", c.slot));
    KD_TRY(check_text("certificate subject", c.subject, 1024));
    KD_TRY(check_text("certificate serial", c.serial, 128));
    KD_TRY(check_text("certificate not-after", c.not_after, 64));
    if (!slots.insert(c.slot).second)
      return Error::make(ErrorKind::kUsage, "two certificates in slot " + c.slot);
  }
  for (const auto& o : r.oath) {
    KD_TRY(check_text("OATH credential name", o.name, 64));
    if (o.name.empty()) return Error::make(ErrorKind::kUsage, "an OATH credential needs a name");
    if (o.type != "hotp" && o.type != "totp")
      return Error::make(ErrorKind::kUsage, "OATH type must be hotp or totp");
    if (o.algorithm != "SHA1" && o.algorithm != "SHA256" && o.algorithm != "SHA512")
      return Error::make(ErrorKind::kUsage, "OATH algorithm must be SHA1, SHA256 or SHA512");
    if (o.digits < 6 || o.digits > 8) return Error::make(ErrorKind::kUsage, "OATH digits must be 6 to 8");
    if (o.counter > static_cast<uint64_t>(INT64_MAX))
      return Error::make(ErrorKind::kUsage, "OATH counter too large");
    KD_TRY(check_text("PSKC reference", o.pskc_ref, 256));
    if (!names.insert(o.name).second)
      return Error::make(ErrorKind::kUsage, "two OATH credentials named " + o.name);
  }
  return {};
}

template <typename E>
Result<E> parse_column(std::optional<E> parsed, const std::string& cuid, const char* column,
                       const std::string& text) {
  if (!parsed)
    return Error::make(ErrorKind::kIntegrity, "record " + cuid + ": unknown " + column + " \"" + text + "\"");
  return *parsed;
}

// A record as read: the row, its sealed values, and whether its MAC verified.
struct Loaded {
  TokenRecord record;
  std::map<std::string, Bytes> sealed;
  Bytes stored_mac;
  bool mac_ok = false;
  // The trail's last entry about this record names another version: an older row was put back.
  std::optional<int64_t> audited_version;
  bool current() const { return mac_ok && (!audited_version || *audited_version == record.version); }
};

struct SecretOutcome {
  std::optional<SecureBytes> value;
  std::optional<Error> refused;
};

enum class Children { kRewrite, kKeep };

class SqlRecordStore final : public RecordStore {
 public:
  SqlRecordStore(std::unique_ptr<Database> db, StoreInfo info, std::unique_ptr<MasterKey> master,
                 SecureBytes data_key)
      : db_(std::move(db)),
        info_(std::move(info)),
        master_(std::move(master)),
        data_key_(std::move(data_key)),
        keys_(data_key_, info_.data_key_generation, info_.store_id) {}

  const StoreInfo& info() const override { return info_; }

  // ---------------------------------------------------------------------------------------------------
  // Transactions

  struct Txn {
    int64_t head_seq = 0;
    Bytes head_hash = audit_genesis_hash();
    bool appended = false;
  };

  // Runs `body` in a write transaction that first locks and checks the audit head. The body's writes and
  // its audit entries commit together; the result is returned only after COMMIT succeeded.
  template <typename T>
  Result<T> write(const std::function<Result<T>(Txn&)>& body) {
    for (int attempt = 1;; ++attempt) {
      auto retry = [&](const Error& e) {
        return e.kind == ErrorKind::kConflict && e.code == kRetryable && attempt < kMaxAttempts;
      };
      Status began = db_->begin(true);
      if (!began.ok()) {
        if (retry(began.error())) continue;
        return began.error();
      }
      auto txn = lock_head();
      if (!txn.ok()) {
        db_->rollback();
        if (retry(txn.error())) continue;
        return txn.error();
      }
      auto result = body(*txn);
      if (result.ok() && txn->appended) {
        auto head = db_->run(
            "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3) "
            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
            {txn->head_seq, txn->head_hash, audit_head_mac(keys_, txn->head_seq, txn->head_hash)});
        if (!head.ok()) result = head.error();
      }
      if (!result.ok()) {
        db_->rollback();
        if (retry(result.error())) continue;
        return result.error();
      }
      Status committed = db_->commit();
      if (!committed.ok()) {
        db_->rollback();
        if (retry(committed.error())) continue;
        return committed.error();
      }
      return result;
    }
  }

  template <typename T>
  Result<T> read(const std::function<Result<T>()>& body) {
    KD_TRY(db_->begin(false));
    auto result = body();
    if (!result.ok()) {
      db_->rollback();
      return result;
    }
    Status committed = db_->commit();
    if (!committed.ok()) {
      db_->rollback();
      return committed.error();
    }
    return result;
  }

  // Every write starts here. Locking the head row orders all writers (PostgreSQL: FOR UPDATE; SQLite:
  // BEGIN IMMEDIATE already did). Appending after a head that does not verify would make a truncated or
  // forged trail look whole again, so writes are refused until the damage has been looked at.
  Result<Txn> lock_head() {
    KD_ASSIGN_OR_RETURN(
        SqlResult head,
        db_->run(std::string("SELECT seq, hash, mac FROM audit_head WHERE id = 1") + db_->lock_clause()));
    Txn txn;
    if (head.rows.empty()) {
      KD_ASSIGN_OR_RETURN(SqlResult any, db_->run("SELECT seq FROM audit_log ORDER BY seq LIMIT 1"));
      if (!any.rows.empty())
        return Error::make(ErrorKind::kIntegrity,
                           "the audit head is missing: writes are refused (run keydesk audit verify)");
      return txn;
    }
    txn.head_seq = head.rows[0].integer(0);
    txn.head_hash = head.rows[0].blob(1);
    if (!equal_ct(audit_head_mac(keys_, txn.head_seq, txn.head_hash), head.rows[0].blob(2)))
      return Error::make(ErrorKind::kIntegrity,
                         "the audit head does not verify: writes are refused (run keydesk audit verify)");
    KD_ASSIGN_OR_RETURN(
        SqlResult tail,
        db_->run("SELECT seq, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 2", {txn.head_seq}));
    if (tail.rows.size() != 1 || tail.rows[0].integer(0) != txn.head_seq ||
        tail.rows[0].blob(1) != txn.head_hash)
      return Error::make(
          ErrorKind::kIntegrity,
          "the audit trail does not end where its head says: writes are refused (run keydesk audit "
          "verify)");
    return txn;
  }

  Status append(Txn& txn, const Actor& actor, std::string_view action, std::string_view subject,
                const json& details, std::string_view reason) {
    AuditEntry e;
    e.seq = txn.head_seq + 1;
    e.at = now_utc();
    e.operator_name = actor.operator_name;
    e.action = action;
    e.subject = subject;
    e.details = details.dump();
    e.reason = reason;
    e.prev_hash = txn.head_hash;
    e.hash = audit_entry_hash(e);
    e.mac = audit_entry_mac(keys_, e.hash);
    KD_TRY(db_->run(
        "INSERT INTO audit_log (seq, at, operator, action, subject, details, reason, prev_hash, hash, mac) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {e.seq, e.at, e.operator_name, e.action, e.subject, e.details, e.reason, e.prev_hash, e.hash,
         e.mac}));
    txn.head_seq = e.seq;
    txn.head_hash = e.hash;
    txn.appended = true;
    return {};
  }

  // ---------------------------------------------------------------------------------------------------
  // Rows <-> records

  Result<TokenRecord> record_from_row(const SqlRow& row) {
    TokenRecord r;
    const std::string cuid = row.text(0);
    auto parsed = Cuid::parse(cuid);
    if (!parsed) return Error::make(ErrorKind::kIntegrity, "a record has an invalid CUID \"" + cuid + "\"");
    r.cuid = *parsed;
    KD_ASSIGN_OR_RETURN(r.cuid_source,
                        parse_column(parse_cuid_source(row.text(1)), cuid, "CUID source", row.text(1)));
    r.serial = row.text(2);
    r.model = row.text(3);
    r.atr = row.text(4);
    KD_ASSIGN_OR_RETURN(r.status, parse_column(parse_status(row.text(5)), cuid, "status", row.text(5)));
    r.status_reason = row.text(6);
    r.status_operator = row.text(7);
    r.status_changed_at = row.text(8);
    KD_ASSIGN_OR_RETURN(r.provisioning, parse_column(parse_provisioning(row.text(9)), cuid,
                                                     "provisioning state", row.text(9)));
    r.user = {row.text(10), row.text(11), row.text(12)};
    r.provisioned_at = row.text(13);
    r.provisioned_by = row.text(14);
    KD_ASSIGN_OR_RETURN(r.pin_method,
                        parse_column(parse_pin_method(row.text(15)), cuid, "PIN method", row.text(15)));
    KD_ASSIGN_OR_RETURN(r.puk_method,
                        parse_column(parse_puk_method(row.text(16)), cuid, "PUK method", row.text(16)));
    KD_ASSIGN_OR_RETURN(r.admin_key_method, parse_column(parse_admin_key_method(row.text(17)), cuid,
                                                         "admin key method", row.text(17)));
    r.admin_key_check = row.text(18);
    r.fido_policy = row.text(19);
    r.version = row.integer(20);
    r.created_at = row.text(21);
    r.updated_at = row.text(22);
    return r;
  }

  static PivCertificate certificate_from_row(const SqlRow& row, size_t at) {
    return {row.text(at), row.text(at + 1), row.text(at + 2), row.text(at + 3)};
  }
  static OathCredential oath_from_row(const SqlRow& row, size_t at) {
    OathCredential o;
    o.name = row.text(at);
    o.type = row.text(at + 1);
    o.algorithm = row.text(at + 2);
    o.digits = static_cast<int>(row.integer(at + 3));
    o.counter = static_cast<uint64_t>(row.integer(at + 4));
    o.period = static_cast<uint32_t>(row.integer(at + 5));
    o.pskc_ref = row.text(at + 6);
    return o;
  }

  void finish_loaded(Loaded& l) {
    l.record.secrets_on_record.clear();
    for (const auto& [field, sealed] : l.sealed) l.record.secrets_on_record.push_back(field);
    l.mac_ok = equal_ct(keys_.record_mac(record_mac_input(l.record, l.sealed)), l.stored_mac);
  }

  // One record with its children; `lock` takes its row lock (PostgreSQL) inside a write transaction.
  Result<std::optional<Loaded>> load(const Cuid& cuid, bool lock) {
    const std::string key = cuid.hex();
    KD_ASSIGN_OR_RETURN(SqlResult row,
                        db_->run(std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE cuid = $1" +
                                     (lock ? db_->lock_clause() : ""),
                                 {key}));
    if (row.rows.empty()) return std::optional<Loaded>();
    Loaded l;
    KD_ASSIGN_OR_RETURN(l.record, record_from_row(row.rows[0]));
    l.stored_mac = row.rows[0].blob(23);
    KD_ASSIGN_OR_RETURN(
        SqlResult certs,
        db_->run("SELECT slot, subject, serial, not_after FROM piv_certificates WHERE cuid = $1 "
                 "ORDER BY slot",
                 {key}));
    for (const auto& c : certs.rows) l.record.certificates.push_back(certificate_from_row(c, 0));
    KD_ASSIGN_OR_RETURN(SqlResult oath,
                        db_->run("SELECT name, type, algorithm, digits, counter, period, pskc_ref FROM "
                                 "oath_credentials WHERE cuid = $1 ORDER BY name",
                                 {key}));
    for (const auto& o : oath.rows) l.record.oath.push_back(oath_from_row(o, 0));
    KD_ASSIGN_OR_RETURN(
        SqlResult secrets,
        db_->run("SELECT field, sealed FROM token_secrets WHERE cuid = $1 ORDER BY field", {key}));
    for (const auto& s : secrets.rows) l.sealed[s.text(0)] = s.blob(1);
    finish_loaded(l);
    // Every entry about a record carries the version it left the record at; a row put back from a copy
    // has a valid MAC but an older version.
    KD_ASSIGN_OR_RETURN(
        SqlResult last,
        db_->run("SELECT details FROM audit_log WHERE subject = $1 ORDER BY seq DESC LIMIT 1", {key}));
    if (!last.rows.empty()) {
      const json details = json::parse(last.rows[0].text(0), nullptr, false);
      if (details.is_object() && details.contains("version") && details["version"].is_number_integer())
        l.audited_version = details["version"].get<int64_t>();
    }
    return std::optional<Loaded>(std::move(l));
  }

  // Every record at once (audit verify, reports): four queries instead of four per record.
  Result<std::map<std::string, Loaded>> load_all() {
    std::map<std::string, Loaded> all;
    KD_ASSIGN_OR_RETURN(SqlResult rows, db_->run(std::string("SELECT ") + kTokenColumns + " FROM tokens"));
    for (const auto& row : rows.rows) {
      Loaded l;
      auto record = record_from_row(row);
      if (!record.ok()) {
        // Unparseable is as good as changed: keep it so verify names it.
        l.record.cuid = Cuid::parse(row.text(0)).value_or(Cuid{});
        l.mac_ok = false;
        all.emplace(row.text(0), std::move(l));
        continue;
      }
      l.record = std::move(*record);
      l.stored_mac = row.blob(23);
      all.emplace(row.text(0), std::move(l));
    }
    KD_ASSIGN_OR_RETURN(
        SqlResult certs,
        db_->run("SELECT cuid, slot, subject, serial, not_after FROM piv_certificates ORDER BY cuid, slot"));
    for (const auto& c : certs.rows)
      if (auto it = all.find(c.text(0)); it != all.end())
        it->second.record.certificates.push_back(certificate_from_row(c, 1));
    KD_ASSIGN_OR_RETURN(SqlResult oath,
                        db_->run("SELECT cuid, name, type, algorithm, digits, counter, period, pskc_ref "
                                 "FROM oath_credentials ORDER BY cuid, name"));
    for (const auto& o : oath.rows)
      if (auto it = all.find(o.text(0)); it != all.end())
        it->second.record.oath.push_back(oath_from_row(o, 1));
    KD_ASSIGN_OR_RETURN(SqlResult secrets,
                        db_->run("SELECT cuid, field, sealed FROM token_secrets ORDER BY cuid, field"));
    for (const auto& s : secrets.rows)
      if (auto it = all.find(s.text(0)); it != all.end()) it->second.sealed[s.text(1)] = s.blob(2);
    for (auto& [cuid, l] : all)
      if (!l.stored_mac.empty()) finish_loaded(l);
    return all;
  }

  static Error changed_outside(const Loaded& l) {
    const std::string cuid = l.record.cuid.hex();
    if (l.mac_ok && l.audited_version)
      return Error::make(ErrorKind::kIntegrity,
                         "record " + cuid + " is at version " + std::to_string(l.record.version) +
                             " but its audit trail says " + std::to_string(*l.audited_version) +
                             " (an older copy was put back?): run keydesk audit verify");
    return Error::make(ErrorKind::kIntegrity,
                       "record " + cuid +
                           " was changed outside keydesk (its MAC does not verify): run "
                           "keydesk audit verify");
  }

  Result<Loaded> load_for_write(const Cuid& cuid) {
    KD_ASSIGN_OR_RETURN(std::optional<Loaded> l, load(cuid, true));
    if (!l) return Error::make(ErrorKind::kNotFound, "no record for CUID " + cuid.hex());
    if (!l->current()) return changed_outside(*l);  // never re-MAC data someone else wrote
    return std::move(*l);
  }

  // Writes the record's row (and its certificates and OATH credentials when `children` says so) with the
  // next version and a fresh MAC. kConflict if the stored version is no longer `expected_version`.
  Status write_record(TokenRecord& r, bool insert, int64_t expected_version,
                      const std::map<std::string, Bytes>& sealed, Children children) {
    const std::string now = now_utc();
    r.version = insert ? 1 : expected_version + 1;
    r.updated_at = now;
    if (insert) r.created_at = now;
    std::sort(r.certificates.begin(), r.certificates.end(),
              [](const auto& a, const auto& b) { return a.slot < b.slot; });
    std::sort(r.oath.begin(), r.oath.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    r.secrets_on_record.clear();
    for (const auto& [field, value] : sealed) r.secrets_on_record.push_back(field);
    const Bytes mac = keys_.record_mac(record_mac_input(r, sealed));
    std::vector<SqlValue> p{r.cuid.hex(),
                            cuid_source_name(r.cuid_source),
                            r.serial,
                            r.model,
                            r.atr,
                            status_name(r.status),
                            r.status_reason,
                            r.status_operator,
                            r.status_changed_at,
                            provisioning_name(r.provisioning),
                            r.user.name,
                            r.user.employee_id,
                            r.user.email,
                            r.provisioned_at,
                            r.provisioned_by,
                            pin_method_name(r.pin_method),
                            puk_method_name(r.puk_method),
                            admin_key_method_name(r.admin_key_method),
                            r.admin_key_check,
                            r.fido_policy,
                            r.version,
                            r.created_at,
                            r.updated_at,
                            mac};
    if (insert) {
      KD_TRY(db_->run(
          std::string("INSERT INTO tokens (") + kTokenColumns +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
              "$19, $20, $21, $22, $23, $24)",
          p));
    } else {
      p.emplace_back(expected_version);
      KD_ASSIGN_OR_RETURN(
          SqlResult updated,
          db_->run(
              "UPDATE tokens SET cuid_source = $2, serial = $3, model = $4, atr = $5, status = $6, "
              "status_reason = $7, status_operator = $8, status_changed_at = $9, provisioning = $10, "
              "user_name = $11, employee_id = $12, email = $13, provisioned_at = $14, provisioned_by = $15, "
              "pin_method = $16, puk_method = $17, admin_key_method = $18, admin_key_check = $19, "
              "fido_policy = $20, version = $21, created_at = $22, updated_at = $23, mac = $24 "
              "WHERE cuid = $1 AND version = $25",
              p));
      if (updated.changes != 1)
        return Error::make(ErrorKind::kConflict, "record " + r.cuid.hex() + " changed since version " +
                                                     std::to_string(expected_version) + " was read");
    }
    if (children == Children::kRewrite) {
      const std::string key = r.cuid.hex();
      if (!insert) {
        KD_TRY(db_->run("DELETE FROM piv_certificates WHERE cuid = $1", {key}));
        KD_TRY(db_->run("DELETE FROM oath_credentials WHERE cuid = $1", {key}));
      }
      for (const auto& c : r.certificates)
        KD_TRY(
            db_->run("INSERT INTO piv_certificates (cuid, slot, subject, serial, not_after) VALUES ($1, $2, "
                     "$3, $4, $5)",
                     {key, c.slot, c.subject, c.serial, c.not_after}));
      for (const auto& o : r.oath)
        KD_TRY(db_->run(
            "INSERT INTO oath_credentials (cuid, name, type, algorithm, digits, counter, period, pskc_ref) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {key, o.name, o.type, o.algorithm, o.digits, static_cast<int64_t>(o.counter),
             static_cast<int64_t>(o.period), o.pskc_ref}));
    }
    return {};
  }

  Result<Bytes> seal_token_secret(const Cuid& cuid, const SecretField& field, ByteView value) {
    const std::string subject = cuid.hex();
    return keys_.seal({kTokenPurpose, subject, field.name()}, value);
  }

  // Drops sealed seeds of OATH credentials the record no longer has.
  Status drop_orphan_seeds(const TokenRecord& r, std::map<std::string, Bytes>& sealed) {
    for (auto it = sealed.begin(); it != sealed.end();) {
      const bool orphan = it->first.starts_with("oath-seed/") &&
                          std::none_of(r.oath.begin(), r.oath.end(), [&](const OathCredential& o) {
                            return SecretField::oath_seed(o.name).name() == it->first;
                          });
      if (orphan) {
        KD_TRY(
            db_->run("DELETE FROM token_secrets WHERE cuid = $1 AND field = $2", {r.cuid.hex(), it->first}));
        it = sealed.erase(it);
      } else {
        ++it;
      }
    }
    return {};
  }

  // ---------------------------------------------------------------------------------------------------
  // Token records

  Result<TokenRecord> create_record(const TokenRecord& given, std::vector<NewSecret> secrets,
                                    const Actor& actor, std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    KD_TRY(check_record(given));
    if (given.status != LifecycleStatus::kInStock && given.status != LifecycleStatus::kActive)
      return Error::make(ErrorKind::kUsage, "a new record starts in-stock or active");
    std::set<std::string> fields;
    for (const auto& s : secrets)
      if (!fields.insert(s.field.name()).second)
        return Error::make(ErrorKind::kUsage, "secret " + s.field.name() + " given twice");
    return write<TokenRecord>([&](Txn& txn) -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(SqlResult exists,
                          db_->run("SELECT version FROM tokens WHERE cuid = $1", {given.cuid.hex()}));
      if (!exists.rows.empty())
        return Error::make(ErrorKind::kConflict, "CUID " + given.cuid.hex() + " is already on record");
      TokenRecord r = given;
      if (r.status_changed_at.empty()) r.status_changed_at = now_utc();
      if (r.status_operator.empty()) r.status_operator = actor.operator_name;
      std::map<std::string, Bytes> sealed;
      for (const auto& s : secrets) {
        KD_ASSIGN_OR_RETURN(sealed[s.field.name()], seal_token_secret(r.cuid, s.field, s.value));
      }
      KD_TRY(write_record(r, true, 0, sealed, Children::kRewrite));
      const std::string now = now_utc();
      for (const auto& [field, value] : sealed)
        KD_TRY(db_->run("INSERT INTO token_secrets (cuid, field, sealed, sealed_at) VALUES ($1, $2, $3, $4)",
                        {r.cuid.hex(), field, value, now}));
      KD_TRY(append(txn, actor, "token.create", r.cuid.hex(),
                    {{"version", r.version},
                     {"status", status_name(r.status)},
                     {"provisioning", provisioning_name(r.provisioning)},
                     {"user", r.user.name},
                     {"secrets", r.secrets_on_record}},
                    reason));
      return r;
    });
  }

  Result<TokenRecord> get_record(const Cuid& cuid) override {
    return read<TokenRecord>([&]() -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(std::optional<Loaded> l, load(cuid, false));
      if (!l) return Error::make(ErrorKind::kNotFound, "no record for CUID " + cuid.hex());
      if (!l->current()) return changed_outside(*l);
      return std::move(l->record);
    });
  }

  Result<std::vector<TokenRecord>> find_by_user(std::string_view user) override {
    KD_TRY(check_text("user", user, 256));
    if (user.empty()) return Error::make(ErrorKind::kUsage, "which user?");
    return read<std::vector<TokenRecord>>([&]() -> Result<std::vector<TokenRecord>> {
      KD_ASSIGN_OR_RETURN(
          SqlResult rows,
          db_->run("SELECT cuid FROM tokens WHERE user_name = $1 OR employee_id = $1 OR email = $1 "
                   "ORDER BY cuid",
                   {user}));
      std::vector<TokenRecord> out;
      for (const auto& row : rows.rows) {
        auto cuid = Cuid::parse(row.text(0));
        if (!cuid) return Error::make(ErrorKind::kIntegrity, "a record has an invalid CUID");
        KD_ASSIGN_OR_RETURN(std::optional<Loaded> l, load(*cuid, false));
        if (!l) continue;
        if (!l->current()) return changed_outside(*l);
        out.push_back(std::move(l->record));
      }
      return out;
    });
  }

  Result<TokenRecord> apply_update(Txn& txn, Loaded& current, TokenRecord next, const Actor& actor,
                                   std::string_view reason) {
    const TokenRecord& before = current.record;
    if (next.cuid != before.cuid || next.status != before.status ||
        next.status_reason != before.status_reason || next.status_operator != before.status_operator ||
        next.status_changed_at != before.status_changed_at)
      return Error::make(ErrorKind::kUsage,
                         "the CUID and the lifecycle status change only through set_status");
    KD_TRY(check_record(next));
    next.created_at = before.created_at;
    KD_TRY(drop_orphan_seeds(next, current.sealed));
    KD_TRY(write_record(next, false, before.version, current.sealed, Children::kRewrite));
    // What changed, by field name: the audit says what was touched without copying values around.
    const json a = record_to_json(before), b = record_to_json(next);
    json changed = json::array();
    for (auto it = b.begin(); it != b.end(); ++it)
      if (it.key() != "version" && it.key() != "updated_at" && it.key() != "secrets_on_record" &&
          a.value(it.key(), json()) != it.value())
        changed.push_back(it.key());
    KD_TRY(append(txn, actor, "token.update", next.cuid.hex(),
                  {{"version", next.version}, {"changed", changed}}, reason));
    return next;
  }

  Result<TokenRecord> update_record(const Cuid& cuid, const std::function<Status(TokenRecord&)>& mutate,
                                    const Actor& actor, std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    return write<TokenRecord>([&](Txn& txn) -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      TokenRecord next = current.record;
      KD_TRY(mutate(next));
      next.version = current.record.version;
      return apply_update(txn, current, std::move(next), actor, reason);
    });
  }

  Result<TokenRecord> save_record(const TokenRecord& record, const Actor& actor,
                                  std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    return write<TokenRecord>([&](Txn& txn) -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(record.cuid));
      if (current.record.version != record.version)
        return Error::make(ErrorKind::kConflict, "record " + record.cuid.hex() + " is at version " +
                                                     std::to_string(current.record.version) + ", not " +
                                                     std::to_string(record.version) + ": read it again");
      return apply_update(txn, current, record, actor, reason);
    });
  }

  Result<TokenRecord> set_status(const Cuid& cuid, LifecycleStatus to, const Actor& actor,
                                 std::string_view reason, std::optional<int64_t> expected_version) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, true));
    return write<TokenRecord>([&](Txn& txn) -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      TokenRecord r = current.record;
      if (expected_version && r.version != *expected_version)
        return Error::make(ErrorKind::kConflict, "record " + cuid.hex() + " is at version " +
                                                     std::to_string(r.version) + ", not " +
                                                     std::to_string(*expected_version));
      const LifecycleStatus from = r.status;
      if (!find_transition(from, to)) {
        std::string allowed;
        for (const auto& t : lifecycle_transitions())
          if (t.from == from) allowed += std::string(allowed.empty() ? "" : ", ") + status_name(t.to);
        return Error::make(ErrorKind::kRefused, std::string("lifecycle: ") + status_name(from) + " -> " +
                                                    status_name(to) + " is not allowed (from " +
                                                    status_name(from) + ": " +
                                                    (allowed.empty() ? "none" : allowed) + ")");
      }
      r.status = to;
      r.status_reason = reason;
      r.status_operator = actor.operator_name;
      r.status_changed_at = now_utc();
      KD_TRY(write_record(r, false, current.record.version, current.sealed, Children::kKeep));
      KD_TRY(append(txn, actor, "token.status", cuid.hex(),
                    {{"version", r.version}, {"from", status_name(from)}, {"to", status_name(to)}}, reason));
      return r;
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Secrets

  Result<TokenRecord> put_secret(const Cuid& cuid, const SecretField& field, ByteView value,
                                 const Actor& actor, std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    if (value.empty() || value.size() > 1024)
      return Error::make(ErrorKind::kUsage, "a secret is 1 to 1024 bytes");
    return write<TokenRecord>([&](Txn& txn) -> Result<TokenRecord> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      if (field.name().starts_with("oath-seed/") &&
          std::none_of(current.record.oath.begin(), current.record.oath.end(), [&](const OathCredential& o) {
            return SecretField::oath_seed(o.name).name() == field.name();
          }))
        return Error::make(ErrorKind::kNotFound,
                           "no OATH credential for " + field.name() + " on record " + cuid.hex());
      const bool replaced = current.sealed.count(field.name()) > 0;
      KD_ASSIGN_OR_RETURN(Bytes sealed, seal_token_secret(cuid, field, value));
      KD_TRY(db_->run(
          "INSERT INTO token_secrets (cuid, field, sealed, sealed_at) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (cuid, field) DO UPDATE SET sealed = excluded.sealed, sealed_at = excluded.sealed_at",
          {cuid.hex(), field.name(), sealed, now_utc()}));
      current.sealed[field.name()] = sealed;
      TokenRecord r = current.record;
      KD_TRY(write_record(r, false, current.record.version, current.sealed, Children::kKeep));
      KD_TRY(append(txn, actor, "secret.put", cuid.hex(),
                    {{"version", r.version}, {"field", field.name()}, {"replaced", replaced}}, reason));
      return r;
    });
  }

  Result<SecureBytes> read_secret(const Cuid& cuid, const SecretField& field, const Actor& actor,
                                  std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, true));
    auto outcome = write<SecretOutcome>([&](Txn& txn) -> Result<SecretOutcome> {
      KD_ASSIGN_OR_RETURN(std::optional<Loaded> l, load(cuid, true));
      if (!l) return Error::make(ErrorKind::kNotFound, "no record for CUID " + cuid.hex());
      auto it = l->sealed.find(field.name());
      if (it == l->sealed.end())
        return Error::make(ErrorKind::kNotFound, "no " + field.name() + " on record for CUID " + cuid.hex());
      SecretOutcome out;
      std::string result = "opened";
      auto opened = keys_.open({kTokenPurpose, cuid.hex(), field.name()}, it->second);
      if (!opened.ok()) {
        out.refused = opened.error();
        result = "refused: the sealed value does not open";
      } else if (!l->current()) {
        out.refused = changed_outside(*l);
        result = "refused: the record was changed outside keydesk";
      } else {
        out.value = std::move(*opened);
      }
      // The reading is on record before the secret leaves this function (write() returns after COMMIT).
      KD_TRY(append(
          txn, actor, "secret.read", cuid.hex(),
          // The version the trail already had: a refused read must not make a put-back row look current.
          {{"version", l->audited_version.value_or(l->record.version)},
           {"field", field.name()},
           {"outcome", result}},
          reason));
      return out;
    });
    if (!outcome.ok()) return outcome.error();
    if (outcome->refused) return *outcome->refused;
    return std::move(*outcome->value);
  }

  Status record_event(const Cuid& cuid, std::string_view action,
                      const std::map<std::string, std::string>& details, const Actor& actor,
                      std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, true));
    KD_TRY(check_name("audit action", action));
    for (const auto& [key, value] : details) {
      KD_TRY(check_name("audit detail", key));
      if (key == "version") return Error::make(ErrorKind::kUsage, "an audit detail may not be named version");
      KD_TRY(check_text("audit detail", value, 1024));
    }
    auto done = write<bool>([&](Txn& txn) -> Result<bool> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      json entry = {{"version", current.record.version}};
      for (const auto& [key, value] : details) entry[key] = value;
      KD_TRY(append(txn, actor, action, cuid.hex(), entry, reason));
      return true;
    });
    if (!done.ok()) return done.error();
    return {};
  }

  // ---------------------------------------------------------------------------------------------------
  // Vault

  static std::string vault_subject(std::string_view name) { return "vault/" + std::string(name); }

  Status vault_put(std::string_view name, ByteView value, const Actor& actor,
                   std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    KD_TRY(check_name("vault secret name", name));
    if (value.empty() || value.size() > 4096)
      return Error::make(ErrorKind::kUsage, "a vault secret is 1 to 4096 bytes");
    auto done = write<int64_t>([&](Txn& txn) -> Result<int64_t> {
      KD_ASSIGN_OR_RETURN(
          SqlResult row,
          db_->run(std::string("SELECT version, sealed, mac FROM vault WHERE name = $1") + db_->lock_clause(),
                   {name}));
      int64_t version = 1;
      if (!row.rows.empty()) {
        const int64_t old = row.rows[0].integer(0);
        if (!equal_ct(keys_.record_mac(vault_mac_input(name, old, row.rows[0].blob(1))), row.rows[0].blob(2)))
          return Error::make(ErrorKind::kIntegrity,
                             "vault secret " + std::string(name) + " was changed outside keydesk");
        version = old + 1;
      }
      KD_ASSIGN_OR_RETURN(Bytes sealed, keys_.seal({kVaultPurpose, name, "value"}, value));
      KD_TRY(
          db_->run("INSERT INTO vault (name, sealed, version, updated_at, updated_by, mac) VALUES ($1, $2, "
                   "$3, $4, $5, $6) "
                   "ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, version = excluded.version, "
                   "updated_at = excluded.updated_at, updated_by = excluded.updated_by, mac = excluded.mac",
                   {name, sealed, version, now_utc(), actor.operator_name,
                    keys_.record_mac(vault_mac_input(name, version, sealed))}));
      KD_TRY(append(txn, actor, "vault.put", vault_subject(name), {{"version", version}}, reason));
      return version;
    });
    if (!done.ok()) return done.error();
    return {};
  }

  Result<SecureBytes> vault_read(std::string_view name, const Actor& actor,
                                 std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, true));
    KD_TRY(check_name("vault secret name", name));
    auto outcome = write<SecretOutcome>([&](Txn& txn) -> Result<SecretOutcome> {
      KD_ASSIGN_OR_RETURN(
          SqlResult row,
          db_->run(std::string("SELECT version, sealed, mac FROM vault WHERE name = $1") + db_->lock_clause(),
                   {name}));
      if (row.rows.empty())
        return Error::make(ErrorKind::kNotFound, "no vault secret named " + std::string(name));
      const Bytes sealed = row.rows[0].blob(1);
      SecretOutcome out;
      std::string result = "opened";
      auto opened = keys_.open({kVaultPurpose, name, "value"}, sealed);
      if (!opened.ok()) {
        out.refused = opened.error();
        result = "refused: the sealed value does not open";
      } else if (!equal_ct(keys_.record_mac(vault_mac_input(name, row.rows[0].integer(0), sealed)),
                           row.rows[0].blob(2))) {
        out.refused = Error::make(ErrorKind::kIntegrity,
                                  "vault secret " + std::string(name) + " was changed outside keydesk");
        result = "refused: the row was changed outside keydesk";
      } else {
        out.value = std::move(*opened);
      }
      KD_TRY(append(txn, actor, "vault.read", vault_subject(name), {{"outcome", result}}, reason));
      return out;
    });
    if (!outcome.ok()) return outcome.error();
    if (outcome->refused) return *outcome->refused;
    return std::move(*outcome->value);
  }

  Result<std::vector<std::string>> vault_names() override {
    return read<std::vector<std::string>>([&]() -> Result<std::vector<std::string>> {
      KD_ASSIGN_OR_RETURN(SqlResult rows, db_->run("SELECT name FROM vault ORDER BY name"));
      std::vector<std::string> out;
      for (const auto& r : rows.rows) out.push_back(r.text(0));
      return out;
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // OATH counter

  Result<bool> advance_oath_counter(const Cuid& cuid, std::string_view credential, uint64_t expected,
                                    uint64_t next, const Actor& actor) override {
    KD_TRY(check_actor(actor));
    if (next <= expected) return Error::make(ErrorKind::kUsage, "an HOTP counter only moves forward");
    if (next > static_cast<uint64_t>(INT64_MAX))
      return Error::make(ErrorKind::kUsage, "HOTP counter too large");
    return write<bool>([&](Txn& txn) -> Result<bool> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      TokenRecord r = current.record;
      auto it = std::find_if(r.oath.begin(), r.oath.end(),
                             [&](const OathCredential& o) { return o.name == credential; });
      if (it == r.oath.end())
        return Error::make(ErrorKind::kNotFound,
                           "no OATH credential " + std::string(credential) + " on record " + cuid.hex());
      if (it->type != "hotp") return Error::make(ErrorKind::kUsage, "only an HOTP credential has a counter");
      if (it->counter != expected) return false;  // another validator won this value
      it->counter = next;
      // The compare in the WHERE clause is the second guard after the head lock: the row changes only
      // from the value this transaction saw.
      KD_ASSIGN_OR_RETURN(
          SqlResult moved,
          db_->run("UPDATE oath_credentials SET counter = $4 WHERE cuid = $1 AND name = $2 AND "
                   "counter = $3",
                   {cuid.hex(), credential, static_cast<int64_t>(expected), static_cast<int64_t>(next)}));
      if (moved.changes != 1) return false;
      KD_TRY(write_record(r, false, current.record.version, current.sealed, Children::kKeep));
      KD_TRY(append(
          txn, actor, "oath.counter", cuid.hex(),
          {{"version", r.version}, {"credential", std::string(credential)}, {"from", expected}, {"to", next}},
          ""));
      return true;
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Journal, counts

  Status journal_steps(const Cuid& cuid, const std::vector<std::string>& steps, const Actor& actor) override {
    KD_TRY(check_actor(actor));
    for (const auto& step : steps) KD_TRY(check_name("journal step", step));
    auto done = write<bool>([&](Txn& txn) -> Result<bool> {
      KD_ASSIGN_OR_RETURN(Loaded current, load_for_write(cuid));
      const std::string at = now_utc();
      for (const auto& step : steps) {
        KD_ASSIGN_OR_RETURN(
            SqlResult added,
            db_->run("INSERT INTO provisioning_journal (cuid, step, at, operator) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT (cuid, step) DO NOTHING",
                     {cuid.hex(), step, at, actor.operator_name}));
        if (added.changes == 1)
          KD_TRY(append(txn, actor, "journal.step", cuid.hex(),
                        {{"version", current.record.version}, {"step", step}}, ""));
      }
      return true;
    });
    if (!done.ok()) return done.error();
    return {};
  }

  Result<std::vector<JournalStep>> journal(const Cuid& cuid) override {
    return read<std::vector<JournalStep>>([&]() -> Result<std::vector<JournalStep>> {
      KD_ASSIGN_OR_RETURN(SqlResult rows,
                          db_->run("SELECT step, at, operator FROM provisioning_journal WHERE cuid = $1 "
                                   "ORDER BY at, step",
                                   {cuid.hex()}));
      std::vector<JournalStep> out;
      for (const auto& r : rows.rows) out.push_back({r.text(0), r.text(1), r.text(2)});
      return out;
    });
  }

  Result<std::map<LifecycleStatus, int64_t>> count_by_status() override {
    return read<std::map<LifecycleStatus, int64_t>>([&]() -> Result<std::map<LifecycleStatus, int64_t>> {
      KD_ASSIGN_OR_RETURN(SqlResult rows, db_->run("SELECT status, count(*) FROM tokens GROUP BY status"));
      std::map<LifecycleStatus, int64_t> out;
      for (const auto& r : rows.rows)
        if (auto s = parse_status(r.text(0))) out[*s] = r.integer(1);
      return out;
    });
  }

  // One pass over `tokens`; each EXISTS is a primary-key look-up (token_secrets, oath_credentials,
  // piv_certificates) or a scan of one token's journal rows. The same text runs on both backends, and
  // bench/fleet_report.sh runs it through sqlite3 as the peer.
  Result<FleetFigures> fleet_figures(std::string_view now) override {
    return read<FleetFigures>([&]() -> Result<FleetFigures> {
      KD_ASSIGN_OR_RETURN(SqlResult r, db_->run(kFleetQuery, {std::string(now)}));
      FleetFigures f;
      if (r.rows.empty()) return f;
      const SqlRow& row = r.rows[0];
      auto at = [&](size_t i) -> int64_t { return row.is_null(i) ? 0 : row.integer(i); };
      f.records = at(0);
      f.in_service = at(1);
      f.without_puk = at(2);
      f.default_pin = at(3);
      f.hotp_not_exported = at(4);
      f.without_fido_policy = at(5);
      f.provisioning_pending = at(6);
      f.expired_certificates = at(7);
      return f;
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Audit

  static AuditEntry entry_from_row(const SqlRow& row) {
    AuditEntry e;
    e.seq = row.integer(0);
    e.at = row.text(1);
    e.operator_name = row.text(2);
    e.action = row.text(3);
    e.subject = row.text(4);
    e.details = row.text(5);
    e.reason = row.text(6);
    e.prev_hash = row.blob(7);
    e.hash = row.blob(8);
    e.mac = row.blob(9);
    return e;
  }

  Result<AuditReport> verify_audit() override {
    return read<AuditReport>([&]() -> Result<AuditReport> {
      AuditVerifier verifier(keys_);
      KD_ASSIGN_OR_RETURN(SqlResult rows,
                          db_->run("SELECT seq, at, operator, action, subject, details, reason, "
                                   "prev_hash, hash, mac FROM audit_log ORDER BY seq"));
      for (const auto& row : rows.rows) verifier.add(entry_from_row(row));
      KD_ASSIGN_OR_RETURN(SqlResult head_row, db_->run("SELECT seq, hash, mac FROM audit_head WHERE id = 1"));
      std::optional<AuditHead> head;
      if (!head_row.rows.empty())
        head = AuditHead{head_row.rows[0].integer(0), head_row.rows[0].blob(1), head_row.rows[0].blob(2)};
      AuditReport report = verifier.finish(head);

      // The records against their MACs and against the trail.
      const auto& versions = verifier.audited_versions();
      const auto& created = verifier.created_subjects();
      KD_ASSIGN_OR_RETURN(auto all, load_all());
      for (const auto& [cuid, l] : all) {
        if (!l.mac_ok) {
          report.findings.push_back(
              {AuditDamage::kRecordChanged, 0, cuid,
               "record " + cuid + " differs from what keydesk wrote (its MAC does not verify)"});
          continue;
        }
        if (!created.count(cuid))
          report.findings.push_back(
              {AuditDamage::kRecordUnaudited, 0, cuid, "record " + cuid + " has no token.create entry"});
        auto v = versions.find(cuid);
        if (v != versions.end() && v->second != l.record.version)
          report.findings.push_back({AuditDamage::kRecordRolledBack, 0, cuid,
                                     "record " + cuid + " is at version " + std::to_string(l.record.version) +
                                         " but the trail's last entry for it says " +
                                         std::to_string(v->second)});
      }
      KD_ASSIGN_OR_RETURN(SqlResult vault,
                          db_->run("SELECT name, version, sealed, mac FROM vault ORDER BY name"));
      std::set<std::string> vault_subjects;
      for (const auto& row : vault.rows) {
        const std::string subject = vault_subject(row.text(0));
        vault_subjects.insert(subject);
        if (!equal_ct(keys_.record_mac(vault_mac_input(row.text(0), row.integer(1), row.blob(2))),
                      row.blob(3))) {
          report.findings.push_back({AuditDamage::kRecordChanged, 0, subject,
                                     subject + " differs from what keydesk wrote (its MAC does not verify)"});
          continue;
        }
        auto v = versions.find(subject);
        if (v != versions.end() && v->second != row.integer(1))
          report.findings.push_back({AuditDamage::kRecordRolledBack, 0, subject,
                                     subject + " is at version " + std::to_string(row.integer(1)) +
                                         " but the trail's last entry for it says " +
                                         std::to_string(v->second)});
        else if (!created.count(subject))
          report.findings.push_back(
              {AuditDamage::kRecordUnaudited, 0, subject, subject + " has no vault.put entry"});
      }
      for (const auto& subject : created)
        if (!all.count(subject) && !vault_subjects.count(subject))
          report.findings.push_back({AuditDamage::kRecordDeleted, 0, subject,
                                     subject + " is in the audit trail but no longer in the store"});
      return report;
    });
  }

  Result<std::vector<AuditEntry>> audit_trail(std::string_view subject, size_t limit) override {
    return read<std::vector<AuditEntry>>([&]() -> Result<std::vector<AuditEntry>> {
      const char* columns =
          "SELECT seq, at, operator, action, subject, details, reason, prev_hash, hash, mac FROM audit_log";
      KD_ASSIGN_OR_RETURN(
          SqlResult rows,
          subject.empty()
              ? db_->run(std::string(columns) + " ORDER BY seq DESC LIMIT $1", {static_cast<int64_t>(limit)})
              : db_->run(std::string(columns) + " WHERE subject = $1 ORDER BY seq DESC LIMIT $2",
                         {subject, static_cast<int64_t>(limit)}));
      std::vector<AuditEntry> out;
      for (auto it = rows.rows.rbegin(); it != rows.rows.rend(); ++it) out.push_back(entry_from_row(*it));
      return out;
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Keys

  Status rotate_master_key(std::unique_ptr<MasterKey> new_key, const Actor& actor,
                           std::string_view reason) override {
    KD_TRY(check_actor(actor));
    KD_TRY(check_reason(reason, false));
    if (!new_key) return Error::make(ErrorKind::kUsage, "no new master key");
    const std::string from = master_->reference(), to = new_key->reference();
    KD_ASSIGN_OR_RETURN(Bytes wrapped,
                        new_key->wrap(data_key_aad(info_.store_id, info_.data_key_generation), data_key_));
    // Prove the new key opens what it wrapped before the old wrapping is replaced.
    KD_ASSIGN_OR_RETURN(SecureBytes check,
                        new_key->unwrap(data_key_aad(info_.store_id, info_.data_key_generation), wrapped));
    if (!equal_ct(check, data_key_))
      return Error::make(ErrorKind::kCrypto, "the new master key does not round-trip");
    auto done = write<bool>([&](Txn& txn) -> Result<bool> {
      KD_ASSIGN_OR_RETURN(
          SqlResult updated,
          db_->run("UPDATE data_keys SET wrapped = $1, master_key_ref = $2, rewrapped_at = $3 "
                   "WHERE generation = $4",
                   {wrapped, to, now_utc(), static_cast<int64_t>(info_.data_key_generation)}));
      if (updated.changes != 1)
        return Error::make(ErrorKind::kIntegrity, "the store's data key row is missing");
      KD_TRY(append(txn, actor, "store.rotate-key", "store", {{"from", from}, {"to", to}}, reason));
      return true;
    });
    if (!done.ok()) return done.error();
    master_ = std::move(new_key);
    info_.master_key = to;
    return {};
  }

  // Used by init_store: meta, the wrapped data key and the first audit entry, in one transaction.
  Status initialise(ByteView wrapped, const Actor& actor) {
    auto done = write<bool>([&](Txn& txn) -> Result<bool> {
      if (db_->dialect() == Dialect::kPostgres) KD_TRY(db_->run("SELECT pg_advisory_xact_lock(4207360)"));
      KD_ASSIGN_OR_RETURN(SqlResult id, db_->run("SELECT value FROM meta WHERE key = 'store_id'"));
      if (!id.rows.empty())
        return Error::make(ErrorKind::kRefused, "the store at " + info_.location +
                                                    " is already initialised (store id " +
                                                    id.rows[0].text(0) + ")");
      KD_TRY(db_->run("INSERT INTO meta (key, value) VALUES ('store_id', $1)", {info_.store_id}));
      KD_TRY(db_->run("INSERT INTO meta (key, value) VALUES ('created_at', $1)", {now_utc()}));
      KD_TRY(db_->run(
          "INSERT INTO data_keys (generation, wrapped, master_key_ref, created_at) VALUES ($1, $2, $3, $4)",
          {static_cast<int64_t>(info_.data_key_generation), Bytes(wrapped.begin(), wrapped.end()),
           info_.master_key, now_utc()}));
      KD_TRY(append(txn, actor, "store.init", "store",
                    {{"store_id", info_.store_id},
                     {"master_key", info_.master_key},
                     {"schema_version", kSchemaVersion}},
                    ""));
      return true;
    });
    if (!done.ok()) return done.error();
    return {};
  }

  Status record_migration(int from) {
    auto done = write<bool>([&](Txn& txn) -> Result<bool> {
      KD_TRY(append(txn, Actor{"keydesk"}, "store.migrate", "store", {{"from", from}, {"to", kSchemaVersion}},
                    ""));
      return true;
    });
    if (!done.ok()) return done.error();
    return {};
  }

 private:
  std::unique_ptr<Database> db_;
  StoreInfo info_;
  std::unique_ptr<MasterKey> master_;
  SecureBytes data_key_;
  KeyRing keys_;
};

Result<std::pair<std::unique_ptr<Database>, StoreInfo>> connect(const StoreOptions& options, bool init) {
  const std::string url = options.url.empty() ? default_store_url() : options.url;
  KD_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(url, init));
  StoreInfo info;
  info.backend = db->dialect() == Dialect::kSqlite ? "sqlite" : "postgresql";
  info.location = db->description();
  if (!init) {
    // Opening never creates a schema where there was none: that is init's job.
    KD_ASSIGN_OR_RETURN(int version, schema_version(*db));
    if (version == 0)
      return Error::make(ErrorKind::kNotFound,
                         "the store at " + info.location + " is not initialised: run keydesk store init");
  }
  KD_ASSIGN_OR_RETURN(info.migrated_from, migrate(*db));
  info.schema_version = kSchemaVersion;
  return std::make_pair(std::move(db), std::move(info));
}

}  // namespace

Result<std::unique_ptr<RecordStore>> open_store(const StoreOptions& options) {
  KD_ASSIGN_OR_RETURN(auto connected, connect(options, false));
  auto& [db, info] = connected;
  KD_ASSIGN_OR_RETURN(SqlResult id, db->run("SELECT value FROM meta WHERE key = 'store_id'"));
  if (id.rows.empty())
    return Error::make(ErrorKind::kNotFound,
                       "the store at " + info.location + " is not initialised: run keydesk store init");
  info.store_id = id.rows[0].text(0);
  KD_ASSIGN_OR_RETURN(SqlResult key, db->run("SELECT generation, wrapped, master_key_ref FROM data_keys "
                                             "ORDER BY generation DESC LIMIT 1"));
  if (key.rows.empty()) return Error::make(ErrorKind::kIntegrity, "the store's data key row is missing");
  info.data_key_generation = static_cast<uint32_t>(key.rows[0].integer(0));
  const std::string reference = options.master_key.empty() ? key.rows[0].text(2) : options.master_key;
  KD_ASSIGN_OR_RETURN(std::unique_ptr<MasterKey> master, open_master_key(reference));
  KD_ASSIGN_OR_RETURN(
      SecureBytes data_key,
      master->unwrap(data_key_aad(info.store_id, info.data_key_generation), key.rows[0].blob(1)));
  if (data_key.size() != KeyRing::kDataKeySize)
    return Error::make(ErrorKind::kIntegrity, "the data key has a wrong size");
  info.master_key = master->reference();
  const int migrated_from = info.migrated_from;
  auto store = std::make_unique<SqlRecordStore>(std::move(db), std::move(info), std::move(master),
                                                std::move(data_key));
  if (migrated_from > 0 && migrated_from < kSchemaVersion) KD_TRY(store->record_migration(migrated_from));
  return std::unique_ptr<RecordStore>(std::move(store));
}

Result<InitResult> init_store(const StoreOptions& options, const Actor& actor) {
  KD_TRY(check_actor(actor));
  KD_ASSIGN_OR_RETURN(auto connected, connect(options, true));
  auto& [db, info] = connected;
  KD_ASSIGN_OR_RETURN(SqlResult id, db->run("SELECT value FROM meta WHERE key = 'store_id'"));
  if (!id.rows.empty())
    return Error::make(
        ErrorKind::kRefused,
        "the store at " + info.location + " is already initialised (store id " + id.rows[0].text(0) + ")");
  InitResult result;
  const std::string reference =
      options.master_key.empty() ? default_master_key_reference() : options.master_key;
  KD_ASSIGN_OR_RETURN(std::unique_ptr<MasterKey> master,
                      create_master_key(reference, &result.master_key_created));
  info.store_id = to_hex(crypto::random_bytes(16));
  info.data_key_generation = 1;
  info.master_key = master->reference();
  Bytes raw = crypto::random_bytes(KeyRing::kDataKeySize);
  SecureBytes data_key(raw.begin(), raw.end());
  wipe(raw);
  KD_ASSIGN_OR_RETURN(Bytes wrapped, master->wrap(data_key_aad(info.store_id, 1), data_key));
  auto store = std::make_unique<SqlRecordStore>(std::move(db), std::move(info), std::move(master),
                                                std::move(data_key));
  KD_TRY(store->initialise(wrapped, actor));
  result.store = std::move(store);
  return result;
}

}  // namespace keydesk::store
