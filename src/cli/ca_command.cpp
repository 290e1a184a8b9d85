// `fargo ca`: fargo's certificate authority for a person who wants this
// host to trust what tasks are served (e.g. copied into
// /usr/local/share/ca-certificates and `update-ca-certificates`).
#include <cstdio>

#include "cli/serve.h"
#include "server/tls/tls_authority.h"

namespace fargo::cli {

int PrintCa(const std::string& data_dir) {
  auto ca = server::tls::TlsAuthority::LoadOrCreate(CaFolder(data_dir), InstanceIdOf(data_dir));
  if (!ca.ok()) {
    std::fprintf(stderr, "fargo: %s\n", ca.error().message.c_str());
    return 1;
  }
  std::fputs((*ca)->CaPem().c_str(), stdout);
  return 0;
}

}  // namespace fargo::cli
