// `fargo port-forward <target> --port P`: Session Manager port forwarding
// as `aws ssm start-session --document-name AWS-StartPortForwardingSession`
// does it, with fargo's own client instead of the session-manager-plugin:
// SSM StartSession on the daemon, then the session's data channel
// (RunSessionStream) with a local listener (PortSessionClient).
#pragma once

#include <string>

#include "cli/vpc_commands.h"

namespace fargo::cli {

// The StartSession request: Target, DocumentName (options.document_name,
// else AWS-StartPortForwardingSessionToRemoteHost with a host,
// AWS-StartPortForwardingSession without) and Parameters as string lists
// (portNumber, localPortNumber, host).
std::string PortForwardingDocument(const PortForwardOptions& options);

// Runs until Ctrl-C or the session's end; the exit code (0 ended, 1 failed,
// 2 bad options, 254 refused by StartSession, 255 fargo unreachable).
int RunSsmPortForward(const PortForwardOptions& options);

}  // namespace fargo::cli
