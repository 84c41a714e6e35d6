/* batch.c: connect and run one command per host on the fan-out pool. */
#include "batch.h"

#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "fanout.h"

struct job {
	const struct access *a;
	const char *const *argv;
	const struct ssh_exec_options *opts;
	struct batch *b;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void run_one(void *ctx, size_t i)
{
	struct job *j = ctx;
	struct batch_item *it = &j->b->items[i];
	struct ssh_conn *conn = NULL;
	long t0 = now_ms();

	it->result.exit_status = -1;
	if (ssh_conn_open(&j->a->view, &j->a->endpoints[it->host], &conn, &it->fail) < 0)
		return;
	it->connect_ms = now_ms() - t0;
	ssh_conn_exec(conn, j->argv, j->opts, &it->result, &it->fail);
	ssh_conn_free(conn);
}

int batch_exec(const struct access *a, const size_t *hosts, size_t nhosts, size_t concurrency,
	       const char *const *argv, const struct ssh_exec_options *opts, struct batch **out)
{
	struct batch *b = calloc(1, sizeof(*b));
	struct job j = {a, argv, opts, b};
	long t0 = now_ms();
	int r;

	*out = NULL;
	if (hosts == NULL)
		nhosts = a->n;
	if (b == NULL || (b->items = calloc(nhosts + 1, sizeof(*b->items))) == NULL) {
		free(b);
		return HNSP_ERR_NOMEM;
	}
	b->n = nhosts;
	for (size_t i = 0; i < nhosts; i++)
		b->items[i].host = hosts ? hosts[i] : i;
	if ((r = fanout_run(nhosts, concurrency, run_one, &j)) < 0) {
		batch_free(b);
		return r;
	}
	b->elapsed_ms = now_ms() - t0;
	*out = b;
	return 0;
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
