/* schema.h: typed reading of YAML trees, driven by field tables.
 *
 * A module describes a mapping as a table of struct field and a struct objdef;
 * schema_read_obj() walks a node with it, fills the C struct, reports every
 * problem (wrong type, bad value, unknown key with a suggestion, missing key)
 * with its position, and carries on so that one pass finds them all.  Project
 * files and the component catalog are both read this way. */
#ifndef HNSP_SCHEMA_H
#define HNSP_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "ydoc.h"

enum field_type {
	F_STR,      /* char *, owned */
	F_INT,      /* long, in [min, max] */
	F_BOOL,     /* bool */
	F_ENUM,     /* int: index into values */
	F_STRLIST,  /* struct strlist; every item checked against format/values */
	F_OBJ,      /* pointer to a new struct described by obj; NULL when absent */
	F_SUB,      /* struct described by obj, embedded; defaults applied when absent */
	F_OBJLIST,  /* struct objlist of structs described by obj */
	F_MAP,      /* const struct ynode *: a mapping kept as YAML, borrowed */
	F_ANY,      /* const struct ynode *: any YAML value kept as is, borrowed */
	F_SECRET    /* char *, owned: NAME of a reference {secret: NAME} to the secrets store */
};

enum str_format {
	S_ANY,       /* any string without NUL bytes */
	S_NAME,      /* RFC 1123 label: lowercase letters, digits, '-' */
	S_ID,        /* identifier: lowercase letters, digits, '-' and '_' */
	S_HOST,      /* DNS name or IP address */
	S_IP,        /* IPv4 or IPv6 address */
	S_CIDR,      /* network in CIDR notation, no host bits */
	S_POOL,      /* address range A-B or a CIDR network */
	S_ABSPATH,   /* absolute path */
	S_PATH,      /* a path of letters, digits and "/._-+,@=:~" only: it reaches a shell */
	S_USER       /* POSIX user name: a letter or '_', then letters, digits, '_', '.', '-' */
};

struct strlist {
	char **v;   /* owned strings, NULL-terminated once read */
	size_t n;
};

struct objlist {
	void *v;    /* owned array of n structs of the objdef's size */
	size_t n;
};

struct objdef;

struct field {
	const char *key;
	enum field_type type;
	size_t offset;              /* where the value lives in the struct */
	bool required;
	enum str_format format;     /* F_STR, F_STRLIST */
	long min, max;              /* F_INT: range; F_STRLIST, F_OBJLIST: max items (0: 1000) */
	const char *const *values;  /* F_ENUM, F_STRLIST: NULL-terminated allowed values */
	const struct objdef *obj;   /* F_OBJ, F_OBJLIST */
	const char *def_str;        /* F_STR, F_ENUM (by name): default when absent */
	long def_int;               /* F_INT, F_BOOL: default when absent */
	const char *what;           /* how a person calls one item ("host"), for messages */
};

struct objdef {
	size_t size;               /* sizeof the struct */
	size_t node_offset;        /* where the struct keeps its mapping node (borrowed) */
	const struct field *fields;
	size_t nfields;
};

struct schema_ctx {
	const char *file;          /* file named in diagnostics */
	struct diag_list *diags;   /* where problems go */
};

/* Reads map (a mapping node, or NULL for an absent one) into obj, which the
 * caller has zeroed.  path names the mapping in messages ("" at the top).
 * Returns true when nothing was reported. */
bool schema_read_obj(const struct schema_ctx *ctx, const struct objdef *def,
		     const struct ynode *map, const char *path, void *obj);

/* Checks node against one field and stores the value at dst + field->offset.
 * Used for tables built at run time (component options). */
bool schema_read_value(const struct schema_ctx *ctx, const struct field *field,
		       const struct ynode *node, const char *path, void *dst);

/* Frees what schema_read_obj() stored in obj, not obj itself. */
void schema_release_obj(const struct objdef *def, void *obj);
/* Frees what schema_read_value() stored for field at dst. */
void schema_release_value(const struct field *field, void *dst);

/* When n is a reference {secret: NAME} (a mapping of that one key), the
 * node under "secret"; else NULL.  Any value kept as YAML may be one. */
const struct ynode *schema_secret_ref(const struct ynode *n);
/* Calls fn with data for each reference under n (walked whole, n included),
 * with the node under "secret" and the reference's path (path names n). */
void schema_each_secret_ref(const struct ynode *n, const char *path,
			    void (*fn)(void *data, const struct ynode *name, const char *path),
			    void *data);
/* Reports every reference under n (walked whole) whose NAME is not a secret
 * name, at the name's position; path names n.  True when none was reported. */
bool schema_check_secret_refs(const struct schema_ctx *ctx, const struct ynode *n,
			      const char *path);

/* Reports an error or warning at node (which may be NULL: no position). */
void schema_report(const struct schema_ctx *ctx, enum diag_severity sev,
		   const struct ynode *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Copies s into buf for quoting in a message, cut to fit with "...". Returns buf. */
const char *schema_quote(const char *s, char *buf, size_t size);
#define SCHEMA_QUOTE_MAX 64

/* Says what a node is for "found ..." in messages: its quoted value for a
 * scalar, else "a list", "a mapping" or "empty".  Returns buf or a constant. */
const char *schema_found(const struct ynode *n, char *buf, size_t size);

bool strlist_contains(const struct strlist *l, const char *s);
/* Frees the strings and the array; the list is empty afterwards. */
void strlist_release(struct strlist *l);
/* The list as a JSON array of strings; a new reference, NULL when out of memory. */
json_t *strlist_to_json(const struct strlist *l);

/* The item of sequence seq whose text is value (a strlist drops bad items,
 * so indexes differ): sets *index (may be NULL) and returns the node, or
 * returns seq itself when no item matches. */
const struct ynode *schema_item_node(const struct ynode *seq, const char *value, size_t *index);

/* The item at index i of an objlist of structs of type T. */
#define OBJLIST_AT(l, T, i) (&((T *)(l)->v)[i])

#endif
