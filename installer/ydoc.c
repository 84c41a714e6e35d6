/* ydoc.c: build a positioned node tree from libyaml's event stream. */
#include "ydoc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "error.h"

struct anchor {
	char *name;          /* owned */
	struct ynode *node;  /* borrowed from the document */
	size_t weight;       /* nodes in its subtree after alias expansion */
};

struct frame {
	struct ynode *node;  /* the mapping or sequence being filled */
	struct ynode *key;   /* mapping: a key waiting for its value */
	size_t weight;       /* 1 + weights of the children so far */
	char *anchor;        /* owned; registered when the node ends */
	size_t cap;          /* allocated items or pairs */
};

struct builder {
	struct ydoc *doc;
	struct diag_list *diags;
	struct frame stack[YDOC_MAX_DEPTH + 1];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors;
	size_t anchors_cap;
	size_t total;        /* expanded nodes so far, for the alias-bomb limit */
	int err;
};

/* Records the first error; parsing stops at it, as libyaml cannot go on. */
__attribute__((format(printf, 5, 6))) static void fail(struct builder *b, int err, unsigned line,
							unsigned column, const char *fmt, ...)
{
	va_list ap;

	if (b->err != 0)
		return;
	b->err = err;
	va_start(ap, fmt);
	diag_vadd(b->diags, DIAG_ERROR, b->doc->file, line, column, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct builder *b)
{
	fail(b, HNSP_ERR_NOMEM, 0, 0, "out of memory");
}

/* Counts nodes as if every alias were expanded; refuses past the limit. */
static bool count_expanded(struct builder *b, size_t weight, unsigned line, unsigned column)
{
	b->total += weight;
	if (b->total <= YDOC_MAX_EXPANDED)
		return true;
	fail(b, HNSP_ERR_LIMIT, line, column,
	     "aliases expand to more than %u nodes; a project file needs far fewer",
	     YDOC_MAX_EXPANDED);
	return false;
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ydoc *doc = b->doc;
	struct ynode *n;

	if (!count_expanded(b, 1, (unsigned)mark->line + 1, (unsigned)mark->column + 1))
		return NULL;
	if (doc->nnodes == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 64;
		struct ynode **nodes = realloc(doc->nodes, cap * sizeof(*nodes));
		if (nodes == NULL)
			goto nomem;
		doc->nodes = nodes;
		doc->cap = cap;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto nomem;
	n->kind = kind;
	n->line = (unsigned)mark->line + 1;
	n->column = (unsigned)mark->column + 1;
	doc->nodes[doc->nnodes++] = n;
	return n;
nomem:
	fail_nomem(b);
	return NULL;
}

static int anchor_add(struct builder *b, char *name, struct ynode *node, size_t weight)
{
	if (b->nanchors == b->anchors_cap) {
		size_t cap = b->anchors_cap ? b->anchors_cap * 2 : 8;
		struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (a == NULL) {
			free(name);
			fail_nomem(b);
			return -1;
		}
		b->anchors = a;
		b->anchors_cap = cap;
	}
	b->anchors[b->nanchors++] = (struct anchor){name, node, weight};
	return 0;
}

static const struct anchor *anchor_find(const struct builder *b, const char *name)
{
	/* The latest definition of a name wins, as in YAML. */
	for (size_t i = b->nanchors; i > 0; i--)
		if (strcmp(b->anchors[i - 1].name, name) == 0)
			return &b->anchors[i - 1];
	return NULL;
}

/* Hands a finished node to its parent (or makes it the root). */
static void attach(struct builder *b, struct ynode *n, size_t weight)
{
	struct frame *f;

	if (b->depth == 0) {
		b->doc->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	f->weight += weight;
	if (f->node->kind == YNODE_SEQ) {
		if (f->node->count == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 4;
			struct ynode **items = realloc(f->node->items, cap * sizeof(*items));
			if (items == NULL) {
				fail_nomem(b);
				return;
			}
			f->node->items = items;
			f->cap = cap;
		}
		f->node->items[f->node->count++] = n;
		return;
	}
	if (f->key == NULL) {
		if (n->kind != YNODE_SCALAR) {
			fail(b, HNSP_ERR_INVALID, n->line, n->column,
			     "mapping keys must be plain strings, not %s", ynode_describe(n));
			return;
		}
		f->key = n;
		return;
	}
	if (f->node->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct ypair *pairs = realloc(f->node->pairs, cap * sizeof(*pairs));
		if (pairs == NULL) {
			fail_nomem(b);
			return;
		}
		f->node->pairs = pairs;
		f->cap = cap;
	}
	f->node->pairs[f->node->count++] = (struct ypair){f->key, n};
	f->key = NULL;
}

static int pair_cmp(const void *pa, const void *pb)
{
	const struct ypair *a = *(const struct ypair *const *)pa;
	const struct ypair *b = *(const struct ypair *const *)pb;
	int c;

	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	c = memcmp(a->key->value, b->key->value, a->key->len);
	if (c != 0)
		return c;
	return a < b ? -1 : 1; /* keep file order among equal keys */
}

/* Reports every repeated key in a mapping, sorting so huge maps stay fast. */
static void check_duplicates(struct builder *b, const struct ynode *map)
{
	const struct ypair **sorted;

	if (map->count < 2)
		return;
	if ((sorted = malloc(map->count * sizeof(*sorted))) == NULL) {
		fail_nomem(b);
		return;
	}
	for (size_t i = 0; i < map->count; i++)
		sorted[i] = &map->pairs[i];
	qsort(sorted, map->count, sizeof(*sorted), pair_cmp);
	for (size_t i = 1; i < map->count && b->err == 0; i++) {
		const struct ynode *first = sorted[i - 1]->key, *again = sorted[i]->key;
		char where[32];
		if (first->len != again->len || memcmp(first->value, again->value, first->len) != 0)
			continue;
		snprintf(where, sizeof(where), "%u:%u", first->line, first->column);
		fail(b, HNSP_ERR_INVALID, again->line, again->column,
		     "duplicate key '%s' (first defined at %s)", again->value, where);
	}
	free(sorted);
}

static char *take_anchor(const yaml_char_t *anchor)
{
	return anchor ? strdup((const char *)anchor) : NULL;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n = node_new(b, YNODE_SCALAR, &ev->start_mark);
	char *anchor;

	if (n == NULL)
		return;
	n->len = ev->data.scalar.length;
	if ((n->value = malloc(n->len + 1)) == NULL) {
		fail_nomem(b);
		return;
	}
	memcpy(n->value, ev->data.scalar.value, n->len);
	n->value[n->len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.tag == NULL;
	if (ev->data.scalar.anchor != NULL) {
		if ((anchor = take_anchor(ev->data.scalar.anchor)) == NULL) {
			fail_nomem(b);
			return;
		}
		if (anchor_add(b, anchor, n, 1) < 0)
			return;
	}
	attach(b, n, 1);
}

static void on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
	const yaml_char_t *anchor = kind == YNODE_MAP ? ev->data.mapping_start.anchor
						      : ev->data.sequence_start.anchor;
	struct ynode *n;
	struct frame *f;

	if (b->depth == YDOC_MAX_DEPTH) {
		fail(b, HNSP_ERR_LIMIT, (unsigned)ev->start_mark.line + 1,
		     (unsigned)ev->start_mark.column + 1,
		     "nesting is deeper than %d levels; a project file needs far fewer",
		     YDOC_MAX_DEPTH);
		return;
	}
	if ((n = node_new(b, kind, &ev->start_mark)) == NULL)
		return;
	f = &b->stack[b->depth++];
	*f = (struct frame){.node = n, .weight = 1};
	if (anchor != NULL && (f->anchor = take_anchor(anchor)) == NULL)
		fail_nomem(b);
}

static void on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];

	if (f.node->kind == YNODE_MAP)
		check_duplicates(b, f.node);
	if (f.anchor != NULL && anchor_add(b, f.anchor, f.node, f.weight) < 0)
		return;
	if (b->err == 0)
		attach(b, f.node, f.weight);
}

static void on_alias(struct builder *b, const yaml_event_t *ev)
{
	const struct anchor *a = anchor_find(b, (const char *)ev->data.alias.anchor);

	if (a == NULL) {
		fail(b, HNSP_ERR_INVALID, (unsigned)ev->start_mark.line + 1,
		     (unsigned)ev->start_mark.column + 1, "alias '*%s' refers to no anchor defined before it",
		     (const char *)ev->data.alias.anchor);
		return;
	}
	if (count_expanded(b, a->weight, (unsigned)ev->start_mark.line + 1,
			   (unsigned)ev->start_mark.column + 1))
		attach(b, a->node, a->weight);
}

static void parser_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	unsigned line = (unsigned)p->problem_mark.line + 1;
	unsigned column = (unsigned)p->problem_mark.column + 1;
	const char *problem = p->problem ? p->problem : "malformed input";
	char context[160] = "";

	if (p->error == YAML_MEMORY_ERROR) {
		fail_nomem(b);
		return;
	}
	if (p->problem_mark.index < len && buf[p->problem_mark.index] == '\t') {
		fail(b, HNSP_ERR_INVALID, line, column,
		     "tab character where YAML allows only spaces; indent with spaces");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset, not a mark. */
		size_t end = p->problem_offset < len ? p->problem_offset : len;
		line = 1;
		column = 1;
		for (size_t i = 0; i < end; i++) {
			if (buf[i] == '\n') {
				line++;
				column = 1;
			} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
				column++;
			}
		}
		if (p->problem_value >= 0)
			fail(b, HNSP_ERR_INVALID, line, column, "not valid YAML: %s (byte 0x%02x)",
			     problem, (unsigned)p->problem_value & 0xffu);
		else
			fail(b, HNSP_ERR_INVALID, line, column, "not valid YAML: %s", problem);
		return;
	}
	if (p->context != NULL)
		snprintf(context, sizeof(context), " (%s at %u:%u)", p->context,
			 (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
	fail(b, HNSP_ERR_INVALID, line, column, "not valid YAML: %s%s", problem, context);
}

int ydoc_parse(const char *label, const char *buf, size_t len, struct ydoc **out,
	       struct diag_list *diags)
{
	struct ydoc *doc = NULL;
	struct builder b = {.diags = diags};
	yaml_parser_t parser;
	yaml_event_t ev;
	int documents = 0;
	bool done = false;
	int r;

	*out = NULL;
	if ((doc = calloc(1, sizeof(*doc))) == NULL || (doc->file = strdup(label)) == NULL) {
		free(doc);
		diag_add(diags, DIAG_ERROR, label, 0, 0, "out of memory");
		return HNSP_ERR_NOMEM;
	}
	b.doc = doc;
	if (!yaml_parser_initialize(&parser)) {
		ydoc_free(doc);
		diag_add(diags, DIAG_ERROR, label, 0, 0, "out of memory");
		return HNSP_ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && b.err == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(&b, &parser, buf, len);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1)
				fail(&b, HNSP_ERR_INVALID, (unsigned)ev.start_mark.line + 1,
				     (unsigned)ev.start_mark.column + 1,
				     "a second YAML document starts here; a project file holds one");
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&b, &ev, YNODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&b, &ev, YNODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&b);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&b, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (b.depth > 0)
		free(b.stack[--b.depth].anchor);
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	r = b.err;
	if (r == 0) {
		*out = doc;
		doc = NULL;
	}
	ydoc_free(doc);
	return r;
}

int ydoc_load(const char *path, struct ydoc **out, struct diag_list *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd = -1;
	int r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
		r = HNSP_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		r = HNSP_ERR_IO;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "is a directory; expected a YAML file");
		r = HNSP_ERR_IO;
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)YDOC_MAX_BYTES) {
		diag_add(diags, DIAG_ERROR, path, 0, 0,
			 "file is %lld bytes; the limit is %u bytes (4 MiB)", (long long)st.st_size,
			 YDOC_MAX_BYTES);
		r = HNSP_ERR_LIMIT;
		goto out;
	}
	/* Read at most one byte past the limit: pipes and devices have no size. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : YDOC_MAX_BYTES + 1;
	if ((buf = malloc(cap)) == NULL) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "out of memory");
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;
		if (len == cap) {
			/* A regular file that grew while read: take up to the limit. */
			char *bigger = cap > YDOC_MAX_BYTES ? NULL : realloc(buf, YDOC_MAX_BYTES + 1);
			if (bigger == NULL)
				break;
			buf = bigger;
			cap = YDOC_MAX_BYTES + 1;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
			r = HNSP_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > YDOC_MAX_BYTES) {
			diag_add(diags, DIAG_ERROR, path, 0, 0,
				 "file is larger than the limit of %u bytes (4 MiB)", YDOC_MAX_BYTES);
			r = HNSP_ERR_LIMIT;
			goto out;
		}
	}
	r = ydoc_parse(path, buf, len, out, diags);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

void ydoc_free(struct ydoc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->nnodes; i++) {
		struct ynode *n = doc->nodes[i];
		free(n->value);
		free(n->items);
		free(n->pairs);
		free(n);
	}
	free(doc->nodes);
	free(doc->file);
	free(doc);
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->count; i++) {
		const struct ynode *k = map->pairs[i].key;
		if (k->len == klen && memcmp(k->value, key, klen) == 0)
			return map->pairs[i].value;
	}
	return NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0);
}

const char *ynode_describe(const struct ynode *n)
{
	if (n->kind == YNODE_MAP)
		return "a mapping";
	if (n->kind == YNODE_SEQ)
		return "a list";
	if (ynode_is_null(n))
		return "empty";
	return "a scalar";
}

/* ---- as JSON ---- */

static json_t *scalar_to_json(const struct ynode *n)
{
	char *end;
	long long v;
	double d;

	if (!n->plain)
		return json_stringn(n->value, n->len);
	if (ynode_is_null(n))
		return json_null();
	if (strcmp(n->value, "true") == 0 || strcmp(n->value, "True") == 0)
		return json_true();
	if (strcmp(n->value, "false") == 0 || strcmp(n->value, "False") == 0)
		return json_false();
	errno = 0;
	v = strtoll(n->value, &end, 10);
	if (*end == '\0' && end != n->value && errno == 0)
		return json_integer(v);
	d = strtod(n->value, &end);
	/* JSON has no infinity: "1e999" stays text rather than vanish (json_real
	 * gives NULL for it, and the key or list item with it was dropped). */
	if (*end == '\0' && end != n->value && strpbrk(n->value, ".eE") != NULL && isfinite(d))
		return json_real(d);
	return json_stringn(n->value, n->len);
}

json_t *ynode_to_json(const struct ynode *n)
{
	json_t *out;

	if (n == NULL)
		return json_null();
	if (n->kind == YNODE_SCALAR)
		return scalar_to_json(n);
	if (n->kind == YNODE_SEQ) {
		out = json_array();
		for (size_t i = 0; out && i < n->count; i++)
			json_array_append_new(out, ynode_to_json(n->items[i]));
		return out;
	}
	out = json_object();
	for (size_t i = 0; out && i < n->count; i++)
		json_object_setn_new(out, n->pairs[i].key->value, n->pairs[i].key->len,
				     ynode_to_json(n->pairs[i].value));
	return out;
}

/* ---- JSON back to YAML text ---- */

struct emit_buf {
	char *data;
	size_t len;
	bool toobig;
};

static int emit_write(void *ctx, unsigned char *bytes, size_t size)
{
	struct emit_buf *b = ctx;
	char *grown;

	if (b->toobig || b->len + size > YDOC_MAX_BYTES) {
		b->toobig = true;
		return 0;
	}
	if ((grown = realloc(b->data, b->len + size + 1)) == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, bytes, size);
	b->len += size;
	b->data[b->len] = '\0';
	return 1;
}

/* True when the text would read back as something other than a string
 * (null, a bool or a number) if written plain. */
static bool reads_as_other(const char *s)
{
	struct ydoc *doc = NULL;
	struct diag_list quiet;
	json_t *j;
	bool other = true;

	diag_list_init(&quiet);
	if (ydoc_parse("value", s, strlen(s), &doc, &quiet) == 0 && doc->root != NULL &&
	    doc->root->kind == YNODE_SCALAR) {
		j = ynode_to_json(doc->root);
		other = !json_is_string(j) || strcmp(json_string_value(j), s) != 0;
		json_decref(j);
	}
	ydoc_free(doc);
	diag_list_release(&quiet);
	return other;
}

static bool emit_scalar(yaml_emitter_t *em, const char *text, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
					    1, 1, style) &&
	       yaml_emitter_emit(em, &ev);
}

/* A short list of plain values goes on one line, as people write roles. */
static bool flow_list(const json_t *a)
{
	size_t i, width = 0;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (json_is_object(v) || json_is_array(v))
			return false;
		width += json_is_string(v) ? json_string_length(v) + 2 : 8;
	}
	return width < 60;
}

static bool emit_json(yaml_emitter_t *em, const json_t *j)
{
	yaml_event_t ev;
	const char *key;
	char num[64];
	size_t i;
	json_t *v;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 json_object_size(j) ? YAML_BLOCK_MAPPING_STYLE
									     : YAML_FLOW_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return false;
		json_object_foreach((json_t *)j, key, v)
			if (!emit_scalar(em, key, reads_as_other(key) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
								       : YAML_ANY_SCALAR_STYLE) ||
			    !emit_json(em, v))
				return false;
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  flow_list(j) ? YAML_FLOW_SEQUENCE_STYLE
								       : YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return false;
		json_array_foreach(j, i, v)
			if (!emit_json(em, v))
				return false;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	case JSON_STRING:
		return emit_scalar(em, json_string_value(j),
				   reads_as_other(json_string_value(j)) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
									: YAML_ANY_SCALAR_STYLE);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return emit_scalar(em, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(j));
		if (strpbrk(num, ".eEn") == NULL)
			strcat(num, ".0");
		return emit_scalar(em, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
	case JSON_FALSE:
		return emit_scalar(em, json_is_true(j) ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(em, "null", YAML_PLAIN_SCALAR_STYLE);
	}
	return false;
}

int ydoc_emit_json(const json_t *j, char **out, size_t *len)
{
	struct emit_buf b = {0};
	yaml_emitter_t em;
	yaml_event_t ev;
	bool ok;

	*out = NULL;
	if (!yaml_emitter_initialize(&em))
		return HNSP_ERR_NOMEM;
	yaml_emitter_set_output(&em, emit_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_indent(&em, 2);
	yaml_emitter_set_width(&em, 100);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) && emit_json(&em, j) &&
	     yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) &&
	     yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
	if (!ok || b.data == NULL) {
		free(b.data);
		return b.toobig ? HNSP_ERR_LIMIT : HNSP_ERR_NOMEM;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}
