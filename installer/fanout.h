/* fanout.h: bounded parallel work over many hosts.
 *
 * fanout_run() calls work(ctx, i) for i in [0, n) on at most `concurrency`
 * threads and returns when all calls have returned.  Items are independent:
 * one item's failure never stops the others (work reports into its own slot
 * of the caller's results).  The gate limits how many SSH handshakes are in
 * flight towards one address at once (sshd's MaxStartups drops the rest). */
#ifndef HNSP_FANOUT_H
#define HNSP_FANOUT_H

#include <stddef.h>

#define FANOUT_DEFAULT_CONCURRENCY 32
#define GATE_DEFAULT_PER_KEY 8

/* Runs work for every index.  Returns 0, or HNSP_ERR_NOMEM when no thread
 * could be started (then nothing ran). */
int fanout_run(size_t n, size_t concurrency, void (*work)(void *ctx, size_t i), void *ctx);

struct gate;

/* A gate that lets at most per_key holders in per key (e.g. an address). */
struct gate *gate_new(unsigned per_key);
void gate_free(struct gate *g);
/* Blocks until key has room; key is copied.  Returns 0 or HNSP_ERR_NOMEM. */
int gate_enter(struct gate *g, const char *key);
void gate_leave(struct gate *g, const char *key);

#endif
