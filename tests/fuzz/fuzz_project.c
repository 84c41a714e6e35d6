/* fuzz_project.c: libFuzzer harness for project_load with the real catalog, then plan_build.
 *
 * project_load takes a path, so each input is written to one memfd (made once)
 * and read back through /proc/self/fd/N: no file system, no per-input file.
 * The catalog is playbooks/catalog.yaml, relative to the working directory
 * (the repository root), or $HNSP_CATALOG. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "plan.h"
#include "project.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog *cat;
static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *file = getenv("HNSP_CATALOG");
	struct diag_list diags;

	(void)argc;
	(void)argv;
	if (file == NULL)
		file = "playbooks/catalog.yaml";
	diag_list_init(&diags);
	if (catalog_load(file, &cat, &diags) != 0) {
		fprintf(stderr, "fuzz_project: cannot load the catalog %s (run from the repository "
				"root or set HNSP_CATALOG)\n", file);
		exit(2);
	}
	diag_list_release(&diags);
	if ((memfd = memfd_create("fuzz-project", MFD_CLOEXEC)) < 0) {
		perror("fuzz_project: memfd_create");
		exit(2);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list diags;
	struct project *p = NULL;
	struct plan *plan = NULL;
	int r;

	if (size > YDOC_MAX_BYTES)
		return 0;
	if (ftruncate(memfd, 0) < 0 || (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_project: writing the memfd");
		abort();
	}
	diag_list_init(&diags);
	r = project_load(path, "/nonexistent", cat, &p, &diags);
	if (r == 0) {
		if (p == NULL || diags.errors != 0)
			abort();
		if (plan_build(p, cat, &plan) != 0 || plan == NULL)
			abort();
		/* A valid project's plan has at most every component, each once. */
		if (plan->count > cat->components.n)
			abort();
		for (size_t i = 0; i < plan->count; i++)
			if (plan->phases[i].nhosts > p->hosts.n)
				abort();
	} else if (p != NULL || diags.errors == 0) {
		abort();
	}
	plan_free(plan);
	project_free(p);
	diag_list_release(&diags);
	return 0;
}
