/*
 * blocklist: what a blocklist costs to load, to hold and to look up
 * (resolver/policy/blocklist.h), for bench/blocklist.sh.
 *
 *   blocklist LIST [LOOKUPS]     (LOOKUPS defaults to 100000)
 *
 * Loads LIST with dst_blocklist_load and prints, on stdout, one line of
 * key=value pairs: the names and bad lines, the wall time of the load, the
 * list file's size, the CPU time (user and system) of the load, VmRSS before and after the load (read from
 * /proc/self/status; the load's scratch memory is unmapped by then, so the
 * difference is what the set keeps), the bytes the set says it holds, and
 * the RSS difference over the file size.
 *
 * Then it looks names up: LOOKUPS hits and LOOKUPS misses, each through its
 * own function (lookup_hits, lookup_misses) so that callgrind can count
 * them apart (bench/blocklist.sh runs it with --toggle-collect on those two
 * and divides by LOOKUPS). The names are built from the list's own lines,
 * taken evenly through the file: a hit is a listed name of 3 or 4 labels,
 * or a name of 2 or 3 with "www." or "cdn." before it (3-5 labels); a miss
 * is the same name with its last label changed to "zz" (no listed name is
 * under it). Every suffix but the TLD is probed (no listed name is a TLD). Each
 * verdict is checked, so a broken lookup cannot look fast. The wall time
 * per lookup is printed too (not meaningful under valgrind).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "dns/dns.h"
#include "resolver/policy/blocklist.h"

#define SAMPLE 4096 /* distinct names of each kind; the lookups cycle through them */

struct qname {
	uint8_t wire[DST_DNS_MAX_NAME];
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds used so far, user and system: unlike wall time, not stretched by other processes. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long vmrss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "warning: %s\n", msg);
}

static void set(struct qname *q, const char *text)
{
	q->len = dst_dns_name_from_text(text, q->wire);
	if (!q->len) {
		fprintf(stderr, "blocklist: cannot make a query name of %s\n", text);
		exit(1);
	}
}

/* Takes SAMPLE names evenly through the list and makes hits and misses of them. */
static void make_names(const char *path, size_t nlines, struct qname *hits, struct qname *misses)
{
	FILE *f = fopen(path, "r");
	char line[512], name[600];
	size_t i = 0, k = 0, step = nlines / SAMPLE ? nlines / SAMPLE : 1, labels;
	const char *pre;

	if (!f) {
		perror(path);
		exit(1);
	}
	while (k < SAMPLE && fgets(line, sizeof line, f)) {
		line[strcspn(line, " \r\n#")] = '\0';
		if (i++ % step != 0 || !line[0])
			continue;
		/* 3 to 5 labels: www.example.com, cdn.ads.example.com, a.b.example.co.uk */
		labels = 1;
		for (const char *c = line; *c; c++)
			labels += *c == '.';
		pre = labels == 2 || (labels == 3 && k % 2) ? (labels == 2 ? "www." : "cdn.") : "";
		snprintf(name, sizeof name, "%s%s", pre, line);
		set(&hits[k], name);
		/* The same name under a TLD no listed name has: no suffix of it is listed. */
		*strrchr(line, '.') = '\0';
		snprintf(name, sizeof name, "%s%s.zz", pre, line);
		set(&misses[k], name);
		k++;
	}
	fclose(f);
	if (k < SAMPLE) {
		fprintf(stderr, "blocklist: the list has fewer than %d names\n", SAMPLE);
		exit(1);
	}
}

__attribute__((noinline)) static size_t lookup_hits(const struct dst_blocklist *bl,
						    const struct qname *q, size_t n)
{
	size_t blocked = 0;

	for (size_t i = 0; i < n; i++)
		blocked += dst_blocklist_match(bl, q[i % SAMPLE].wire, q[i % SAMPLE].len) ==
			   DST_BLOCK_BLOCKED;
	return blocked;
}

__attribute__((noinline)) static size_t lookup_misses(const struct dst_blocklist *bl,
						      const struct qname *q, size_t n)
{
	size_t none = 0;

	for (size_t i = 0; i < n; i++)
		none += dst_blocklist_match(bl, q[i % SAMPLE].wire, q[i % SAMPLE].len) ==
			DST_BLOCK_NONE;
	return none;
}

int main(int argc, char **argv)
{
	const char *lists[1];
	struct dst_blocklist *bl;
	struct qname *hits, *misses;
	struct stat st;
	size_t lookups = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000, got;
	long rss0, rss1;
	double t0, t1, t2, c0, c1;
	int err;

	if (argc < 2 || stat(argv[1], &st) != 0) {
		fprintf(stderr, "usage: blocklist LIST [LOOKUPS]\n");
		return 2;
	}
	lists[0] = argv[1];
	rss0 = vmrss_kb();
	c0 = cpu_s();
	t0 = now_s();
	err = dst_blocklist_load(lists, 1, NULL, 0, warn, NULL, &bl);
	t1 = now_s();
	c1 = cpu_s();
	rss1 = vmrss_kb();
	if (err) {
		fprintf(stderr, "blocklist: load failed: %d\n", err);
		return 1;
	}
	printf("names=%zu bad=%zu load_s=%.3f load_cpu_s=%.3f file_bytes=%lld rss_before_kb=%ld "
	       "rss_after_kb=%ld rss_delta_kb=%ld set_bytes=%zu rss_over_file=%.3f\n",
	       dst_blocklist_names(bl), dst_blocklist_bad_lines(bl), t1 - t0, c1 - c0,
	       (long long)st.st_size, rss0, rss1, rss1 - rss0, dst_blocklist_bytes(bl),
	       (double)(rss1 - rss0) * 1024 / (double)st.st_size);
	fflush(stdout);

	hits = calloc(SAMPLE, sizeof *hits);
	misses = calloc(SAMPLE, sizeof *misses);
	if (!hits || !misses)
		return 1;
	make_names(argv[1], dst_blocklist_names(bl), hits, misses);
	t0 = now_s();
	got = lookup_hits(bl, hits, lookups);
	t1 = now_s();
	if (got != lookups) {
		fprintf(stderr, "blocklist: %zu of %zu hits blocked\n", got, lookups);
		return 1;
	}
	got = lookup_misses(bl, misses, lookups);
	t2 = now_s();
	if (got != lookups) {
		fprintf(stderr, "blocklist: %zu of %zu misses not listed\n", got, lookups);
		return 1;
	}
	printf("lookups=%zu hit_ns=%.1f miss_ns=%.1f\n", lookups, (t1 - t0) * 1e9 / lookups,
	       (t2 - t1) * 1e9 / lookups);
	dst_blocklist_free(bl);
	free(hits);
	free(misses);
	return 0;
}
