/* confine.c: keep the paths of a project kept in the state directory inside it. */
#include "confine.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"

static const struct place {
	const char *dir;   /* below the state directory; "" is the state directory */
	const char *only;  /* the one name allowed in dir, or NULL for any */
	const char *what;  /* for messages */
} places[] = {
	[CONFINE_KEYS] = {"/keys", NULL, "keys"},
	[CONFINE_KNOWN_HOSTS] = {"", "known_hosts", "known_hosts"},
	[CONFINE_BUNDLES] = {"/bundles", NULL, "bundles"},
};

char *confine_state_of(const char *path, const char *state)
{
	char *file = realpath(path, NULL), *real = realpath(state, NULL), *out = NULL;
	size_t len = real ? strlen(real) : 0;

	if (file != NULL && real != NULL && strncmp(file, real, len) == 0 &&
	    strncmp(file + len, "/projects/", 10) == 0 && strchr(file + len + 10, '/') == NULL)
		out = real, real = NULL;
	free(file);
	free(real);
	return out;
}

/* True when rel, a path relative to a place, has no empty, "." or ".."
 * component. */
static bool plain(const char *rel)
{
	while (*rel != '\0') {
		size_t n = strcspn(rel, "/");
		if (n == 0 || (n == 1 && rel[0] == '.') || (n == 2 && strncmp(rel, "..", 2) == 0))
			return false;
		rel += n + (rel[n] == '/');
	}
	return true;
}

/* The first symbolic link among dir and dir/rel's components, into link;
 * false when there is none (components that do not exist yet end the walk). */
static bool through_link(const char *dir, const char *rel, char *link, size_t size)
{
	struct stat st;
	size_t at = (size_t)snprintf(link, size, "%s", dir);

	for (;;) {
		if (lstat(link, &st) < 0)
			return false;
		if (S_ISLNK(st.st_mode))
			return true;
		if (*rel == '\0' || at >= size)
			return false;
		size_t n = strcspn(rel, "/");
		at += (size_t)snprintf(link + at, size - at, "/%.*s", (int)n, rel);
		rel += n + (rel[n] == '/');
	}
}

int confine_resolve(const char *real_state, enum confine_place place, const char *path,
		    char **out, char *why, size_t whysize)
{
	const struct place *pl = &places[place];
	char dir[PATH_MAX], link[PATH_MAX];
	const char *rel = path;
	size_t len;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s%s", real_state, pl->dir);
	len = strlen(dir);
	if (path[0] == '/')
		rel = strncmp(path, dir, len) == 0 && path[len] == '/' ? path + len + 1 : NULL;
	if (rel == NULL || rel[0] == '\0' || !plain(rel) || (pl->only != NULL && strcmp(rel, pl->only) != 0)) {
		if (pl->only != NULL)
			snprintf(why, whysize, "is not the state directory's %s (%s/%s)", pl->what,
				 dir, pl->only);
		else
			snprintf(why, whysize, "leaves the state directory's %s (%s/)", pl->what,
				 dir);
		return HNSP_ERR_INVALID;
	}
	if (through_link(dir, rel, link, sizeof(link))) {
		snprintf(why, whysize, "passes through the symbolic link %s", link);
		return HNSP_ERR_INVALID;
	}
	if (asprintf(out, "%s/%s", dir, rel) < 0) {
		*out = NULL;
		return HNSP_ERR_NOMEM;
	}
	return 0;
}
