/* state.h: the one directory where hnsp-installer keeps its state.
 *
 * Projects, known_hosts, runs/<id>/, web users and secrets live there.  The
 * default is $XDG_STATE_HOME/hnsp-installer (~/.local/state/hnsp-installer);
 * the global option --state DIR moves it. */
#ifndef HNSP_STATE_H
#define HNSP_STATE_H

#include <stddef.h>

/* Writes the state directory's name into buf without creating it.  Returns 0
 * or HNSP_ERR_LIMIT when the path does not fit. */
int state_dir_name(const char *override, char *buf, size_t size);

/* Writes the state directory into buf, creating it (mode 0700) when missing.
 * override is --state DIR (made absolute against the working directory), or
 * NULL.  Returns 0, HNSP_ERR_IO (errno set) or HNSP_ERR_LIMIT when the path
 * does not fit. */
int state_dir_resolve(const char *override, char *buf, size_t size);

/* Creates dir and its missing parents with mode.  Returns 0 or HNSP_ERR_IO. */
int state_mkdirs(const char *dir, unsigned mode);

#endif
