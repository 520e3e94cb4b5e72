// Provisioning of the simulated token (the real card code, in process) with the real record store on SQLite
// and on a throwaway PostgreSQL: full runs on the factory and yubikey5 profiles, an interruption at every
// APDU (the command lost before the card, or the card's answer lost after it acted) and at every journal
// marker (keydesk "killed" right after it), each followed by a resume or a rollback. After every
// interruption and after every resume the invariant of "record before set" is checked on the card's own
// state: every secret the token holds is the factory default or the value the store gives back.
#include "provision/executor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "card/card.h"
#include "card/profile.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "host/aca/aca_session.h"
#include "host/piv/piv_session.h"
#include "iso7816/cplc.h"
#include "postgres_cluster.h"
#include "provision/derivation.h"
#include "provision/material.h"
#include "pskc/pskc.h"
#include "test_dir.h"
#include "token/standard_token.h"
#include "testing/loopback_transport.h"

namespace keydesk::provision {
namespace {

using nlohmann::json;
using store::TestDir;
using store::testing::PostgresCluster;

// --- the token ----------------------------------------------------------------------------------------

// Forwards to the card until `budget` commands went through, then the token is "pulled": the next command is
// either lost before the card (kBefore) or reaches it and its answer is lost (kAfter).
class CuttingTransport final : public transport::ApduTransport {
 public:
  enum class Cut { kBefore, kAfter };
  CuttingTransport(card::Card& card, long budget, Cut cut) : inner_(card), budget_(budget), cut_(cut) {}
  Result<Bytes> transmit(ByteView command) override {
    if (budget_ >= 0 && sent_ >= budget_) {
      if (cut_ == Cut::kAfter && !cut_done_) (void)inner_.transmit(command);
      cut_done_ = true;
      return Error::make(ErrorKind::kTokenRemoved, "test: token pulled");
    }
    ++sent_;
    return inner_.transmit(command);
  }
  Bytes atr() const override { return inner_.atr(); }
  std::string name() const override { return "test reader"; }
  long sent() const { return sent_; }
  bool cut() const { return cut_done_; }

 private:
  testing::LoopbackTransport inner_;
  long budget_;
  Cut cut_;
  long sent_ = 0;
  bool cut_done_ = false;
};

class SimLink final : public TokenLink {
 public:
  SimLink(card::Card& card, long budget = -1, CuttingTransport::Cut cut = CuttingTransport::Cut::kBefore)
      : transport_(card, budget, cut), connection_(transport_) {}
  Result<host::ApduConnection*> card() override { return &connection_; }
  Result<host::fido::FidoSession*> fido() override {
    fido_.reset();  // NFCCTAP selects the FIDO applet when it opens; other applets were selected since
    KD_ASSIGN_OR_RETURN(fido_, host::fido::FidoSession::open_pcsc(transport_));
    return fido_.get();
  }
  std::string where() const override { return "test reader"; }
  const CuttingTransport& transport() const { return transport_; }

 private:
  CuttingTransport transport_;
  host::ApduConnection connection_;
  std::unique_ptr<host::fido::FidoSession> fido_;
};

std::unique_ptr<card::Card> make_card(const std::string& profile) {
  auto doc = card::load_profile(profile, {KEYDESK_PROFILE_SOURCE_DIR});
  EXPECT_TRUE(doc.ok());
  auto c = std::make_unique<card::Card>();
  token::install_standard_applets(*c, *doc);
  EXPECT_TRUE(c->load(*doc).ok());
  return c;
}

// --- policies -----------------------------------------------------------------------------------------

const char* kFactoryPolicy = R"({
  "format": "keydesk-provisioning-policy/1", "name": "test-factory",
  "puk": {"strategy": "derived", "derivation_master": {"vault": "puk-master"}, "max_tries": 4},
  "pin": {"method": "random-delivered", "length": 8, "max_tries": 5},
  "admin_key": {"algorithm": "aes128", "master": {"vault": "xauth-master"}, "max_tries": 4},
  "piv_management_key": {"algorithm": "aes192"},
  "oath": {"generate": [{"name": "corp:{user}", "type": "totp"}, {"name": "vpn", "type": "hotp", "counter": 5}]},
  "fido": {"scope": "pin-rule", "rule": "pin-8", "min_pin_length": 8, "set_pin": true}
})";

const char* kYubikeyPolicy = R"({
  "format": "keydesk-provisioning-policy/1", "name": "test-yubikey",
  "puk": {"strategy": "batch-shared", "batch": "b7", "max_tries": 4},
  "pin": {"method": "default-force-change", "max_tries": 5},
  "piv_management_key": {"algorithm": "tdes"},
  "oath": {"generate": [{"name": "corp:{user}", "type": "totp", "hash": "sha256", "digits": 8},
                        {"name": "vpn", "type": "hotp"}]},
  "fido": {"scope": "pin-rule", "rule": "pin-6", "min_pin_length": 6, "set_pin": true, "pin_length": 6}
})";

Policy policy(const char* text) {
  auto p = parse_policy(text);
  EXPECT_TRUE(p.ok()) << describe(p.error());
  return *p;
}

// --- backends -----------------------------------------------------------------------------------------

// SQLite on tmpfs when there is one: the tests need SQLite's locking and transactions, not the disk's
// durable commits (several hundred runs of about 30 commits each); the throwaway PostgreSQL runs with
// fsync off for the same reason.
class ShmDir {
 public:
  ShmDir() {
    std::string templ = "/dev/shm/kdprov.XXXXXX";
    if (std::filesystem::is_directory("/dev/shm") && ::mkdtemp(templ.data())) path_ = templ;
  }
  ~ShmDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct SqliteBackend {
  static constexpr const char* kName = "SQLite";
  static std::string new_url(const TestDir& dir) {
    static ShmDir shm;
    static int n = 0;
    if (shm.path().empty()) return "sqlite:" + dir.path() + "/store.db";
    return "sqlite:" + shm.path() + "/store" + std::to_string(++n) + ".db";
  }
};
struct PostgresBackend {
  static constexpr const char* kName = "PostgreSQL";
  static std::string new_url(const TestDir&) { return PostgresCluster::instance().new_schema_url(); }
};
struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

struct Killed {
  std::string marker;
};

template <typename B>
class Provisioning : public ::testing::Test {
 public:
  void SetUp() override {
    auto r = store::init_store({B::new_url(dir_), "file:" + dir_.path() + "/master.key"}, actor_);
    ASSERT_TRUE(r.ok()) << describe(r.error());
    store_ = std::move(r->store);
    Bytes puk_master(32), xauth_master(32);
    for (size_t i = 0; i < 32; ++i)
      puk_master[i] = static_cast<uint8_t>(i), xauth_master[i] = static_cast<uint8_t>(0xA0 + i);
    ASSERT_TRUE(store_->vault_put("puk-master", puk_master, actor_, "test setup").ok());
    ASSERT_TRUE(store_->vault_put("xauth-master", xauth_master, actor_, "test setup").ok());
  }

  ProvisionOptions options(Mode mode, std::function<void(const std::string&)> hook = {}) {
    ProvisionOptions o;
    o.mode = mode;
    o.user = {"alice", "E-1", "alice@example.com"};
    o.actor = actor_;
    o.after_marker = std::move(hook);
    return o;
  }

  Result<ProvisionReport> run(card::Card& card, const Policy& p, Mode mode, long budget = -1,
                              CuttingTransport::Cut cut = CuttingTransport::Cut::kBefore) {
    SimLink link(card, budget, cut);
    auto r = provision_token(link, *store_, p, options(mode));
    last_apdus_ = link.transport().sent();
    return r;
  }

  iso7816::Cuid cuid_of(card::Card& card) {
    const auto raw = from_hex(card.save()["card"]["cplc"].get<std::string>());
    return iso7816::parse_cplc(*raw)->cuid();
  }

  std::optional<std::string> secret(const iso7816::Cuid& cuid, const store::SecretField& f) {
    auto s = store_->read_secret(cuid, f, actor_, "test: compare with the token");
    if (!s.ok()) return std::nullopt;
    return std::string(s->begin(), s->end());
  }

  // Every secret the card holds is its factory value or what the store gives back for this CUID.
  void expect_recoverable(card::Card& card, const iso7816::Cuid& cuid, const std::string& where) {
    const json state = card.save();
    auto text_of_hex = [](const std::string& hex) {
      auto b = from_hex(hex);
      return b ? std::string(b->begin(), b->end()) : std::string("?");
    };
    const std::string pin = text_of_hex(state["security"]["pin"]["value"]);
    if (pin != kDefaultTransportPin) {
      EXPECT_EQ(secret(cuid, store::SecretField::initial_pin()), pin) << where << ": PIN";
    }
    if (state["security"]["puk"]["initialized"].get<bool>()) {
      const std::string puk = text_of_hex(state["security"]["puk"]["value"]);
      if (puk != kDefaultPuk) {
        EXPECT_EQ(secret(cuid, store::SecretField::puk()), puk) << where << ": PUK";
      }
    }
    const json& applets = state["applets"];
    const bool aca = applets.contains("aca");
    if (aca && applets["aca"]["xauth"]["initialized"].get<bool>()) {
      EXPECT_EQ(secret(cuid, store::SecretField::admin_key()), text_of_hex(applets["aca"]["xauth"]["key"]))
          << where << ": XAUTH key";
    }
    const std::string mgmt = text_of_hex(applets["piv"]["management_key"]["key"]);
    if (mgmt != std::string(default_management_key().begin(), default_management_key().end())) {
      EXPECT_EQ(
          secret(cuid, aca ? store::SecretField::piv_management_key() : store::SecretField::admin_key()),
          mgmt)
          << where << ": management key";
    }
    for (const auto& c : applets["oath"]["credentials"]) {
      EXPECT_EQ(secret(cuid, store::SecretField::oath_seed(c["name"].get<std::string>())),
                text_of_hex(c["secret"]))
          << where << ": OATH seed of " << c["name"];
    }
    const json& fido_pin = applets["fido"]["pin"];
    if (fido_pin.contains("hash")) {
      auto recorded = secret(cuid, store::SecretField::fido_pin());
      ASSERT_TRUE(recorded) << where << ": a FIDO PIN is set and none is on record";
      const Bytes h = crypto::hash(crypto::HashAlg::kSha256, bytes_of(*recorded));
      EXPECT_EQ(fido_pin["hash"].get<std::string>(), to_hex(ByteView(h).first(16))) << where << ": FIDO PIN";
    }
  }

  // The token holds exactly what the record says, and the record is confirmed and active.
  void expect_provisioned(card::Card& card, const iso7816::Cuid& cuid, const std::string& where) {
    auto r = store_->get_record(cuid);
    ASSERT_TRUE(r.ok()) << where << ": " << describe(r.error());
    EXPECT_EQ(r->provisioning, store::ProvisioningState::kConfirmed) << where;
    EXPECT_EQ(r->status, store::LifecycleStatus::kActive) << where;
    expect_recoverable(card, cuid, where);
    const json state = card.save();
    EXPECT_NE(state["applets"]["piv"]["management_key"]["default"], true)
        << where << ": management key left default";
    EXPECT_EQ(state["applets"]["oath"]["credentials"].size(), r->oath.size()) << where;
    auto audit = store_->verify_audit();
    ASSERT_TRUE(audit.ok());
    EXPECT_TRUE(audit->ok()) << where;
  }

  TestDir dir_;
  store::Actor actor_{"operator"};
  std::unique_ptr<store::RecordStore> store_;
  long last_apdus_ = 0;
};

TYPED_TEST_SUITE(Provisioning, Backends, BackendNames);

TYPED_TEST(Provisioning, FactoryTokenEverythingSetRecordedAndReadBack) {
  auto card = make_card("factory");
  const Policy p = policy(kFactoryPolicy);
  auto r = this->run(*card, p, Mode::kFresh);
  ASSERT_TRUE(r.ok()) << describe(r.error());
  const auto cuid = r->cuid;
  EXPECT_EQ(r->outcome, ProvisionReport::Outcome::kConfirmed);
  this->expect_provisioned(*card, cuid, "factory");
  const store::TokenRecord& rec = r->record;
  EXPECT_EQ(rec.pin_method, store::PinMethod::kRandomDelivered);
  EXPECT_EQ(rec.puk_method, store::PukMethod::kDerived);
  EXPECT_EQ(rec.admin_key_method, store::AdminKeyMethod::kDerived);
  EXPECT_EQ(rec.fido_policy, "pin-8");
  EXPECT_EQ(rec.user.name, "alice");
  // The derived values are recomputable from the vault's masters.
  Bytes puk_master(32), xauth_master(32);
  for (size_t i = 0; i < 32; ++i)
    puk_master[i] = static_cast<uint8_t>(i), xauth_master[i] = static_cast<uint8_t>(0xA0 + i);
  EXPECT_EQ(this->secret(cuid, store::SecretField::puk()),
            std::string(derive_puk(puk_master, cuid, 8)->view()));
  auto xauth = diversify_admin_key(xauth_master, cuid, crypto::BlockCipher::kAes128);
  EXPECT_EQ(rec.admin_key_check, *key_check_value(crypto::BlockCipher::kAes128, *xauth));
  const json state = card->save();
  EXPECT_EQ(state["security"]["pin"]["max"], 5);
  EXPECT_EQ(state["security"]["puk"]["max"], 4);
  EXPECT_EQ(state["applets"]["aca"]["xauth"]["max_tries"], 4);
  EXPECT_EQ(state["applets"]["piv"]["management_key"]["algorithm"], "AES192");
  // HOTP starts at the policy's counter on both sides.
  for (const auto& c : state["applets"]["oath"]["credentials"])
    if (c["name"] == "vpn") {
      EXPECT_EQ(c["counter"], 5);
    }
  EXPECT_EQ(rec.oath.size(), 2u);
  // A second run on the same token is refused: it is provisioned.
  auto again = this->run(*card, p, Mode::kFresh);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

TYPED_TEST(Provisioning, YubikeyHasNoForceChangeAndSaysSo) {
  auto card = make_card("yubikey5");
  const Policy p = policy(kYubikeyPolicy);
  auto r = this->run(*card, p, Mode::kFresh);
  ASSERT_TRUE(r.ok()) << describe(r.error());
  this->expect_provisioned(*card, r->cuid, "yubikey5");
  EXPECT_EQ(r->record.pin_method, store::PinMethod::kDefaultNoForceChange);
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes[0].find("no force-change"), std::string::npos);
  EXPECT_EQ(r->record.puk_method, store::PukMethod::kBatchShared);
  const json state = card->save();
  EXPECT_EQ(state["security"]["pin"]["value"], to_hex(bytes_of("123456")));  // kept, and on record
  EXPECT_EQ(this->secret(r->cuid, store::SecretField::initial_pin()), "123456");
  EXPECT_EQ(state["security"]["pin"]["max"], 5);
  EXPECT_EQ(state["security"]["puk"]["max"], 4);
  EXPECT_NE(state["security"]["puk"]["value"], to_hex(bytes_of("12345678")));
  // The batch PUK is sealed once in the vault; a second token of the batch gets the same one.
  auto second = make_card("yubikey5");
  auto r2 = this->run(*second, p, Mode::kFresh);
  ASSERT_TRUE(r2.ok()) << describe(r2.error());
  EXPECT_EQ(this->secret(r->cuid, store::SecretField::puk()),
            this->secret(r2->cuid, store::SecretField::puk()));
  auto vault = this->store_->vault_read("puk-batch/b7", this->actor_, "test");
  ASSERT_TRUE(vault.ok());
  EXPECT_EQ(std::string(vault->begin(), vault->end()), this->secret(r->cuid, store::SecretField::puk()));
}

TYPED_TEST(Provisioning, ANonFactoryTokenIsRefusedAndNothingIsRecorded) {
  auto card = make_card("yubikey5");
  // Someone changed the management key before provisioning.
  {
    testing::LoopbackTransport t(*card);
    host::ApduConnection c(t);
    host::piv::PivSession piv(c);
    ASSERT_TRUE(piv.select().ok());
    ASSERT_TRUE(piv.authenticate(crypto::BlockCipher::kTdes, default_management_key()).ok());
    Bytes data{0x03, 0x9B, 0x18};
    Bytes key = crypto::random_bytes(24);
    append(data, key);
    ASSERT_TRUE(c.send_ok(iso7816::CommandApdu::make(0x00, 0xFF, 0xFF, 0xFF, data), "set").ok());
  }
  const std::string before = card->save().dump();
  auto r = this->run(*card, policy(kYubikeyPolicy), Mode::kFresh);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(card->save().dump(), before);
  EXPECT_EQ(this->store_->get_record(this->cuid_of(*card)).error().kind, ErrorKind::kNotFound);
}

// Interrupts a fresh run after every number of APDUs the whole run takes, in both ways a token can be lost,
// then resumes. Every state in between keeps every secret on the token recoverable from the store.
template <typename Fixture>
void interrupt_at_every_apdu(Fixture& f, const char* profile, const char* policy_text, bool both_cuts) {
  const Policy p = policy(policy_text);
  long total = 0;
  {
    auto card = make_card(profile);
    auto r = f.run(*card, p, Mode::kFresh);
    ASSERT_TRUE(r.ok()) << describe(r.error());
    total = f.last_apdus_;
  }
  ASSERT_GT(total, 20);
  for (auto cut : {CuttingTransport::Cut::kBefore, CuttingTransport::Cut::kAfter}) {
    if (cut == CuttingTransport::Cut::kAfter && !both_cuts) break;
    for (long n = 0; n < total; ++n) {
      const std::string where = std::string(profile) +
                                (cut == CuttingTransport::Cut::kBefore ? " before" : " after") + " APDU " +
                                std::to_string(n);
      auto card = make_card(profile);
      const auto cuid = f.cuid_of(*card);
      auto r = f.run(*card, p, Mode::kFresh, n, cut);
      ASSERT_FALSE(r.ok()) << where << ": the run did not notice the token was pulled";
      EXPECT_EQ(r.error().kind, ErrorKind::kTokenRemoved) << where << ": " << describe(r.error());
      f.expect_recoverable(*card, cuid, where + " (interrupted)");
      auto record = f.store_->get_record(cuid);
      if (!record.ok()) {
        // Pulled before the record existed: nothing was recorded and nothing set.
        EXPECT_EQ(record.error().kind, ErrorKind::kNotFound) << where;
        auto fresh = f.run(*card, p, Mode::kFresh);
        ASSERT_TRUE(fresh.ok()) << where << ": " << describe(fresh.error());
      } else {
        EXPECT_EQ(record->provisioning, store::ProvisioningState::kPending) << where;
        auto resumed = f.run(*card, p, Mode::kResume);
        ASSERT_TRUE(resumed.ok()) << where << ": " << describe(resumed.error());
        EXPECT_TRUE(resumed->resumed);
      }
      f.expect_provisioned(*card, cuid, where + " (resumed)");
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TYPED_TEST(Provisioning, FactoryInterruptedAtEveryApduThenResumed) {
  interrupt_at_every_apdu(*this, "factory", kFactoryPolicy, std::is_same_v<TypeParam, SqliteBackend>);
}

TYPED_TEST(Provisioning, YubikeyInterruptedAtEveryApduThenResumed) {
  interrupt_at_every_apdu(*this, "yubikey5", kYubikeyPolicy, std::is_same_v<TypeParam, SqliteBackend>);
}

// keydesk "killed" right after each durable journal marker (and between a token step and its `done`), then
// resumed — or rolled back.
template <typename Fixture>
void kill_at_every_marker(Fixture& f, const char* profile, const char* policy_text, Mode after) {
  const Policy p = policy(policy_text);
  std::vector<std::string> markers;
  {
    auto card = make_card(profile);
    SimLink link(*card);
    auto r = provision_token(link, *f.store_, p, f.options(Mode::kFresh, [&](const std::string& m) {
      markers.push_back(m.substr(m.find('/') + 1));
    }));
    ASSERT_TRUE(r.ok()) << describe(r.error());
  }
  ASSERT_GT(markers.size(), 10u);
  for (const std::string& kill_at : markers) {
    const std::string where = std::string(profile) + " killed after " + kill_at;
    auto card = make_card(profile);
    const auto cuid = f.cuid_of(*card);
    {
      SimLink link(*card);
      try {
        auto r = provision_token(link, *f.store_, p, f.options(Mode::kFresh, [&](const std::string& m) {
          if (m.substr(m.find('/') + 1) == kill_at) throw Killed{m};
        }));
        ADD_FAILURE() << where << ": the run went past its kill point";
      } catch (const Killed&) {
      }
    }
    f.expect_recoverable(*card, cuid, where);
    if (kill_at == "confirm:done") {
      // The last marker: the run was complete. Nothing is pending, so nothing resumes or rolls back.
      f.expect_provisioned(*card, cuid, where);
      auto nothing = f.run(*card, p, after);
      ASSERT_FALSE(nothing.ok()) << where;
      EXPECT_EQ(nothing.error().kind, ErrorKind::kNotFound) << where;
      continue;
    }
    auto resumed = f.run(*card, p, after);
    ASSERT_TRUE(resumed.ok()) << where << ": " << describe(resumed.error());
    if (after == Mode::kResume) {
      f.expect_provisioned(*card, cuid, where + " (resumed)");
    } else {
      EXPECT_EQ(resumed->outcome, ProvisionReport::Outcome::kRolledBack) << where;
      f.expect_recoverable(*card, cuid, where + " (rolled back)");
      auto rec = f.store_->get_record(cuid);
      ASSERT_TRUE(rec.ok());
      EXPECT_EQ(rec->provisioning, store::ProvisioningState::kNone) << where;
      EXPECT_EQ(rec->status, store::LifecycleStatus::kInStock) << where;
      EXPECT_TRUE(rec->oath.empty()) << where;
      const json state = card->save();
      EXPECT_EQ(state["security"]["pin"]["value"], to_hex(bytes_of("123456"))) << where;
      EXPECT_EQ(state["applets"]["piv"]["management_key"]["key"], to_hex(default_management_key())) << where;
      EXPECT_TRUE(state["applets"]["oath"]["credentials"].empty()) << where;
      auto audit = f.store_->verify_audit();
      ASSERT_TRUE(audit.ok());
      EXPECT_TRUE(audit->ok()) << where;
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TYPED_TEST(Provisioning, FactoryKilledAtEveryMarkerThenResumed) {
  kill_at_every_marker(*this, "factory", kFactoryPolicy, Mode::kResume);
}
TYPED_TEST(Provisioning, YubikeyKilledAtEveryMarkerThenResumed) {
  kill_at_every_marker(*this, "yubikey5", kYubikeyPolicy, Mode::kResume);
}
TYPED_TEST(Provisioning, FactoryKilledAtEveryMarkerThenRolledBack) {
  kill_at_every_marker(*this, "factory", kFactoryPolicy, Mode::kRollback);
}
TYPED_TEST(Provisioning, YubikeyKilledAtEveryMarkerThenRolledBack) {
  kill_at_every_marker(*this, "yubikey5", kYubikeyPolicy, Mode::kRollback);
}

TYPED_TEST(Provisioning, ResumeNeedsTheSamePolicyAndAPendingRun) {
  auto card = make_card("yubikey5");
  const Policy p = policy(kYubikeyPolicy);
  auto cut = this->run(*card, p, Mode::kFresh, 30);
  ASSERT_FALSE(cut.ok());
  auto fresh = this->run(*card, p, Mode::kFresh);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().kind, ErrorKind::kConflict);
  EXPECT_NE(fresh.error().context.find("--resume"), std::string::npos);
  std::string other = kYubikeyPolicy;
  other.replace(other.find("test-yubikey"), 12, "test-yubikez");
  auto wrong = this->run(*card, policy(other.c_str()), Mode::kResume);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kUsage);
  auto ok = this->run(*card, p, Mode::kResume);
  ASSERT_TRUE(ok.ok()) << describe(ok.error());
  auto nothing = this->run(*card, p, Mode::kResume);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().kind, ErrorKind::kNotFound);
}

// --- PSKC import and export ---------------------------------------------------------------------------

TYPED_TEST(Provisioning, PskcSeedsGoOnTheTokenAndTheExportHasTheSame) {
  auto card = make_card("yubikey5");
  const std::string serial = std::to_string(card->save()["card"]["serial"].get<uint64_t>());
  pskc::Container c;
  c.id = "vendor-batch";
  for (int i = 0; i < 3; ++i) {
    pskc::OathKey k;
    k.id = "kp" + std::to_string(i);
    k.issuer = "Vendor";
    k.algorithm = i == 0 ? pskc::OtpAlgorithm::kTotp : pskc::OtpAlgorithm::kHotp;
    k.digits = 6;
    Bytes seed = crypto::random_bytes(20);
    k.secret = SecureBytes(seed.begin(), seed.end());
    if (i > 0) k.counter = 10 * i;
    k.device.serial_no = i == 2 ? "99999999" : serial;  // the third belongs to another token
    c.keys.push_back(std::move(k));
  }
  pskc::ExportProtection protection;
  protection.preshared_key = SecureBytes(16, 0x42);
  protection.key_name = "vendor";
  auto xml = pskc::write_pskc(c, protection);
  ASSERT_TRUE(xml.ok());
  const std::string file = this->dir_.path() + "/vendor.pskc";
  std::ofstream(file) << *xml;
  const std::string psk_file = this->dir_.path() + "/psk.hex";
  std::ofstream(psk_file) << to_hex(Bytes(16, 0x43)) << "\n";  // the wrong key first
  ::setenv("KD_TEST_EXPORT_PASSPHRASE", "correct horse", 1);
  std::string text = std::string(R"({
    "format": "keydesk-provisioning-policy/1", "name": "pskc",
    "puk": {"strategy": "random-per-token"}, "pin": {"method": "random-delivered"},
    "piv_management_key": {"algorithm": "aes192"},
    "oath": {"import": {"file": ")") +
                     file + R"(", "preshared_key": {"file": ")" + psk_file + R"("}},
             "export": {"directory": ")" +
                     this->dir_.path() + R"(", "passphrase": {"env": "KD_TEST_EXPORT_PASSPHRASE"},
                        "key_name": "validation", "pbkdf2_iterations": 1000}},
    "fido": {"scope": "out-of-scope"}})";
  const Policy p = policy(text.c_str());
  const std::string before = card->save().dump();
  auto refused = this->run(*card, p, Mode::kFresh);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(pskc::is(refused.error(), pskc::Code::kWrongKeyOrDamaged)) << describe(refused.error());
  EXPECT_NE(describe(refused.error()).find("nothing was imported"), std::string::npos);
  EXPECT_EQ(card->save().dump(), before);
  EXPECT_EQ(this->store_->get_record(this->cuid_of(*card)).error().kind, ErrorKind::kNotFound);

  std::ofstream(psk_file) << to_hex(Bytes(16, 0x42)) << "\n";
  auto r = this->run(*card, p, Mode::kFresh);
  ASSERT_TRUE(r.ok()) << describe(r.error());
  this->expect_provisioned(*card, r->cuid, "pskc");
  ASSERT_EQ(r->record.oath.size(), 2u);
  const json state = card->save();
  ASSERT_EQ(state["applets"]["oath"]["credentials"].size(), 2u);
  for (const auto& cred : state["applets"]["oath"]["credentials"]) {
    const std::string name = cred["name"];
    const auto& key = name == "Vendor:kp0" ? c.keys[0] : c.keys[1];
    EXPECT_TRUE(name == "Vendor:kp0" || name == "Vendor:kp1") << name;
    EXPECT_EQ(cred["secret"].get<std::string>(), to_hex(key.secret)) << name;
    if (name == "Vendor:kp1") {
      EXPECT_EQ(cred["counter"], 10);
    }
  }
  // The export: the same seeds and counters, readable with the passphrase.
  ASSERT_FALSE(r->export_path.empty());
  std::ifstream in(r->export_path);
  std::stringstream ss;
  ss << in.rdbuf();
  pskc::Decryption d;
  d.passphrase = SecureString("correct horse");
  auto exported = pskc::read_pskc(ss.str(), d);
  ASSERT_TRUE(exported.ok()) << describe(exported.error());
  ASSERT_EQ(exported->keys.size(), 2u);
  for (const auto& k : exported->keys) {
    const auto& original = k.id == "kp0" ? c.keys[0] : c.keys[1];
    EXPECT_EQ(to_hex(k.secret), to_hex(original.secret)) << k.id;
    EXPECT_EQ(k.counter, original.counter) << k.id;
    EXPECT_EQ(k.device.serial_no, serial);
  }
}

}  // namespace
}  // namespace keydesk::provision

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new keydesk::store::testing::PostgresEnvironment);
  return RUN_ALL_TESTS();
}
