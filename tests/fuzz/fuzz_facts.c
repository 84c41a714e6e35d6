/* fuzz_facts.c: libFuzzer harness for facts_parse, preflight's reader of what a host answers.
 *
 * A managed host is not trusted: its answer may be any bytes.  Besides the
 * sanitizers' findings, it aborts when a field is left without its NUL or a
 * count runs past its array. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(field) (strnlen((field), sizeof(field)) < sizeof(field))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct facts *f = calloc(1, sizeof(*f));
	char *out = malloc(size + 1); /* ssh_conn_exec's output: NUL-terminated */

	if (f == NULL || out == NULL)
		abort();
	memcpy(out, data, size);
	out[size] = '\0';
	facts_parse(f, out, 1e12, 1e12 + 50);
	if (!TERMINATED(f->os_id) || !TERMINATED(f->os_version) || !TERMINATED(f->os_pretty) ||
	    !TERMINATED(f->hostname) || !TERMINATED(f->virt) || !TERMINATED(f->sudo) ||
	    !TERMINATED(f->modules) || !TERMINATED(f->ip_forward) ||
	    f->nports > FACTS_MAX_PORTS || f->ndevices > FACTS_MAX_DEVICES)
		abort();
	for (size_t i = 0; i < f->ndevices; i++)
		if (!TERMINATED(f->devices[i].path) || !TERMINATED(f->devices[i].fstype))
			abort();
	free(out);
	free(f);
	return 0;
}
