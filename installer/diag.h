/* diag.h: diagnostics (errors and warnings) that point at a place in a file.
 *
 * Library code never prints: it appends to a struct diag_list, and a front-end
 * decides how to show the list.  Positions are 1-based; 0 means "no position". */
#ifndef HNSP_DIAG_H
#define HNSP_DIAG_H

#include <stdarg.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_severity severity;
	char *file;       /* owned; file the message is about */
	unsigned line;    /* 1-based line, 0 when the message has no position */
	unsigned column;  /* 1-based column, 0 when unknown */
	char *message;    /* owned; lowercase, no full stop */
};

/* Cap on stored diagnostics: a pathological file cannot eat memory through them. */
#define DIAG_MAX 1000

struct diag_list {
	struct diag *items; /* owned array of len entries */
	size_t len;         /* stored entries */
	size_t cap;         /* allocated entries */
	size_t errors;      /* errors reported, stored or dropped */
	size_t warnings;    /* warnings reported, stored or dropped */
	size_t dropped;     /* reported but not stored (cap or out of memory) */
};

void diag_list_init(struct diag_list *list);
/* Frees the contents; the list may be reused after diag_list_init(). */
void diag_list_release(struct diag_list *list);

/* Appends a diagnostic.  file is copied; it may be NULL.  Never fails: when
 * memory or the cap runs out the diagnostic is counted in dropped. */
void diag_add(struct diag_list *list, enum diag_severity severity, const char *file,
	      unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void diag_vadd(struct diag_list *list, enum diag_severity severity, const char *file,
	       unsigned line, unsigned column, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* Sorts by file, line and column, keeping the report order of equal positions. */
void diag_list_sort(struct diag_list *list);

bool diag_list_has_errors(const struct diag_list *list);
/* The list as [{"severity", "line", "column", "message"}], in its order.
 * New reference, or NULL (no memory). */
json_t *diag_list_to_json(const struct diag_list *list);

#endif
