// PostgreSQL backend through libpq: text-format parameters and results, statements prepared once per
// connection. Several keydesk processes or servers share one database; writers serialise on row locks
// (SELECT ... FOR UPDATE), see sql_record_store.cpp.
#include <libpq-fe.h>

#include <cstdlib>
#include <map>

#include "store/database.h"
#include "store/store_url.h"

namespace keydesk::store {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat (stable since 7.x).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PGconn* conn, std::string description)
      : conn_(conn), description_(std::move(description)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string description() const override { return description_; }
  const char* lock_clause() const override { return " FOR UPDATE"; }

  Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    KD_ASSIGN_OR_RETURN(std::string name, prepared(sql, params.size()));
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& v = params[i].value;
      if (std::holds_alternative<std::monostate>(v)) continue;
      if (auto* n = std::get_if<int64_t>(&v))
        texts[i] = std::to_string(*n);
      else if (auto* s = std::get_if<std::string>(&v))
        texts[i] = *s;
      else
        texts[i] = "\\x" + to_hex(std::get<Bytes>(v));  // bytea hex input format
      values[i] = texts[i].c_str();
    }
    ResultPtr res(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                                 nullptr, 0),
                  PQclear);
    KD_TRY(check(res.get(), "statement"));
    SqlResult out;
    const int rows = PQntuples(res.get()), cols = PQnfields(res.get());
    for (int r = 0; r < rows; ++r) {
      std::vector<SqlCell> cells(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res.get(), r, c)) continue;
        SqlCell& cell = cells[static_cast<size_t>(c)];
        cell.null = false;
        const char* text = PQgetvalue(res.get(), r, c);
        const Oid type = PQftype(res.get(), c);
        if (type == kByteaOid) {
          auto raw = std::string_view(text).starts_with("\\x") ? from_hex(text + 2) : std::nullopt;
          if (!raw) return Error::make(ErrorKind::kMalformed, "postgresql: unexpected bytea output format");
          cell.data = string_of(*raw);
        } else if (type == kBoolOid) {
          cell.integer = text[0] == 't' ? 1 : 0;
          cell.data = std::to_string(cell.integer);
        } else {
          cell.data = text;
          if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid)
            cell.integer = std::strtoll(text, nullptr, 10);
        }
      }
      out.rows.emplace_back(std::move(cells));
    }
    const char* tuples = PQcmdTuples(res.get());
    out.changes = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
    return out;
  }

  Status exec_script(std::string_view sql) override {
    const std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()), PQclear);
    return check(res.get(), "script");
  }

  Status begin(bool write) override {
    // Reads see one snapshot across their statements; writes run READ COMMITTED and take row locks.
    return exec_script(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) ResultPtr(PQexec(conn_, "ROLLBACK"), PQclear);
  }

  Result<bool> table_exists(std::string_view name) override {
    KD_ASSIGN_OR_RETURN(SqlResult r, run("SELECT to_regclass($1) IS NOT NULL", {SqlValue(name)}));
    return !r.rows.empty() && r.rows[0].integer(0) == 1;
  }

 private:
  Result<std::string> prepared(std::string_view sql, size_t n_params) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = "kd" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    ResultPtr res(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(n_params), nullptr), PQclear);
    KD_TRY(check(res.get(), "preparing a statement"));
    prepared_.emplace(text, name);
    return name;
  }

  Status check(PGresult* res, const std::string& what) {
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return {};
    std::string message;
    if (res)
      if (const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) message = primary;
    if (message.empty()) message = PQerrorMessage(conn_);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    const std::string text =
        "postgresql: " + what + ": " + message + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")");
    // Class 40: transaction rollback (40001 serialization failure, 40P01 deadlock): run it again.
    if (sqlstate.starts_with("40")) return Error::make(ErrorKind::kConflict, text, kRetryable);
    if (sqlstate == "23505") return Error::make(ErrorKind::kConflict, text);
    if (PQstatus(conn_) != CONNECTION_OK) return Error::make(ErrorKind::kIo, text + " (connection lost)");
    return Error::make(ErrorKind::kIo, text);
  }

  PGconn* conn_;
  std::string description_;
  std::map<std::string, std::string, std::less<>> prepared_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres_database(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  const std::string shown = redact_url(url);
  if (!conn) return Error::make(ErrorKind::kIo, "postgresql " + shown + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    return Error::make(ErrorKind::kIo, "postgresql " + shown + ": " + message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto db = std::make_unique<PostgresDatabase>(conn, shown);
  KD_TRY(db->exec_script("SET client_min_messages = warning"));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace keydesk::store
