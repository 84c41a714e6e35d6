/* fuzz_probe.c: libFuzzer harness for push_probe_parse, what a host answers before a push.
 *
 * The first byte says whether the line answers for a symlink (odd) or a
 * file; the rest is the line, any bytes (the host is not trusted).  Besides
 * the sanitizers' findings, it aborts when an accepted answer breaks the
 * contract: hashes empty or 64 characters, a symlink's answer 's' or 'd'. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "push.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hash_ok(const char *h)
{
	size_t n = strnlen(h, 65);

	return n == 0 || n == 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct push_probe pr;
	bool link;
	int r;

	if (size == 0)
		return 0;
	link = data[0] & 1;
	r = push_probe_parse((const char *)data + 1, size - 1, link, &pr);
	if (r != 0 && r != HNSP_ERR_INVALID)
		abort();
	if (r == 0 && link && pr.kind != 's' && pr.kind != 'd')
		abort();
	if (r == 0 && !link && (!hash_ok(pr.hash) || !hash_ok(pr.part_hash)))
		abort();
	if (r == 0 && size - 1 > PROBE_LINE_MAX)
		abort();
	return 0;
}
