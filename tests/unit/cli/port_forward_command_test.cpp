// `fargo port-forward TARGET`'s document: the one given, else AWS's
// to-remote-host document with --host and the plain one without.
#include "cli/port_forward_command.h"

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

TEST(PortForwardCommand, DocumentFollowsTheHost) {
  PortForwardOptions o;
  o.target = "ecs:c_t_r";
  EXPECT_EQ(PortForwardingDocument(o), "AWS-StartPortForwardingSession");
  o.host = "db.internal";
  EXPECT_EQ(PortForwardingDocument(o), "AWS-StartPortForwardingSessionToRemoteHost");
  o.document_name = "My-Document";
  EXPECT_EQ(PortForwardingDocument(o), "My-Document");
}

TEST(PortForwardCommand, BadPortsAreRefusedBeforeAnyCall) {
  PortForwardOptions o;
  o.target = "i-0123456789abcdef0";
  o.endpoint = "http://127.0.0.1:1";  // nothing is asked
  EXPECT_EQ(RunSsmPortForward(o), 2);  // no --port
  o.port = 70000;
  EXPECT_EQ(RunSsmPortForward(o), 2);
  o.port = 80;
  o.local = -1;
  EXPECT_EQ(RunSsmPortForward(o), 2);
  o.local = 0;
  EXPECT_EQ(RunSsmPortForward(o), 255);  // fargo unreachable
}

}  // namespace
}  // namespace fargo::cli
