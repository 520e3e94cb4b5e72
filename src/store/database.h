// The SQL seam under the record store: one connection to SQLite or PostgreSQL. The store's SQL is
// written once, with $1..$n placeholders, and runs on both; what differs (DDL types, locking clauses,
// transaction modes) is behind this interface. Not thread-safe: one connection per thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::store {

enum class Dialect { kSqlite, kPostgres };

// A statement parameter: NULL, integer, text or bytes.
struct SqlValue {
  std::variant<std::monostate, int64_t, std::string, Bytes> value;
  SqlValue() = default;
  SqlValue(int64_t v) : value(v) {}                        // NOLINT(google-explicit-constructor)
  SqlValue(int v) : value(int64_t{v}) {}                   // NOLINT(google-explicit-constructor)
  SqlValue(std::string v) : value(std::move(v)) {}         // NOLINT(google-explicit-constructor)
  SqlValue(std::string_view v) : value(std::string(v)) {}  // NOLINT(google-explicit-constructor)
  SqlValue(const char* v) : value(std::string(v)) {}       // NOLINT(google-explicit-constructor)
  SqlValue(Bytes v) : value(std::move(v)) {}               // NOLINT(google-explicit-constructor)
};

struct SqlCell {
  bool null = true;
  int64_t integer = 0;
  std::string data;  // text, or the raw bytes of a BLOB/BYTEA
};

class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlCell> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool is_null(size_t i) const { return cells_.at(i).null; }
  int64_t integer(size_t i) const { return cells_.at(i).integer; }
  const std::string& text(size_t i) const { return cells_.at(i).data; }
  Bytes blob(size_t i) const { return bytes_of(cells_.at(i).data); }

 private:
  std::vector<SqlCell> cells_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t changes = 0;  // rows inserted, updated or deleted
};

// Error conventions of both backends: a unique-key violation, a serialization failure or a deadlock is
// kConflict (code kRetryable for the last two: the whole transaction may be run again); everything else
// the database reports is kIo with the database's message (which never holds a parameter value).
inline constexpr uint32_t kRetryable = 1;

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // "sqlite:/abs/path" or the PostgreSQL URL without its password.
  virtual std::string description() const = 0;
  virtual Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Several statements without parameters (schema migrations).
  virtual Status exec_script(std::string_view sql) = 0;
  // A write transaction takes the database's write lock at once (SQLite BEGIN IMMEDIATE), so two writers
  // never both read and then both write; PostgreSQL's writers serialise on row locks instead.
  virtual Status begin(bool write) = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  virtual Result<bool> table_exists(std::string_view name) = 0;
  // " FOR UPDATE" where the database has row locks, "" where a write transaction already excludes others.
  virtual const char* lock_clause() const = 0;
};

Result<std::unique_ptr<Database>> open_sqlite_database(const std::string& path, bool create);
Result<std::unique_ptr<Database>> open_postgres_database(const std::string& url);

}  // namespace keydesk::store
