/* form.c: fields from a table, typed in, written back to JSON, errors at their fields. */
#include "form.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "error.h"
#include "lines.h"

/* ---- the JSON object under a dotted path ---- */

static const json_t *path_get(const json_t *obj, const char *path)
{
	char key[128];
	const char *dot;

	while (obj != NULL && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return json_object_get(obj, path);
}

/* Sets path to value (stolen), or removes it when value is NULL; objects on
 * the way are made as needed. */
static int path_set(json_t *obj, const char *path, json_t *value)
{
	char key[128];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		json_t *next;
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		next = json_object_get(obj, key);
		if (!json_is_object(next)) {
			if (value == NULL)
				return 0;
			if ((next = json_object()) == NULL || json_object_set_new(obj, key, next) < 0) {
				json_decref(value);
				return HNSP_ERR_NOMEM;
			}
		}
		obj = next;
		path = dot + 1;
	}
	if (value == NULL) {
		json_object_del(obj, path);
		return 0;
	}
	return json_object_set_new(obj, path, value) < 0 ? HNSP_ERR_NOMEM : 0;
}

/* ---- fields and stops ---- */

static bool has_options(const struct form_field *fld)
{
	return fld->def->kind == FIELD_CHOICE || fld->def->kind == FIELD_FLAGS;
}

static bool is_text(const struct form_field *fld)
{
	return !has_options(fld) && fld->def->kind != FIELD_BOOL;
}

/* Focus stops of a field: one per option, else one. */
static size_t stops(const struct form_field *fld)
{
	return has_options(fld) ? fld->noptions : 1;
}

static size_t total_stops(const struct form *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += stops(&f->fields[i]);
	return n;
}

/* The field of the focused stop, and the option in it. */
static struct form_field *focused(const struct form *f, size_t *option)
{
	size_t s = f->focus;

	for (size_t i = 0; i < f->n; i++) {
		if (s < stops(&f->fields[i])) {
			*option = s;
			return &f->fields[i];
		}
		s -= stops(&f->fields[i]);
	}
	return NULL;
}

static size_t count_options(const char *const *options)
{
	size_t n = 0;

	while (options && options[n] && n < FORM_MAX_OPTIONS)
		n++;
	return n;
}

int form_init(struct form *f, const struct field_def *defs, size_t n, const char *prefix)
{
	memset(f, 0, sizeof(*f));
	if ((f->fields = calloc(n, sizeof(*f->fields))) == NULL)
		return HNSP_ERR_NOMEM;
	f->n = n;
	for (size_t i = 0; i < n; i++) {
		f->fields[i].def = &defs[i];
		form_set_options(f, i, defs[i].options, NULL);
	}
	snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
	return 0;
}

void form_release(struct form *f)
{
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

void form_set_options(struct form *f, size_t i, const char *const *options,
		      const char *const *notes)
{
	f->fields[i].options = options;
	f->fields[i].notes = notes;
	f->fields[i].noptions = count_options(options);
}

void form_load(struct form *f, const json_t *obj)
{
	for (size_t i = 0; i < f->n; i++) {
		struct form_field *fld = &f->fields[i];
		const json_t *v = path_get(obj, fld->def->key), *item;
		size_t k;

		fld->text[0] = '\0';
		memset(fld->checked, 0, sizeof(fld->checked));
		if (json_is_string(v))
			snprintf(fld->text, sizeof(fld->text), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(fld->text, sizeof(fld->text), "%lld", (long long)json_integer_value(v));
		else if (json_is_array(v) && fld->def->kind == FIELD_LIST)
			lines_join_json(v, fld->text, sizeof(fld->text));
		fld->cursor = strlen(fld->text);
		for (size_t o = 0; o < fld->noptions; o++) {
			if (fld->def->kind == FIELD_CHOICE)
				fld->checked[o] = json_is_string(v) &&
						  strcmp(json_string_value(v), fld->options[o]) == 0;
			else if (json_is_array(v))
				json_array_foreach(v, k, item)
					fld->checked[o] |=
					json_is_string(item) &&
					strcmp(json_string_value(item), fld->options[o]) == 0;
		}
		if (fld->def->kind == FIELD_BOOL)
			fld->checked[0] = json_is_true(v);
	}
}

/* text without the spaces around it, into buf. */
static const char *trimmed(const char *text, char *buf, size_t size)
{
	size_t len;

	while (isspace((unsigned char)*text))
		text++;
	snprintf(buf, size, "%s", text);
	len = strlen(buf);
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	return buf;
}

/* The JSON value of a field (new), or NULL for "remove the key". */
static json_t *field_value(const struct form_field *fld)
{
	char buf[FORM_TEXT_MAX], *end, *item, *save = NULL;
	const char *t = trimmed(fld->text, buf, sizeof(buf));
	json_t *v = NULL;
	long long num;

	switch (fld->def->kind) {
	case FIELD_TEXT:
		return t[0] ? json_string(t) : NULL;
	case FIELD_INT:
		if (t[0] == '\0')
			return NULL;
		errno = 0;
		num = strtoll(t, &end, 10);
		return *end == '\0' && errno == 0 ? json_integer(num) : json_string(t);
	case FIELD_LIST:
		if (t[0] == '\0' || (v = json_array()) == NULL)
			return NULL;
		for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			char one[FORM_TEXT_MAX];
			if (trimmed(item, one, sizeof(one))[0])
				json_array_append_new(v, json_string(one));
		}
		return v;
	case FIELD_CHOICE:
		for (size_t o = 0; o < fld->noptions; o++)
			if (fld->checked[o])
				return json_string(fld->options[o]);
		return NULL;
	case FIELD_FLAGS:
		if ((v = json_array()) == NULL)
			return NULL;
		for (size_t o = 0; o < fld->noptions; o++)
			if (fld->checked[o])
				json_array_append_new(v, json_string(fld->options[o]));
		return v;
	case FIELD_BOOL:
		return fld->checked[0] ? json_true() : NULL;
	}
	return NULL;
}

int form_apply(const struct form *f, json_t *obj)
{
	for (size_t i = 0; i < f->n; i++)
		if (path_set(obj, f->fields[i].def->key, field_value(&f->fields[i])) < 0)
			return HNSP_ERR_NOMEM;
	return 0;
}

/* The message of d when it names the field at path ('PATH': ..., 'PATH[..,
 * 'PATH.xx), without the path; else NULL. */
static const char *names_field(const struct diag *d, const char *prefix, const char *key)
{
	size_t pl = strlen(prefix), kl = strlen(key);
	const char *m = d->message, *rest;

	if (m[0] != '\'' || strncmp(m + 1, prefix, pl) != 0 || strncmp(m + 1 + pl, key, kl) != 0)
		return NULL;
	rest = m + 1 + pl + kl;
	if (rest[0] != '\'' && rest[0] != '[' && rest[0] != '.')
		return NULL;
	rest = strchr(rest, '\'');
	if (rest == NULL)
		return NULL;
	rest++;
	return rest[0] == ':' ? rest + 1 + (rest[1] == ' ') : rest;
}

void form_set_errors(struct form *f, const struct diag_list *diags)
{
	for (size_t i = 0; i < f->n; i++)
		f->fields[i].error[0] = '\0';
	f->nother = f->other_total = 0;
	for (size_t d = 0; diags && d < diags->len; d++) {
		const struct diag *dg = &diags->items[d];
		bool placed = false;
		if (dg->severity != DIAG_ERROR)
			continue;
		for (size_t i = 0; i < f->n && !placed; i++) {
			const char *msg = names_field(dg, f->prefix, f->fields[i].def->key);
			if (msg == NULL)
				continue;
			placed = true;
			if (f->fields[i].error[0] == '\0')
				snprintf(f->fields[i].error, sizeof(f->fields[i].error), "%s", msg);
		}
		if (placed)
			continue;
		if (f->nother < FORM_OTHER_MAX)
			snprintf(f->other[f->nother++], sizeof(f->other[0]), "%s", dg->message);
		f->other_total++;
	}
	f->other_total += diags ? diags->dropped : 0;
}

/* Typing keys into a text field. */
static bool text_key(struct form_field *fld, int key)
{
	size_t len = strlen(fld->text);

	if (key >= 0x20 && key < 0x7f) {
		if (len + 1 >= sizeof(fld->text))
			return true;
		memmove(fld->text + fld->cursor + 1, fld->text + fld->cursor, len - fld->cursor + 1);
		fld->text[fld->cursor++] = (char)key;
		return true;
	}
	switch (key) {
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (fld->cursor > 0) {
			memmove(fld->text + fld->cursor - 1, fld->text + fld->cursor,
				len - fld->cursor + 1);
			fld->cursor--;
		}
		return true;
	case KEY_DC:
		if (fld->cursor < len)
			memmove(fld->text + fld->cursor, fld->text + fld->cursor + 1, len - fld->cursor);
		return true;
	case KEY_LEFT:
		fld->cursor -= fld->cursor > 0;
		return true;
	case KEY_RIGHT:
		fld->cursor += fld->cursor < len;
		return true;
	case KEY_HOME:
	case 1: /* Ctrl-A */
		fld->cursor = 0;
		return true;
	case KEY_END:
	case 5: /* Ctrl-E */
		fld->cursor = len;
		return true;
	case 21: /* Ctrl-U */
		fld->text[0] = '\0';
		fld->cursor = 0;
		return true;
	}
	return false;
}

bool form_key(struct form *f, int key)
{
	size_t n = total_stops(f), option = 0;
	struct form_field *fld = focused(f, &option);

	switch (key) {
	case KEY_DOWN:
	case '\t':
		f->focus = n ? (f->focus + 1) % n : 0;
		return true;
	case KEY_UP:
	case KEY_BTAB:
		f->focus = n ? (f->focus + n - 1) % n : 0;
		return true;
	}
	if (fld == NULL)
		return false;
	if (is_text(fld))
		return text_key(fld, key);
	if (key != ' ')
		return false;
	if (fld->def->kind == FIELD_CHOICE) {
		bool was = fld->checked[option];
		memset(fld->checked, 0, sizeof(fld->checked));
		fld->checked[option] = !was;
	} else {
		fld->checked[option] = !fld->checked[option];
	}
	return true;
}

/* ---- drawing ---- */

/* One row of the drawn form: a field's input or option, or an error under it. */
struct row {
	size_t field;
	int option;      /* the option, 0 for a text field; -1 an error row; -2 a note row */
	size_t stop;     /* the focus stop it shows */
};

static size_t layout(const struct form *f, struct row *rows, size_t cap)
{
	size_t n = 0, stop = 0;

	for (size_t i = 0; i < f->n; i++) {
		const struct form_field *fld = &f->fields[i];
		for (size_t o = 0; o < stops(fld) && n < cap; o++)
			rows[n++] = (struct row){i, (int)o, stop++};
		if (fld->error[0] && n < cap)
			rows[n++] = (struct row){i, -1, stop - 1};
	}
	return n;
}

/* The text field at (y, x): a box of width columns, then its hint, in avail columns. */
static void draw_box(const struct form_field *fld, bool focus, WINDOW *w, int y, int x,
		     int width, int avail)
{
	int inner = width - 2;
	size_t len = strlen(fld->text);
	size_t start = inner > 0 && fld->cursor >= (size_t)inner ? fld->cursor - (size_t)inner + 1 : 0;
	char shown[FORM_TEXT_MAX];

	if (inner < 1)
		return;
	snprintf(shown, sizeof(shown), "%s", fld->text + start);
	draw_text(w, y, x, 1, ST_NORMAL, "[");
	draw_fill(w, y, x + 1, inner, focus ? ST_SELECT : ST_DIM);
	draw_text(w, y, x + 1, inner, focus ? ST_SELECT : ST_NORMAL, shown);
	if (focus) { /* the text cursor, as a plain cell in the highlighted box */
		char at[2] = {fld->cursor < len ? fld->text[fld->cursor] : ' ', '\0'};
		draw_text(w, y, x + 1 + (int)(fld->cursor - start), 1, ST_NORMAL, at);
	}
	draw_text(w, y, x + 1 + inner, 1, ST_NORMAL, "]");
	if (len == 0 && fld->def->hint)
		draw_text(w, y, x + width + 1, avail - width - 1, ST_DIM, fld->def->hint);
}

static size_t longest_option(const struct form_field *fld)
{
	size_t n = 0;

	for (size_t o = 0; o < fld->noptions; o++)
		n = strlen(fld->options[o]) > n ? strlen(fld->options[o]) : n;
	return n;
}

static void draw_option(const struct form_field *fld, size_t o, bool focus, WINDOW *w, int y,
			int x, int width)
{
	bool radio = fld->def->kind == FIELD_CHOICE;
	const char *name = fld->def->kind == FIELD_BOOL ? "" : fld->options[o];
	const char *box = radio ? (fld->checked[o] ? "(•)" : "( )")
				: (fld->checked[o] ? "[x]" : "[ ]");
	char mark[64];
	int used;

	snprintf(mark, sizeof(mark), "%s%s%-*s", box, name[0] ? " " : "",
		 name[0] ? (int)longest_option(fld) : 0, name);
	used = draw_text(w, y, x, width, focus ? ST_SELECT : ST_NORMAL, mark);
	if (fld->notes && fld->notes[o])
		draw_text(w, y, x + used + 2, width - used - 2, ST_DIM, fld->notes[o]);
	else if (fld->def->kind == FIELD_BOOL && fld->def->hint)
		draw_text(w, y, x + used + 2, width - used - 2, ST_DIM, fld->def->hint);
}

void form_draw(struct form *f, WINDOW *w, int y, int x, int rows, int cols)
{
	struct row layout_rows[256];
	size_t n = layout(f, layout_rows, sizeof(layout_rows) / sizeof(layout_rows[0]));
	/* The other errors go below the fields when there is room for both. */
	bool others = f->nother > 0 && rows - (int)f->nother - 2 >= 3;
	int label_w = 0, box_w, body = others ? rows - (int)f->nother - 2 : rows, focus_row = 0;

	for (size_t i = 0; i < f->n; i++)
		if (draw_width(f->fields[i].def->label) > label_w)
			label_w = draw_width(f->fields[i].def->label);
	label_w = label_w + 2 < cols / 3 ? label_w + 2 : cols / 3;
	box_w = cols - label_w > 42 ? 42 : cols - label_w;
	for (size_t r = 0; r < n; r++)
		if (layout_rows[r].stop == f->focus && layout_rows[r].option >= 0)
			focus_row = (int)r;
	/* Keep the focused row and the error under it in view. */
	if (focus_row + 1 >= f->top + body)
		f->top = focus_row + 2 - body;
	if (focus_row < f->top)
		f->top = focus_row;
	if (f->top < 0)
		f->top = 0;
	for (size_t r = (size_t)f->top; r < n && (int)r - f->top < body; r++) {
		const struct row *row = &layout_rows[r];
		const struct form_field *fld = &f->fields[row->field];
		int yy = y + (int)r - f->top;
		bool focus = row->stop == f->focus && row->option >= 0;

		if (row->option == 0)
			draw_text(w, yy, x, label_w - 1, focus ? ST_HEAD : ST_NORMAL, fld->def->label);
		if (row->option < 0)
			draw_fmt(w, yy, x + label_w, cols - label_w, ST_FAIL, "! %s", fld->error);
		else if (is_text(fld))
			draw_box(fld, focus, w, yy, x + label_w, box_w, cols - label_w);
		else
			draw_option(fld, (size_t)row->option, focus, w, yy, x + label_w, cols - label_w);
	}
	if (!others)
		return;
	draw_fmt(w, y + body + 1, x, cols, ST_HEAD, "Problems in the project (%zu)",
		 f->other_total);
	for (size_t i = 0; i < f->nother; i++)
		draw_fmt(w, y + body + 2 + (int)i, x, cols, ST_FAIL, "! %s", f->other[i]);
}
