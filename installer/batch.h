/* batch.h: one command, or one push, on many hosts at once.
 *
 * Each host gets its own connection and its own buffered output, so hosts
 * never interleave; one host's failure never stops the others, and each
 * failure is classified (ssh.h).  Used by `hnsp-installer exec`, tests and
 * benchmarks; later phases build on the same pieces. */
#ifndef HNSP_BATCH_H
#define HNSP_BATCH_H

#include <stddef.h>

#include "access.h"
#include "push.h"
#include "ssh.h"

struct batch_item {
	size_t host;                   /* index into the access endpoints */
	struct ssh_failure fail;       /* kind SSH_FAIL_NONE when the command ran */
	struct ssh_exec_result result; /* exec: owned output; exit_status -1 when it did not run */
	struct push_stats push;        /* push: what was sent */
	long started_ms;               /* clock_ms() when this host's turn began */
	long connect_ms;               /* connect, host key and authentication */
};

struct batch {
	struct batch_item *items;      /* owned; one per selected host */
	size_t n;
	long elapsed_ms;
};

/* Runs argv on the hosts whose indexes are in hosts[0..nhosts) (all when
 * hosts is NULL) through a, at most concurrency at once.  *out is new.
 * Returns 0 or HNSP_ERR_NOMEM. */
int batch_exec(const struct access *a, const size_t *hosts, size_t nhosts, size_t concurrency,
	       const char *const *argv, const struct ssh_exec_options *opts, struct batch **out);
/* Pushes src to dst (see push.h) on the selected hosts, like batch_exec. */
int batch_push(const struct access *a, const size_t *hosts, size_t nhosts, size_t concurrency,
	       const char *src, const char *dst, const struct push_options *opts,
	       struct batch **out);
void batch_free(struct batch *b);

#endif
