// The master key inside a PKCS#11 token: SoftHSM2 with its token directory in a temp dir (SOFTHSM2_CONF),
// set up with softhsm2-util and inspected with OpenSC's pkcs11-tool, as an operator would.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "store_fixture.h"

namespace keydesk::store::testing {
namespace {

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kA = "4090A1B2C3D4E5F60718";

class Pkcs11MasterKey : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kModule)) << "SoftHSM2 is not installed: run scripts/setup.sh";
    std::filesystem::create_directories(dir_.path() + "/tokens");
    conf_ = dir_.path() + "/softhsm2.conf";
    std::ofstream(conf_) << "directories.tokendir = " << dir_.path()
                         << "/tokens\nobjectstore.backend = file\n"
                         << "log.level = ERROR\nslots.removable = false\n";
    ::setenv("SOFTHSM2_CONF", conf_.c_str(), 1);
    init_token("keydesk-test", "123456");
    pin_file_ = dir_.path() + "/pin";
    std::ofstream(pin_file_) << "123456\n";
    url_ = "sqlite:" + dir_.path() + "/store.db";
  }
  void TearDown() override { ::unsetenv("SOFTHSM2_CONF"); }

  void init_token(const std::string& label, const std::string& pin) {
    auto r = run_process(
        {"softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "87654321", "--pin", pin});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::string uri(const std::string& token = "keydesk-test", const std::string& pin_part = "") const {
    return "pkcs11:token=" + token + ";object=kd-master?module-path=" + kModule +
           (pin_part.empty() ? "&pin-source=file:" + pin_file_ : pin_part);
  }
  std::string list_secret_keys(const std::string& token = "keydesk-test") {
    auto r = run_process({"pkcs11-tool", "--module", kModule, "--token-label", token, "--login", "--pin",
                          "123456", "--list-objects", "--type", "secrkey"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  TestDir dir_;
  std::string conf_, pin_file_, url_;
  Actor alice_{"alice"};
};

TEST_F(Pkcs11MasterKey, InitGeneratesANonExtractableKeyOnTheTokenAndReopensWithIt) {
  auto made = init_store({url_, uri()}, alice_);
  ASSERT_TRUE(made.ok()) << describe(made.error());
  EXPECT_TRUE(made->master_key_created);
  const std::string listed = list_secret_keys();
  EXPECT_NE(listed.find("kd-master"), std::string::npos) << listed;
  EXPECT_NE(listed.find("never extractable"), std::string::npos) << listed;
  EXPECT_NE(listed.find("AES"), std::string::npos) << listed;

  std::vector<NewSecret> secrets;
  secrets.push_back({SecretField::puk(), secret("24681357")});
  TokenRecord r;
  r.cuid = cuid(kA);
  ASSERT_TRUE(made->store->create_record(r, std::move(secrets), alice_, "").ok());
  made->store.reset();

  auto reopened = open_store({url_, ""});  // the reference recorded in the store
  ASSERT_TRUE(reopened.ok()) << describe(reopened.error());
  EXPECT_EQ((*reopened)->info().master_key, uri());
  EXPECT_EQ(text(*(*reopened)->read_secret(cuid(kA), SecretField::puk(), alice_, "INC-1")), "24681357");
  // A second init on the token reuses its key rather than making another.
  auto second = init_store({"sqlite:" + dir_.path() + "/second.db", uri()}, alice_);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->master_key_created);
}

TEST_F(Pkcs11MasterKey, APinValueIsUsedButNeverRecorded) {
  auto made = init_store({url_, uri("keydesk-test", "&pin-value=123456")}, alice_);
  ASSERT_TRUE(made.ok()) << describe(made.error());
  EXPECT_EQ(made->store->info().master_key.find("123456"), std::string::npos);
  made->store.reset();
  const std::string recorded = SqliteBackend::sql(url_, "SELECT master_key_ref FROM data_keys");
  EXPECT_EQ(recorded.find("123456"), std::string::npos) << recorded;
  EXPECT_EQ(recorded.find("pin-value"), std::string::npos) << recorded;
  // Without a PIN the recorded reference says what is missing.
  auto reopened = open_store({url_, ""});
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().kind, ErrorKind::kUsage);
  EXPECT_NE(reopened.error().context.find("pin-source"), std::string::npos);
}

TEST_F(Pkcs11MasterKey, AWrongTokenPinIsRefusedWithoutRetrying) {
  ASSERT_TRUE(init_store({url_, uri()}, alice_).ok());
  auto r = open_store({url_, uri("keydesk-test", "&pin-value=000000")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
  EXPECT_NE(r.error().context.find("wrong user PIN"), std::string::npos);
  EXPECT_EQ(r.error().context.find("000000"), std::string::npos);
}

TEST_F(Pkcs11MasterKey, AKeyOnAnotherTokenDoesNotOpenTheStore) {
  ASSERT_TRUE(init_store({url_, uri()}, alice_).ok());
  init_token("other-token", "123456");
  ASSERT_TRUE(create_master_key(uri("other-token")).ok());
  auto r = open_store({url_, uri("other-token")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(open_store({url_, uri("missing-token")}).error().kind, ErrorKind::kNotFound);
}

TEST_F(Pkcs11MasterKey, RotatesFromAKeyFileToTheTokenAndBack) {
  const std::string file_key = "file:" + dir_.path() + "/master.key";
  auto made = init_store({url_, file_key}, alice_);
  ASSERT_TRUE(made.ok());
  std::vector<NewSecret> secrets;
  secrets.push_back({SecretField::admin_key(), secret("0102030405060708090A0B0C0D0E0F101112131415161718")});
  TokenRecord r;
  r.cuid = cuid(kA);
  ASSERT_TRUE(made->store->create_record(r, std::move(secrets), alice_, "").ok());

  auto token_key = create_master_key(uri());
  ASSERT_TRUE(token_key.ok()) << describe(token_key.error());
  ASSERT_TRUE(made->store->rotate_master_key(std::move(*token_key), alice_, "CHG-1 move to HSM").ok());
  made->store.reset();
  EXPECT_EQ(open_store({url_, file_key}).error().kind, ErrorKind::kIntegrity);
  auto on_token = open_store({url_, ""});
  ASSERT_TRUE(on_token.ok()) << describe(on_token.error());
  EXPECT_EQ(text(*(*on_token)->read_secret(cuid(kA), SecretField::admin_key(), alice_, "x")),
            "0102030405060708090A0B0C0D0E0F101112131415161718");

  const std::string back = "file:" + dir_.path() + "/master-2.key";
  auto back_key = create_master_key(back);
  ASSERT_TRUE(back_key.ok());
  ASSERT_TRUE((*on_token)->rotate_master_key(std::move(*back_key), alice_, "CHG-2").ok());
  EXPECT_TRUE((*on_token)->verify_audit()->ok());
  on_token->reset();
  EXPECT_TRUE(open_store({url_, back}).ok());
}

}  // namespace
}  // namespace keydesk::store::testing
