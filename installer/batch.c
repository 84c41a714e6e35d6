/* batch.c: connect and run one command per host on the fan-out pool. */
#include "batch.h"

#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "error.h"
#include "fanout.h"

/* What to do on each host once connected: one of the two below. */
struct job {
	const struct access *a;
	void (*act)(const struct job *j, struct ssh_conn *conn, struct batch_item *it);
	const char *const *argv;             /* exec */
	const struct ssh_exec_options *opts;
	const char *src, *dst;               /* push */
	const struct push_options *push;
	struct batch *b;
};

static void act_exec(const struct job *j, struct ssh_conn *conn, struct batch_item *it)
{
	ssh_conn_exec(conn, j->argv, j->opts, &it->result, &it->fail);
}

static void act_push(const struct job *j, struct ssh_conn *conn, struct batch_item *it)
{
	push_path(conn, j->src, j->dst, j->push, &it->push, &it->fail);
}

static void run_one(void *ctx, size_t i)
{
	struct job *j = ctx;
	struct batch_item *it = &j->b->items[i];
	struct ssh_conn *conn = NULL;
	long t0 = clock_ms();

	it->started_ms = t0;
	it->result.exit_status = -1;
	if (ssh_conn_open(&j->a->view, &j->a->endpoints[it->host], &conn, &it->fail) < 0)
		return;
	it->connect_ms = clock_ms() - t0;
	j->act(j, conn, it);
	ssh_conn_free(conn);
}

static int run(struct job *j, const size_t *hosts, size_t nhosts, size_t concurrency,
	       struct batch **out)
{
	const struct access *a = j->a;
	struct batch *b = calloc(1, sizeof(*b));
	long t0 = clock_ms();
	int r;

	*out = NULL;
	if (hosts == NULL)
		nhosts = a->n;
	if (b == NULL || (b->items = calloc(nhosts + 1, sizeof(*b->items))) == NULL) {
		free(b);
		return HNSP_ERR_NOMEM;
	}
	b->n = nhosts;
	j->b = b;
	for (size_t i = 0; i < nhosts; i++)
		b->items[i].host = hosts ? hosts[i] : i;
	if ((r = fanout_run(nhosts, concurrency, run_one, j)) < 0) {
		batch_free(b);
		return r;
	}
	b->elapsed_ms = clock_ms() - t0;
	*out = b;
	return 0;
}

int batch_exec(const struct access *a, const size_t *hosts, size_t nhosts, size_t concurrency,
	       const char *const *argv, const struct ssh_exec_options *opts, struct batch **out)
{
	struct job j = {.a = a, .act = act_exec, .argv = argv, .opts = opts};

	return run(&j, hosts, nhosts, concurrency, out);
}

int batch_push(const struct access *a, const size_t *hosts, size_t nhosts, size_t concurrency,
	       const char *src, const char *dst, const struct push_options *opts,
	       struct batch **out)
{
	struct job j = {.a = a, .act = act_push, .src = src, .dst = dst, .push = opts};

	return run(&j, hosts, nhosts, concurrency, out);
}

void batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		ssh_exec_result_release(&b->items[i].result);
	free(b->items);
	free(b);
}
