#include "store/audit.h"

#include <nlohmann/json.hpp>

#include "crypto/digest.h"

namespace keydesk::store {

const char* audit_damage_name(AuditDamage d) {
  switch (d) {
    case AuditDamage::kChanged:
      return "changed";
    case AuditDamage::kInserted:
      return "inserted";
    case AuditDamage::kDeleted:
      return "deleted";
    case AuditDamage::kReordered:
      return "reordered";
    case AuditDamage::kTruncated:
      return "truncated";
    case AuditDamage::kHeadInvalid:
      return "head-invalid";
    case AuditDamage::kRecordChanged:
      return "record-changed";
    case AuditDamage::kRecordRolledBack:
      return "record-rolled-back";
    case AuditDamage::kRecordDeleted:
      return "record-deleted";
    case AuditDamage::kRecordUnaudited:
      return "record-unaudited";
  }
  return "unknown";
}

Bytes audit_entry_hash(const AuditEntry& e) {
  Bytes in = bytes_of("keydesk-audit-v1");
  for (const std::string* f : {&e.at, &e.operator_name, &e.action, &e.subject, &e.details, &e.reason})
    append_field(in, *f);
  append(in, e.prev_hash);
  return crypto::hash(crypto::HashAlg::kSha256, in);
}

Bytes audit_entry_mac(const KeyRing& keys, ByteView hash) {
  Bytes in = bytes_of("entry");
  append(in, hash);
  return keys.audit_mac(in);
}

Bytes audit_head_mac(const KeyRing& keys, int64_t seq, ByteView hash) {
  Bytes in = bytes_of("head");
  append_be64(in, static_cast<uint64_t>(seq));
  append(in, hash);
  return keys.audit_mac(in);
}

void AuditVerifier::note(AuditDamage kind, int64_t seq, std::string detail, std::string subject) {
  report_.findings.push_back({kind, seq, std::move(subject), std::move(detail)});
}

void AuditVerifier::add(AuditEntry entry) {
  ++report_.entries;
  // Which version each record was left at, from every entry: a damaged entry is reported on its own and
  // must not also make its record look rolled back.
  auto details = nlohmann::json::parse(entry.details, nullptr, false);
  if (details.is_object()) {
    auto v = details.find("version");
    if (v != details.end() && v->is_number_integer()) versions_[entry.subject] = v->get<int64_t>();
  }
  if (entry.action == "token.create" || entry.action == "vault.put") created_.insert(entry.subject);
  if (pending_) check(*pending_, &entry, nullptr);
  pending_ = std::move(entry);
}

void AuditVerifier::accept(const AuditEntry& e) {
  last_hash_ = e.hash;
  last_seq_ = e.seq;
  seen_.insert(e.hash);
  relaxed_ = false;
}

void AuditVerifier::check(const AuditEntry& e, const AuditEntry* next, const AuditHead* head) {
  const std::string at = "seq " + std::to_string(e.seq);
  const bool content_ok = audit_entry_hash(e) == e.hash;
  const bool mac_ok = equal_ct(audit_entry_mac(keys_, e.hash), e.mac);
  if (!content_ok || !mac_ok) {
    // A forged row leaves the chain intact around it: the next entry links past it, to the entry before
    // it (a genuine entry never links to its own predecessor's predecessor). A changed row sits in the
    // chain: the next entry links to it, or to what its hash was before someone recomputed it.
    if ((next && next->prev_hash == last_hash_) || (!next && head && e.seq > head->seq)) {
      note(AuditDamage::kInserted, e.seq,
           at + " was not written by keydesk (no valid MAC" +
               std::string(next ? ", the chain skips it)" : ", after the head)"));
      last_seq_ = e.seq;  // later rows may have been renumbered around it; that is this same damage
      return;
    }
    note(AuditDamage::kChanged, e.seq,
         at + " (" + e.action + ", " + e.subject + "): " +
             (content_ok ? "hash recomputed without the audit key (MAC fails)"
                         : "content does not match its hash"));
    last_hash_ = next ? next->prev_hash : e.hash;  // resynchronise on what the next entry links to
    last_seq_ = e.seq;
    relaxed_ = true;
    return;
  }
  if (!relaxed_ && e.prev_hash != last_hash_) {
    if (seen_.count(e.hash)) {
      note(AuditDamage::kInserted, e.seq, at + " is a copy of an earlier entry");
      return;
    }
    if (seen_.count(e.prev_hash)) {
      note(AuditDamage::kReordered, e.seq, at + " is out of its place in the chain");
    } else if (e.seq > last_seq_ + 1) {
      note(
          AuditDamage::kDeleted, last_seq_ + 1,
          "entries seq " + std::to_string(last_seq_ + 1) + ".." + std::to_string(e.seq - 1) + " are missing");
    } else {
      note(AuditDamage::kDeleted, e.seq,
           "one or more entries before " + at + " are missing (rows renumbered)");
    }
  } else if (!relaxed_ && e.seq != last_seq_ + 1) {
    note(AuditDamage::kReordered, e.seq,
         at + " follows seq " + std::to_string(last_seq_) + ": rows were renumbered");
  }
  accept(e);
}

AuditReport AuditVerifier::finish(const std::optional<AuditHead>& head) {
  const bool head_mac_ok = head && equal_ct(audit_head_mac(keys_, head->seq, head->hash), head->mac);
  if (pending_) {
    check(*pending_, nullptr, head_mac_ok ? &*head : nullptr);
    pending_.reset();
  }
  if (!head) {
    if (report_.entries > 0) note(AuditDamage::kHeadInvalid, 0, "the audit head is missing");
    return report_;
  }
  report_.head_seq = head->seq;
  report_.head_hash = to_hex(head->hash);
  if (!head_mac_ok) {
    note(AuditDamage::kHeadInvalid, head->seq,
         "the audit head's MAC does not verify (head changed outside keydesk)");
    return report_;
  }
  if (head->hash == last_hash_ && head->seq == last_seq_) return report_;
  if (head->seq == 0 && report_.entries == 0) return report_;
  if (seen_.count(head->hash) && head->hash != last_hash_) {
    note(AuditDamage::kHeadInvalid, head->seq,
         "the head names seq " + std::to_string(head->seq) + " but the chain continues to seq " +
             std::to_string(last_seq_) + " (an old head put back?)");
  } else if (head->seq > last_seq_) {
    note(AuditDamage::kTruncated, last_seq_ + 1,
         "entries seq " + std::to_string(last_seq_ + 1) + ".." + std::to_string(head->seq) +
             " are missing from the end of the trail");
  } else if (head->hash != last_hash_) {
    note(AuditDamage::kTruncated, head->seq, "the last entry is not the one the head names");
  }
  return report_;
}

}  // namespace keydesk::store
