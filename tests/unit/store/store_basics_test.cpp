// The store's small parts: lifecycle table, names, store URLs, PKCS#11 URIs and the key file's rules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "store/lifecycle.h"
#include "store/master_key.h"
#include "store/pkcs11_uri.h"
#include "store/record.h"
#include "store/record_codec.h"
#include "store/store_url.h"
#include "test_dir.h"

namespace keydesk::store {
namespace {

using S = LifecycleStatus;

TEST(Lifecycle, OnlyTheCmsTransitionsAreAllowed) {
  const std::vector<std::pair<S, S>> allowed{
      {S::kInStock, S::kActive},        {S::kInStock, S::kDecommissioned},   {S::kActive, S::kSuspended},
      {S::kActive, S::kLost},           {S::kActive, S::kDecommissioned},    {S::kSuspended, S::kActive},
      {S::kSuspended, S::kLost},        {S::kSuspended, S::kDecommissioned}, {S::kLost, S::kDecommissioned},
      {S::kDecommissioned, S::kInStock}};
  const S all[] = {S::kInStock, S::kActive, S::kSuspended, S::kLost, S::kDecommissioned};
  for (S from : all)
    for (S to : all) {
      const bool expected =
          std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      EXPECT_EQ(find_transition(from, to) != nullptr, expected)
          << status_name(from) << " -> " << status_name(to);
    }
  // A lost token never goes back to its user as it is.
  EXPECT_EQ(find_transition(S::kLost, S::kActive), nullptr);
  EXPECT_EQ(lifecycle_transitions().size(), allowed.size());
}

TEST(Names, RoundTripAndRejectUnknown) {
  for (S s : {S::kInStock, S::kActive, S::kSuspended, S::kLost, S::kDecommissioned})
    EXPECT_EQ(parse_status(status_name(s)), s);
  EXPECT_FALSE(parse_status("Active"));
  EXPECT_EQ(parse_pin_method("default-force-change"), PinMethod::kDefaultForceChange);
  EXPECT_EQ(parse_puk_method("derived"), PukMethod::kDerived);
  EXPECT_FALSE(parse_puk_method(""));
  EXPECT_TRUE(SecretField::parse("oath-seed/github:alice"));
  EXPECT_FALSE(SecretField::parse("oath-seed/"));
  EXPECT_FALSE(SecretField::parse("pin"));
}

TEST(Cuid, DeviceSerialMapsOutsideTheCplcSpace) {
  EXPECT_EQ(cuid_from_device_serial(12345678).hex(), "00000000000000BC614E");
  EXPECT_EQ(cuid_from_device_serial(0xFFFFFFFF).hex(), "000000000000FFFFFFFF");
}

TEST(RecordMac, DefaultsAreLeftOutSoAddedColumnsKeepOldMacsValid) {
  TokenRecord r;
  r.cuid = *iso7816::Cuid::parse("0102030405060708090A");
  const Bytes before = record_mac_input(r, {});
  r.provisioning = ProvisioningState::kNone;  // a column added by a later schema, at its default
  EXPECT_EQ(record_mac_input(r, {}), before);
  r.provisioning = ProvisioningState::kPending;
  EXPECT_NE(record_mac_input(r, {}), before);
  // List order does not matter; a different sealed value does.
  r.oath = {{"b", "hotp", "SHA1", 6, 1, 30, ""}, {"a", "totp", "SHA1", 6, 0, 30, ""}};
  TokenRecord swapped = r;
  std::swap(swapped.oath[0], swapped.oath[1]);
  EXPECT_EQ(record_mac_input(r, {{"puk", bytes_of("x")}}),
            record_mac_input(swapped, {{"puk", bytes_of("x")}}));
  EXPECT_NE(record_mac_input(r, {{"puk", bytes_of("x")}}), record_mac_input(r, {{"puk", bytes_of("y")}}));
}

// Sets variables for the duration of a test and puts the old values back.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_)
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
  }
  void set(const std::string& name, const std::string& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(StoreUrl, DefaultsFollowXdgAndPasswordsAreRedacted) {
  ScopedEnv env;
  env.set("XDG_DATA_HOME", "/srv/data");
  env.set("XDG_CONFIG_HOME", "/srv/config");
  EXPECT_EQ(default_store_url(), "sqlite:/srv/data/keydesk/store.db");
  EXPECT_EQ(default_master_key_reference(), "file:/srv/config/keydesk/master.key");
  env.set("XDG_DATA_HOME", "relative");  // ignored, as the XDG spec says
  env.set("HOME", "/home/op");
  EXPECT_EQ(default_store_url(), "sqlite:/home/op/.local/share/keydesk/store.db");
  EXPECT_EQ(redact_url("postgresql://kd:s3cret@db.example:5432/keydesk"),
            "postgresql://kd:***@db.example:5432/keydesk");
  EXPECT_EQ(redact_url("postgresql://db/keydesk?user=kd&password=s3cret&sslmode=require"),
            "postgresql://db/keydesk?user=kd&password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql://kd@db/keydesk"), "postgresql://kd@db/keydesk");
  EXPECT_EQ(redact_url("postgresql://kd:pw@db?password=x&host=a@b"),
            "postgresql://kd:***@db?password=***&host=a@b");
  EXPECT_EQ(redact_url("postgresql://db:5432/x@y"), "postgresql://db:5432/x@y");
  EXPECT_EQ(open_database("mysql://x").error().kind, ErrorKind::kUsage);
  EXPECT_EQ(open_database("sqlite:").error().kind, ErrorKind::kUsage);
}

TEST(Pkcs11Uri, ParsesRfc7512AndNeverRecordsThePin) {
  auto uri = Pkcs11Uri::parse(
      "pkcs11:token=keydesk%20test;object=kd-master;id=%01%02?module-path=/usr/lib/softhsm/"
      "libsofthsm2.so&pin-value=1234");
  ASSERT_TRUE(uri.ok()) << describe(uri.error());
  EXPECT_EQ(uri->token, "keydesk test");
  EXPECT_EQ(uri->object, "kd-master");
  EXPECT_EQ(uri->id, (Bytes{1, 2}));
  EXPECT_EQ(uri->module_path, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(uri->pin()->view(), "1234");
  const std::string ref = uri->reference();
  EXPECT_EQ(ref.find("1234"), std::string::npos);
  EXPECT_EQ(
      ref,
      "pkcs11:token=keydesk%20test;object=kd-master;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so");
  auto again = Pkcs11Uri::parse(ref);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->token, "keydesk test");
  EXPECT_EQ(again->pin().error().kind, ErrorKind::kUsage);

  EXPECT_FALSE(Pkcs11Uri::parse("pkcs11:object=x?module-path=/m").ok());           // no token
  EXPECT_FALSE(Pkcs11Uri::parse("pkcs11:token=t;object=x").ok());                  // no module
  EXPECT_FALSE(Pkcs11Uri::parse("pkcs11:token=t%4;object=x?module-path=m").ok());  // bad escape
  EXPECT_FALSE(Pkcs11Uri::parse("pkcs11:token=t;object=x?module-path=m&pin=1").ok());
  EXPECT_FALSE(Pkcs11Uri::parse("pkcs11:token=t;object=x;type=private?module-path=m").ok());
}

TEST(Pkcs11Uri, PinSourceReadsTheFirstLine) {
  TestDir dir;
  const std::string pin_file = dir.path() + "/pin";
  std::ofstream(pin_file) << "654321\nignored\n";
  auto uri = Pkcs11Uri::parse("pkcs11:token=t;object=x?module-path=m&pin-source=file:" + pin_file);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->pin()->view(), "654321");
  EXPECT_NE(uri->reference().find("pin-source=file:" + pin_file), std::string::npos);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(KeyFile, CreatedOwnerOnlyAndReusedNotOverwritten) {
  TestDir dir;
  const std::string path = dir.path() + "/keys/master.key";
  ::umask(0022);
  bool created = false;
  auto key = create_master_key("file:" + path, &created);
  ASSERT_TRUE(key.ok()) << describe(key.error());
  EXPECT_TRUE(created);
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir.path() + "/keys"), 0700u);
  EXPECT_EQ((*key)->reference(), "file:" + path);
  const SecureBytes dk(32, 9);
  const Bytes wrapped = *(*key)->wrap(bytes_of("aad"), dk);
  EXPECT_EQ(wrapped.size(), 12u + 32 + 16);

  auto again = create_master_key("file:" + path, &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  auto unwrapped = (*again)->unwrap(bytes_of("aad"), wrapped);
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_TRUE(equal_ct(*unwrapped, dk));
  EXPECT_EQ((*again)->unwrap(bytes_of("other aad"), wrapped).error().kind, ErrorKind::kIntegrity);
}

TEST(KeyFile, GroupOrWorldAccessIsRefused) {
  TestDir dir;
  const std::string path = dir.path() + "/master.key";
  ASSERT_TRUE(create_master_key("file:" + path).ok());
  for (mode_t mode : {0640, 0604, 0660, 0602, 0610}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = open_master_key("file:" + path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
    EXPECT_NE(r.error().context.find("chmod 600"), std::string::npos);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(open_master_key("file:" + path).ok());
}

TEST(KeyFile, MissingMalformedAndSymlinkedFilesAreRefused) {
  TestDir dir;
  EXPECT_EQ(open_master_key("file:" + dir.path() + "/none.key").error().kind, ErrorKind::kNotFound);
  const std::string bad = dir.path() + "/bad.key";
  std::ofstream(bad) << "keydesk-master-key-v1 0011\n";
  ::chmod(bad.c_str(), 0600);
  EXPECT_EQ(open_master_key("file:" + bad).error().kind, ErrorKind::kMalformed);
  const std::string real = dir.path() + "/real.key", link = dir.path() + "/link.key";
  ASSERT_TRUE(create_master_key("file:" + real).ok());
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  EXPECT_EQ(open_master_key("file:" + link).error().kind, ErrorKind::kRefused);
  EXPECT_EQ(open_master_key("vault:x").error().kind, ErrorKind::kUsage);
}

}  // namespace
}  // namespace keydesk::store
