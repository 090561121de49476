# Test tools: testup.py, the fault-injecting DoT test upstream;
# udpburst.py, a many-client UDP checker; bootdns.py, a fixed-table plain
# DNS server for the bootstrap tests; checkload.py, a steady many-socket
# UDP load that checks every answer (it_threads_load.sh, the soak). Run
# from the source tree by the integration tests (see
# tests/integration/testup.sh) and the soak; never installed.
EXTRA_DIST += %reldir%/testup.py %reldir%/udpburst.py %reldir%/bootdns.py \
	%reldir%/checkload.py
