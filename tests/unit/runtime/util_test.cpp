// Pure parts of the task runtime: image references, ulimit clamping, IPv4
// plans, the stream demultiplexer, the tar writer and container create bodies.
#include <gtest/gtest.h>

#include "runtime/engine_client.h"
#include "runtime/image_ref.h"
#include "runtime/ipv4.h"
#include "runtime/pause_image.h"
#include "runtime/stream_demuxer.h"
#include "runtime/tar_writer.h"
#include "runtime/task_sandbox.h"
#include "runtime/ulimits.h"

namespace fargo::runtime {
namespace {

TEST(RuntimeImageRef, NormalisesDockerHubNames) {
  EXPECT_EQ(NormalizeImageRef("nginx:1.24.0"), "docker.io/library/nginx:1.24.0");
  EXPECT_EQ(NormalizeImageRef("amazon/aws-cli:2.11.13"), "docker.io/amazon/aws-cli:2.11.13");
  EXPECT_EQ(NormalizeImageRef("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(NormalizeImageRef("debian:buster-20230411-slim"),
            "docker.io/library/debian:buster-20230411-slim");
  EXPECT_EQ(NormalizeImageRef("docker.io/library/nginx:1.24.0"), "docker.io/library/nginx:1.24.0");
  EXPECT_EQ(NormalizeImageRef("index.docker.io/library/nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(NormalizeImageRef("docker.io/nginx"), "docker.io/library/nginx:latest");
}

TEST(RuntimeImageRef, KeepsOtherRegistriesAndDigests) {
  EXPECT_EQ(NormalizeImageRef("localhost/fargo/pause:latest"), "localhost/fargo/pause:latest");
  EXPECT_EQ(NormalizeImageRef("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(NormalizeImageRef("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1"),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1");
  EXPECT_EQ(NormalizeImageRef("public.ecr.aws/nginx/nginx"), "public.ecr.aws/nginx/nginx:latest");
  EXPECT_EQ(NormalizeImageRef("nginx@sha256:abc"), "docker.io/library/nginx@sha256:abc");
  auto r = ParseImageRef("registry.example.com:8443/team/app:1.2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "registry.example.com:8443");
  EXPECT_EQ(r->repository, "team/app");
  EXPECT_EQ(r->tag, "1.2");
  EXPECT_EQ(r->Name(), "registry.example.com:8443/team/app");
}

TEST(RuntimeImageRef, RejectsMalformed) {
  EXPECT_FALSE(ParseImageRef(""));
  EXPECT_FALSE(ParseImageRef("Nginx:1"));
  EXPECT_FALSE(ParseImageRef("nginx:"));
  EXPECT_FALSE(ParseImageRef("nginx:bad tag"));
  EXPECT_EQ(NormalizeImageRef("UPPER"), "UPPER");
}

TEST(RuntimeUlimits, AddsDefaultsClampedToHost) {
  HostLimits host;
  host.hard = {{"nofile", 20000}, {"nproc", 32768}};
  auto out = ClampUlimits({}, host);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (Ulimit{"nofile", 20000, 20000}));
  EXPECT_EQ(out[1], (Ulimit{"nproc", 32768, 32768}));
}

TEST(RuntimeUlimits, ClampsRequestsAndKeepsSmallerOnes) {
  HostLimits host;
  host.hard = {{"nofile", 20000}, {"nproc", 32768}, {"core", -1}, {"memlock", 65536}};
  auto out = ClampUlimits({{"nofile", 1024, 1048576},
                           {"nproc", 100, 200},
                           {"core", -1, -1},
                           {"memlock", -1, -1},
                           {"bogus", 1, 1}},
                          host);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], (Ulimit{"core", -1, -1}));
  EXPECT_EQ(out[1], (Ulimit{"memlock", 65536, 65536}));
  EXPECT_EQ(out[2], (Ulimit{"nofile", 1024, 20000}));
  EXPECT_EQ(out[3], (Ulimit{"nproc", 100, 200}));
}

TEST(RuntimeUlimits, SoftNeverExceedsHard) {
  HostLimits host;
  host.hard = {{"nofile", 4096}};
  auto out = ClampUlimits({{"nofile", 8192, 2048}}, host);
  EXPECT_EQ(out[0], (Ulimit{"nofile", 2048, 2048}));
}

TEST(RuntimeUlimits, ProbeCapsNproc) {
  HostLimits host = HostLimits::Probe();
  EXPECT_GT(host.Max("nproc"), 0);
  EXPECT_LE(host.Max("nproc"), kMaxNproc);
  for (const auto& u : ClampUlimits({}, host)) {
    if (host.Max(u.name) >= 0) {
      EXPECT_LE(u.hard, host.Max(u.name));
    }
  }
  auto j = UlimitsToJson({{"nofile", 1, 2}});
  EXPECT_EQ(boost::json::serialize(j), R"([{"Name":"nofile","Soft":1,"Hard":2}])");
}

TEST(RuntimeIpv4, ParsesAndFormats) {
  EXPECT_EQ(ParseIpv4("10.0.1.23"), 0x0A000117u);
  EXPECT_FALSE(ParseIpv4("10.0.1"));
  EXPECT_FALSE(ParseIpv4("10.0.1.256"));
  EXPECT_FALSE(ParseIpv4("10.0.1.2x"));
  EXPECT_EQ(FormatIpv4(0x0A000117u), "10.0.1.23");
  auto c = ParseCidr("10.0.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ToString(), "10.0.0.0/16");
  EXPECT_TRUE(c->Covers(*ParseCidr("10.0.3.0/24")));
  EXPECT_FALSE(c->Covers(*ParseCidr("10.1.0.0/24")));
  EXPECT_FALSE(c->Covers(*ParseCidr("10.0.0.0/8")));
  EXPECT_FALSE(ParseCidr("10.0.0.1/16"));  // host bits set
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_TRUE(ParseCidr("0.0.0.0/0"));
}

TEST(RuntimeIpv4, AllocatesLikeAws) {
  Cidr subnet = *ParseCidr("10.0.1.0/24");
  EXPECT_EQ(FormatIpv4(*AllocateSubnetAddress(subnet, {})), "10.0.1.4");
  std::set<uint32_t> used{*ParseIpv4("10.0.1.4"), *ParseIpv4("10.0.1.5")};
  EXPECT_EQ(FormatIpv4(*AllocateSubnetAddress(subnet, used)), "10.0.1.6");
  // The hint spreads tasks but never reaches the broadcast address.
  EXPECT_EQ(FormatIpv4(*AllocateSubnetAddress(subnet, {}, 250)), "10.0.1.254");
  EXPECT_EQ(FormatIpv4(*AllocateSubnetAddress(subnet, {}, 251)), "10.0.1.4");
  Cidr tiny = *ParseCidr("10.0.1.0/29");  // 8 addresses, 3 usable
  std::set<uint32_t> full;
  for (int i = 4; i <= 6; ++i) full.insert(tiny.base + i);
  EXPECT_FALSE(AllocateSubnetAddress(tiny, full));
  EXPECT_FALSE(AllocateSubnetAddress(*ParseCidr("10.0.1.0/30"), {}));
}

TEST(RuntimeStreamDemuxer, SplitsFramesAcrossReads) {
  std::string out, err;
  StreamDemuxer d([&](StreamKind k, std::string_view s) {
    (k == StreamKind::kStderr ? err : out).append(s);
  });
  std::string stream;
  auto frame = [&](int kind, std::string_view payload) {
    stream.push_back(static_cast<char>(kind));
    stream.append(3, '\0');
    uint32_t n = static_cast<uint32_t>(payload.size());
    for (int shift : {24, 16, 8, 0}) stream.push_back(static_cast<char>((n >> shift) & 255));
    stream.append(payload);
  };
  frame(1, "hello\n");
  frame(2, "oops\n");
  frame(1, std::string(70000, 'x'));
  frame(1, "");
  frame(1, "end\n");
  // Feed one byte at a time, then in odd-sized pieces.
  for (char c : stream) d.Feed(std::string_view(&c, 1));
  EXPECT_TRUE(d.AtFrameBoundary());
  EXPECT_EQ(out, "hello\n" + std::string(70000, 'x') + "end\n");
  EXPECT_EQ(err, "oops\n");
  out.clear();
  err.clear();
  for (size_t i = 0; i < stream.size(); i += 7) d.Feed(std::string_view(stream).substr(i, 7));
  EXPECT_EQ(out.size(), 70010u);
  EXPECT_EQ(err, "oops\n");
}

TEST(RuntimeStreamDemuxer, RawPassThrough) {
  std::string out;
  StreamDemuxer d([&](StreamKind k, std::string_view s) { out.append(s); }, /*raw=*/true);
  // Explicit length: the payload contains a NUL, which a C string would end at.
  const std::string payload("\x01\x00plain", 7);
  d.Feed(payload);
  EXPECT_EQ(out, payload);
}

TEST(RuntimeTarWriter, WritesUstar) {
  TarWriter t;
  t.AddDirectory("etc");
  t.AddFile("etc/hosts", "127.0.0.1 localhost\n", 0644);
  t.AddSymlink("bin/sh", "busybox");
  std::string tar = t.Finish();
  ASSERT_EQ(tar.size() % 512, 0u);
  EXPECT_EQ(tar.size(), 512u * 6);  // 3 headers + 1 data block + 2 zero blocks
  EXPECT_EQ(tar.substr(0, 4), "etc/");
  EXPECT_EQ(tar.substr(257, 5), "ustar");
  EXPECT_EQ(tar[512 + 156], '0');
  EXPECT_EQ(tar.substr(1024, 20), "127.0.0.1 localhost\n");
  // Header checksum: sum of the header with the checksum field as spaces.
  std::string h = tar.substr(0, 512);
  unsigned stored = std::stoul(h.substr(148, 6), nullptr, 8);
  std::fill(h.begin() + 148, h.begin() + 156, ' ');
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  EXPECT_EQ(stored, sum);
}

TEST(RuntimePause, EmbeddedBinaryIsAStaticElf) {
  auto bin = EmbeddedPauseBinary();
  ASSERT_GT(bin.size(), 1000u);
  EXPECT_EQ(bin.substr(0, 4), "\x7f" "ELF");
  std::string tar = PauseRootfsTar();
  EXPECT_NE(tar.find("pause"), std::string::npos);
}

TEST(RuntimeEngineClient, DiscoversSocket) {
  auto none = [](const std::string&) { return false; };
  auto podman = [](const std::string& p) { return p == "/run/podman/podman.sock"; };
  auto both = [](const std::string&) { return true; };
  EXPECT_EQ(EngineClient::DiscoverSocket("unix:///tmp/e.sock", both), "/tmp/e.sock");
  EXPECT_EQ(EngineClient::DiscoverSocket(nullptr, both), "/var/run/docker.sock");
  EXPECT_EQ(EngineClient::DiscoverSocket("", podman), "/run/podman/podman.sock");
  EXPECT_EQ(EngineClient::DiscoverSocket(nullptr, none), "/var/run/docker.sock");
}

TEST(RuntimeEngineClient, MapsEngineErrors) {
  auto e = EngineErrorFrom(404, R"({"cause":"no such container","message":"no container with name or ID \"x\" found: no such container","response":404})");
  EXPECT_EQ(e.code, kEngineNotFound);
  EXPECT_EQ(e.message, "no container with name or ID \"x\" found: no such container");
  EXPECT_EQ(EngineErrorFrom(409, R"({"message":"in use"})").code, kEngineConflict);
  EXPECT_EQ(EngineErrorFrom(500, "plain text").message, "plain text");
  EXPECT_EQ(LabelFilterQuery({{"a", "b"}, {"c", ""}}),
            "%7B%22label%22%3A%5B%22a%3Db%22%2C%22c%22%5D%7D");
}

TEST(RuntimeEngineClient, UnreachableEngineIsUnavailable) {
  EngineClient c(EngineClient::Options{"/nonexistent/engine.sock"});
  auto st = c.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, kEngineUnavailable);
  EXPECT_EQ(st.error().status, 503);
}

TEST(RuntimeSandbox, Helpers) {
  std::string eni = DeriveEniId("arn:aws:ecs:us-east-1:123456789012:task/default/abc");
  EXPECT_EQ(eni.size(), 4u + 17u);
  EXPECT_EQ(eni.substr(0, 4), "eni-");
  EXPECT_EQ(eni.find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_EQ(eni, DeriveEniId("arn:aws:ecs:us-east-1:123456789012:task/default/abc"));
  EXPECT_NE(eni, DeriveEniId("arn:aws:ecs:us-east-1:123456789012:task/default/abd"));
  EXPECT_EQ(TaskIdOf("arn:aws:ecs:us-east-1:1:task/default/0123abcd"), "0123abcd");
  EXPECT_EQ(DefaultHostname("10.0.1.23"), "ip-10-0-1-23.ec2.internal");
  // An ENI's MAC: locally administered unicast, stable, distinct per ENI.
  std::string mac = DeriveMac(eni);
  EXPECT_EQ(mac.size(), 17u);
  EXPECT_EQ(mac.substr(0, 3), "0e:");
  EXPECT_EQ(mac, DeriveMac(eni));
  EXPECT_NE(mac, DeriveMac("eni-0123456789abcdef0"));
}

TEST(RuntimeSandbox, CreateBodyJoinsThePauseNamespace) {
  HostLimits host;
  host.hard = {{"nofile", 20000}, {"nproc", 32768}};
  ContainerSpec spec;
  spec.name = "web";
  spec.image = "nginx:1.24.0";
  spec.command = std::vector<std::string>{"nginx", "-g", "daemon off;"};
  spec.env = {"A=1"};
  spec.ulimits = {{"nofile", 65536, 65536}};
  spec.mounts = {{"data", "/data", true}};
  spec.labels = {{"app", "web"}, {kLabelTaskArn, "spoofed"}};
  spec.memory_mib = 512;
  Labels task{{kLabelTaskArn, "arn:t"}, {kLabelManaged, "true"}};
  auto body = BuildContainerCreateBody(spec, "PAUSEID", task, {{"data", "fargo-t-data"}}, host);
  ASSERT_TRUE(body.ok()) << body.error().message;
  std::string s = boost::json::serialize(*body);
  const auto& hc = body->at("HostConfig").as_object();
  EXPECT_EQ(hc.at("NetworkMode").as_string(), "container:PAUSEID");
  EXPECT_EQ(hc.at("Memory").as_int64(), 512 * 1024 * 1024);
  EXPECT_EQ(body->at("Image").as_string(), "docker.io/library/nginx:1.24.0");
  EXPECT_FALSE(body->contains("Entrypoint"));
  EXPECT_EQ(body->at("Cmd").as_array().size(), 3u);
  const auto& labels = body->at("Labels").as_object();
  EXPECT_EQ(labels.at(kLabelTaskArn).as_string(), "arn:t");  // task labels win
  EXPECT_EQ(labels.at("app").as_string(), "web");
  EXPECT_EQ(labels.at(kLabelContainerName).as_string(), "web");
  EXPECT_NE(s.find(R"({"Name":"nofile","Soft":20000,"Hard":20000})"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("Source":"fargo-t-data","Target":"/data","ReadOnly":true)"),
            std::string::npos)
      << s;

  spec.mounts = {{"missing", "/x", false}};
  auto bad = BuildContainerCreateBody(spec, "P", task, {}, host);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterException");
}

}  // namespace
}  // namespace fargo::runtime
