# impacket (Debian python3-impacket) binds over ncacn_ip_tcp and calls the probe interface. It runs
# under /usr/bin/python3 on purpose: the first python3 on PATH may be another interpreter without it.
if(TARGET guise-rpc-test-server)
  add_test(NAME rpc_impacket_interop
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/rpc_impacket_test.py
                   $<TARGET_FILE:guise-rpc-test-server>)
  # 77: impacket cannot be imported (the script says so); ctest reports the test as skipped.
  set_tests_properties(rpc_impacket_interop PROPERTIES LABELS "interop;rpc" TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
