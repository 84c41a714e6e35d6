/* tail.c: new complete lines of a growing file. */
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

void tail_init(struct tail *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

int tail_open(struct tail *t, const char *path)
{
	tail_close(t);
	if ((t->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return HNSP_ERR_IO;
	return 0;
}

/* Hands over every complete line in the buffer and keeps the rest. */
static void split(struct tail *t, void (*on_line)(void *ctx, const char *line), void *ctx)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(t->buf + start, '\n', t->len - start)) != NULL) {
		*nl = '\0';
		if (!t->skipping)
			on_line(ctx, t->buf + start);
		t->skipping = false;
		start = (size_t)(nl - t->buf) + 1;
	}
	memmove(t->buf, t->buf + start, t->len - start);
	t->len -= start;
	if (t->len > TAIL_LINE_MAX) { /* drop it, and what follows up to its end */
		t->skipping = true;
		t->len = 0;
	}
}

int tail_read(struct tail *t, void (*on_line)(void *ctx, const char *line), void *ctx)
{
	size_t total = 0;

	if (t->fd < 0)
		return HNSP_ERR_IO;
	while (total < TAIL_READ_MAX) {
		ssize_t n;
		if (t->cap - t->len < 65536) {
			size_t cap = t->cap ? t->cap * 2 : 131072;
			char *more = realloc(t->buf, cap);
			if (more == NULL)
				return HNSP_ERR_NOMEM;
			t->buf = more;
			t->cap = cap;
		}
		n = read(t->fd, t->buf + t->len, t->cap - t->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return HNSP_ERR_IO;
		if (n == 0)
			break;
		t->len += (size_t)n;
		total += (size_t)n;
		split(t, on_line, ctx);
	}
	return 0;
}

void tail_close(struct tail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	tail_init(t);
}
