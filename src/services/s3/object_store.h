// ObjectStore: object versions in a SQLite table and their bytes in files.
//
// Durability contract: blob files are written atomically (temp file, fsync,
// rename, fsync of the directory) before the metadata row that names them
// commits; a blob is unlinked only after the row naming it is gone. A crash
// can leave a temp file or an unreferenced blob behind, never a row without
// its bytes; start-up removes both (Init, SweepUnreferenced).
//
// Every version of a key is one row; `latest` marks the current one. A
// bucket without versioning keeps a single version "null" per key.
//
// Thread-compatible: used only on the state thread, except for the file-only
// TempPath, WriteTemp, AdoptBlob and RemoveBlob.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace fargo::services::s3 {

struct ObjectRow {
  int64_t id = 0;
  std::string bucket;
  std::string key;
  std::string version = "null";
  bool latest = true;
  bool delete_marker = false;
  int64_t size = 0;
  std::string etag;      // without quotes
  int64_t mtime_ms = 0;
  std::string blob;      // file name, "" for delete markers and empty objects
  std::string meta;      // JSON: content headers, user metadata, tags, checksums
};

class ObjectStore {
 public:
  ObjectStore(store::Store& store, IdGenerator& ids) : store_(store), ids_(ids) {}

  // Creates tables and the blob directory under `root`, and removes temp
  // files a crash left behind (bytes whose metadata never committed).
  Status Init(const std::string& root);

  // A fresh temp file path for a blob being written. Thread-safe after Init.
  std::string TempPath() const;
  // Moves a durable (fsynced) temp file into place as a new blob; the
  // rename is durable on return. Returns the blob's name. File-only:
  // thread-safe after Init.
  Result<std::string> AdoptBlob(const std::string& tmp_path);

  // Writes `data` durably to a new blob file and returns its name.
  Result<std::string> WriteBlob(std::string_view data);
  // Writes the concatenation of `blobs` to a new blob file.
  Result<std::string> ConcatBlobs(const std::vector<std::string>& blobs);
  // Writes the concatenation of `blobs` to a durable temp file (for
  // AdoptBlob) and returns its path. Touches only files: thread-safe after
  // Init, so a long copy can run off the state thread.
  Result<std::string> WriteTemp(const std::vector<std::string>& blobs, std::string_view data = {}) const;
  // Links a new name to an existing blob's bytes (copies).
  Result<std::string> CloneBlob(const std::string& blob);
  // Reads `len` bytes at `offset` of a blob.
  Result<std::string> ReadBlob(const std::string& blob, int64_t offset, int64_t len);
  // Opens a blob for reading; the caller owns the descriptor.
  Result<int> OpenBlob(const std::string& blob);
  // Removes a blob file (after its row is gone). Missing files are ignored.
  // File-only: thread-safe after Init.
  void RemoveBlob(const std::string& blob) const;

  std::optional<ObjectRow> Latest(const std::string& bucket, const std::string& key);
  std::optional<ObjectRow> Version(const std::string& bucket, const std::string& key,
                                   const std::string& version);

  // Adds `row` as the key's latest version. A row with version "null"
  // replaces an existing "null" version, whose blob is returned in
  // `replaced_blob` for the caller to remove after the commit.
  Status Insert(ObjectRow& row, std::string* replaced_blob);
  // Deletes one version; the next newest becomes latest. Sets `removed`.
  Status DeleteVersion(const std::string& bucket, const std::string& key, const std::string& version,
                       std::optional<ObjectRow>* removed);
  Status UpdateMeta(int64_t id, const std::string& meta);

  bool BucketHasRows(const std::string& bucket);

  // Removes blob files that neither a row nor `also_kept` (multipart parts)
  // names: bytes put in place whose commit never came (a crash between).
  // Returns how many went. REQUIRES: at start-up, before any write.
  size_t SweepUnreferenced(const std::set<std::string>& also_kept);

  // Latest non-delete-marker rows with key >= / > `from` and < `hi` ("" = no
  // bound), in key order.
  std::vector<ObjectRow> ListLatest(const std::string& bucket, const std::string& from, bool inclusive,
                                    const std::string& hi, size_t limit);
  // All versions after (key, id) in (key asc, id desc) order, keys < `hi`.
  std::vector<ObjectRow> ListVersions(const std::string& bucket, const std::string& key, int64_t id,
                                      const std::string& hi, size_t limit);

  const std::string& root() const { return root_; }

 private:
  std::vector<ObjectRow> Collect(store::Statement* st);
  std::string BlobPath(const std::string& blob) const;
  Result<std::string> Commit(const std::string& tmp_path);

  store::Store& store_;
  IdGenerator& ids_;
  std::string root_;
};

}  // namespace fargo::services::s3
