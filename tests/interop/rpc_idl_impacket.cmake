# impacket (Debian python3-impacket) calls ICalc, the guise-midl-generated plain RPC interface of
# tests/integration/rpc_idl/calc.idl, served by guise's RPC runtime over ncacn_ip_tcp. Under
# /usr/bin/python3 on purpose: the first python3 on PATH may be another interpreter without impacket.
if(TARGET guise-rpc-idl-test-server)
  add_test(NAME rpc_idl_impacket_interop
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/rpc_idl_impacket_test.py
                   $<TARGET_FILE:guise-rpc-idl-test-server>)
  # 77: impacket cannot be imported (the script says so); ctest reports the test as skipped.
  set_tests_properties(rpc_idl_impacket_interop PROPERTIES LABELS "interop;rpc" TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
