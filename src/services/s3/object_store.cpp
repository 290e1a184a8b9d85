#include "services/s3/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fargo::services::s3 {

namespace {

constexpr char kColumns[] =
    "SELECT id, bucket, key, version, latest, dm, size, etag, mtime, blob, meta FROM s3_objects ";

Status Internal(const std::string& what) {
  return AwsError::Make("InternalError", what + ": " + std::strerror(errno), 500);
}

Status WriteAll(int fd, std::string_view data) {
  size_t pos = 0;
  while (pos < data.size()) {
    ssize_t n = ::write(fd, data.data() + pos, data.size() - pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("write");
    }
    pos += static_cast<size_t>(n);
  }
  return OkStatus();
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Status ObjectStore::Init(const std::string& root) {
  root_ = root;
  for (const std::string& d : {root_, root_ + "/tmp", root_ + "/blobs"})
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return Internal("mkdir " + d);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_ + "/tmp", ec)) std::filesystem::remove(e.path(), ec);
  return store_.Exec(
      "CREATE TABLE IF NOT EXISTS s3_objects ("
      " id INTEGER PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL,"
      " latest INTEGER NOT NULL, dm INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
      " mtime INTEGER NOT NULL, blob TEXT NOT NULL, meta TEXT NOT NULL);"
      "CREATE UNIQUE INDEX IF NOT EXISTS s3_objects_by_version ON s3_objects(bucket, key, version);"
      "CREATE INDEX IF NOT EXISTS s3_objects_by_key ON s3_objects(bucket, key, id);"
      "CREATE INDEX IF NOT EXISTS s3_objects_latest ON s3_objects(bucket, key) WHERE latest = 1;");
}

std::string ObjectStore::BlobPath(const std::string& blob) const {
  return root_ + "/blobs/" + blob.substr(0, 2) + "/" + blob;
}

Result<std::string> ObjectStore::Commit(const std::string& tmp_path) {
  std::string blob = ids_.Hex(32);
  std::string dir = root_ + "/blobs/" + blob.substr(0, 2);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Internal("mkdir " + dir).error();
  if (::rename(tmp_path.c_str(), BlobPath(blob).c_str()) != 0) {
    ::unlink(tmp_path.c_str());
    return Internal("rename").error();
  }
  SyncDir(dir);
  return blob;
}

std::string ObjectStore::TempPath() const { return root_ + "/tmp/" + ids_.Hex(32); }

Result<std::string> ObjectStore::AdoptBlob(const std::string& tmp_path) { return Commit(tmp_path); }

Result<int> ObjectStore::OpenBlob(const std::string& blob) {
  int fd = ::open(BlobPath(blob).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("open blob").error();
  return fd;
}

Result<std::string> ObjectStore::WriteBlob(std::string_view data) {
  FARGO_ASSIGN_OR_RETURN(std::string tmp, WriteTemp({}, data));
  return Commit(tmp);
}

Result<std::string> ObjectStore::ConcatBlobs(const std::vector<std::string>& blobs) {
  FARGO_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(blobs));
  return Commit(tmp);
}

Result<std::string> ObjectStore::WriteTemp(const std::vector<std::string>& blobs, std::string_view data) const {
  std::string tmp = TempPath();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("open " + tmp).error();
  Status st = WriteAll(fd, data);
  for (const auto& b : blobs) {
    if (!st.ok()) break;
    int in = ::open(BlobPath(b).c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      st = Internal("open part");
      break;
    }
    std::string buf(1 << 20, '\0');
    for (;;) {
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) st = Internal("read part");
      if (n <= 0) break;
      st = WriteAll(fd, std::string_view(buf.data(), static_cast<size_t>(n)));
      if (!st.ok()) break;
    }
    ::close(in);
  }
  if (st.ok() && ::fsync(fd) != 0) st = Internal("fsync");
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st.error();
  }
  return tmp;
}

Result<std::string> ObjectStore::CloneBlob(const std::string& blob) {
  if (blob.empty()) return std::string();
  std::string tmp = TempPath();
  if (::link(BlobPath(blob).c_str(), tmp.c_str()) != 0) return ConcatBlobs({blob});
  return Commit(tmp);
}

Result<std::string> ObjectStore::ReadBlob(const std::string& blob, int64_t offset, int64_t len) {
  std::string out;
  if (blob.empty() || len <= 0) return out;
  int fd = ::open(BlobPath(blob).c_str(), O_RDONLY);
  if (fd < 0) return Internal("open blob").error();
  out.resize(static_cast<size_t>(len));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

void ObjectStore::RemoveBlob(const std::string& blob) const {
  if (!blob.empty()) ::unlink(BlobPath(blob).c_str());
}

std::vector<ObjectRow> ObjectStore::Collect(store::Statement* st) {
  std::vector<ObjectRow> out;
  while (st->Step()) {
    ObjectRow r;
    r.id = st->Int(0);
    r.bucket = st->Text(1);
    r.key = st->Text(2);
    r.version = st->Text(3);
    r.latest = st->Int(4) != 0;
    r.delete_marker = st->Int(5) != 0;
    r.size = st->Int(6);
    r.etag = st->Text(7);
    r.mtime_ms = st->Int(8);
    r.blob = st->Text(9);
    r.meta = st->Text(10);
    out.push_back(std::move(r));
  }
  st->Reset();
  return out;
}

std::optional<ObjectRow> ObjectStore::Latest(const std::string& bucket, const std::string& key) {
  auto* st = store_.Prepare(std::string(kColumns) + "WHERE bucket = ?1 AND key = ?2 AND latest = 1");
  st->Bind(1, bucket).Bind(2, key);
  auto rows = Collect(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<ObjectRow> ObjectStore::Version(const std::string& bucket, const std::string& key,
                                              const std::string& version) {
  auto* st = store_.Prepare(std::string(kColumns) + "WHERE bucket = ?1 AND key = ?2 AND version = ?3");
  st->Bind(1, bucket).Bind(2, key).Bind(3, version);
  auto rows = Collect(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

Status ObjectStore::Insert(ObjectRow& row, std::string* replaced_blob) {
  return store_.Transaction([&]() -> Status {
    if (auto old = Version(row.bucket, row.key, row.version)) {
      if (replaced_blob) *replaced_blob = old->blob;
      auto* del = store_.Prepare("DELETE FROM s3_objects WHERE id = ?1");
      del->Bind(1, old->id);
      FARGO_TRY(del->Run());
    }
    auto* clear = store_.Prepare("UPDATE s3_objects SET latest = 0 WHERE bucket = ?1 AND key = ?2 AND latest = 1");
    clear->Bind(1, row.bucket).Bind(2, row.key);
    FARGO_TRY(clear->Run());
    auto* ins = store_.Prepare(
        "INSERT INTO s3_objects(bucket, key, version, latest, dm, size, etag, mtime, blob, meta)"
        " VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9)");
    ins->Bind(1, row.bucket).Bind(2, row.key).Bind(3, row.version).Bind(4, int64_t{row.delete_marker});
    ins->Bind(5, row.size).Bind(6, row.etag).Bind(7, row.mtime_ms).Bind(8, row.blob).Bind(9, row.meta);
    FARGO_TRY(ins->Run());
    row.id = sqlite3_last_insert_rowid(store_.db());
    row.latest = true;
    return OkStatus();
  });
}

Status ObjectStore::DeleteVersion(const std::string& bucket, const std::string& key,
                                  const std::string& version, std::optional<ObjectRow>* removed) {
  *removed = std::nullopt;
  return store_.Transaction([&]() -> Status {
    auto old = Version(bucket, key, version);
    if (!old) return OkStatus();
    auto* del = store_.Prepare("DELETE FROM s3_objects WHERE id = ?1");
    del->Bind(1, old->id);
    FARGO_TRY(del->Run());
    if (old->latest) {
      auto* promote = store_.Prepare(
          "UPDATE s3_objects SET latest = 1 WHERE id = (SELECT max(id) FROM s3_objects"
          " WHERE bucket = ?1 AND key = ?2)");
      promote->Bind(1, bucket).Bind(2, key);
      FARGO_TRY(promote->Run());
    }
    *removed = std::move(old);
    return OkStatus();
  });
}

Status ObjectStore::UpdateMeta(int64_t id, const std::string& meta) {
  auto* st = store_.Prepare("UPDATE s3_objects SET meta = ?2 WHERE id = ?1");
  st->Bind(1, id).Bind(2, meta);
  return st->Run();
}

size_t ObjectStore::SweepUnreferenced(const std::set<std::string>& also_kept) {
  std::set<std::string> kept = also_kept;
  auto* st = store_.Prepare("SELECT blob FROM s3_objects WHERE blob != ''");
  while (st->Step()) kept.insert(st->Text(0));
  st->Reset();
  size_t removed = 0;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(root_ + "/blobs", ec)) {
    for (const auto& f : std::filesystem::directory_iterator(dir.path(), ec)) {
      if (kept.count(f.path().filename().string())) continue;
      removed += std::filesystem::remove(f.path(), ec);
    }
  }
  return removed;
}

bool ObjectStore::BucketHasRows(const std::string& bucket) {
  auto* st = store_.Prepare("SELECT 1 FROM s3_objects WHERE bucket = ?1 LIMIT 1");
  st->Bind(1, bucket);
  bool any = st->Step();
  st->Reset();
  return any;
}

std::vector<ObjectRow> ObjectStore::ListLatest(const std::string& bucket, const std::string& from,
                                               bool inclusive, const std::string& hi, size_t limit) {
  std::string sql = std::string(kColumns) + "WHERE bucket = ?1 AND latest = 1 AND dm = 0 AND key " +
                    (inclusive ? ">=" : ">") + " ?2" + (hi.empty() ? "" : " AND key < ?3") +
                    " ORDER BY key LIMIT ?4";
  auto* st = store_.Prepare(sql);
  st->Bind(1, bucket).Bind(2, from).Bind(4, static_cast<int64_t>(limit));
  if (!hi.empty()) st->Bind(3, hi);
  return Collect(st);
}

std::vector<ObjectRow> ObjectStore::ListVersions(const std::string& bucket, const std::string& key,
                                                 int64_t id, const std::string& hi, size_t limit) {
  std::string sql = std::string(kColumns) +
                    "WHERE bucket = ?1 AND (key > ?2 OR (key = ?2 AND id < ?3))" +
                    (hi.empty() ? "" : " AND key < ?4") + " ORDER BY key, id DESC LIMIT ?5";
  auto* st = store_.Prepare(sql);
  st->Bind(1, bucket).Bind(2, key).Bind(3, id).Bind(5, static_cast<int64_t>(limit));
  if (!hi.empty()) st->Bind(4, hi);
  return Collect(st);
}

}  // namespace fargo::services::s3
