/* datadir.c: locate the playbooks directory for a built or installed binary. */
#include "datadir.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#ifndef HNSP_DATADIR
#define HNSP_DATADIR "/usr/local/share/hnsp-installer"
#endif

static int usable(const char *dir, char *buf, size_t size)
{
	char probe[PATH_MAX], real[PATH_MAX];

	snprintf(probe, sizeof(probe), "%s/playbooks/catalog.yaml", dir);
	if (access(probe, R_OK) != 0 || realpath(dir, real) == NULL ||
	    (size_t)snprintf(buf, size, "%s", real) >= size)
		return HNSP_ERR_NOTFOUND;
	return 0;
}

int datadir_find(char *buf, size_t size)
{
	const char *env = getenv("HNSP_DATA_DIR");
	char exe[PATH_MAX], up[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return usable(env, buf, size);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(up, sizeof(up), "%s/..", dirname(exe));
		if (usable(up, buf, size) == 0)
			return 0;
	}
	return usable(HNSP_DATADIR, buf, size);
}
