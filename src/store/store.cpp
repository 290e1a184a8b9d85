#include "store/store.h"

#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace fargo::store {
namespace json = boost::json;

namespace {

AwsError Internal(const std::string& what) {
  return AwsError::Make("InternalFailure", "storage error: " + what, 500);
}

// Schema migrations, applied in order; PRAGMA user_version counts them.
// Append only: never edit a step that has shipped.
const char* const kMigrations[] = {
    "CREATE TABLE docs (collection TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (collection, key)) WITHOUT ROWID;",
};

}  // namespace

bool Statement::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
  return false;
}

Status Statement::Run() {
  error_.clear();
  while (Step()) {
  }
  std::string err = error_;
  Reset();
  if (!err.empty()) return Internal(err);
  return OkStatus();
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir) {
  std::string path = ":memory:";
  if (!dir.empty() && dir != ":memory:") {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return Internal("cannot create data directory " + dir);
    path = dir + "/fargo.db";
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string err = db ? sqlite3_errmsg(db) : "open failed";
    sqlite3_close(db);
    return Internal(err);
  }
  std::unique_ptr<Store> s(new Store(db, dir));
  // WAL + synchronous=NORMAL: a committed transaction is in the WAL file
  // before COMMIT returns, so it survives the process being killed.
  // 16 KiB pages (new databases only) and an 8 MiB cache: a 1,000-event log
  // batch is a handful of page writes instead of dozens.
  FARGO_TRY(s->Exec("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA cache_size=-8192;"));
  FARGO_TRY(s->Migrate());
  return s;
}

void Store::StartCheckpointer() {
  if (dir_.empty() || dir_ == ":memory:" || checkpointer_.joinable()) return;
  // The writer checkpoints only as a safety net, if the WAL grows very large.
  Exec("PRAGMA wal_autocheckpoint=20000");
  std::string path = dir_ + "/fargo.db";
  checkpointer_ = std::thread([this, path] {
    pthread_setname_np(pthread_self(), "fargo-ckpt");
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return;
    }
    sqlite3_busy_timeout(db, 100);
    // A connection opens the WAL only once it has read the database.
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    std::unique_lock<std::mutex> lock(cp_mu_);
    while (!cp_stop_) {
      cp_cv_.wait_for(lock, std::chrono::milliseconds(500));
      lock.unlock();
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
    sqlite3_close(db);
  });
}

void Store::StopCheckpointer() {
  if (!checkpointer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(cp_mu_);
    cp_stop_ = true;
  }
  cp_cv_.notify_all();
  checkpointer_.join();
}

Store::~Store() {
  StopCheckpointer();
  stmts_.clear();
  sqlite3_close(db_);
}

Status Store::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "exec failed";
    sqlite3_free(err);
    return Internal(e);
  }
  return OkStatus();
}

Status Store::Migrate() {
  auto* st = Prepare("PRAGMA user_version");
  st->Step();
  int64_t version = st->Int(0);
  st->Reset();
  const int64_t total = sizeof(kMigrations) / sizeof(kMigrations[0]);
  for (int64_t v = version; v < total; ++v) {
    FARGO_TRY(Transaction([&]() -> Status {
      FARGO_TRY(Exec(kMigrations[v]));
      return Exec("PRAGMA user_version=" + std::to_string(v + 1));
    }));
  }
  return OkStatus();
}

Statement* Store::Prepare(const std::string& sql) {
  for (auto& [text, st] : stmts_)
    if (text == sql) return st.get();
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "fargo: bad SQL (%s): %s\n", sqlite3_errmsg(db_), sql.c_str());
    std::abort();  // SQL is ours: a bad statement is a defect
  }
  stmts_.emplace_back(sql, std::make_unique<Statement>(db_, raw));
  return stmts_.back().second.get();
}

Status Store::Transaction(const std::function<Status()>& fn) {
  if (tx_depth_ > 0) {  // nested: part of the outer transaction
    ++tx_depth_;
    Status s = fn();
    --tx_depth_;
    return s;
  }
  FARGO_TRY(Exec("BEGIN IMMEDIATE"));
  ++tx_depth_;
  Status s = fn();
  --tx_depth_;
  if (!s.ok()) {
    Exec("ROLLBACK");
    return s;
  }
  Status c = Exec("COMMIT");
  if (!c.ok()) Exec("ROLLBACK");
  return c;
}

Status Store::PutDoc(std::string_view collection, std::string_view key, const json::value& doc) {
  auto* st = Prepare("INSERT OR REPLACE INTO docs(collection, key, doc) VALUES (?1, ?2, ?3)");
  st->Bind(1, collection).Bind(2, key).Bind(3, json::serialize(doc));
  return st->Run();
}

Status Store::DeleteDoc(std::string_view collection, std::string_view key) {
  auto* st = Prepare("DELETE FROM docs WHERE collection = ?1 AND key = ?2");
  st->Bind(1, collection).Bind(2, key);
  return st->Run();
}

Status Store::ScanDocs(std::string_view collection,
                       const std::function<void(std::string, json::value)>& fn) {
  auto* st = Prepare("SELECT key, doc FROM docs WHERE collection = ?1 ORDER BY key");
  st->Bind(1, collection);
  while (st->Step()) {
    boost::system::error_code ec;
    json::value v = json::parse(st->Text(1), ec);
    if (ec) {
      st->Reset();
      return Internal("corrupt document in " + std::string(collection));
    }
    fn(st->Text(0), std::move(v));
  }
  std::string err = st->error();
  st->Reset();
  if (!err.empty()) return Internal(err);
  return OkStatus();
}

}  // namespace fargo::store
