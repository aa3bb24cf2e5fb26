// A program outside the guise tree using the installed remote-authentication library: it builds an
// NTLM client provider (no network, no KDC) and reports its auth type.
#include <cstdio>

#include "rpc/gssapi/gss_client.h"

int main() {
  guise::rpc::gssapi::ClientCredentials creds;
  creds.user = "alice";
  creds.domain = "EXAMPLE";
  creds.password = "pw";
  auto factory = guise::rpc::gssapi::make_client_security(10, creds);
  auto provider = factory();
  std::printf("consumer_gssapi: auth type %d\n", provider ? provider->auth_type() : -1);
  return provider && provider->auth_type() == 10 ? 0 : 1;
}
