#!/usr/bin/env bash
# Failover on bad answers, with two testup upstreams that answer different
# addresses (primary 192.0.2.1, secondary 192.0.2.2) so the test can tell
# which one answered:
#   - primary answers SERVFAIL: the answer comes from the secondary, and
#     the primary is still asked first next time (a SERVFAIL is not a
#     health failure);
#   - every upstream answers SERVFAIL: the client gets SERVFAIL, once;
#   - primary writes half an answer and drops the connection, every time:
#     one re-send on a fresh connection, then the secondary answers;
#   - primary does that once only: the re-send on the primary's fresh
#     connection answers.
# A fresh dotstub per case, so that no backoff carries over.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_primary_secondary servfail
IT_QUERY_TIMEOUT=4s

# 1. SERVFAIL from the primary.
it_start_dotstub conf
it_dig +notcp sf1.dotstub.test A
it_expect_a "primary SERVFAIL: answer from the secondary" 192.0.2.2
it_expect_eq "the primary was asked first" 1 "$(it_testup_queries P 'qname=sf1\.' | grep -c .)"
it_dig +tcp sf2.dotstub.test A
it_expect_a "next query: from the secondary again" 192.0.2.2
it_expect_eq "and the primary, not backed off, was asked again first" 1 \
	"$(it_testup_queries P 'qname=sf2\.' | grep -c .)"
it_expect_eq "the secondary had the first query once" 1 \
	"$(it_testup_queries S 'qname=sf1\.' | grep -c .)"

# 2. Every upstream answers SERVFAIL.
it_testup_ctl S servfail
it_dig +notcp allsf.dotstub.test A
it_expect_rcode "every upstream SERVFAIL: the client gets SERVFAIL" SERVFAIL
it_expect_eq "both upstreams were asked" "1 1" \
	"$(it_testup_queries P 'qname=allsf\.' | grep -c .) $(it_testup_queries S 'qname=allsf\.' | grep -c .)"
it_testup_ctl S normal
it_stop_dotstub TERM

# 3. The primary always breaks off in the middle of an answer.
it_testup_ctl P close-mid-answer
it_start_dotstub conf
it_dig +notcp mid1.dotstub.test A
it_expect_a "primary drops the connection mid-answer every time: answer from the secondary" \
	192.0.2.2
it_expect_eq "the primary got the query twice (one re-send on a fresh connection)" 2 \
	"$(it_testup_queries P 'qname=mid1\.' | grep -c .)"
it_expect_eq "each on its own connection, both cut mid-answer" 2 \
	"$(it_testup_count P '^fault .*what=close-mid-answer')"
it_stop_dotstub TERM

# 4. The primary breaks off once, then behaves.
it_testup_ctl P close-mid-answer:1
it_start_dotstub conf
it_dig +notcp mid2.dotstub.test A
it_expect_a "primary drops the connection mid-answer once: the re-send gets the answer" \
	192.0.2.1
it_expect_eq "the secondary was not needed" 0 "$(it_testup_queries S 'qname=mid2\.' | grep -c .)"
it_dig +tcp mid3.dotstub.test A
it_expect_a "and the primary goes on answering" 192.0.2.1
it_stop_dotstub TERM

it_done
