/*
 * Replays saved inputs through a fuzz target without libFuzzer, so that
 * every seed and every input that once crashed stays a test in make check
 * (any compiler, with or without --enable-sanitizers).
 *
 * Usage: replay_TARGET PATH...
 * A file is run as one input. A directory's files are run in name order,
 * and so are the files of its subdirectories, one level down; names that
 * start with '.' are skipped (a .gitkeep keeps an empty regress folder in
 * git, so every path given must exist).
 *
 * Each input is read into a heap block of exactly its size, as libFuzzer
 * does, and its path is printed first, so the log of a crash names the
 * input. Exits 1 if any path or input could not be read; a failing check
 * in the target aborts the process by itself.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

struct totals {
	unsigned inputs;
	unsigned failures;
};

static void complain(struct totals *t, const char *path, const char *what)
{
	fprintf(stderr, "replay: %s: %s\n", path, what);
	t->failures++;
}

static void run_file(struct totals *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f) {
		complain(t, path, strerror(errno));
		return;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		complain(t, path, "cannot tell its size");
		fclose(f);
		return;
	}
	buf = dst_fuzz_alloc((size_t)size);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		complain(t, path, "short read");
	} else {
		printf("%s (%ld bytes)\n", path, size);
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, (size_t)size);
		t->inputs++;
	}
	free(buf);
	fclose(f);
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void run_path(struct totals *t, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	int n;

	if (stat(path, &st) != 0) {
		complain(t, path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(t, path);
		return;
	}
	if (depth > 1)
		return;
	n = scandir(path, &names, skip_dot, alphasort);
	if (n < 0) {
		complain(t, path, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + 1 + strlen(names[i]->d_name) + 1;
		char *sub = dst_fuzz_alloc(len);

		snprintf(sub, len, "%s/%s", path, names[i]->d_name);
		run_path(t, sub, depth + 1);
		free(sub);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct totals t = {0, 0};

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		run_path(&t, argv[i], 0);
	printf("replay: %u inputs ran, %u could not be read\n", t.inputs, t.failures);
	return t.failures ? 1 : 0;
}
