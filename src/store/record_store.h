// The record store (docs/store.md): token records keyed by CUID, their sealed secrets, the store's own
// sealed secrets (vault), and the audit trail every change and every secret read goes into.
//
// One interface; the backend (SQLite or PostgreSQL) is chosen from the URL in open_store(). Each call is
// one database transaction: the change and its audit entry commit together or not at all, and a secret
// is only handed back once the audit entry of its reading is durable.
//
// Concurrency: writers serialise on the audit head (every write transaction locks it first), so two
// processes, or two servers on one PostgreSQL, never lose each other's update. Records also carry a
// version: save_record() and set_status() with an expected version fail with kConflict when someone
// else changed the record since it was read.
//
// A RecordStore object is one connection: use one per thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/secure_bytes.h"
#include "store/audit.h"
#include "store/master_key.h"
#include "store/record.h"

namespace keydesk::store {

struct StoreOptions {
  std::string url;  // empty: default_store_url()
  std::string
      master_key;  // empty: the reference recorded in the store (init: default_master_key_reference())
};

struct StoreInfo {
  std::string backend;   // "sqlite" | "postgresql"
  std::string location;  // the URL without a password
  int schema_version = 0;
  int migrated_from = 0;  // the schema version found when this process opened the store
  std::string store_id;
  std::string master_key;  // the master key's reference (no PIN)
  uint32_t data_key_generation = 0;
};

// The rollout gaps over the records (docs/provisioning.md, "Fleet report"). "In service": status active
// or suspended, a token in a user's hands.
struct FleetFigures {
  int64_t records = 0;
  int64_t in_service = 0;
  int64_t without_puk = 0;           // in service, no PUK sealed on record
  int64_t default_pin = 0;           // in service, PIN method default-no-force-change or unknown
  int64_t hotp_not_exported = 0;     // in service, a HOTP credential, no oath-export done in the journal
  int64_t without_fido_policy = 0;   // in service, no FIDO policy on record
  int64_t provisioning_pending = 0;  // any status: a run interrupted and not resumed
  int64_t expired_certificates = 0;  // in service, a recorded certificate past its not-after
};

struct NewSecret {
  SecretField field;
  SecureBytes value;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  virtual const StoreInfo& info() const = 0;

  // --- token records ---
  // A new record (status in-stock or active) and, in the same transaction, its secrets: "record before
  // set". kConflict if the CUID is already on record.
  virtual Result<TokenRecord> create_record(const TokenRecord& record, std::vector<NewSecret> secrets,
                                            const Actor& actor, std::string_view reason) = 0;
  // kNotFound, or kIntegrity when the record was changed outside keydesk.
  virtual Result<TokenRecord> get_record(const iso7816::Cuid& cuid) = 0;
  // Records whose user name, employee id or e-mail is exactly `user`.
  virtual Result<std::vector<TokenRecord>> find_by_user(std::string_view user) = 0;
  // Read-modify-write under the write lock: `mutate` sees the current record and changes anything but
  // the CUID, the lifecycle status and the read-only views (set_status() changes the status).
  virtual Result<TokenRecord> update_record(const iso7816::Cuid& cuid,
                                            const std::function<Status(TokenRecord&)>& mutate,
                                            const Actor& actor, std::string_view reason) = 0;
  // Writes `record` if the stored version is still record.version (kConflict otherwise).
  virtual Result<TokenRecord> save_record(const TokenRecord& record, const Actor& actor,
                                          std::string_view reason) = 0;
  // A lifecycle transition (lifecycle.h): kRefused when the table does not allow it; a reason is required.
  virtual Result<TokenRecord> set_status(const iso7816::Cuid& cuid, LifecycleStatus to, const Actor& actor,
                                         std::string_view reason,
                                         std::optional<int64_t> expected_version = std::nullopt) = 0;

  // --- sealed secrets of a token ---
  virtual Result<TokenRecord> put_secret(const iso7816::Cuid& cuid, const SecretField& field, ByteView value,
                                         const Actor& actor, std::string_view reason) = 0;
  // An audited act: a reason (ticket id) is required, the reading is an audit entry, committed before the
  // secret is returned. kIntegrity when the sealed value does not open (changed or moved).
  virtual Result<SecureBytes> read_secret(const iso7816::Cuid& cuid, const SecretField& field,
                                          const Actor& actor, std::string_view reason) = 0;

  // An act on the token that changes no field of its record (a PIN unblocked with the released PUK, an
  // XAUTH cryptogram issued by the help desk): one audit entry `action` about the CUID, with `details`
  // (never a secret) and the record's current version. A reason is required. kNotFound without a record.
  virtual Status record_event(const iso7816::Cuid& cuid, std::string_view action,
                              const std::map<std::string, std::string>& details, const Actor& actor,
                              std::string_view reason) = 0;

  // --- the store's own sealed secrets (batch PUK, PUK-derivation master secret, XAUTH master key...) ---
  virtual Status vault_put(std::string_view name, ByteView value, const Actor& actor,
                           std::string_view reason) = 0;
  virtual Result<SecureBytes> vault_read(std::string_view name, const Actor& actor,
                                         std::string_view reason) = 0;
  virtual Result<std::vector<std::string>> vault_names() = 0;

  // --- OATH validation ---
  // Compare-and-set of an HOTP credential's counter: true if the stored counter was `expected` and is now
  // `next` (> expected); false if another validator moved it first. Two servers on one database cannot
  // both win the same value, so an accepted OTP is never accepted twice.
  virtual Result<bool> advance_oath_counter(const iso7816::Cuid& cuid, std::string_view credential,
                                            uint64_t expected, uint64_t next, const Actor& actor) = 0;

  // --- provisioning journal (resumable provisioning) ---
  // Records the markers in one transaction (one durable commit): all of them or none. A marker already
  // there is kept as it was.
  virtual Status journal_steps(const iso7816::Cuid& cuid, const std::vector<std::string>& steps,
                               const Actor& actor) = 0;
  Status journal_step(const iso7816::Cuid& cuid, std::string_view step, const Actor& actor) {
    return journal_steps(cuid, {std::string(step)}, actor);
  }
  virtual Result<std::vector<JournalStep>> journal(const iso7816::Cuid& cuid) = 0;

  // --- fleet report ---
  virtual Result<std::map<LifecycleStatus, int64_t>> count_by_status() = 0;
  // The rollout gaps counted over the store in one aggregate query (docs/provisioning.md, "Fleet report");
  // `now` is an ISO 8601 UTC time, for certificate expiry.
  virtual Result<FleetFigures> fleet_figures(std::string_view now) = 0;

  // --- audit ---
  // Checks the whole chain, the head, and every record and vault row against its MAC and the trail.
  virtual Result<AuditReport> verify_audit() = 0;
  // The newest `limit` entries about `subject` (all subjects if empty), oldest first.
  virtual Result<std::vector<AuditEntry>> audit_trail(std::string_view subject, size_t limit) = 0;

  // --- keys ---
  // Rewraps the data key under `new_key` and records its reference. Sealed values and the audit chain
  // are unchanged (they hang off the data key).
  virtual Status rotate_master_key(std::unique_ptr<MasterKey> new_key, const Actor& actor,
                                   std::string_view reason) = 0;
};

// Opens an initialised store: applies pending migrations, unwraps the data key with the master key.
Result<std::unique_ptr<RecordStore>> open_store(const StoreOptions& options);

struct InitResult {
  std::unique_ptr<RecordStore> store;
  bool master_key_created = false;
};
// Creates the schema, the master key if it does not exist (key file 0600, or an AES key on the PKCS#11
// token) and the data key. kRefused if the store is already initialised.
Result<InitResult> init_store(const StoreOptions& options, const Actor& actor);

}  // namespace keydesk::store
