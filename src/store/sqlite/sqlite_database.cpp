// SQLite backend: WAL with synchronous=FULL, so a committed record survives a power loss (a record is
// written before its secret reaches a token). Writers take the lock at BEGIN IMMEDIATE and wait for each
// other through the busy timeout; readers never block in WAL mode.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "store/database.h"

namespace keydesk::store {
namespace {

constexpr int kBusyTimeoutMs = 60000;

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string description() const override { return "sqlite:" + path_; }
  const char* lock_clause() const override { return ""; }

  Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    KD_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, statement(sql));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int index = sqlite3_bind_parameter_index(stmt, name.c_str());
      if (index == 0) continue;  // the statement does not use this parameter
      int rc = SQLITE_OK;
      const auto& v = params[i].value;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        const auto& b = std::get<Bytes>(v);
        rc = sqlite3_bind_blob(stmt, index, b.empty() ? "" : static_cast<const void*>(b.data()),
                               static_cast<int>(b.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return failure("binding a parameter", rc);
    }
    SqlResult result;
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return failure("statement", rc);
      }
      std::vector<SqlCell> cells(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        SqlCell& cell = cells[static_cast<size_t>(c)];
        const int type = sqlite3_column_type(stmt, c);
        if (type == SQLITE_NULL) continue;
        cell.null = false;
        if (type == SQLITE_INTEGER) {
          cell.integer = sqlite3_column_int64(stmt, c);
          cell.data = std::to_string(cell.integer);
        } else {
          const void* p = type == SQLITE_BLOB ? sqlite3_column_blob(stmt, c) : sqlite3_column_text(stmt, c);
          const int n = sqlite3_column_bytes(stmt, c);
          cell.data.assign(static_cast<const char*>(p ? p : ""), static_cast<size_t>(n));
          if (type == SQLITE_TEXT) cell.integer = std::strtoll(cell.data.c_str(), nullptr, 10);
        }
      }
      result.rows.emplace_back(std::move(cells));
    }
    if (!sqlite3_stmt_readonly(stmt)) result.changes = sqlite3_changes64(db_);
    sqlite3_reset(stmt);
    return result;
  }

  Status exec_script(std::string_view sql) override {
    char* message = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (message) sqlite3_free(message);
    if (rc != SQLITE_OK) return failure("schema script", rc);
    return {};
  }

  Status begin(bool write) override { return exec_script(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Result<bool> table_exists(std::string_view name) override {
    KD_ASSIGN_OR_RETURN(
        SqlResult r, run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", {SqlValue(name)}));
    return !r.rows.empty();
  }

  Status configure() {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // WAL: readers do not block the writer. synchronous=FULL: fsync at every commit, so a commit that
    // returned survives a power cut (NORMAL would survive only a process crash).
    KD_ASSIGN_OR_RETURN(SqlResult mode, run("PRAGMA journal_mode = WAL", {}));
    if (mode.rows.empty() || mode.rows[0].text(0) != "wal")
      return Error::make(ErrorKind::kIo, "sqlite: " + path_ + " cannot use WAL mode");
    KD_TRY(exec_script("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
    return {};
  }

 private:
  Result<sqlite3_stmt*> statement(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return failure("preparing a statement", rc);
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Error failure(const std::string& what, int rc) const {
    const int primary = rc & 0xFF;
    const std::string text = "sqlite " + path_ + ": " + what + ": " + sqlite3_errmsg(db_);
    if (primary == SQLITE_CONSTRAINT &&
        (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE))
      return Error::make(ErrorKind::kConflict, text);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
      return Error::make(ErrorKind::kConflict, text, kRetryable);
    return Error::make(ErrorKind::kIo, text, static_cast<uint32_t>(rc));
  }

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite_database(const std::string& given, bool create) {
  std::error_code ec;
  const std::string path = std::filesystem::absolute(given, ec).lexically_normal().string();
  if (!create && !std::filesystem::exists(path, ec))
    return Error::make(ErrorKind::kNotFound, "no store at sqlite:" + path + ": run keydesk store init");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Error::make(ErrorKind::kIo, "creating " + parent.string() + ": " + ec.message());
    ::chmod(parent.c_str(), 0700);
  }
  // The store holds names and e-mail addresses: create it readable by its owner only (SQLite gives its
  // -wal and -shm files the database file's permissions).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error::make(ErrorKind::kIo, "sqlite store " + path + ": " + std::strerror(errno));
  ::close(fd);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Error::make(ErrorKind::kIo, "sqlite store " + path + ": " + message);
  }
  auto database = std::make_unique<SqliteDatabase>(db, path);
  KD_TRY(database->configure());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace keydesk::store
