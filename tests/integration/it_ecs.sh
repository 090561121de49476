#!/usr/bin/env bash
# EDNS Client Subnet (RFC 7871): by default a client's ECS option reaches
# the upstream as source prefix 0 with no address (7.1.2: "don't tailor to
# me"), and a client without ECS gets none added. With `ecs = pass` the
# option goes upstream unchanged, and such answers are not cached (they may
# be tailored to that subnet).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool

it_make_pki dot dot.test
it_start_testup T dot
ECS_MODE=strip
# it_conf_server writes the [server] section: the ecs line goes into it.
conf_with_ecs() {
	it_conf_server | sed "/^\[server\]/a ecs = $ECS_MODE"
	it_conf_testup tu T dot
}
it_start_dotstub conf_with_ecs

ecs_of() { it_testup_field T "^query .*qname=$1\\." ecs | tail -n 1; }

it_dig +notcp +subnet=192.0.2.0/24 ecsone.dotstub.test A
it_expect_a "answered with a client subnet" 192.0.2.1
it_expect_eq "the upstream saw source prefix 0 and no address" "0/none" "$(ecs_of ecsone)"
it_dig +notcp ecstwo.dotstub.test A
it_expect_a "answered without a client subnet" 192.0.2.1
it_expect_eq "no ECS added for a client that sent none" "-" "$(ecs_of ecstwo)"
it_stop_dotstub TERM

ECS_MODE=pass
it_start_dotstub conf_with_ecs
it_dig +notcp +subnet=192.0.2.0/24 ecsthree.dotstub.test A
it_expect_a "answered with ecs = pass" 192.0.2.1
it_expect_eq "the upstream saw the client's /24" "24/c00002" "$(ecs_of ecsthree)"
it_dig +notcp +subnet=192.0.2.0/24 ecsthree.dotstub.test A
it_expect_a "asked again" 192.0.2.1
it_expect_eq "not answered from the cache: the upstream was asked twice" 2 \
	"$(it_testup_names T '^query .*qname=ecsthree\.' | wc -l)"
it_stop_dotstub TERM
it_done
