/* tail.h: the complete lines appended to a file since the last read.
 *
 * Follows a run's events.jsonl while apply writes it: a line still being
 * written waits for the next read, and a line longer than TAIL_LINE_MAX is
 * skipped whole (it cannot be an event worth the memory). */
#ifndef HNSP_TUI_TAIL_H
#define HNSP_TUI_TAIL_H

#include <stdbool.h>
#include <stddef.h>

#define TAIL_LINE_MAX (8u << 20)
#define TAIL_READ_MAX (16u << 20) /* bytes read per call, so a long replay keeps the screen live */

struct tail {
	int fd;             /* -1 when closed */
	char *buf;          /* owned: bytes read that end no line yet */
	size_t len, cap;
	bool skipping;      /* inside an over-long line */
};

void tail_init(struct tail *t);
/* Opens path from its start.  Returns 0 or HNSP_ERR_IO (errno set). */
int tail_open(struct tail *t, const char *path);
/* Calls on_line (line without '\n', NUL-terminated, borrowed) for each new
 * complete line.  Returns 0, HNSP_ERR_IO or HNSP_ERR_NOMEM. */
int tail_read(struct tail *t, void (*on_line)(void *ctx, const char *line), void *ctx);
/* Closes the file and frees the buffer; t can be opened again. */
void tail_close(struct tail *t);

#endif
