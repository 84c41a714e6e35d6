/* ydoc.h: a YAML document read into a tree whose nodes remember where they are.
 *
 * The parser is libyaml's; this module adds what a project file needs and
 * libyaml does not give: positions on every node, duplicate-key errors, one
 * document per file, and hard limits on size, nesting and alias expansion so
 * that no input can crash, hang or exhaust memory. */
#ifndef HNSP_YDOC_H
#define HNSP_YDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define YDOC_MAX_BYTES (4u << 20)     /* largest file read, 4 MiB */
#define YDOC_MAX_DEPTH 64             /* deepest nesting of mappings/sequences */
#define YDOC_MAX_EXPANDED 1000000u    /* nodes after expanding every alias */

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode;

struct ypair {
	struct ynode *key;   /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	unsigned line;          /* 1-based position of the node's first character */
	unsigned column;
	/* scalar */
	char *value;            /* NUL-terminated text (owned by the document) */
	size_t len;             /* bytes in value; may hold a NUL byte */
	bool plain;             /* unquoted scalar: may be null, a bool or a number */
	/* sequence */
	struct ynode **items;
	/* mapping */
	struct ypair *pairs;
	size_t count;           /* items in a sequence, pairs in a mapping */
};

struct ydoc {
	char *file;             /* name used in diagnostics */
	struct ynode *root;     /* NULL for an empty file */
	struct ynode **nodes;   /* every node, for freeing; aliases share nodes */
	size_t nnodes;
	size_t cap;
};

/* Reads and parses path.  On success *out is a new document (free with
 * ydoc_free); on failure it stays NULL and diags says why.  Returns 0,
 * HNSP_ERR_IO, HNSP_ERR_INVALID, HNSP_ERR_LIMIT or HNSP_ERR_NOMEM. */
int ydoc_load(const char *path, struct ydoc **out, struct diag_list *diags);

/* Parses len bytes of buf; label names the input in diagnostics.  Borrows buf. */
int ydoc_parse(const char *label, const char *buf, size_t len, struct ydoc **out,
	       struct diag_list *diags);

void ydoc_free(struct ydoc *doc);

/* Looks key up in a mapping node; NULL when absent or node is not a mapping. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* True for an empty plain scalar, "~" or "null". */
bool ynode_is_null(const struct ynode *n);

/* The node as JSON, plain scalars typed by YAML's core schema (null, bool,
 * integer, float, else string); NULL gives JSON null.  New reference. */
json_t *ynode_to_json(const struct ynode *n);
/* Writes the JSON value j as YAML text (block mappings, short lists of
 * plain values on one line, strings quoted only where they would read back
 * as something else), in j's key order.  *out is new memory of *len bytes,
 * NUL-terminated.  Returns 0, HNSP_ERR_LIMIT (over YDOC_MAX_BYTES) or
 * HNSP_ERR_NOMEM. */
int ydoc_emit_json(const json_t *j, char **out, size_t *len);
/* Name of the node's kind for messages: "a mapping", "a list", "a string"... */
const char *ynode_describe(const struct ynode *n);

#endif
