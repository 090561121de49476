# Test tools: testup.py, the fault-injecting DoT test upstream, and
# udpburst.py, a many-client UDP checker. Run from the source tree by the
# integration tests (see tests/integration/testup.sh); never installed.
EXTRA_DIST += %reldir%/testup.py %reldir%/udpburst.py
