/* schema.c: the one walker that turns YAML nodes into typed structs. */
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"
#include "secrets.h"
#include "suggest.h"

#define PATH_MAX_LEN 256
#define QUOTE_BUF (SCHEMA_QUOTE_MAX + 4)
static void apply_default(const struct field *f, void *obj);
static void join_path(char *buf, size_t size, const char *path, const char *key);
static void apply_defaults_obj(const struct objdef *def, void *obj);

#define LIST_MAX_DEFAULT 1000 /* items in a list whose field sets no max */
#define PATH_PUNCT "/._-+,@=:~"
#define PATH_CHARS                                                                                \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" PATH_PUNCT

/* Refuses lists longer than the field allows, before any per-item work. */
static bool check_list_len(const struct schema_ctx *ctx, const struct field *f,
			   const struct ynode *n, const char *path)
{
	size_t max = f->max > 0 ? (size_t)f->max : LIST_MAX_DEFAULT;

	if (n->count <= max)
		return true;
	schema_report(ctx, DIAG_ERROR, n, "'%s': %zu items; at most %zu are allowed", path,
		      n->count, max);
	return false;
}

void schema_report(const struct schema_ctx *ctx, enum diag_severity sev,
		   const struct ynode *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ctx->diags, sev, ctx->file, node ? node->line : 0, node ? node->column : 0, fmt,
		  ap);
	va_end(ap);
}

const char *schema_quote(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);

	if (len < size) {
		memcpy(buf, s, len + 1);
		return buf;
	}
	snprintf(buf, size, "%.*s...", (int)(size - 4), s);
	return buf;
}

const struct ynode *schema_item_node(const struct ynode *seq, const char *value, size_t *index)
{
	for (size_t i = 0; seq != NULL && seq->kind == YNODE_SEQ && i < seq->count; i++)
		if (seq->items[i]->kind == YNODE_SCALAR && strcmp(seq->items[i]->value, value) == 0) {
			if (index != NULL)
				*index = i;
			return seq->items[i];
		}
	return seq;
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

json_t *strlist_to_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static size_t count_values(const char *const *values)
{
	size_t n = 0;

	while (values[n] != NULL)
		n++;
	return n;
}

/* "a, b or c" for messages. */
static void list_values(const char *const *values, char *buf, size_t size)
{
	size_t n = count_values(values), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
		int w = snprintf(buf + used, size - used, "%s'%s'", sep, values[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static bool is_name(const char *s, bool underscore)
{
	size_t len = strlen(s);

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(islower(c) || isdigit(c) || c == '-' || (underscore && c == '_')))
			return false;
	}
	return true;
}

static bool is_dns_name(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || (c == '-' && label > 0)) || ++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

static bool is_user(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 32 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_.-", s[i])))
			return false;
	return true;
}

/* Checks a string against a format; reports at node.  Returns true if fine. */
static bool check_format(const struct schema_ctx *ctx, enum str_format fmt, const char *path,
			 const struct ynode *node)
{
	const char *s = node->value;
	char q[QUOTE_BUF];
	struct ipaddr a;
	struct iprange r;

	schema_quote(s, q, sizeof(q));
	switch (fmt) {
	case S_ANY:
		return true;
	case S_NAME:
		if (is_name(s, false))
			return true;
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is not a valid name (lowercase letters, digits and '-', "
			      "1 to 63 characters, not starting or ending with '-')",
			      path, q);
		return false;
	case S_ID:
		if (is_name(s, true))
			return true;
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is not a valid identifier (lowercase letters, digits, '-' "
			      "and '_', 1 to 63 characters)",
			      path, q);
		return false;
	case S_HOST:
		if (ipaddr_parse(s, &a) || is_dns_name(s))
			return true;
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is neither a host name nor an IP address", path, q);
		return false;
	case S_IP:
		if (ipaddr_parse(s, &a))
			return true;
		schema_report(ctx, DIAG_ERROR, node, "'%s': '%s' is not an IPv4 or IPv6 address",
			      path, q);
		return false;
	case S_CIDR:
		switch (iprange_parse_cidr(s, &r)) {
		case CIDR_OK:
			return true;
		case CIDR_HOST_BITS: {
			char net[64];
			schema_report(ctx, DIAG_ERROR, node,
				      "'%s': '%s' has host bits set; did you mean '%s/%s'?", path, q,
				      ipaddr_format(&r.first, net, sizeof(net)), strchr(s, '/') + 1);
			return false;
		}
		case CIDR_PREFIX:
			schema_report(ctx, DIAG_ERROR, node,
				      "'%s': '%s' has a prefix length out of range (0-32 for IPv4, "
				      "0-128 for IPv6)",
				      path, q);
			return false;
		case CIDR_SYNTAX:
			break;
		}
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is not a network in CIDR notation (like 10.0.0.0/24)", path,
			      q);
		return false;
	case S_POOL:
		if (iprange_parse_pool(s, &r))
			return true;
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is not an address range ('FIRST-LAST', first not above "
			      "last) or a CIDR network",
			      path, q);
		return false;
	case S_PATH:
		/* These paths end up in ansible.cfg and ssh options, which split on
		 * whitespace and expand '%' and '${}', and in a ProxyCommand that a
		 * shell runs: '$(...)' there would run on the installer host. */
		if (s[0] != '\0' && s[strspn(s, PATH_CHARS)] == '\0')
			return true;
		if (s[0] == '\0')
			schema_report(ctx, DIAG_ERROR, node, "'%s': an empty path", path);
		else
			schema_report(ctx, DIAG_ERROR, node,
				      "'%s': '%s' has a character other than letters, digits and "
				      "'%s'; these paths reach ssh options and a shell",
				      path, q, PATH_PUNCT);
		return false;
	case S_USER:
		if (is_user(s))
			return true;
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': '%s' is not a user name (a letter or '_', then letters, "
			      "digits, '_', '.' or '-'; at most 32)",
			      path, q);
		return false;
	case S_ABSPATH:
		if (s[0] == '/')
			return true;
		schema_report(ctx, DIAG_ERROR, node, "'%s': '%s' is not an absolute path", path, q);
		return false;
	}
	return false;
}

static const char *describe_field(const struct field *f, char *buf, size_t size)
{
	char vals[256];

	switch (f->type) {
	case F_STR:
		return "a string";
	case F_INT:
		snprintf(buf, size, "an integer from %ld to %ld", f->min, f->max);
		return buf;
	case F_BOOL:
		return "true or false";
	case F_ENUM:
		list_values(f->values, vals, sizeof(vals));
		snprintf(buf, size, "one of %s", vals);
		return buf;
	case F_STRLIST:
		return "a list of strings";
	case F_OBJ:
	case F_SUB:
	case F_MAP:
		return "a mapping";
	case F_OBJLIST:
		snprintf(buf, size, "a list of %ss", f->what ? f->what : "mapping");
		return buf;
	case F_ANY:
		return "a value";
	case F_SECRET:
		return "{secret: NAME}";
	}
	return "a value";
}

const char *schema_found(const struct ynode *n, char *buf, size_t size)
{
	char q[QUOTE_BUF];

	if (n->kind != YNODE_SCALAR || ynode_is_null(n))
		return ynode_describe(n);
	snprintf(buf, size, "%s'%s'", n->plain ? "" : "the quoted string ",
		 schema_quote(n->value, q, sizeof(q)));
	return buf;
}

static void type_error(const struct schema_ctx *ctx, const struct field *f,
		       const struct ynode *node, const char *path)
{
	char buf[320], found[QUOTE_BUF + 32], q[QUOTE_BUF];
	const char *want = describe_field(f, buf, sizeof(buf));

	if (f->type == F_STRLIST && node->kind == YNODE_SCALAR && !ynode_is_null(node))
		schema_report(ctx, DIAG_ERROR, node, "'%s': expected %s, found %s; write [%s]",
			      path, want, schema_found(node, found, sizeof(found)),
			      schema_quote(node->value, q, sizeof(q)));
	else
		schema_report(ctx, DIAG_ERROR, node, "'%s': expected %s, found %s", path, want,
			      schema_found(node, found, sizeof(found)));
}

/* A scalar that is a string of text: no NUL byte inside. */
static bool text_scalar(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && !ynode_is_null(n) && strlen(n->value) == n->len;
}

static bool read_enum_item(const struct schema_ctx *ctx, const struct field *f,
			   const struct ynode *node, const char *path, int *index)
{
	char vals[256], q[QUOTE_BUF];
	const char *hint;

	for (size_t i = 0; f->values[i] != NULL; i++)
		if (strcmp(node->value, f->values[i]) == 0) {
			*index = (int)i;
			return true;
		}
	hint = suggest_closest(node->value, f->values, count_values(f->values));
	list_values(f->values, vals, sizeof(vals));
	if (hint != NULL)
		schema_report(ctx, DIAG_ERROR, node,
			      "'%s': unknown value '%s'; did you mean '%s'?", path,
			      schema_quote(node->value, q, sizeof(q)), hint);
	else
		schema_report(ctx, DIAG_ERROR, node, "'%s': unknown value '%s'; expected %s", path,
			      schema_quote(node->value, q, sizeof(q)), vals);
	return false;
}

static bool read_int(const struct schema_ctx *ctx, const struct field *f, const struct ynode *n,
		     const char *path, long *out)
{
	char *end;
	long v;

	if (!text_scalar(n) || !n->plain) {
		type_error(ctx, f, n, path);
		return false;
	}
	errno = 0;
	v = strtol(n->value, &end, 10);
	if (*end != '\0' || end == n->value || isspace((unsigned char)n->value[0])) {
		type_error(ctx, f, n, path);
		return false;
	}
	if (errno == ERANGE || v < f->min || v > f->max) {
		char q[QUOTE_BUF];
		schema_report(ctx, DIAG_ERROR, n, "'%s': %s is out of range (%ld to %ld)", path,
			      schema_quote(n->value, q, sizeof(q)), f->min, f->max);
		return false;
	}
	*out = v;
	return true;
}

static bool read_bool(const struct schema_ctx *ctx, const struct field *f, const struct ynode *n,
		      const char *path, bool *out)
{
	if (text_scalar(n) && n->plain && strcasecmp(n->value, "true") == 0) {
		*out = true;
		return true;
	}
	if (text_scalar(n) && n->plain && strcasecmp(n->value, "false") == 0) {
		*out = false;
		return true;
	}
	type_error(ctx, f, n, path);
	return false;
}

static bool read_string(const struct schema_ctx *ctx, const struct field *f,
			const struct ynode *n, const char *path, char **out)
{
	if (!text_scalar(n)) {
		if (n->kind == YNODE_SCALAR && !ynode_is_null(n))
			schema_report(ctx, DIAG_ERROR, n, "'%s': contains a NUL byte", path);
		else
			type_error(ctx, f, n, path);
		return false;
	}
	if (f->values != NULL) {
		int ignored;
		if (!read_enum_item(ctx, f, n, path, &ignored))
			return false;
	} else if (!check_format(ctx, f->format, path, n)) {
		return false;
	}
	if ((*out = strdup(n->value)) == NULL) {
		schema_report(ctx, DIAG_ERROR, n, "out of memory");
		return false;
	}
	return true;
}

static bool read_strlist(const struct schema_ctx *ctx, const struct field *f,
			 const struct ynode *n, const char *path, struct strlist *out)
{
	char item_path[PATH_MAX_LEN];
	bool ok = true;

	if (n->kind != YNODE_SEQ) {
		type_error(ctx, f, n, path);
		return false;
	}
	if (!check_list_len(ctx, f, n, path))
		return false;
	/* One more slot: the array stays NULL-terminated, usable as a values table. */
	if ((out->v = calloc(n->count + 1, sizeof(*out->v))) == NULL) {
		schema_report(ctx, DIAG_ERROR, n, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n->count; i++) {
		struct field item = *f;
		char *s = NULL;
		item.type = F_STR;
		item.max = 0;
		snprintf(item_path, sizeof(item_path), "%s[%zu]", path, i);
		if (!read_string(ctx, &item, n->items[i], item_path, &s)) {
			ok = false;
			continue;
		}
		if (strlist_contains(out, s)) {
			char q[QUOTE_BUF];
			schema_report(ctx, DIAG_ERROR, n->items[i], "'%s': '%s' is listed twice",
				      item_path, schema_quote(s, q, sizeof(q)));
			free(s);
			ok = false;
			continue;
		}
		out->v[out->n++] = s;
	}
	return ok;
}

static bool read_objlist(const struct schema_ctx *ctx, const struct field *f,
			 const struct ynode *n, const char *path, struct objlist *out)
{
	char item_path[PATH_MAX_LEN];
	bool ok = true;

	if (n->kind != YNODE_SEQ) {
		type_error(ctx, f, n, path);
		return false;
	}
	if (!check_list_len(ctx, f, n, path))
		return false;
	if (n->count > 0 && (out->v = calloc(n->count, f->obj->size)) == NULL) {
		schema_report(ctx, DIAG_ERROR, n, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n->count; i++) {
		void *item = (char *)out->v + out->n * f->obj->size;
		snprintf(item_path, sizeof(item_path), "%s[%zu]", path, i);
		if (n->items[i]->kind != YNODE_MAP) {
			char found[QUOTE_BUF + 32];
			schema_report(ctx, DIAG_ERROR, n->items[i],
				      "'%s': expected a mapping (one %s), found %s",
				      item_path, f->what ? f->what : "item",
				      schema_found(n->items[i], found, sizeof(found)));
			ok = false;
			continue;
		}
		if (!schema_read_obj(ctx, f->obj, n->items[i], item_path, item))
			ok = false;
		out->n++;
	}
	return ok;
}

const struct ynode *schema_secret_ref(const struct ynode *n)
{
	if (n == NULL || n->kind != YNODE_MAP || n->count != 1 ||
	    strcmp(n->pairs[0].key->value, "secret") != 0)
		return NULL;
	return n->pairs[0].value;
}

/* The name of a reference; reports a bad one at its node. */
static bool check_secret_name(const struct schema_ctx *ctx, const struct ynode *name,
			      const char *path)
{
	char found[QUOTE_BUF + 32];

	if (text_scalar(name) && secret_name_valid(name->value))
		return true;
	schema_report(ctx, DIAG_ERROR, name,
		      "'%s.secret': %s is not a secret name: 1 to %d of a-z 0-9 _ -", path,
		      schema_found(name, found, sizeof(found)), SECRET_NAME_MAX);
	return false;
}

static bool read_secret_ref(const struct schema_ctx *ctx, const struct field *f,
			    const struct ynode *n, const char *path, char **out)
{
	const struct ynode *name = schema_secret_ref(n);

	if (name == NULL) {
		type_error(ctx, f, n, path);
		return false;
	}
	if (!check_secret_name(ctx, name, path))
		return false;
	if ((*out = strdup(name->value)) == NULL) {
		schema_report(ctx, DIAG_ERROR, n, "out of memory");
		return false;
	}
	return true;
}

void schema_each_secret_ref(const struct ynode *n, const char *path,
			    void (*fn)(void *data, const struct ynode *name, const char *path),
			    void *data)
{
	char sub[PATH_MAX_LEN];

	if (n == NULL || n->kind == YNODE_SCALAR)
		return;
	if (schema_secret_ref(n) != NULL) {
		fn(data, schema_secret_ref(n), path);
		return;
	}
	for (size_t i = 0; i < n->count; i++) {
		if (n->kind == YNODE_MAP)
			join_path(sub, sizeof(sub), path, n->pairs[i].key->value);
		else
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		schema_each_secret_ref(n->kind == YNODE_MAP ? n->pairs[i].value : n->items[i], sub,
				       fn, data);
	}
}

struct ref_check {
	const struct schema_ctx *ctx;
	bool ok;
};

static void check_ref(void *data, const struct ynode *name, const char *path)
{
	struct ref_check *rc = data;

	rc->ok &= check_secret_name(rc->ctx, name, path);
}

bool schema_check_secret_refs(const struct schema_ctx *ctx, const struct ynode *n,
			      const char *path)
{
	struct ref_check rc = {ctx, true};

	schema_each_secret_ref(n, path, check_ref, &rc);
	return rc.ok;
}

bool schema_read_value(const struct schema_ctx *ctx, const struct field *f,
		       const struct ynode *n, const char *path, void *dst)
{
	void *slot = (char *)dst + f->offset;

	switch (f->type) {
	case F_STR:
		return read_string(ctx, f, n, path, (char **)slot);
	case F_INT:
		return read_int(ctx, f, n, path, (long *)slot);
	case F_BOOL:
		return read_bool(ctx, f, n, path, (bool *)slot);
	case F_ENUM:
		if (!text_scalar(n)) {
			type_error(ctx, f, n, path);
			return false;
		}
		return read_enum_item(ctx, f, n, path, (int *)slot);
	case F_STRLIST:
		return read_strlist(ctx, f, n, path, (struct strlist *)slot);
	case F_OBJ: {
		void *obj;
		if (n->kind != YNODE_MAP) {
			type_error(ctx, f, n, path);
			return false;
		}
		if ((obj = calloc(1, f->obj->size)) == NULL) {
			schema_report(ctx, DIAG_ERROR, n, "out of memory");
			return false;
		}
		*(void **)slot = obj;
		return schema_read_obj(ctx, f->obj, n, path, obj);
	}
	case F_SUB:
		if (n->kind != YNODE_MAP) {
			type_error(ctx, f, n, path);
			apply_defaults_obj(f->obj, slot);
			return false;
		}
		return schema_read_obj(ctx, f->obj, n, path, slot);
	case F_OBJLIST:
		return read_objlist(ctx, f, n, path, (struct objlist *)slot);
	case F_MAP:
		if (n->kind != YNODE_MAP) {
			type_error(ctx, f, n, path);
			return false;
		}
		*(const struct ynode **)slot = n;
		return true;
	case F_ANY:
		*(const struct ynode **)slot = n;
		return true;
	case F_SECRET:
		return read_secret_ref(ctx, f, n, path, (char **)slot);
	}
	return false;
}

/* Fills an embedded struct that is absent from the file with its defaults. */
static void apply_defaults_obj(const struct objdef *def, void *obj)
{
	for (size_t j = 0; j < def->nfields; j++)
		apply_default(&def->fields[j], obj);
}

static void apply_default(const struct field *f, void *obj)
{
	void *slot = (char *)obj + f->offset;

	switch (f->type) {
	case F_STR:
		if (f->def_str != NULL)
			*(char **)slot = strdup(f->def_str);
		break;
	case F_INT:
		*(long *)slot = f->def_int;
		break;
	case F_BOOL:
		*(bool *)slot = f->def_int != 0;
		break;
	case F_ENUM:
		for (size_t i = 0; f->def_str != NULL && f->values[i] != NULL; i++)
			if (strcmp(f->values[i], f->def_str) == 0)
				*(int *)slot = (int)i;
		break;
	case F_SUB:
		apply_defaults_obj(f->obj, slot);
		break;
	default:
		break;
	}
}

static void join_path(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, path[0] ? "." : "", key);
}

static void unknown_key(const struct schema_ctx *ctx, const struct objdef *def,
			const struct ynode *key, const char *path)
{
	const char *names[64];
	char full[PATH_MAX_LEN], q[QUOTE_BUF], list[512];
	size_t n = def->nfields < 64 ? def->nfields : 64, used = 0;
	const char *hint;

	for (size_t i = 0; i < n; i++)
		names[i] = def->fields[i].key;
	join_path(full, sizeof(full), path, schema_quote(key->value, q, sizeof(q)));
	if (ctx->diags->len >= DIAG_MAX) {
		/* Only counted from here on: spare the suggestion's cost. */
		schema_report(ctx, DIAG_ERROR, key, "'%s': unknown key", full);
		return;
	}
	hint = suggest_closest(key->value, names, n);
	if (hint != NULL) {
		schema_report(ctx, DIAG_ERROR, key, "'%s': unknown key; did you mean '%s'?", full,
			      hint);
		return;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	schema_report(ctx, DIAG_ERROR, key, "'%s': unknown key; expected one of: %s", full, list);
}

bool schema_read_obj(const struct schema_ctx *ctx, const struct objdef *def,
		     const struct ynode *map, const char *path, void *obj)
{
	char full[PATH_MAX_LEN];
	bool ok = true;

	*(const struct ynode **)((char *)obj + def->node_offset) = map;
	if (map != NULL) {
		for (size_t i = 0; i < map->count; i++) {
			const struct ynode *key = map->pairs[i].key;
			bool known = false;
			for (size_t j = 0; j < def->nfields; j++)
				if (strcmp(def->fields[j].key, key->value) == 0 &&
				    strlen(key->value) == key->len)
					known = true;
			if (!known) {
				unknown_key(ctx, def, key, path);
				ok = false;
			}
		}
	}
	for (size_t j = 0; j < def->nfields; j++) {
		const struct field *f = &def->fields[j];
		const struct ynode *value = ynode_get(map, f->key);
		join_path(full, sizeof(full), path, f->key);
		if (value != NULL && ynode_is_null(value) && f->type != F_ANY)
			value = NULL;
		if (value == NULL) {
			if (f->required) {
				if (path[0] == '\0')
					schema_report(ctx, DIAG_ERROR, map ? map : NULL,
						      "missing required key '%s'", f->key);
				else
					schema_report(ctx, DIAG_ERROR, map,
						      "'%s': missing required key '%s'", path,
						      f->key);
				ok = false;
			}
			apply_default(f, obj);
			continue;
		}
		if (!schema_read_value(ctx, f, value, full, obj))
			ok = false;
	}
	return ok;
}

void schema_release_value(const struct field *f, void *dst)
{
	void *slot = (char *)dst + f->offset;

	switch (f->type) {
	case F_STR:
	case F_SECRET:
		free(*(char **)slot);
		*(char **)slot = NULL;
		break;
	case F_STRLIST:
		strlist_release(slot);
		break;
	case F_SUB:
		schema_release_obj(f->obj, slot);
		break;
	case F_OBJ: {
		void *obj = *(void **)slot;
		if (obj != NULL)
			schema_release_obj(f->obj, obj);
		free(obj);
		*(void **)slot = NULL;
		break;
	}
	case F_OBJLIST: {
		struct objlist *l = slot;
		for (size_t i = 0; i < l->n; i++)
			schema_release_obj(f->obj, (char *)l->v + i * f->obj->size);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		break;
	}
	default:
		break;
	}
}

void schema_release_obj(const struct objdef *def, void *obj)
{
	for (size_t j = 0; j < def->nfields; j++)
		schema_release_value(&def->fields[j], obj);
}
