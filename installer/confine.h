/* confine.h: the paths a project kept in the state directory may name.
 *
 * A project file that really lies in STATE/projects/ (symlinks resolved) can
 * be written by a web operator, so every path it names stays in one of the
 * state directory's own places: keys in STATE/keys/, the known_hosts file
 * STATE/known_hosts, bundles in STATE/bundles/.  A relative path resolves
 * against its place; "..", a path outside the place and a path through a
 * symbolic link are refused.  A project file anywhere else names its user's
 * own paths.  Nothing prints. */
#ifndef HNSP_CONFINE_H
#define HNSP_CONFINE_H

#include <stddef.h>

enum confine_place { CONFINE_KEYS, CONFINE_KNOWN_HOSTS, CONFINE_BUNDLES };

/* The real state directory when the file at path really lies in
 * state/projects/, else NULL (state missing, or the file elsewhere).  Returns
 * new memory. */
char *confine_state_of(const char *path, const char *state);

/* Resolves path, written in a project kept in the real state directory
 * real_state, into its place.  Returns 0 with *out new memory (absolute),
 * HNSP_ERR_INVALID with why (a phrase that names the place) when the path
 * leaves its place, or HNSP_ERR_NOMEM. */
int confine_resolve(const char *real_state, enum confine_place place, const char *path,
		    char **out, char *why, size_t whysize);

#endif
