/*
 * The "dotstub import-stubby [FILE]" command (see stubby.h): reads the
 * file, converts it (stubby.c), prints the result, and checks it with the
 * same parser as "dotstub -t", so that exit status 0 means a usable file.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "dns/err.h"
#include "resolver/cli/stubby.h"

static void print_check_error(void *arg, const char *msg)
{
	fprintf(stderr, "dotstub import-stubby: %s\n", msg);
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct dst_buf b = {0};
	char chunk[8192];
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		dst_buf_printf(&b, "%.*s", (int)n, chunk);
		if (memchr(chunk, '\0', n)) {
			fclose(f);
			dst_buf_free(&b);
			return DST_EINVAL;
		}
		if (b.len > (4u << 20)) {
			fclose(f);
			dst_buf_free(&b);
			return -EFBIG;
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad || b.failed) {
		dst_buf_free(&b);
		return bad ? -EIO : DST_ENOMEM;
	}
	*text = b.data ? b.data : strdup("");
	*len = b.len;
	return *text ? 0 : DST_ENOMEM;
}

int dst_stubby_main(int argc, char **argv)
{
	const char *path = DST_STUBBY_DEFAULT_PATH;
	struct dst_buf out = {0};
	struct dst_config *cfg = NULL;
	char err[1024], *text = NULL;
	unsigned notes = 0;
	size_t len = 0;
	int r;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		bool help = argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
		fprintf(help ? stdout : stderr,
			"usage: dotstub import-stubby [FILE]\n"
			"  prints a dotstub.conf equivalent to Stubby's FILE (default %s)\n",
			DST_STUBBY_DEFAULT_PATH);
		return help ? 0 : 2;
	}
	if (argc == 2)
		path = argv[1];
	r = read_file(path, &text, &len);
	if (r < 0) {
		fprintf(stderr, "dotstub import-stubby: %s: %s\n", path,
			r == DST_EINVAL ? "a NUL byte: expected Stubby's YAML text" : strerror(-r));
		return 1;
	}
	r = dst_stubby_convert(path, text, len, &out, err, sizeof(err), &notes);
	free(text);
	if (r < 0) {
		fprintf(stderr, "%s\n",
			r == DST_ECONFIG ? err : "dotstub import-stubby: out of memory");
		dst_buf_free(&out);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	/* Every line was checked on its own; the whole file gets the same check as dotstub -t. */
	r = dst_config_parse("<output>", out.data, out.len, &cfg, print_check_error, NULL);
	dst_config_free(cfg);
	dst_buf_free(&out);
	if (r < 0) {
		fprintf(stderr, "dotstub import-stubby: the output is not a usable dotstub.conf "
				"as it is: complete it by hand (see the comments)\n");
		return 1;
	}
	if (notes)
		fprintf(stderr,
			"dotstub import-stubby: %u Stubby setting%s had no exact equivalent: "
			"see the comments in the output\n",
			notes, notes == 1 ? "" : "s");
	return 0;
}
