# Test tools: testup.py, the fault-injecting DoT test upstream;
# udpburst.py, a many-client UDP checker; bootdns.py, a fixed-table plain
# DNS server for the bootstrap tests. Run from the source tree by the
# integration tests (see tests/integration/testup.sh); never installed.
EXTRA_DIST += %reldir%/testup.py %reldir%/udpburst.py %reldir%/bootdns.py
