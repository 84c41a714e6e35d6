/* form.h: a form over a JSON object of the project: fields from a table.
 *
 * A screen describes its form as a table of struct field_def (the key, the
 * label, the kind of input); form_load() fills the fields from the object,
 * the person types, and form_apply() writes the values back into a copy of
 * the object for the project's own validation to judge.  Its errors come back
 * with form_set_errors(): each one that names a field's path is shown at that
 * field, the rest below the form.  The form never judges a value itself. */
#ifndef HNSP_TUI_FORM_H
#define HNSP_TUI_FORM_H

#include <curses.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum field_kind {
	FIELD_TEXT,   /* a string; empty removes the key (its default applies) */
	FIELD_INT,    /* an integer; other text is kept as a string for validation to report */
	FIELD_LIST,   /* a list of strings, typed comma-separated */
	FIELD_CHOICE, /* one of the options, or none (the key is removed) */
	FIELD_FLAGS,  /* any of the options, as a list of strings */
	FIELD_BOOL    /* a checkbox: true, or the key removed */
};

struct field_def {
	const char *key;              /* dotted path below the form's object: "network.api_vip" */
	const char *label;            /* what a person reads: "API VIP" */
	enum field_kind kind;
	const char *hint;             /* beside an empty field: what applies then; or NULL */
	const char *const *options;   /* FIELD_CHOICE, FIELD_FLAGS: NULL-terminated, or NULL
				       * when the screen gives them (form_set_options) */
};

#define FORM_MAX_OPTIONS 32
#define FORM_TEXT_MAX 256
#define FORM_OTHER_MAX 6

struct form_field {
	const struct field_def *def;  /* borrowed from the screen's table */
	char text[FORM_TEXT_MAX];     /* text kinds: what is typed */
	size_t cursor;                /* byte offset in text (input is ASCII) */
	const char *const *options;   /* borrowed, NULL-terminated */
	const char *const *notes;     /* one line per option (descriptions), or NULL */
	size_t noptions;
	bool checked[FORM_MAX_OPTIONS];
	char error[FORM_TEXT_MAX];    /* the validation's word on this field, or "" */
};

struct form {
	struct form_field *fields;    /* owned */
	size_t n;
	size_t focus;                 /* the focused stop: a text field, or one option */
	char prefix[64];              /* the object's path in messages: "hosts[2]." or "" */
	char other[FORM_OTHER_MAX][FORM_TEXT_MAX]; /* errors that name no field */
	size_t nother;                /* shown */
	size_t other_total;           /* reported, shown or not */
	int top;                      /* first row shown, when the form is taller than its area */
};

/* Builds the fields of table defs (borrowed; n entries).  prefix is copied.
 * Returns 0 or HNSP_ERR_NOMEM. */
int form_init(struct form *f, const struct field_def *defs, size_t n, const char *prefix);
void form_release(struct form *f);
/* Gives field i its options (and a note per option, or NULL); borrowed. */
void form_set_options(struct form *f, size_t i, const char *const *options,
		      const char *const *notes);
/* Fills the fields from obj (borrowed); absent keys leave them empty. */
void form_load(struct form *f, const json_t *obj);
/* Writes the fields' values into obj (changed in place). Returns 0 or HNSP_ERR_NOMEM. */
int form_apply(const struct form *f, json_t *obj);
/* Shows the errors of diags (borrowed) at their fields; the rest in other. */
void form_set_errors(struct form *f, const struct diag_list *diags);
/* Handles an editing or moving key; true when it was one. */
bool form_key(struct form *f, int key);
/* Draws the form in rows x cols at (y, x). */
void form_draw(struct form *f, WINDOW *w, int y, int x, int rows, int cols);

#endif
