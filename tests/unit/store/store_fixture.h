// The typed fixture every backend test uses: one fresh, initialised store per test on each backend, and
// each backend's own command-line tool for looking at (or tampering with) the store behind keydesk's back.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "postgres_cluster.h"
#include "store/record_store.h"
#include "test_dir.h"
#include "test_process.h"

namespace keydesk::store::testing {

struct SqliteBackend {
  static constexpr const char* kName = "SQLite";
  static std::string new_url(const TestDir& dir) { return "sqlite:" + dir.path() + "/store.db"; }
  static std::string path(const std::string& url) { return url.substr(7); }
  // The sqlite3 shell, as anyone with access to the file would use it.
  static std::string sql(const std::string& url, const std::string& statements) {
    auto r = run_process({"sqlite3", "-bail", "-batch", path(url), statements});
    EXPECT_EQ(r.exit_code, 0) << "sqlite3: " << statements << "\n" << r.output;
    return r.output;
  }
  // Everything the store has on disk (database, WAL), as bytes.
  static std::string raw_contents(const std::string& url) {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(path(url) + suffix, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all + sql(url, ".dump");
  }
};

struct PostgresBackend {
  static constexpr const char* kName = "PostgreSQL";
  static std::string new_url(const TestDir&) { return PostgresCluster::instance().new_schema_url(); }
  static std::string schema(const std::string& url) { return url.substr(url.rfind("%3D") + 3); }
  static std::string sql(const std::string& url, const std::string& statements) {
    return psql(url, statements);
  }
  static std::string raw_contents(const std::string& url) {
    auto r = run_process({PostgresCluster::instance().bin_dir() + "/pg_dump", "--schema=" + schema(url), "-d",
                          PostgresCluster::instance().url_for_schema("public")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

inline iso7816::Cuid cuid(std::string_view hex) {
  return *iso7816::Cuid::parse(hex);
}
inline SecureBytes secret(std::string_view s) {
  return SecureBytes(s.begin(), s.end());
}
inline std::string text(const SecureBytes& b) {
  return std::string(b.begin(), b.end());
}

template <typename B>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = B::new_url(dir_);
    key_ = "file:" + dir_.path() + "/master.key";
    auto r = init_store({url_, key_}, alice_);
    ASSERT_TRUE(r.ok()) << describe(r.error());
    store_ = std::move(r->store);
  }

  // A record as provisioning would write it.
  TokenRecord sample(std::string_view cuid_hex, std::string user = "Alice Example") {
    TokenRecord r;
    r.cuid = cuid(cuid_hex);
    r.cuid_source = CuidSource::kCplc;
    r.serial = "12345678";
    r.model = "keydesk-sim standard";
    r.atr = "3BF81300008131FE15597562696B657934D4";
    r.status = LifecycleStatus::kActive;
    r.user = {std::move(user), "E-1001", "alice@example.com"};
    r.provisioned_at = "2026-11-01T09:00:00.000Z";
    r.provisioned_by = "bob";
    r.pin_method = PinMethod::kDefaultForceChange;
    r.puk_method = PukMethod::kRandomPerToken;
    r.admin_key_method = AdminKeyMethod::kRandomPerToken;
    r.admin_key_check = "A1B2C3";
    r.fido_policy = "pin-required";
    r.certificates = {{"9a", "CN=Alice Example,O=Example", "01AB", "2027-11-01T00:00:00Z"},
                      {"9c", "CN=Alice Example (signing)", "01AC", "2026-12-01T00:00:00Z"}};
    r.oath = {{"vpn", "hotp", "SHA1", 6, 0, 30, "pskc-batch-7#kp1"},
              {"github:alice", "totp", "SHA1", 6, 0, 30, ""}};
    return r;
  }

  Result<TokenRecord> create(std::string_view cuid_hex, std::string user = "Alice Example") {
    std::vector<NewSecret> secrets;
    secrets.push_back({SecretField::puk(), secret("73915028")});
    secrets.push_back({SecretField::initial_pin(), secret("123456")});
    secrets.push_back({SecretField::oath_seed("vpn"), secret("12345678901234567890")});
    return store_->create_record(sample(cuid_hex, std::move(user)), std::move(secrets), alice_,
                                 "provisioning batch 7");
  }

  Result<std::unique_ptr<RecordStore>> reopen(std::string master_key = {}) {
    return open_store({url_, std::move(master_key)});
  }

  std::string sql(const std::string& statements) { return B::sql(url_, statements); }

  TestDir dir_;
  std::string url_;
  std::string key_;
  Actor alice_{"alice"};
  std::unique_ptr<RecordStore> store_;
};

}  // namespace keydesk::store::testing
