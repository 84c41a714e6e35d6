/* tmpdir.h: a fresh directory for a unit test, and its removal, shared by
 * the tests that work on files. */
#ifndef HNSP_TEST_TMPDIR_H
#define HNSP_TEST_TMPDIR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* A new, empty directory /tmp/hnsp-TAG-XXXXXX.  Returns new memory, or NULL. */
static inline char *tmpdir_new(const char *tag)
{
	char *dir = NULL;

	if (asprintf(&dir, "/tmp/hnsp-%s-XXXXXX", tag) < 0)
		return NULL;
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Removes dir and everything in it.  Returns 0 or -1, as cmocka's teardowns do. */
static inline int tmpdir_remove(const char *dir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
