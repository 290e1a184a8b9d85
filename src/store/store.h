// Store: fargo's durable state, an embedded SQLite database in WAL mode.
//
// Contract: a write returns only after its transaction committed, so a client
// that saw success never loses the write to a crash of the process (kill -9).
// Thread-compatible: one thread (the state thread) uses a Store at a time.
#pragma once

#include <sqlite3.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::store {

class Statement;

class Store {
 public:
  // Opens (creating if needed) `dir`/fargo.db and applies pending migrations.
  // `dir` empty or ":memory:" opens a private in-memory database (tests).
  static Result<std::unique_ptr<Store>> Open(const std::string& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Documents: JSON values in named collections. The whole collection is
  // read at start-up by the service that owns it.
  Status PutDoc(std::string_view collection, std::string_view key, const boost::json::value& doc);
  Status DeleteDoc(std::string_view collection, std::string_view key);
  // Calls `fn(key, doc)` for every document of `collection`, in key order.
  Status ScanDocs(std::string_view collection,
                  const std::function<void(std::string key, boost::json::value doc)>& fn);

  // Runs `fn` inside one transaction: all of its writes commit or none do.
  Status Transaction(const std::function<Status()>& fn);

  // Executes SQL with no results (schema of service-owned tables).
  Status Exec(const std::string& sql);
  // Prepares a cached statement. The pointer lives as long as the Store.
  Statement* Prepare(const std::string& sql);

  // Moves WAL checkpoints off the writing thread: a second connection copies
  // committed pages into the database file about twice a second. Stop() or
  // the destructor ends it. No-op for in-memory stores.
  void StartCheckpointer();
  void StopCheckpointer();

  sqlite3* db() { return db_; }
  const std::string& dir() const { return dir_; }

 private:
  Store(sqlite3* db, std::string dir) : db_(db), dir_(std::move(dir)) {}
  Status Migrate();

  sqlite3* db_;
  std::string dir_;
  int tx_depth_ = 0;
  std::thread checkpointer_;
  std::mutex cp_mu_;
  std::condition_variable cp_cv_;
  bool cp_stop_ = false;
  std::vector<std::pair<std::string, std::unique_ptr<Statement>>> stmts_;
};

// A prepared statement: bind, step, read columns, reset.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Statement() { sqlite3_finalize(s_); }
  Statement& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Statement& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // true while a row is available.
  bool Step();
  // Runs to completion; returns the error if it failed.
  Status Run();
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
  }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  // Makes the statement reusable; forgets any error of the previous run.
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    error_.clear();
  }
  const std::string& error() const { return error_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::string error_;
};

}  // namespace fargo::store
