/* state.c: locate and create the state directory. */
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

int state_mkdirs(const char *dir, unsigned mode)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return HNSP_ERR_IO;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			return HNSP_ERR_IO;
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return HNSP_ERR_IO;
	return 0;
}

int state_dir_name(const char *override, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	char cwd[PATH_MAX];

	/* Absolute, always: ansible-playbook runs from inside a run's directory,
	 * where a relative state would name nothing. */
	if (override != NULL && override[0] == '/')
		n = snprintf(buf, size, "%s", override);
	else if (override != NULL && override[0] != '\0')
		n = getcwd(cwd, sizeof(cwd)) ? snprintf(buf, size, "%s/%s", cwd, override) : -1;
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/hnsp-installer", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, size, "%s/.local/state/hnsp-installer", home);
	else
		n = snprintf(buf, size, "/var/lib/hnsp-installer");
	return n < 0 || (size_t)n >= size ? HNSP_ERR_LIMIT : 0;
}

int state_dir_resolve(const char *override, char *buf, size_t size)
{
	int r = state_dir_name(override, buf, size);

	return r < 0 ? r : state_mkdirs(buf, 0700);
}
