// PullProgress: one image pull as a person follows it, folded from the
// engine's `POST /images/create` progress stream one JSON line at a time.
//
// Docker sends, per layer (`id` = the layer's short digest): "Pulling fs
// layer", "Waiting", "Downloading" {progressDetail: {current, total}},
// "Verifying Checksum", "Download complete", "Extracting" {current, total:
// bytes unpacked}, "Pull complete" or "Already exists", "Retrying in N
// seconds"; and image-level lines ("Pulling from library/alpine" with the
// tag as id, "Digest: ...", "Status: Downloaded newer image for ...").
// Podman's compat API sends only "Pulling fs layer", "Downloading" (current
// is the offset read, total the blob size or -1 when unknown, and the last
// progressDetail is repeated on later lines), "Already exists" and
// "Download complete" per blob (the config blob counts as one), then a last
// "Download complete" whose id is the image's, never seen before. Both send
// failures as {"error": "...", "errorDetail": {"message": "..."}}.
//
// Bytes are the download's: a layer's current/total from "Downloading"
// only; a layer past its download counts its total as done. Plain data:
// not thread-safe (PullRegistry guards it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/result.h"

namespace fargo::runtime {

struct PullProgress {
  struct Layer {
    std::string id;
    std::string status;  // the engine's last word for it ("Downloading")
    int64_t current = 0, total = 0;  // download bytes; total 0 = unknown
    bool done = false;               // downloaded (or already there)
  };
  enum class State { kPulling, kDone, kFailed };

  std::string id;     // PullRegistry's id ("" outside one)
  std::string image;  // the normalised reference
  std::string owner;  // the task ARN that pulls it; "" for `fargo pull`
  State state = State::kPulling;
  std::string message;  // the last image-level status line
  std::string error;    // kFailed: the engine's message
  std::vector<Layer> layers;  // in order of appearance
  double started_at = 0, updated_at = 0;  // epoch seconds

  // Folds one line of the stream in. An error line fails the pull.
  void Feed(const boost::json::object& line);
  // The pull's end as the engine client returned it: done, or failed with
  // its message (an error line already seen is kept).
  void Finish(const Status& status);

  int LayersDone() const;
  // Both of the layers whose size is known.
  int64_t BytesDone() const;
  int64_t BytesTotal() const;
  // 0-100 by bytes; -1 while no layer's size is known. 100 once done.
  int Percent() const;

  static const char* StateName(State s);  // "pulling", "done", "failed"
  // {"Id","Image","Owner","State","Message","Error","Percent","BytesDone",
  //  "BytesTotal","LayersDone","Layers":[{"Id","Status","Current","Total","Done"}],
  //  "StartedAt","UpdatedAt"}
  boost::json::object ToJson() const;
  // The inverse of ToJson (the CLI reads the daemon's answers with it).
  static PullProgress FromJson(const boost::json::object& o);
};

}  // namespace fargo::runtime
