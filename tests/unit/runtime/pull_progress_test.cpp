// PullProgress folds real engines' `POST /images/create` streams (Docker's
// and Podman's compat API, tests/data/pulls/*.ndjson) into a pull's state.
#include "runtime/pull_progress.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace fargo::runtime {
namespace {

namespace json = boost::json;

std::vector<json::object> Lines(const std::string& name) {
  std::ifstream f(std::string(FARGO_TEST_DATA) + "/pulls/" + name);
  EXPECT_TRUE(f.good()) << name;
  std::vector<json::object> out;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

struct Case {
  const char* file;
  size_t feed;      // lines fed (0: all)
  bool finish_ok;   // then Finish(OkStatus()) when all were fed
  PullProgress::State state;
  size_t layers;
  int layers_done;
  int64_t bytes_done, bytes_total;
  int percent;
  const char* message;  // the last image-level line
  const char* error;    // a prefix of it
};

const Case kCases[] = {
    // Docker: an "Already exists" layer is done with no bytes; the tag's
    // "Pulling from" line is the image's, not a layer.
    {"docker_alpine.ndjson", 7, false, PullProgress::State::kPulling, 3, 1, 1811903, 3623807, 49,
     "Pulling from library/alpine", ""},
    // A layer's total becomes known only when its download starts.
    {"docker_alpine.ndjson", 11, false, PullProgress::State::kPulling, 3, 2, 4623807, 10000000, 46,
     "Pulling from library/alpine", ""},
    // Extracting does not count twice: bytes are the download's.
    {"docker_alpine.ndjson", 0, true, PullProgress::State::kDone, 3, 3, 10000000, 10000000, 100,
     "Status: Downloaded newer image for alpine:3.20", ""},
    {"docker_manifest_unknown.ndjson", 0, true, PullProgress::State::kFailed, 0, 0, 0, 0, -1,
     "Pulling from library/alpine", "manifest for alpine:nope not found: manifest unknown"},
    {"podman_alpine.ndjson", 2, false, PullProgress::State::kPulling, 1, 0, 1048576, 3623807, 28, "", ""},
    // Podman repeats the last progressDetail on later lines, sends -1 for
    // an unknown size, and ends with "Download complete" for the image's id.
    {"podman_alpine.ndjson", 0, true, PullProgress::State::kDone, 2, 2, 3623807, 3623807, 100,
     "c157a85ed455: Download complete", ""},
    {"podman_already_exists.ndjson", 0, false, PullProgress::State::kPulling, 2, 1, 700, 1471, 47, "", ""},
    // The engine here, with no registry reachable (Podman 4.3.1, verbatim).
    {"podman_no_registry.ndjson", 0, true, PullProgress::State::kFailed, 0, 0, 0, 0, -1, "",
     "initializing source docker://busybox:latest: pinging container registry registry-1.docker.io"},
};

class PullProgressGolden : public ::testing::TestWithParam<Case> {};

TEST_P(PullProgressGolden, FoldsTheStream) {
  const Case& c = GetParam();
  auto lines = Lines(c.file);
  ASSERT_FALSE(lines.empty());
  size_t n = c.feed ? c.feed : lines.size();
  ASSERT_LE(n, lines.size());
  PullProgress p;
  for (size_t i = 0; i < n; ++i) p.Feed(lines[i]);
  if (c.finish_ok && n == lines.size()) p.Finish(OkStatus());
  EXPECT_EQ(PullProgress::StateName(p.state), std::string(PullProgress::StateName(c.state)));
  EXPECT_EQ(p.layers.size(), c.layers);
  EXPECT_EQ(p.LayersDone(), c.layers_done);
  EXPECT_EQ(p.BytesDone(), c.bytes_done);
  EXPECT_EQ(p.BytesTotal(), c.bytes_total);
  EXPECT_EQ(p.Percent(), c.percent);
  EXPECT_EQ(p.message, c.message);
  EXPECT_EQ(p.error.rfind(c.error, 0), 0u) << p.error;
  if (std::string(c.error).empty()) {
    EXPECT_EQ(p.error, "");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, PullProgressGolden, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string s = std::string(i.param.file).substr(0, std::string(i.param.file).find('.'));
                           return s + "_" + std::to_string(i.index);
                         });

TEST(PullProgress, TheFirstErrorIsKeptOverTheClientsOwn) {
  PullProgress p;
  p.Feed(Lines("podman_no_registry.ndjson")[0]);
  p.Finish(AwsError::Make("CannotPullContainerError", "something else", 500));
  EXPECT_EQ(p.state, PullProgress::State::kFailed);
  EXPECT_NE(p.error.find("no such host"), std::string::npos);
}

TEST(PullProgress, AFailureWithoutErrorLineIsTheClientsMessage) {
  PullProgress p;
  p.Finish(AwsError::Make("EngineUnavailable", "connection refused", 503));
  EXPECT_EQ(p.state, PullProgress::State::kFailed);
  EXPECT_EQ(p.error, "connection refused");
  p.Finish(OkStatus());  // a failed pull stays failed
  EXPECT_EQ(p.state, PullProgress::State::kFailed);
}

TEST(PullProgress, JsonRoundTrips) {
  PullProgress p;
  p.id = "pull-3";
  p.image = "docker.io/library/alpine:3.20";
  p.owner = "arn:aws:ecs:us-east-1:000000000000:task/c/abc";
  for (const auto& l : Lines("podman_already_exists.ndjson")) p.Feed(l);
  p.started_at = 1.5;
  json::object o = p.ToJson();
  EXPECT_EQ(o.at("State"), "pulling");
  EXPECT_EQ(o.at("Percent"), 47);
  PullProgress q = PullProgress::FromJson(o);
  EXPECT_EQ(json::serialize(q.ToJson()), json::serialize(o));
}

}  // namespace
}  // namespace fargo::runtime
