/*
 * The signed test root the validate fuzz target (fuzz_validate.c) and its
 * seed maker (make-validate-seeds.c) share: tests/dnssec/make-zones.sh
 * DIR 1800000000, root.signed and anchor.ds, comments cut. Signatures are
 * valid from 2027-01-14 08:00 to 2027-02-14 08:00 UTC; the target checks
 * at FUZZ_VALIDATE_NOW, inside that window, whatever the clock says.
 */
#ifndef DST_FUZZ_VALIDATE_ZONE_H
#define DST_FUZZ_VALIDATE_ZONE_H

#define FUZZ_VALIDATE_NOW 1800000000

static const char fuzz_validate_anchor[] =
	".	3600	IN	DS	49946 13 2 7069088577d08a87d5f473587ac2dc46b21e51520280d3cacde9d754b050866e\n"
;

static const char fuzz_validate_root[] =
	".	3600	IN	SOA	ns.root-servers. hostmaster.root-servers. 1 7200 3600 1209600 300\n"
	".	3600	IN	RRSIG	SOA 13 0 3600 20270214080000 20270114080000 57093 . tdE/Pl/mhPjamrpepQTpdxnPRaNHrvhlUHGYA6dBTv4iVZfbjxhGvDnKloVO3s669j/xD6JkG2OuUsBYkoOlcQ==\n"
	".	3600	IN	NS	ns.root-servers.\n"
	".	3600	IN	RRSIG	NS 13 0 3600 20270214080000 20270114080000 57093 . ycxKs0SvwbnIKy0zk2un2Fh3P9/qCSN+DdJO98gN2w1qskUwY7XJiCZswdzgLFGFm1ka4QYXCrzn1Y0b1mA2Mg==\n"
	".	3600	IN	DNSKEY	256 3 13 zJubuWkuaXe7WtFVEcfbFR9GSnA0KSig4ejt0+xY89wBgd0ggYsEC/O5qEDx2HgTEKNdcUcYoejivKLoWmgOuw==\n"
	".	3600	IN	DNSKEY	257 3 13 0QFz0AVlp3V+bPtA98NGYBQhOI2atPn5T+3IXtByD+LtwWRH/TR5oUJYRdF6k3B060nybsC90BIov8DP9hCxVQ==\n"
	".	3600	IN	RRSIG	DNSKEY 13 0 3600 20270214080000 20270114080000 49946 . zO7V7fYCm700vQ+exh6BmfxBOl2K1NPNt9O0yNdMgIxIos/WKttYamTQvGN/yuESniC+AeLyaA10Sa//LVVuGw==\n"
	".	300	IN	NSEC	ns.root-servers. NS SOA RRSIG NSEC DNSKEY\n"
	".	300	IN	RRSIG	NSEC 13 0 300 20270214080000 20270114080000 57093 . 5VihYZpp80a/UG7teksRpi2hoEBGOA/IbjGljp4MqnXHWnuUkbgGJwHPsL0sNucI+bikbgMflg6puYa5qswgZA==\n"
	"ns.root-servers.	3600	IN	A	192.0.2.53\n"
	"ns.root-servers.	3600	IN	RRSIG	A 13 2 3600 20270214080000 20270114080000 57093 . MlR5hHhT2dXoiiTJvRqiJV0EsTdxtnJlfakMRXz6+lMTOFyk2sxSBDYxOaBK3W6+yrfeMx64e5CGRyU6z3slmA==\n"
	"ns.root-servers.	300	IN	NSEC	test. A RRSIG NSEC\n"
	"ns.root-servers.	300	IN	RRSIG	NSEC 13 2 300 20270214080000 20270114080000 57093 . eR6jd4kRYTRswAmMref5+GGbsvo6CAybFS7wAlrtqUdEShuP9W9lIVkNrL+yrWHl1dsyDpnfYY2ey9v3PEJqqA==\n"
	"test.	3600	IN	NS	ns.test.\n"
	"test.	3600	IN	DS	26610 13 2 78ab97958ae977babecf7487f71ad741f957b727b6280664346a7c02b650dfaa\n"
	"test.	3600	IN	RRSIG	DS 13 1 3600 20270214080000 20270114080000 57093 . qJ6YI+NOhN81ElsWQt+UhbQNGr0DUO7YEULnoV7uvGAVCkxnW3uBQXsViSMMt9bOBbwHV/M0t8J0kjtrEYSkhg==\n"
	"test.	300	IN	NSEC	. NS DS RRSIG NSEC\n"
	"test.	300	IN	RRSIG	NSEC 13 1 300 20270214080000 20270114080000 57093 . 2/0kzR/7t7kZHNNS/ohwW9idKVnbEM9H3hxCPJ/3nPD7k1LNPPkxV7a2ez+waRotjb987h54a9zEpCaOdjf1Ow==\n"
	"ns.test.	3600	IN	A	192.0.2.53\n"
;

#endif
