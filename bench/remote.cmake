# Remote: the null call over TCP at PKT_PRIVACY with Kerberos and with NTLM, next to an
# unauthenticated TCP call and the local ncalrpc call, in one run. Starts its own MIT KDC through the
# remote tests' TestRealm, so it exists only when the tests are built.
if(TARGET guise_rpc_gssapi AND TARGET guise_remote_fixture)
  guise_add_benchmark(remote_bench SOURCES remote_bench.cpp LIBS guise_rpc_gssapi guise_remote_fixture)
endif()
