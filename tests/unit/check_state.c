/*
 * Unit suite for the persisted state's container (resolver/io/state.c)
 * and the upstreams' records (resolver/upstream/saved.c, the selector's
 * export and import): build and parse give back the sections; a file
 * truncated anywhere, a byte changed anywhere, another magic or version
 * are skipped (in whole or by section) with a warning and never read as
 * data; an upstream record round-trips byte for byte and its identity
 * changes with every field that decides where and how it connects; the
 * file is replaced atomically with mode 0600; and a whole file (an
 * upstream record and cache entries) written, read back in another
 * process's clock and written again is the same, byte for byte.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "dns/err.h"
#include "resolver/io/state.h"
#include "resolver/upstream/select.h"

static unsigned nwarn;
static char last_warn[256];

static void on_warn(void *arg, const char *msg)
{
	(void)arg;
	nwarn++;
	snprintf(last_warn, sizeof last_warn, "%s", msg);
}

static const uint8_t ups_data[] = "upstream records";
static const uint8_t cache_data[] = "cache entries, a few more bytes";

static void build(struct dst_state_buf *b)
{
	dst_state_build_begin(b, 1800000000);
	dst_state_build_section(b, DST_STATE_UPSTREAMS);
	dst_state_append(b, ups_data, sizeof ups_data);
	dst_state_build_section_end(b);
	dst_state_build_section(b, DST_STATE_CACHE);
	dst_state_append(b, cache_data, 10);
	dst_state_append(b, cache_data + 10, sizeof cache_data - 10);
	dst_state_build_section_end(b);
	ck_assert_int_eq(dst_state_build_end(b), 0);
}

static int parse(const uint8_t *data, size_t len, struct dst_state_view *v)
{
	nwarn = 0;
	last_warn[0] = '\0';
	return dst_state_parse(data, len, v, on_warn, NULL);
}

START_TEST(test_built_sections_parse_back)
{
	struct dst_state_buf b;
	struct dst_state_view v;
	const struct dst_state_section *s;

	build(&b);
	ck_assert_int_eq(parse(b.data, b.len, &v), 0);
	ck_assert_uint_eq(nwarn, 0);
	ck_assert_int_eq(v.written_s, 1800000000);
	ck_assert_uint_eq(v.n, 2);
	s = dst_state_find(&v, DST_STATE_UPSTREAMS);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, sizeof ups_data);
	ck_assert_mem_eq(s->data, ups_data, sizeof ups_data);
	s = dst_state_find(&v, DST_STATE_CACHE);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, sizeof cache_data);
	ck_assert_mem_eq(s->data, cache_data, sizeof cache_data);
	ck_assert_int_ge(dst_state_clock_floor(), 1800000000);
	dst_state_buf_free(&b);
}
END_TEST

START_TEST(test_crc32_is_the_ieee_one)
{
	/* The check value of CRC-32/ISO-HDLC. */
	ck_assert_uint_eq(dst_state_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
}
END_TEST

START_TEST(test_truncated_anywhere_keeps_only_whole_sections)
{
	struct dst_state_buf b;
	struct dst_state_view v;

	build(&b);
	for (size_t cut = 0; cut < b.len; cut++) {
		int r = parse(b.data, cut, &v);

		ck_assert_uint_eq(nwarn, 1);
		if (cut < DST_STATE_HEADER_LEN) {
			ck_assert_int_eq(r, DST_EFORMAT);
			ck_assert_uint_eq(v.n, 0);
			continue;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_msg(strstr(last_warn, "truncated"), "cut %zu: %s", cut, last_warn);
		/* Only the upstreams section can be whole. */
		ck_assert_uint_le(v.n, 1);
		if (v.n)
			ck_assert_mem_eq(v.sec[0].data, ups_data, sizeof ups_data);
	}
	dst_state_buf_free(&b);
}
END_TEST

START_TEST(test_a_changed_byte_never_passes_as_data)
{
	struct dst_state_buf b;
	struct dst_state_view v;

	build(&b);
	for (size_t i = 0; i < b.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b.data[i] ^= (uint8_t)(1u << bit);
			parse(b.data, b.len, &v);
			/* Whatever survives is exactly what was written. */
			for (size_t k = 0; k < v.n; k++) {
				if (v.sec[k].type == DST_STATE_UPSTREAMS)
					ck_assert_mem_eq(v.sec[k].data, ups_data, sizeof ups_data);
				else
					ck_assert_mem_eq(v.sec[k].data, cache_data,
							 sizeof cache_data);
			}
			ck_assert_msg(nwarn >= 1, "byte %zu bit %u: no warning", i, bit);
			b.data[i] ^= (uint8_t)(1u << bit);
		}
	}
	dst_state_buf_free(&b);
}
END_TEST

START_TEST(test_foreign_magic_and_version_skip_the_file)
{
	struct dst_state_buf b;
	struct dst_state_view v;

	build(&b);
	b.data[11] = 2;
	ck_assert_int_eq(parse(b.data, b.len, &v), DST_EFORMAT);
	ck_assert_str_eq(last_warn, "state file version 2, this dotstub reads version 1");
	b.data[11] = 1;
	b.data[0] = 'X';
	ck_assert_int_eq(parse(b.data, b.len, &v), DST_EFORMAT);
	ck_assert_ptr_nonnull(strstr(last_warn, "not a dotstub state file"));
	ck_assert_uint_eq(v.n, 0);
	dst_state_buf_free(&b);
}
END_TEST

START_TEST(test_unknown_and_repeated_sections_are_skipped_and_named)
{
	struct dst_state_buf b;
	struct dst_state_view v;

	dst_state_build_begin(&b, 1);
	dst_state_build_section(&b, (enum dst_state_type)77);
	dst_state_append(&b, "x", 1);
	dst_state_build_section_end(&b);
	dst_state_build_section(&b, DST_STATE_CACHE);
	dst_state_append(&b, "a", 1);
	dst_state_build_section_end(&b);
	dst_state_build_section(&b, DST_STATE_CACHE);
	dst_state_append(&b, "b", 1);
	dst_state_build_section_end(&b);
	ck_assert_int_eq(dst_state_build_end(&b), 0);
	ck_assert_int_eq(parse(b.data, b.len, &v), 0);
	ck_assert_uint_eq(nwarn, 2);
	ck_assert_str_eq(last_warn, "second cache section skipped");
	ck_assert_uint_eq(v.n, 1);
	ck_assert_mem_eq(v.sec[0].data, "a", 1);
	dst_state_buf_free(&b);
}
END_TEST

static char dir[] = "/tmp/check_state.XXXXXX";

START_TEST(test_file_is_replaced_atomically_and_readable_by_its_owner_only)
{
	struct dst_state_dir *d;
	uint8_t *data;
	size_t len;
	struct stat st;
	char path[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub", dir);
	ck_assert_int_eq(dst_state_dir_open(path, &d), 0);
	ck_assert_int_eq(dst_state_dir_read(d, 1000, &data, &len), DST_ENOENT);
	ck_assert_int_eq(dst_state_dir_check(d), 0);
	umask(0);
	ck_assert_int_eq(dst_state_dir_write(d, (const uint8_t *)"first", 5), 0);
	ck_assert_int_eq(dst_state_dir_write(d, (const uint8_t *)"second", 6), 0);
	ck_assert_int_eq(dst_state_dir_read(d, 1000, &data, &len), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(data, "second", 6);
	free(data);
	ck_assert_int_eq(dst_state_dir_read(d, 5, &data, &len), DST_EMSGSIZE);
	snprintf(path, sizeof path, "%s/sub/" DST_STATE_FILE, dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* No temporary file is left behind. */
	snprintf(path, sizeof path, "%s/sub/" DST_STATE_FILE ".tmp", dir);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* A symbolic link in its place is not followed. */
	snprintf(path, sizeof path, "%s/sub/" DST_STATE_FILE, dir);
	unlink(path);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(dst_state_dir_read(d, 1 << 20, &data, &len), DST_EINVAL);
	unlink(path);
	dst_state_dir_close(d);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

/* --- upstream records ------------------------------------------------------------- */

struct bytes {
	uint8_t data[8192];
	size_t len;
};

static int on_write(void *arg, const void *data, size_t len)
{
	struct bytes *b = arg;

	ck_assert_uint_le(b->len + len, sizeof b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static struct dst_config_upstream upstream(struct dst_config_addr *a, uint8_t (*pins)[32])
{
	struct dst_config_upstream u = {.name = "quad9", .tls_name = "dns.quad9.net"};

	memset(a, 0, sizeof *a);
	snprintf(a->text, sizeof a->text, "9.9.9.9:853");
	u.addrs = a;
	u.naddrs = 1;
	memset(pins, 7, 32);
	u.pins = pins;
	u.npins = 1;
	return u;
}

START_TEST(test_upstream_record_round_trips_byte_for_byte)
{
	uint8_t id[DST_UP_ID_MAX], session[100];
	struct dst_config_addr a;
	uint8_t pins[1][32];
	struct dst_config_upstream u = upstream(&a, pins);
	struct dst_up_saved s = {.id = id}, r;
	struct bytes b1 = {0}, b2 = {0};
	size_t pos = 0;

	memset(session, 0xab, sizeof session);
	s.id_len = dst_up_identity(&u, id, sizeof id);
	ck_assert_uint_gt(s.id_len, 0);
	s.have_rtt = true;
	s.srtt_us = 12345;
	s.rttvar_us = 678;
	s.state = DST_UP_DOWN;
	s.backoff_ms = 4000;
	s.session = session;
	s.session_len = sizeof session;
	s.session_expires_s = 1800000000;
	ck_assert_int_eq(dst_up_saved_write(&s, on_write, &b1), 0);
	ck_assert_int_eq(dst_up_saved_read(b1.data, b1.len, &pos, &r), 0);
	ck_assert_uint_eq(pos, b1.len);
	ck_assert_uint_eq(r.srtt_us, 12345);
	ck_assert_uint_eq(r.rttvar_us, 678);
	ck_assert_uint_eq(r.state, DST_UP_DOWN);
	ck_assert_uint_eq(r.backoff_ms, 4000);
	ck_assert_int_eq(r.session_expires_s, 1800000000);
	ck_assert_uint_eq(r.session_len, sizeof session);
	ck_assert_mem_eq(r.session, session, sizeof session);
	ck_assert_int_eq(dst_up_saved_write(&r, on_write, &b2), 0);
	ck_assert_uint_eq(b1.len, b2.len);
	ck_assert_mem_eq(b1.data, b2.data, b1.len);
	/* Every truncation is refused. */
	for (size_t cut = 0; cut < b1.len; cut++) {
		pos = 0;
		ck_assert_int_eq(dst_up_saved_read(b1.data, cut, &pos, &r), DST_EFORMAT);
	}
}
END_TEST

START_TEST(test_identity_changes_with_what_decides_the_servers)
{
	uint8_t id0[DST_UP_ID_MAX], id1[DST_UP_ID_MAX];
	struct dst_config_addr a;
	uint8_t pins[1][32];
	struct dst_config_upstream u = upstream(&a, pins);
	size_t n0 = dst_up_identity(&u, id0, sizeof id0), n1;

#define CHANGED(stmt)                                                        \
	do {                                                                 \
		struct dst_config_upstream v = upstream(&a, pins);           \
		stmt;                                                        \
		n1 = dst_up_identity(&v, id1, sizeof id1);                   \
		ck_assert_msg(n1 != n0 || memcmp(id0, id1, n0) != 0, #stmt); \
		memset(pins, 7, 32);                                         \
		snprintf(a.text, sizeof a.text, "9.9.9.9:853");              \
	} while (0)
	CHANGED(v.name = "other");
	CHANGED(v.tls_name = "dns9.quad9.net");
	CHANGED(v.tls_name = NULL);
	CHANGED(v.ca_file = "/etc/ca.pem");
	CHANGED(v.host = "dns.quad9.net"; v.host_port = 853);
	CHANGED(snprintf(a.text, sizeof a.text, "149.112.112.112:853"));
	CHANGED(pins[0][31] = 8);
	CHANGED(v.npins = 0);
	CHANGED(v.naddrs = 0);
	CHANGED(v.transport = DST_CONFIG_TRANSPORT_DNS);
#undef CHANGED
	/* Pool limits are not part of it. */
	u.max_connections = 9;
	u.idle_timeout_ms = 1;
	n1 = dst_up_identity(&u, id1, sizeof id1);
	ck_assert_uint_eq(n0, n1);
	ck_assert_mem_eq(id0, id1, n0);
	ck_assert_uint_eq(dst_up_identity(&u, id1, 10), 0);
}
END_TEST

static uint32_t rand_fixed(void *arg)
{
	(void)arg;
	return 12345;
}

START_TEST(test_a_saved_down_upstream_comes_back_suspect_with_its_rtt)
{
	struct dst_selector_opts o = {.rand = rand_fixed};
	struct dst_selector *s;
	struct dst_up_saved in = {.have_rtt = true,
				  .srtt_us = 5000,
				  .rttvar_us = 100,
				  .state = DST_UP_DOWN,
				  .backoff_ms = 8000};
	struct dst_up_saved out = {0};
	const struct dst_up_health *h;

	ck_assert_int_eq(dst_selector_new(&o, 2, &s), 0);
	dst_selector_import(s, 1, &in, 1000);
	h = dst_selector_health(s, 1);
	ck_assert_int_eq(h->state, DST_UP_SUSPECT);
	ck_assert_uint_eq(h->srtt_us, 5000);
	ck_assert_uint_eq(h->backoff_ms, 8000);
	/* Not picked while the other is UP. */
	ck_assert_int_eq(dst_selector_pick(s, 0, 1000), 0);
	dst_selector_export(s, 1, &out);
	ck_assert_uint_eq(out.state, DST_UP_SUSPECT);
	ck_assert_uint_eq(out.srtt_us, 5000);
	ck_assert_uint_eq(out.rttvar_us, 100);
	/* An UP one keeps only its RTT, and stays UP. */
	in.state = DST_UP_UP;
	dst_selector_import(s, 0, &in, 1000);
	ck_assert_int_eq(dst_selector_health(s, 0)->state, DST_UP_UP);
	ck_assert_uint_eq(dst_selector_health(s, 0)->srtt_us, 5000);
	dst_selector_free(s);
}
END_TEST

/* --- the whole file -------------------------------------------------------------- */

/* One A answer for name with TTL ttl, stored in c at now_ms. */
static void store_a(struct dst_cache *c, const char *label, uint32_t ttl, uint64_t now_ms)
{
	uint8_t wire[128], n = (uint8_t)strlen(label);
	struct dst_cache_key key;
	struct dst_dns_query q = {.qtype = 1, .qclass = 1};
	size_t len = 12;
	uint16_t off;

	memset(wire, 0, sizeof wire);
	wire[2] = 0x81;
	wire[3] = 0x80;
	wire[5] = 1; /* QDCOUNT */
	wire[7] = 1; /* ANCOUNT */
	q.qname_lower[0] = n;
	memcpy(q.qname_lower + 1, label, n);
	memcpy(q.qname_lower + 1 + n, "\007example\000", 9);
	q.qname_len = (uint16_t)(n + 10);
	memcpy(wire + len, q.qname_lower, q.qname_len);
	len += q.qname_len;
	memcpy(wire + len, "\000\001\000\001\300\014\000\001\000\001", 10);
	len += 10;
	off = (uint16_t)len;
	dst_dns_put32(wire + len, ttl);
	memcpy(wire + len + 4, "\000\004\300\000\002\001", 6);
	len += 10;
	dst_cache_key_make(&key, &q);
	ck_assert_int_eq(dst_cache_store(c, &key, wire, len, &off, 1, now_ms), 0);
}

/* The file dotstub would write: an upstream record and c's entries, at wall_ms. */
static void build_file(struct dst_state_buf *b, const struct dst_up_saved *up, struct dst_cache *c,
		       uint64_t now_ms, int64_t wall_ms)
{
	dst_state_build_begin(b, wall_ms / 1000);
	dst_state_build_section(b, DST_STATE_UPSTREAMS);
	ck_assert_int_eq(dst_up_saved_write(up, dst_state_append, b), 0);
	dst_state_build_section_end(b);
	dst_state_build_section(b, DST_STATE_CACHE);
	ck_assert_int_eq(dst_cache_save(c, now_ms, wall_ms, dst_state_append, b, NULL), 0);
	dst_state_build_section_end(b);
	ck_assert_int_eq(dst_state_build_end(b), 0);
}

START_TEST(test_the_whole_file_is_byte_for_byte_stable_across_save_and_load)
{
	const int64_t wall = 1800000000000LL;
	uint8_t id[DST_UP_ID_MAX], session[48];
	struct dst_config_addr a;
	uint8_t pins[1][32];
	struct dst_config_upstream u = upstream(&a, pins);
	struct dst_up_saved up = {.id = id,
				  .have_rtt = true,
				  .srtt_us = 900,
				  .rttvar_us = 40,
				  .session = session,
				  .session_len = sizeof session,
				  .session_expires_s = 1800003600};
	struct dst_cache *c = dst_cache_new(1 << 20, 0, 86400), *d;
	struct dst_state_buf one, two;
	struct dst_state_view v;
	const struct dst_state_section *s;
	struct dst_up_saved back;
	size_t pos = 0;

	memset(session, 0x5a, sizeof session);
	up.id_len = dst_up_identity(&u, id, sizeof id);
	dst_cache_set_stale(c, 86400000);
	store_a(c, "a", 300, 5000000);
	store_a(c, "bb", 60, 5010000);
	store_a(c, "ccc", 5, 5020000); /* expired at the save: kept stale */
	build_file(&one, &up, c, 5100000, wall);

	/* The next process: another monotonic clock, the same wall clock. */
	ck_assert_int_eq(parse(one.data, one.len, &v), 0);
	ck_assert_uint_eq(v.n, 2);
	s = dst_state_find(&v, DST_STATE_UPSTREAMS);
	ck_assert_int_eq(dst_up_saved_read(s->data, s->len, &pos, &back), 0);
	ck_assert_uint_eq(pos, s->len);
	d = dst_cache_new(1 << 20, 0, 86400);
	dst_cache_set_stale(d, 86400000);
	s = dst_state_find(&v, DST_STATE_CACHE);
	ck_assert_int_eq(dst_cache_load(d, s->data, s->len, 777000, wall, NULL), 0);
	build_file(&two, &back, d, 777000, wall);
	ck_assert_uint_eq(one.len, two.len);
	ck_assert_mem_eq(one.data, two.data, one.len);
	dst_state_buf_free(&one);
	dst_state_buf_free(&two);
	dst_cache_free(c);
	dst_cache_free(d);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("container");

	tcase_add_test(tc, test_built_sections_parse_back);
	tcase_add_test(tc, test_crc32_is_the_ieee_one);
	tcase_add_test(tc, test_truncated_anywhere_keeps_only_whole_sections);
	tcase_add_test(tc, test_a_changed_byte_never_passes_as_data);
	tcase_add_test(tc, test_foreign_magic_and_version_skip_the_file);
	tcase_add_test(tc, test_unknown_and_repeated_sections_are_skipped_and_named);
	tcase_add_test(tc, test_file_is_replaced_atomically_and_readable_by_its_owner_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("upstreams");
	tcase_add_test(tc, test_upstream_record_round_trips_byte_for_byte);
	tcase_add_test(tc, test_identity_changes_with_what_decides_the_servers);
	tcase_add_test(tc, test_a_saved_down_upstream_comes_back_suspect_with_its_rtt);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, test_the_whole_file_is_byte_for_byte_stable_across_save_and_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
