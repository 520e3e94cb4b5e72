// The audit trail's chain (docs/store.md, "Audit chain"): append-only entries, each committing to the one
// before it, each MACed, and a MACed head naming the last entry. The store appends and verifies; this file
// holds the encoding and the verifier, which need no database.
//
//   hash  = SHA-256("keydesk-audit-v1" || L(at) || L(operator) || L(action) || L(subject) || L(details) ||
//                   L(reason) || prev_hash)      L(x) = 4-byte big-endian length || x; prev_hash of the
//                                                first entry is 32 zero bytes
//   mac   = HMAC-SHA-256(audit key, "entry" || hash)
//   head  = (seq, hash of the last entry), head mac = HMAC-SHA-256(audit key, "head" || seq (8, BE) || hash)
//
// seq is the row's position, not part of the hash: order is what the prev_hash links say, so a renumbered
// or reordered row shows as a broken link, not as a changed entry.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "store/sealing.h"

namespace keydesk::store {

struct AuditEntry {
  int64_t seq = 0;
  std::string at;             // ISO 8601 UTC
  std::string operator_name;  // who
  std::string action;         // "token.status", "secret.read", ...
  std::string subject;        // CUID, "vault/NAME" or "store"
  std::string details;        // JSON object; never a secret
  std::string reason;         // ticket id or free text; required for status changes and secret reads
  Bytes prev_hash;
  Bytes hash;
  Bytes mac;
};

struct AuditHead {
  int64_t seq = 0;
  Bytes hash;
  Bytes mac;
};

Bytes audit_entry_hash(const AuditEntry& entry);  // over the fields and entry.prev_hash
Bytes audit_entry_mac(const KeyRing& keys, ByteView hash);
Bytes audit_head_mac(const KeyRing& keys, int64_t seq, ByteView hash);
inline Bytes audit_genesis_hash() {
  return Bytes(32, 0);
}

enum class AuditDamage {
  kChanged,           // an entry's content differs from what was hashed and MACed
  kInserted,          // an entry keydesk did not write (no valid MAC, or a copy of another entry)
  kDeleted,           // entries are missing from the middle of the chain
  kReordered,         // an entry is out of its place in the chain, or rows were renumbered
  kTruncated,         // entries at the end are missing (the head names a later entry)
  kHeadInvalid,       // the head's MAC does not verify, the head is missing, or it names an earlier entry
  kRecordChanged,     // a token record or vault row differs from what keydesk wrote (its MAC fails)
  kRecordRolledBack,  // a row carries an older version than the audit trail's last entry for it
  kRecordDeleted,     // the audit trail has a record that the store no longer holds
  kRecordUnaudited,   // the store holds a record the audit trail never saw created
};
const char* audit_damage_name(AuditDamage d);  // "changed", "inserted", ...

struct AuditFinding {
  AuditDamage kind;
  int64_t seq = 0;      // the first entry concerned (0: not about one entry)
  std::string subject;  // the record concerned, if any
  std::string detail;   // one line, no secrets
};

struct AuditReport {
  int64_t entries = 0;  // rows read
  int64_t head_seq = 0;
  std::string head_hash;  // hex; an operator may note it elsewhere to detect a later rollback of the head
  std::vector<AuditFinding> findings;  // in chain order; the first is the first damage
  bool ok() const { return findings.empty(); }
};

// Feed entries in seq order, then finish() with the stored head.
class AuditVerifier {
 public:
  explicit AuditVerifier(const KeyRing& keys) : keys_(keys) {}
  void add(AuditEntry entry);
  AuditReport finish(const std::optional<AuditHead>& head);
  // The last version each subject's entries recorded (details "version"), for the record cross-check.
  const std::map<std::string, int64_t>& audited_versions() const { return versions_; }
  const std::set<std::string>& created_subjects() const { return created_; }

 private:
  void check(const AuditEntry& e, const AuditEntry* next, const AuditHead* head);
  void accept(const AuditEntry& e);
  void note(AuditDamage kind, int64_t seq, std::string detail, std::string subject = {});

  const KeyRing& keys_;
  std::optional<AuditEntry> pending_;
  Bytes last_hash_ = audit_genesis_hash();
  int64_t last_seq_ = 0;
  bool relaxed_ = false;  // the previous entry was damaged: do not report the next link twice
  std::set<Bytes> seen_;
  std::map<std::string, int64_t> versions_;
  std::set<std::string> created_;
  AuditReport report_;
};

}  // namespace keydesk::store
