// A throwaway PostgreSQL cluster for the test binary: initdb into a temp dir, pg_ctl start on a free port
// on 127.0.0.1, one database "keydesk"; each test gets its own schema in it (search_path through the
// connection URL). Started once per binary by PostgresEnvironment; if PostgreSQL is not installed the
// environment fails the run (scripts/setup.sh installs it), it never skips.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace keydesk::store::testing {

class PostgresCluster {
 public:
  static PostgresCluster& instance();
  // Empty on success, else what went wrong.
  std::string start();
  void stop();
  bool running() const { return !data_dir_.empty(); }

  // A fresh schema and a URL whose search_path points at it.
  std::string new_schema_url();
  // For psql and pg_dump: the URL of `schema`.
  std::string url_for_schema(const std::string& schema) const;
  std::string bin_dir() const { return bin_dir_; }
  int port() const { return port_; }

 private:
  std::string bin_dir_;
  std::string base_dir_;
  std::string data_dir_;
  int port_ = 0;
  int schemas_ = 0;
};

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

// psql against `url`, ON_ERROR_STOP; returns psql's output, fails the test if it fails.
std::string psql(const std::string& url, const std::string& sql);

}  // namespace keydesk::store::testing
