/* lines.h: styled text lines that a screen collects and then draws.
 *
 * A screen's tick builds them from the models; its draw shows a window of
 * them, each cut to the width. */
#ifndef HNSP_TUI_LINES_H
#define HNSP_TUI_LINES_H

#include <curses.h>
#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "draw.h"

struct line {
	char *text;              /* owned */
	enum style st;
};

struct lines {
	struct line *v;          /* owned */
	size_t n, cap;
};

/* Adds a line; on no memory the line is left out. */
void lines_add(struct lines *l, enum style st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds text split at its newlines, each line indented by indent spaces and,
 * when width > 0, wrapped to fit width columns. */
void lines_add_text(struct lines *l, enum style st, int indent, int width, const char *text);
/* Adds item to the comma-separated list in buf (size bytes, *len of them
 * used; buf is "" when *len is 0); cut when full. */
void lines_join(char *buf, size_t size, size_t *len, const char *item);
/* The strings of a JSON array (borrowed), comma-separated, into buf. */
void lines_join_json(const json_t *array, char *buf, size_t size);
/* t as "YYYY-MM-DD HH:MM UTC", into buf. */
void lines_date(time_t t, char *buf, size_t size);
/* Empties the list (keeps its memory for reuse). */
void lines_clear(struct lines *l);
void lines_release(struct lines *l);
/* Draws rows top.. of the lines at (y, x) in rows x cols. */
void lines_draw(const struct lines *l, size_t top, WINDOW *w, int y, int x, int rows, int cols);

#endif
