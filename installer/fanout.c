/* fanout.c: a pool of threads over an index range, and the handshake gate. */
#include "fanout.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct pool {
	pthread_mutex_t lock;
	size_t next;      /* next index to hand out */
	size_t n;
	void (*work)(void *ctx, size_t i);
	void *ctx;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->work(p->ctx, i);
	}
}

int fanout_run(size_t n, size_t concurrency, void (*work)(void *ctx, size_t i), void *ctx)
{
	struct pool p = {.n = n, .work = work, .ctx = ctx};
	pthread_t *threads;
	pthread_attr_t attr;
	size_t started = 0;

	if (n == 0)
		return 0;
	if (concurrency == 0)
		concurrency = FANOUT_DEFAULT_CONCURRENCY;
	if (concurrency > n)
		concurrency = n;
	if ((threads = calloc(concurrency, sizeof(*threads))) == NULL)
		return HNSP_ERR_NOMEM;
	pthread_mutex_init(&p.lock, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	for (; started < concurrency; started++)
		if (pthread_create(&threads[started], &attr, worker, &p) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (started == 0) {
		free(threads);
		pthread_mutex_destroy(&p.lock);
		return HNSP_ERR_NOMEM;
	}
	/* Fewer threads than asked still finish every item. */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pthread_mutex_destroy(&p.lock);
	return 0;
}

struct gate_slot {
	char *key;
	unsigned inside;
};

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned per_key;
	struct gate_slot *slots;  /* keys with holders inside */
	size_t nslots;
	size_t cap;
};

struct gate *gate_new(unsigned per_key)
{
	struct gate *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->changed, NULL);
	g->per_key = per_key ? per_key : GATE_DEFAULT_PER_KEY;
	return g;
}

void gate_free(struct gate *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->nslots; i++)
		free(g->slots[i].key);
	free(g->slots);
	pthread_cond_destroy(&g->changed);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static struct gate_slot *slot_find(struct gate *g, const char *key)
{
	for (size_t i = 0; i < g->nslots; i++)
		if (strcmp(g->slots[i].key, key) == 0)
			return &g->slots[i];
	return NULL;
}

int gate_enter(struct gate *g, const char *key)
{
	struct gate_slot *s;
	int r = 0;

	pthread_mutex_lock(&g->lock);
	while ((s = slot_find(g, key)) != NULL && s->inside >= g->per_key)
		pthread_cond_wait(&g->changed, &g->lock);
	if (s == NULL) {
		if (g->nslots == g->cap) {
			size_t cap = g->cap ? g->cap * 2 : 16;
			struct gate_slot *slots = realloc(g->slots, cap * sizeof(*slots));
			if (slots == NULL) {
				r = HNSP_ERR_NOMEM;
				goto out;
			}
			g->slots = slots;
			g->cap = cap;
		}
		s = &g->slots[g->nslots];
		if ((s->key = strdup(key)) == NULL) {
			r = HNSP_ERR_NOMEM;
			goto out;
		}
		s->inside = 0;
		g->nslots++;
	}
	s->inside++;
out:
	pthread_mutex_unlock(&g->lock);
	return r;
}

void gate_leave(struct gate *g, const char *key)
{
	struct gate_slot *s;

	pthread_mutex_lock(&g->lock);
	if ((s = slot_find(g, key)) != NULL && s->inside > 0 && --s->inside == 0) {
		free(s->key);
		*s = g->slots[--g->nslots];
	}
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}
