/*
 * Unit tests for resolver/policy/blocklist.c: the list formats (plain,
 * hosts, adblock, comments, CRLF, case, trailing dots, "*."), matching of a
 * name and everything under it, allowlist exceptions at the same level, a
 * parent and a child, duplicates, bad lines counted and reported as
 * FILE:LINE, files that cannot be read, and a set large enough to fill
 * every bucket.
 *
 * Query names are built by dns/'s own text-to-wire function (not the one
 * under test) and copied into heap blocks of exactly their length, so a
 * lookup that reads past the name shows up under ASan.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/policy/blocklist.h"
#include "resolver/policy/internal.h"

#define MAX_MSGS 32

static char *msgs[MAX_MSGS];
static size_t nmsgs;

static void collect(void *arg, const char *msg)
{
	(void)arg;
	if (nmsgs < MAX_MSGS)
		msgs[nmsgs] = strdup(msg);
	nmsgs++;
}

static void setup(void)
{
	nmsgs = 0;
}

static void teardown(void)
{
	for (size_t i = 0; i < nmsgs && i < MAX_MSGS; i++)
		free(msgs[i]);
	nmsgs = 0;
}

/* Builds a set from block text and allow text (either may be NULL). */
static struct dst_blocklist *from_text(const char *block, const char *allow)
{
	struct dst_blocklist_builder *b;
	struct dst_blocklist *bl;

	ck_assert_int_eq(dst_blocklist_builder_new(collect, NULL, &b), 0);
	if (block)
		ck_assert_int_eq(
			dst_blocklist_add_text(b, "block.txt", block, strlen(block), false), 0);
	if (allow)
		ck_assert_int_eq(dst_blocklist_add_text(b, "allow.txt", allow, strlen(allow), true),
				 0);
	ck_assert_int_eq(dst_blocklist_build(b, &bl), 0);
	ck_assert_ptr_nonnull(bl);
	return bl;
}

/* The verdict for a lower-case text name, looked up from an exact-size heap copy. */
static enum dst_block_verdict match(const struct dst_blocklist *bl, const char *name)
{
	uint8_t wire[DST_DNS_MAX_NAME], *copy;
	size_t len = dst_dns_name_from_text(name, wire);
	enum dst_block_verdict v;

	ck_assert_msg(len > 0, "bad test name %s", name);
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	v = dst_blocklist_match(bl, copy, len);
	free(copy);
	return v;
}

#define BLOCKED(bl, name) \
	ck_assert_msg(match(bl, name) == DST_BLOCK_BLOCKED, "%s not blocked", name)
#define ALLOWED(bl, name) \
	ck_assert_msg(match(bl, name) == DST_BLOCK_ALLOWED, "%s not allowed", name)
#define UNLISTED(bl, name) ck_assert_msg(match(bl, name) == DST_BLOCK_NONE, "%s listed", name)

/* A temporary file holding text; the caller unlinks it. */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/check_blocklist.XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* --- formats ---------------------------------------------------------------- */

START_TEST(test_plain_name_blocks_itself_and_everything_under_it)
{
	struct dst_blocklist *bl = from_text("example.com\n", NULL);

	BLOCKED(bl, "example.com");
	BLOCKED(bl, "www.example.com");
	BLOCKED(bl, "a.b.c.example.com");
	UNLISTED(bl, "com");
	UNLISTED(bl, "notexample.com");
	UNLISTED(bl, "example.com.evil");
	UNLISTED(bl, "example.org");
	UNLISTED(bl, ".");
	ck_assert_uint_eq(dst_blocklist_names(bl), 1);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 0);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_hosts_format_lines_and_their_local_names)
{
	struct dst_blocklist *bl = from_text("127.0.0.1 localhost\n"
					     "127.0.0.1 localhost.localdomain\n"
					     "127.0.0.1 local\n"
					     "255.255.255.255 broadcasthost\n"
					     "::1 localhost ip6-localhost ip6-loopback\n"
					     "fe80::1%lo0 localhost\n"
					     "ff02::1 ip6-allnodes\n"
					     "0.0.0.0 0.0.0.0\n"
					     "0.0.0.0 ads.example\n"
					     "127.0.0.1\tt1.example   t2.example\n"
					     ":: v6.example\n",
					     NULL);

	BLOCKED(bl, "ads.example");
	BLOCKED(bl, "t1.example");
	BLOCKED(bl, "t2.example");
	BLOCKED(bl, "x.v6.example");
	UNLISTED(bl, "localhost");
	UNLISTED(bl, "local");
	UNLISTED(bl, "localhost.localdomain");
	UNLISTED(bl, "broadcasthost");
	UNLISTED(bl, "ip6-localhost");
	UNLISTED(bl, "0.0.0.0");
	ck_assert_uint_eq(dst_blocklist_names(bl), 4);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 0);
	ck_assert_uint_eq(nmsgs, 0);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_comments_blanks_crlf_case_and_trailing_dots)
{
	struct dst_blocklist *bl = from_text("# a comment\n"
					     "\n"
					     "   \t \r\n"
					     "a.example # after a name\n"
					     "b.example\r\n"
					     "0.0.0.0 c.example#no space\r\n"
					     "Mixed.EXAMPLE.Org\n"
					     "dot.example.\n"
					     "   indented.example   \n"
					     "last.example",
					     NULL);

	BLOCKED(bl, "a.example");
	BLOCKED(bl, "b.example");
	BLOCKED(bl, "c.example");
	BLOCKED(bl, "mixed.example.org");
	BLOCKED(bl, "dot.example");
	BLOCKED(bl, "indented.example");
	BLOCKED(bl, "last.example");
	UNLISTED(bl, "after");
	ck_assert_uint_eq(dst_blocklist_names(bl), 7);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 0);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_leading_star_dot_is_the_parent_domain)
{
	struct dst_blocklist *bl = from_text("*.w.example\n", NULL);

	BLOCKED(bl, "w.example");
	BLOCKED(bl, "x.w.example");
	UNLISTED(bl, "example");
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_adblock_domain_rules_and_what_else_is_bad)
{
	struct dst_blocklist *bl = from_text("[Adblock Plus 2.0]\n"
					     "! Title: a list\n"
					     "||ab.example^\n"
					     "||opt.example^$third-party\n"
					     "@@||ok.example^\n"
					     "||path.example/ads^\n",
					     NULL);

	BLOCKED(bl, "ab.example");
	BLOCKED(bl, "www.ab.example");
	UNLISTED(bl, "opt.example");
	UNLISTED(bl, "ok.example");
	ck_assert_uint_eq(dst_blocklist_names(bl), 1);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 3);
	ck_assert_uint_eq(nmsgs, 3);
	ck_assert_str_eq(msgs[0], "block.txt:4: adblock rule other than ||name^: "
				  "\"||opt.example^$third-party\"");
	ck_assert_str_eq(msgs[1], "block.txt:5: adblock exception (use an allowlist): "
				  "\"@@||ok.example^\"");
	dst_blocklist_free(bl);
}
END_TEST

/* --- allowlists ------------------------------------------------------------- */

START_TEST(test_allowlist_at_the_same_level_wins)
{
	struct dst_blocklist *bl = from_text("ads.example\n", "ads.example\n");

	ALLOWED(bl, "ads.example");
	ALLOWED(bl, "x.ads.example");
	UNLISTED(bl, "example");
	ck_assert_uint_eq(dst_blocklist_names(bl), 1);
	ck_assert_uint_eq(dst_blocklist_allow_names(bl), 1);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_allowlisted_parent_allows_a_blocked_child)
{
	struct dst_blocklist *bl = from_text("x.ads.example\n", "ads.example\n");

	ALLOWED(bl, "x.ads.example");
	ALLOWED(bl, "y.x.ads.example");
	ALLOWED(bl, "ads.example");
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_allowlisted_child_is_an_exception_under_a_blocked_parent)
{
	struct dst_blocklist *bl = from_text("example\n", "good.example\n");

	ALLOWED(bl, "good.example");
	ALLOWED(bl, "sub.good.example");
	BLOCKED(bl, "example");
	BLOCKED(bl, "bad.example");
	BLOCKED(bl, "notgood.example");
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_allowlisted_name_alone_is_allowed)
{
	struct dst_blocklist *bl = from_text(NULL, "y.example\n");

	ALLOWED(bl, "y.example");
	UNLISTED(bl, "z.example");
	ck_assert_uint_eq(dst_blocklist_names(bl), 0);
	dst_blocklist_free(bl);
}
END_TEST

/* --- bad lines, duplicates, limits ------------------------------------------ */

START_TEST(test_bad_lines_are_counted_and_the_first_five_reported)
{
	char label64[65], name256[300], text[2048];
	struct dst_blocklist *bl;

	memset(label64, 'a', 64);
	label64[64] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 63 = 255 characters: 257 bytes of wire. */
	snprintf(name256, sizeof name256, "%.63s.%.63s.%.63s.%.63s", label64, label64, label64,
		 label64);
	snprintf(text, sizeof text,
		 "good.example\n"
		 "a..b\n"
		 "%s.example\n"
		 "%s\n"
		 "not-an-address one.example\n"
		 ".\n"
		 "0.0.0.0 fine.example x..y\n"
		 "*.\n"
		 "also.good\n",
		 label64, name256);
	bl = from_text(text, NULL);
	BLOCKED(bl, "good.example");
	BLOCKED(bl, "also.good");
	BLOCKED(bl, "fine.example"); /* the good name on a bad line is kept */
	UNLISTED(bl, "one.example");
	ck_assert_uint_eq(dst_blocklist_names(bl), 3);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 7);
	ck_assert_uint_eq(nmsgs, 6);
	ck_assert_str_eq(msgs[0], "block.txt:2: empty label: \"a..b\"");
	ck_assert_ptr_nonnull(strstr(msgs[1], "block.txt:3: label longer than 63 bytes: \"aaa"));
	ck_assert_ptr_nonnull(strstr(msgs[2], "block.txt:4: name longer than 255 bytes: \"aaa"));
	ck_assert_ptr_nonnull(strstr(msgs[2], "...\""));
	ck_assert_str_eq(msgs[3], "block.txt:5: expected a name, or an address and names: "
				  "\"not-an-address one.example\"");
	ck_assert_str_eq(msgs[4], "block.txt:6: empty name: \".\"");
	ck_assert_str_eq(msgs[5], "block.txt: 7 bad lines (the first 5 shown)");
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_longest_name_and_label_are_accepted)
{
	char label63[64], name[300], text[400];
	struct dst_blocklist *bl;

	memset(label63, 'b', 63);
	label63[63] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters: 255 bytes of wire. */
	snprintf(name, sizeof name, "%s.%s.%s.%.61s", label63, label63, label63, label63);
	snprintf(text, sizeof text, "%s\n", name);
	bl = from_text(text, NULL);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 0);
	BLOCKED(bl, name);
	UNLISTED(bl, name + 64);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_duplicates_count_once)
{
	struct dst_blocklist *bl = from_text("d.example\nD.example\n0.0.0.0 d.example d.example.\n"
					     "e.example\n",
					     "d.example\nd.example\n");

	ck_assert_uint_eq(dst_blocklist_names(bl), 2);
	ck_assert_uint_eq(dst_blocklist_allow_names(bl), 1);
	ALLOWED(bl, "d.example");
	BLOCKED(bl, "e.example");
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_one_name_repeated_many_times_builds_fast)
{
	size_t n = 200000, len = n * 10;
	char *text = malloc(len + 1);
	struct dst_blocklist *bl;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 10, "x.example\n", 10);
	text[len] = '\0';
	bl = from_text(text, NULL);
	ck_assert_uint_eq(dst_blocklist_names(bl), 1);
	BLOCKED(bl, "x.example");
	dst_blocklist_free(bl);
	free(text);
}
END_TEST

START_TEST(test_empty_lists_give_an_empty_set)
{
	struct dst_blocklist *bl = from_text("", "");
	struct dst_blocklist *none;

	ck_assert_uint_eq(dst_blocklist_names(bl), 0);
	UNLISTED(bl, "example");
	dst_blocklist_free(bl);
	ck_assert_int_eq(dst_blocklist_load(NULL, 0, NULL, 0, collect, NULL, &none), 0);
	ck_assert_ptr_nonnull(none);
	UNLISTED(none, "example");
	ck_assert_uint_gt(dst_blocklist_bytes(none), 0);
	dst_blocklist_free(none);
	ck_assert_int_eq(dst_blocklist_match(NULL, (const uint8_t *)"\1a\0", 3), DST_BLOCK_NONE);
	ck_assert_uint_eq(nmsgs, 0);
}
END_TEST

START_TEST(test_malformed_query_names_are_not_listed)
{
	struct dst_blocklist *bl = from_text("a\n", NULL);
	static const uint8_t ok[] = {1, 'a', 0};
	static const uint8_t long_label[] = {64, 'a', 0};
	static const uint8_t past_end[] = {5, 'a', 0};
	static const uint8_t trailing[] = {1, 'a', 0, 0};

	ck_assert_int_eq(dst_blocklist_match(bl, ok, sizeof ok), DST_BLOCK_BLOCKED);
	ck_assert_int_eq(dst_blocklist_match(bl, ok, sizeof ok - 1), DST_BLOCK_NONE);
	ck_assert_int_eq(dst_blocklist_match(bl, long_label, sizeof long_label), DST_BLOCK_NONE);
	ck_assert_int_eq(dst_blocklist_match(bl, past_end, sizeof past_end), DST_BLOCK_NONE);
	ck_assert_int_eq(dst_blocklist_match(bl, trailing, sizeof trailing), DST_BLOCK_NONE);
	ck_assert_int_eq(dst_blocklist_match(bl, ok, 0), DST_BLOCK_NONE);
	dst_blocklist_free(bl);
}
END_TEST

START_TEST(test_name_wire_folds_case_and_strips)
{
	uint8_t w[DST_POLICY__MAX_WIRE];
	const char *why = NULL;

	ck_assert_uint_eq(dst_policy__name_wire("*.Ab.C.", 7, w, &why), 6);
	ck_assert_mem_eq(w, "\2ab\1c\0", 6);
	ck_assert_uint_eq(dst_policy__name_wire("a.", 2, w, &why), 3);
	ck_assert_uint_eq(dst_policy__name_wire("a..", 3, w, &why), 0);
	ck_assert_str_eq(why, "empty label");
	ck_assert_uint_eq(dst_policy__name_wire("", 0, w, &why), 0);
	ck_assert_str_eq(why, "empty name");
}
END_TEST

/* --- files ------------------------------------------------------------------ */

START_TEST(test_load_reads_block_and_allow_files)
{
	const char block[] = "f.example\n0.0.0.0 g.example\n", allow[] = "ok.f.example\n";
	char *bp = temp_file(block, sizeof block - 1), *ap = temp_file(allow, sizeof allow - 1);
	const char *blocks[] = {bp}, *allows[] = {ap};
	struct dst_blocklist *bl;

	ck_assert_int_eq(dst_blocklist_load(blocks, 1, allows, 1, collect, NULL, &bl), 0);
	BLOCKED(bl, "f.example");
	BLOCKED(bl, "g.example");
	ALLOWED(bl, "ok.f.example");
	ck_assert_uint_eq(dst_blocklist_names(bl), 2);
	dst_blocklist_free(bl);
	unlink(bp);
	unlink(ap);
	free(bp);
	free(ap);
}
END_TEST

START_TEST(test_unreadable_file_is_an_error_and_says_why)
{
	const char *missing[] = {"/nonexistent/dir/list.txt"}, *dir[] = {"/tmp"};
	struct dst_blocklist *bl = (struct dst_blocklist *)1;

	ck_assert_int_eq(dst_blocklist_load(missing, 1, NULL, 0, collect, NULL, &bl), DST_ENOENT);
	ck_assert_ptr_null(bl);
	ck_assert_uint_eq(nmsgs, 1);
	ck_assert_str_eq(msgs[0],
			 "/nonexistent/dir/list.txt: cannot read: No such file or directory");
	ck_assert_int_eq(dst_blocklist_load(NULL, 0, dir, 1, collect, NULL, &bl), -EISDIR);
	ck_assert_ptr_null(bl);
	ck_assert_uint_eq(nmsgs, 2);
	ck_assert_str_eq(msgs[1], "/tmp: cannot read: not a regular file");
}
END_TEST

/* A file read in pieces gives the same set as its text, and a too-long line is one bad line. */
START_TEST(test_file_read_in_pieces_matches_its_text)
{
	size_t n = 30000, cap = n * 40 + 100000, len = 0;
	char *text = malloc(cap), *path, name[64];
	const char *blocks[1];
	struct dst_blocklist *bl;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++) {
		len += (size_t)sprintf(text + len, "%sn%zu.x%zu.example\n", i % 3 ? "" : "0.0.0.0 ",
				       i, i % 7);
		if (i == n / 2) {
			memset(text + len, 'z', 70000);
			len += 70000;
			text[len++] = '\n';
		}
	}
	path = temp_file(text, len);
	blocks[0] = path;
	ck_assert_int_eq(dst_blocklist_load(blocks, 1, NULL, 0, collect, NULL, &bl), 0);
	ck_assert_uint_eq(dst_blocklist_names(bl), n);
	ck_assert_uint_eq(dst_blocklist_bad_lines(bl), 1);
	ck_assert_uint_eq(nmsgs, 1);
	snprintf(name, sizeof name, "%s:%zu: line longer than 65536 bytes: \"zzz", path, n / 2 + 2);
	ck_assert_msg(strncmp(msgs[0], name, strlen(name)) == 0, "got %s", msgs[0]);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "n%zu.x%zu.example", i, i % 7);
		BLOCKED(bl, name);
	}
	UNLISTED(bl, "x1.example");
	dst_blocklist_free(bl);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

START_TEST(test_many_names_all_found_and_others_not)
{
	size_t n = 100000, len = 0;
	char *text = malloc(n * 32), name[64];
	struct dst_blocklist *bl;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "h%zx.site%zu.test\n", i * 2654435761u, i % 97);
	text[len] = '\0';
	bl = from_text(text, NULL);
	ck_assert_uint_eq(dst_blocklist_names(bl), n);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "h%zx.site%zu.test", i * 2654435761u, i % 97);
		BLOCKED(bl, name);
		snprintf(name, sizeof name, "h%zx.site%zu.test", i * 2654435761u, i % 97 + 1);
		if (i % 97 == 96)
			UNLISTED(bl, name);
	}
	dst_blocklist_free(bl);
	free(text);
}
END_TEST

static Suite *blocklist_suite(void)
{
	Suite *s = suite_create("blocklist");
	TCase *tc = tcase_create("formats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain_name_blocks_itself_and_everything_under_it);
	tcase_add_test(tc, test_hosts_format_lines_and_their_local_names);
	tcase_add_test(tc, test_comments_blanks_crlf_case_and_trailing_dots);
	tcase_add_test(tc, test_leading_star_dot_is_the_parent_domain);
	tcase_add_test(tc, test_adblock_domain_rules_and_what_else_is_bad);
	tcase_add_test(tc, test_name_wire_folds_case_and_strips);
	suite_add_tcase(s, tc);

	tc = tcase_create("allowlist");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_allowlist_at_the_same_level_wins);
	tcase_add_test(tc, test_allowlisted_parent_allows_a_blocked_child);
	tcase_add_test(tc, test_allowlisted_child_is_an_exception_under_a_blocked_parent);
	tcase_add_test(tc, test_allowlisted_name_alone_is_allowed);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bad_lines_are_counted_and_the_first_five_reported);
	tcase_add_test(tc, test_longest_name_and_label_are_accepted);
	tcase_add_test(tc, test_duplicates_count_once);
	tcase_add_test(tc, test_one_name_repeated_many_times_builds_fast);
	tcase_add_test(tc, test_empty_lists_give_an_empty_set);
	tcase_add_test(tc, test_malformed_query_names_are_not_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_reads_block_and_allow_files);
	tcase_add_test(tc, test_unreadable_file_is_an_error_and_says_why);
	tcase_add_test(tc, test_file_read_in_pieces_matches_its_text);
	tcase_add_test(tc, test_many_names_all_found_and_others_not);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(blocklist_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
