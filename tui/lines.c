/* lines.c: styled text lines, collected then drawn. */
#include "lines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct lines *l, enum style st, char *text)
{
	if (text == NULL)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct line *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			free(text);
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct line){text, st};
}

void lines_add(struct lines *l, enum style st, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	add(l, st, text);
}

/* Bytes of s that fill at most cols columns (a UTF-8 character counts one),
 * broken after a space when one is in the second half; at least one character. */
static int fit(const char *s, int len, int cols)
{
	int end = 0, chars = 0, space = -1;

	while (end < len && chars < cols) {
		if (s[end] == ' ')
			space = end + 1;
		end++;
		while (end < len && ((unsigned char)s[end] & 0xC0) == 0x80)
			end++;
		chars++;
	}
	if (end < len && space > end / 2)
		return space;
	return end > 0 ? end : len;
}

void lines_add_text(struct lines *l, enum style st, int indent, int width, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		int len = nl ? (int)(nl - text) : (int)strlen(text), first = 1;

		do { /* a long line goes on, indented two more */
			int cols = width - indent - (first ? 0 : 2);
			int n = width > 0 && cols > 8 ? fit(text, len, cols) : len;
			lines_add(l, st, "%*s%.*s", indent + (first ? 0 : 2), "", n, text);
			text += n;
			len -= n;
			first = 0;
		} while (len > 0);
		text = nl ? nl + 1 : NULL;
	}
}

void lines_join(char *buf, size_t size, size_t *len, const char *item)
{
	int n = snprintf(buf + *len, *len < size ? size - *len : 0, "%s%s", *len ? ", " : "", item);

	*len += n > 0 ? (size_t)n : 0;
	if (*len >= size) /* full: it stays full */
		*len = size;
}

void lines_join_json(const json_t *array, char *buf, size_t size)
{
	const json_t *v;
	size_t i, len = 0;

	buf[0] = '\0';
	json_array_foreach(array, i, v)
		lines_join(buf, size, &len, json_string_value(v) ?: "?");
}

void lines_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

void lines_clear(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = 0;
}

void lines_release(struct lines *l)
{
	lines_clear(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void lines_draw(const struct lines *l, size_t top, WINDOW *w, int y, int x, int rows, int cols)
{
	for (int r = 0; r < rows && top + (size_t)r < l->n; r++)
		draw_text(w, y + r, x, cols, l->v[top + (size_t)r].st, l->v[top + (size_t)r].text);
}
