// The protocol tables against the simulated token: every instruction a table calls a read (and every CTAP
// request protocol/ctap.h calls read-only) is run against keydesk-sim's card, seeded from every profile,
// with its P1/P2 and data varied, and the card's durable state must not move: the state document is
// byte-for-byte the same and nothing was written. The read-only guard admits only these rows, so this is
// what makes "a read-only path cannot change a counter or data" true of the card, not just of the tables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "card/card.h"
#include "card/profile.h"
#include "protocol/applets.h"
#include "protocol/ctap.h"
#include "protocol/interindustry.h"
#include "protocol/sc_hsm.h"
#include "token/standard_token.h"

namespace keydesk {
namespace {

using protocol::Instruction;

Bytes hex(const char* h) {
  return *from_hex(h);
}

// Values for a P1 or P2 the row leaves open: the references and slots the applets know, and the edges.
const uint8_t kOpenByteValues[] = {0x00, 0x80, 0x81, 0x9B, 0xFF};

// Data for rows that take some: stated here, per applet and instruction, so that a new row with data
// fails below until it gets its payloads.
std::vector<Bytes> payloads(protocol::AppletId applet, const Instruction& row) {
  std::vector<Bytes> out;
  if (row.data != protocol::DataRule::kPresent) out.push_back({});
  if (row.data == protocol::DataRule::kAbsent) return out;
  if (row.ins == protocol::interindustry::kInsSelect) {
    for (const auto& a : protocol::applets()) out.emplace_back(a.aid.begin(), a.aid.end());
    return out;
  }
  if (applet == protocol::AppletId::kPiv && row.ins == 0xCB) {
    // Discovery, CHUID, the 9A certificate, printed information (PIN-protected), an unknown object.
    for (const char* tag_list : {"5C017E", "5C035FC102", "5C035FC105", "5C035FC109", "5C035FFFFF", "5C00"})
      out.push_back(hex(tag_list));
    return out;
  }
  if (applet == protocol::AppletId::kScHsm && row.ins == protocol::sc_hsm::kInsReadBinary) {
    // The offset object at the start, further in, past the end; a truncated one; another object.
    for (const char* offset : {"54020000", "54020010", "5402FFFF", "5401", "5C00"})
      out.push_back(hex(offset));
    return out;
  }
  if (row.carries == protocol::Carries::kCtap2Request) {
    for (const auto& request : protocol::ctap::kRequests) {
      if (!protocol::ctap::is_read_only(request)) continue;
      Bytes r{static_cast<uint8_t>(request.command)};
      if (request.subcommand >= 0) {
        append(r, hex("A2010102"));  // {1: 1 (PIN protocol one), 2: subCommand}
        r.push_back(static_cast<uint8_t>(request.subcommand));
      }
      out.push_back(std::move(r));
    }
    return out;
  }
  ADD_FAILURE() << "no payloads stated for the read " << row.name;
  return out;
}

std::vector<uint8_t> values(const protocol::ByteRule& rule) {
  if (!rule.any) return {rule.value};
  return {std::begin(kOpenByteValues), std::end(kOpenByteValues)};
}

Bytes encode(const Instruction& row, uint8_t p1, uint8_t p2, const Bytes& data) {
  return iso7816::CommandApdu::make(row.cla, row.ins, p1, p2, data, 256).encode();
}

struct Token {
  explicit Token(const std::string& profile, const std::filesystem::path& state) : card(state.string()) {
    auto doc = card::load_profile(profile, {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok()) << describe(doc.error());
    token::install_standard_applets(card, *doc);
    const Status loaded = card.load(*doc);
    EXPECT_TRUE(loaded.ok()) << describe(loaded.error());
  }
  card::Card card;
};

TEST(ReadOnlyRows, EveryReadTheTablesNameLeavesEveryProfilesTokenUnchanged) {
  const auto dir = std::filesystem::temp_directory_path() / ("kd-reads-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  size_t exchanges = 0, rows = 0;
  for (const std::string& profile : card::list_profiles({KEYDESK_PROFILE_SOURCE_DIR})) {
    Token t(profile, dir / (profile + ".json"));
    const std::string before = t.card.save().dump();
    const uint64_t writes = t.card.persist_count();
    auto unchanged = [&](const std::string& what) {
      ASSERT_EQ(t.card.save().dump(), before) << profile << ": " << what << " changed the token's state";
      ASSERT_EQ(t.card.persist_count(), writes) << profile << ": " << what << " wrote the state file";
      ASSERT_EQ(t.card.fault_count(), 0u) << profile << ": " << what;
    };
    for (const auto& applet : protocol::applets()) {
      const Bytes select =
          encode(protocol::interindustry::kInstructions[0], protocol::interindustry::kSelectByAid, 0x00,
                 Bytes(applet.aid.begin(), applet.aid.end()));
      std::vector<const Instruction*> reads;
      for (const Instruction& row : protocol::interindustry::kInstructions) reads.push_back(&row);
      for (const Instruction& row : applet.instructions)
        if (row.effect == protocol::InstructionEffect::kReads &&
            row.carries != protocol::Carries::kCtap1Message)
          reads.push_back(&row);
      for (const Instruction* row : reads) {
        ++rows;
        for (const Bytes& data : payloads(applet.id, *row))
          for (uint8_t p1 : values(row->p1))
            for (uint8_t p2 : values(row->p2)) {
              const Bytes command = encode(*row, p1, p2, data);
              const std::string what =
                  std::string(applet.name) + " " + std::string(row->name) + " " + to_hex(command, true);
              t.card.transmit(select);
              const Bytes response = t.card.transmit(command);
              ++exchanges;
              unchanged(what);
              // A long answer is collected, as a host would, with reads only.
              if (response.size() >= 2 && response[response.size() - 2] == 0x61) {
                t.card.transmit(hex("00C0000000"));
                unchanged(what + " + GET RESPONSE");
              }
            }
      }
    }
  }
  EXPECT_GT(rows, 30u);
  EXPECT_GT(exchanges, 1000u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keydesk
