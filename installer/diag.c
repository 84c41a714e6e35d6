/* diag.c: the diagnostics list. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_list_init(struct diag_list *list)
{
	memset(list, 0, sizeof(*list));
}

void diag_list_release(struct diag_list *list)
{
	for (size_t i = 0; i < list->len; i++) {
		free(list->items[i].file);
		free(list->items[i].message);
	}
	free(list->items);
	diag_list_init(list);
}

void diag_add(struct diag_list *list, enum diag_severity severity, const char *file,
	      unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(list, severity, file, line, column, fmt, ap);
	va_end(ap);
}

void diag_vadd(struct diag_list *list, enum diag_severity severity, const char *file,
	       unsigned line, unsigned column, const char *fmt, va_list ap)
{
	struct diag d = {.severity = severity, .line = line, .column = column};

	if (severity == DIAG_ERROR)
		list->errors++;
	else
		list->warnings++;
	if (list->len >= DIAG_MAX)
		goto drop;
	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct diag *items = realloc(list->items, cap * sizeof(*items));
		if (items == NULL)
			goto drop;
		list->items = items;
		list->cap = cap;
	}
	if (vasprintf(&d.message, fmt, ap) < 0)
		d.message = NULL;
	if (d.message == NULL)
		goto drop;
	if (file != NULL && (d.file = strdup(file)) == NULL) {
		free(d.message);
		goto drop;
	}
	list->items[list->len++] = d;
	return;
drop:
	list->dropped++;
}

static int position_cmp(const struct diag *a, const struct diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return 0;
}

void diag_list_sort(struct diag_list *list)
{
	/* Insertion sort: stable, and lists are short (capped at DIAG_MAX). */
	for (size_t i = 1; i < list->len; i++) {
		struct diag d = list->items[i];
		size_t j = i;
		while (j > 0 && position_cmp(&list->items[j - 1], &d) > 0) {
			list->items[j] = list->items[j - 1];
			j--;
		}
		list->items[j] = d;
	}
}

bool diag_list_has_errors(const struct diag_list *list)
{
	return list->errors > 0;
}

json_t *diag_list_to_json(const struct diag_list *list)
{
	json_t *out = json_array();

	for (size_t i = 0; out && i < list->len; i++) {
		const struct diag *d = &list->items[i];
		if (json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:s}", "severity",
							 d->severity == DIAG_ERROR ? "error"
										   : "warning",
							 "line", (json_int_t)d->line, "column",
							 (json_int_t)d->column, "message",
							 d->message)) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}
