// The audit chain verifier on its own: a chain built here, damaged the ways a person with database access
// can damage it, and the finding it must name (kind and entry).
#include <gtest/gtest.h>

#include "store/audit.h"

namespace keydesk::store {
namespace {

class AuditChain : public ::testing::Test {
 protected:
  AuditChain() : keys_(SecureBytes(32, 5), 1, "store") {
    Bytes prev = audit_genesis_hash();
    for (int i = 1; i <= 10; ++i) {
      AuditEntry e;
      e.seq = i;
      e.at = "2026-01-01T00:00:0" + std::to_string(i % 10) + ".000Z";
      e.operator_name = "alice";
      e.action = i == 1 ? "token.create" : "token.status";
      e.subject = "0102030405060708090A";
      e.details = "{\"version\":" + std::to_string(i) + "}";
      e.reason = "TICKET-" + std::to_string(i);
      e.prev_hash = prev;
      e.hash = audit_entry_hash(e);
      e.mac = audit_entry_mac(keys_, e.hash);
      prev = e.hash;
      entries_.push_back(e);
    }
    head_ = AuditHead{10, prev, audit_head_mac(keys_, 10, prev)};
  }

  AuditReport verify(const std::vector<AuditEntry>& entries, std::optional<AuditHead> head) {
    AuditVerifier v(keys_);
    for (const auto& e : entries) v.add(e);
    return v.finish(head);
  }
  AuditReport verify() { return verify(entries_, head_); }

  KeyRing keys_;
  std::vector<AuditEntry> entries_;
  AuditHead head_;
};

TEST_F(AuditChain, IntactChainVerifiesAndReportsItsHead) {
  const AuditReport r = verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.entries, 10);
  EXPECT_EQ(r.head_seq, 10);
  EXPECT_EQ(r.head_hash, to_hex(head_.hash));
}

TEST_F(AuditChain, ChangedContentIsNamedAtItsEntry) {
  entries_[3].reason = "TICKET-999";  // seq 4, hash left as it was
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kChanged);
  EXPECT_EQ(r.findings[0].seq, 4);
}

TEST_F(AuditChain, ChangedContentWithRecomputedHashFailsItsMac) {
  entries_[3].operator_name = "mallory";
  entries_[3].hash =
      audit_entry_hash(entries_[3]);  // anyone can compute SHA-256; nobody else has the MAC key
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u) << r.findings.back().detail;
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kChanged);
  EXPECT_EQ(r.findings[0].seq, 4);
  EXPECT_NE(r.findings[0].detail.find("MAC"), std::string::npos);
}

TEST_F(AuditChain, DeletedEntryIsNamed) {
  entries_.erase(entries_.begin() + 4);  // seq 5
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kDeleted);
  EXPECT_EQ(r.findings[0].seq, 5);
}

TEST_F(AuditChain, DeletedAndRenumberedIsStillDeleted) {
  entries_.erase(entries_.begin() + 4);
  for (size_t i = 4; i < entries_.size(); ++i) entries_[i].seq -= 1;
  AuditReport r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kDeleted);
  EXPECT_EQ(r.findings[0].seq, 5);
}

TEST_F(AuditChain, ForgedEntryInsertedWithRenumberingIsNamed) {
  AuditEntry forged = entries_[4];
  forged.reason = "forged";
  forged.prev_hash = entries_[3].hash;
  forged.hash = audit_entry_hash(forged);
  entries_.insert(entries_.begin() + 4, forged);
  for (size_t i = 5; i < entries_.size(); ++i) entries_[i].seq += 1;
  AuditReport r = verify(entries_, head_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kInserted);
  EXPECT_EQ(r.findings[0].seq, 5);
}

TEST_F(AuditChain, ForgedEntryAppendedAfterTheHeadIsInserted) {
  AuditEntry forged = entries_.back();
  forged.seq = 11;
  forged.prev_hash = entries_.back().hash;
  forged.hash = audit_entry_hash(forged);
  entries_.push_back(forged);
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u) << r.findings.back().detail;
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kInserted);
  EXPECT_EQ(r.findings[0].seq, 11);
}

TEST_F(AuditChain, CopiedGenuineEntryIsInserted) {
  AuditEntry copy = entries_[2];
  copy.seq = 11;
  entries_.push_back(copy);
  AuditReport r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kInserted);
  EXPECT_EQ(r.findings[0].seq, 11);
}

TEST_F(AuditChain, TruncatedTailIsNamed) {
  entries_.resize(7);
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kTruncated);
  EXPECT_EQ(r.findings[0].seq, 8);
}

TEST_F(AuditChain, TruncatedTailWithRewrittenHeadFailsTheHeadMac) {
  entries_.resize(7);
  head_.seq = 7;
  head_.hash = entries_.back().hash;  // the MAC cannot be recomputed without the key
  AuditReport r = verify();
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kHeadInvalid);
}

TEST_F(AuditChain, OldHeadPutBackIsNamed) {
  AuditHead old{7, entries_[6].hash, audit_head_mac(keys_, 7, entries_[6].hash)};
  AuditReport r = verify(entries_, old);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kHeadInvalid);
}

TEST_F(AuditChain, MissingHeadIsNamed) {
  AuditReport r = verify(entries_, std::nullopt);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, AuditDamage::kHeadInvalid);
}

TEST_F(AuditChain, SwappedRowsAreNamed) {
  std::swap(entries_[3], entries_[4]);
  std::swap(entries_[3].seq, entries_[4].seq);
  AuditReport r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.findings[0].kind == AuditDamage::kDeleted || r.findings[0].kind == AuditDamage::kReordered);
  EXPECT_EQ(r.findings[0].seq, 4);
}

TEST_F(AuditChain, AnotherStoresKeyVerifiesNothing) {
  const KeyRing other(SecureBytes(32, 6), 1, "store");
  AuditVerifier v(other);
  for (const auto& e : entries_) v.add(e);
  AuditReport r = v.finish(head_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.findings[0].seq, 1);
}

TEST_F(AuditChain, TracksAuditedVersionsAndCreatedSubjects) {
  AuditVerifier v(keys_);
  for (const auto& e : entries_) v.add(e);
  (void)v.finish(head_);
  EXPECT_EQ(v.audited_versions().at("0102030405060708090A"), 10);
  EXPECT_EQ(v.created_subjects().count("0102030405060708090A"), 1u);
}

}  // namespace
}  // namespace keydesk::store
