/* test_schema.c: the table-driven reader, over a small objdef defined here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "schema.h"
#include "ydoc.h"

struct sub {
	const struct ynode *node;
	char *mode;
	long level;
	bool on;
	int color;
};

struct thing {
	const struct ynode *node;
	char *name;
	long size;
};

struct top {
	const struct ynode *node;
	char *name;
	long port;
	bool enabled;
	int color;
	struct strlist tags;
	struct sub sub;
	struct sub *opt;
	struct objlist things;
	const struct ynode *extra;
	const struct ynode *any;
	char *cidr;
	char *pool;
	char *host;
	char *path;
	char *id;
	char *ip;
	char *size;
};

static const char *const colors[] = {"red", "green", "blue", NULL};
static const char *const sizes[] = {"small", "large", NULL};

static const struct field sub_fields[] = {
	{.key = "mode", .type = F_STR, .offset = offsetof(struct sub, mode), .required = true,
	 .def_str = "auto"},
	{.key = "level", .type = F_INT, .offset = offsetof(struct sub, level), .min = 0, .max = 9,
	 .def_int = 5},
	{.key = "on", .type = F_BOOL, .offset = offsetof(struct sub, on), .def_int = 1},
	{.key = "color", .type = F_ENUM, .offset = offsetof(struct sub, color), .values = colors,
	 .def_str = "blue"},
};
static const struct objdef sub_def = {sizeof(struct sub), offsetof(struct sub, node), sub_fields,
				      sizeof(sub_fields) / sizeof(sub_fields[0])};

static const struct field thing_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct thing, name), .required = true,
	 .format = S_NAME},
	{.key = "size", .type = F_INT, .offset = offsetof(struct thing, size), .min = 1,
	 .max = 100, .def_int = 10},
};
static const struct objdef thing_def = {sizeof(struct thing), offsetof(struct thing, node),
					thing_fields, sizeof(thing_fields) / sizeof(thing_fields[0])};

static const struct field top_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct top, name), .required = true,
	 .format = S_NAME},
	{.key = "port", .type = F_INT, .offset = offsetof(struct top, port), .min = 1,
	 .max = 65535, .def_int = 22},
	{.key = "enabled", .type = F_BOOL, .offset = offsetof(struct top, enabled), .def_int = 1},
	{.key = "color", .type = F_ENUM, .offset = offsetof(struct top, color), .values = colors,
	 .def_str = "green"},
	{.key = "tags", .type = F_STRLIST, .offset = offsetof(struct top, tags), .format = S_NAME,
	 .max = 3},
	{.key = "sub", .type = F_SUB, .offset = offsetof(struct top, sub), .obj = &sub_def},
	{.key = "opt", .type = F_OBJ, .offset = offsetof(struct top, opt), .obj = &sub_def},
	{.key = "things", .type = F_OBJLIST, .offset = offsetof(struct top, things),
	 .obj = &thing_def, .what = "thing", .max = 2},
	{.key = "extra", .type = F_MAP, .offset = offsetof(struct top, extra)},
	{.key = "any", .type = F_ANY, .offset = offsetof(struct top, any)},
	{.key = "cidr", .type = F_STR, .offset = offsetof(struct top, cidr), .format = S_CIDR},
	{.key = "pool", .type = F_STR, .offset = offsetof(struct top, pool), .format = S_POOL},
	{.key = "host", .type = F_STR, .offset = offsetof(struct top, host), .format = S_HOST},
	{.key = "path", .type = F_STR, .offset = offsetof(struct top, path), .format = S_ABSPATH},
	{.key = "id", .type = F_STR, .offset = offsetof(struct top, id), .format = S_ID},
	{.key = "ip", .type = F_STR, .offset = offsetof(struct top, ip), .format = S_IP},
	{.key = "size", .type = F_STR, .offset = offsetof(struct top, size), .values = sizes},
};
static const struct objdef top_def = {sizeof(struct top), offsetof(struct top, node), top_fields,
				      sizeof(top_fields) / sizeof(top_fields[0])};

/* One reading: held in statics so the teardown frees it when an assertion fails. */
static struct ydoc *doc;
static struct diag_list diags;
static struct top top;
static bool ok;

static int cleanup(void **state)
{
	(void)state;
	schema_release_obj(&top_def, &top);
	memset(&top, 0, sizeof(top));
	ydoc_free(doc);
	doc = NULL;
	diag_list_release(&diags);
	return 0;
}

static void read_top(const char *yaml)
{
	struct schema_ctx ctx = {.file = "s.yaml", .diags = &diags};

	cleanup(NULL);
	assert_int_equal(ydoc_parse("s.yaml", yaml, strlen(yaml), &doc, &diags), 0);
	ok = schema_read_obj(&ctx, &top_def, doc->root, "", &top);
}

static void assert_clean(void)
{
	if (!ok || diags.len != 0)
		fail_msg("expected no diagnostic; %zu, first: %s", diags.len,
			 diags.len ? diags.items[0].message : "-");
}

/* Exactly one diagnostic, an error at line:column saying msg. */
static void assert_one_error(unsigned line, unsigned column, const char *msg)
{
	assert_false(ok);
	if (diags.len != 1) {
		for (size_t i = 0; i < diags.len; i++)
			print_message("  %u:%u %s\n", diags.items[i].line, diags.items[i].column,
				      diags.items[i].message);
		fail_msg("expected 1 diagnostic, got %zu", diags.len);
	}
	assert_int_equal(diags.items[0].severity, DIAG_ERROR);
	assert_string_equal(diags.items[0].file, "s.yaml");
	assert_string_equal(diags.items[0].message, msg);
	assert_int_equal(diags.items[0].line, line);
	assert_int_equal(diags.items[0].column, column);
}

/* Like assert_one_error, for a message whose tail other code may still word
 * differently: the message starts with prefix. */
static void assert_one_error_prefix(unsigned line, unsigned column, const char *prefix)
{
	assert_false(ok);
	assert_int_equal(diags.len, 1);
	if (strncmp(diags.items[0].message, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", diags.items[0].message, prefix);
	assert_int_equal(diags.items[0].line, line);
	assert_int_equal(diags.items[0].column, column);
}

static void test_valid(void **state)
{
	const struct thing *t;

	(void)state;
	read_top("name: demo\n"
		 "port: 2222\n"
		 "enabled: false\n"
		 "color: blue\n"
		 "tags: [a, b-c, d1]\n"
		 "sub: {mode: manual, level: 0, on: FALSE, color: red}\n"
		 "opt: {mode: x}\n"
		 "things:\n"
		 "  - name: one\n"
		 "  - {name: two, size: 100}\n"
		 "extra: {k: v}\n"
		 "any: [1, 2]\n"
		 "cidr: 10.0.0.0/8\n"
		 "pool: 10.0.0.1-10.0.0.9\n"
		 "host: node-1.example.com\n"
		 "path: /dev/sdb\n"
		 "id: my_id-2\n"
		 "ip: fd00::1\n"
		 "size: large\n");
	assert_clean();
	assert_ptr_equal(top.node, doc->root);
	assert_string_equal(top.name, "demo");
	assert_int_equal(top.port, 2222);
	assert_false(top.enabled);
	assert_int_equal(top.color, 2);
	assert_int_equal(top.tags.n, 3);
	assert_string_equal(top.tags.v[1], "b-c");
	assert_string_equal(top.sub.mode, "manual");
	assert_int_equal(top.sub.level, 0);
	assert_false(top.sub.on);
	assert_int_equal(top.sub.color, 0);
	assert_ptr_equal(top.sub.node, ynode_get(doc->root, "sub"));
	assert_non_null(top.opt);
	assert_string_equal(top.opt->mode, "x");
	/* An F_OBJ gets its absent fields' defaults too. */
	assert_int_equal(top.opt->level, 5);
	assert_true(top.opt->on);
	assert_int_equal(top.opt->color, 2);
	assert_int_equal(top.things.n, 2);
	t = OBJLIST_AT(&top.things, struct thing, 0);
	assert_string_equal(t->name, "one");
	assert_int_equal(t->size, 10);
	t = OBJLIST_AT(&top.things, struct thing, 1);
	assert_string_equal(t->name, "two");
	assert_int_equal(t->size, 100);
	assert_ptr_equal(top.extra, ynode_get(doc->root, "extra"));
	assert_ptr_equal(top.any, ynode_get(doc->root, "any"));
	assert_string_equal(top.ip, "fd00::1");
	assert_string_equal(top.size, "large");
	assert_true(strlist_contains(&top.tags, "d1"));
	assert_false(strlist_contains(&top.tags, "d"));
}

static void test_defaults(void **state)
{
	(void)state;
	read_top("name: demo\n");
	assert_clean();
	assert_int_equal(top.port, 22);
	assert_true(top.enabled);
	assert_int_equal(top.color, 1); /* "green" */
	assert_int_equal(top.tags.n, 0);
	assert_null(top.opt);
	assert_int_equal(top.things.n, 0);
	assert_null(top.extra);
	assert_null(top.any);
	assert_null(top.cidr);
}

static void test_sub_defaults_when_absent(void **state)
{
	static const char *const inputs[] = {"name: demo\n", "name: demo\nsub:\n",
					     "name: demo\nsub: ~\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		read_top(inputs[i]);
		/* An absent F_SUB is not checked for its required keys: defaults fill it. */
		assert_clean();
		assert_non_null(top.sub.mode);
		assert_string_equal(top.sub.mode, "auto");
		assert_int_equal(top.sub.level, 5);
		assert_true(top.sub.on);
		assert_int_equal(top.sub.color, 2);
		assert_null(top.sub.node);
	}
}

static void test_sub_partial(void **state)
{
	(void)state;
	read_top("name: demo\nsub: {mode: m, level: 7}\n");
	assert_clean();
	assert_string_equal(top.sub.mode, "m");
	assert_int_equal(top.sub.level, 7);
	assert_true(top.sub.on);
	assert_int_equal(top.sub.color, 2);
}

static void test_sub_wrong_type_gets_defaults(void **state)
{
	(void)state;
	read_top("name: demo\nsub: 5\n");
	assert_one_error(2, 6, "'sub': expected a mapping, found '5'");
	assert_string_equal(top.sub.mode, "auto");
	assert_int_equal(top.sub.level, 5);
}

static void test_missing_required(void **state)
{
	(void)state;
	read_top("port: 80\n");
	assert_one_error(1, 1, "missing required key 'name'");
	/* A null value is the same as none. */
	read_top("port: 80\nname:\n");
	assert_one_error(1, 1, "missing required key 'name'");
	/* Inside a mapping, the message names it and points at it. */
	read_top("name: demo\nsub:\n  level: 1\n");
	assert_one_error(3, 3, "'sub': missing required key 'mode'");
	read_top("name: demo\nthings:\n  - name: a\n  - size: 3\n");
	assert_one_error(4, 5, "'things[1]': missing required key 'name'");
}

static void test_unknown_key(void **state)
{
	(void)state;
	read_top("name: demo\nprot: 80\n");
	assert_one_error(2, 1, "'prot': unknown key; did you mean 'port'?");
	read_top("name: demo\nsub: {mode: a, levle: 1}\n");
	assert_one_error(2, 16, "'sub.levle': unknown key; did you mean 'level'?");
	read_top("name: demo\nthings: [{name: a, szie: 1}]\n");
	assert_one_error(2, 20, "'things[0].szie': unknown key; did you mean 'size'?");
	read_top("name: demo\nsub: {mode: a, verbosity: 1}\n");
	assert_one_error(2, 16,
			 "'sub.verbosity': unknown key; expected one of: mode, level, on, color");
	/* The unknown key does not hide the other keys' values. */
	assert_int_equal(top.sub.level, 5);
	assert_string_equal(top.sub.mode, "a");
}

static void test_type_errors(void **state)
{
	(void)state;
	read_top("name: demo\nport: abc\n");
	assert_one_error(2, 7, "'port': expected an integer from 1 to 65535, found 'abc'");
	/* Quoting makes a number a string. */
	read_top("name: demo\nport: \"80\"\n");
	assert_one_error(2, 7,
			 "'port': expected an integer from 1 to 65535, found the quoted string '80'");
	read_top("name: demo\nport: 1.5\n");
	assert_one_error(2, 7, "'port': expected an integer from 1 to 65535, found '1.5'");
	read_top("name: demo\nport: 0x50\n");
	assert_one_error(2, 7, "'port': expected an integer from 1 to 65535, found '0x50'");
	read_top("name: demo\nport: [80]\n");
	assert_one_error(2, 7, "'port': expected an integer from 1 to 65535, found a list");
	read_top("name: demo\nenabled: yes\n");
	assert_one_error(2, 10, "'enabled': expected true or false, found 'yes'");
	read_top("name: demo\nenabled: \"true\"\n");
	assert_one_error(2, 10, "'enabled': expected true or false, found the quoted string 'true'");
	read_top("name: [demo]\n");
	assert_one_error(1, 7, "'name': expected a string, found a list");
	read_top("name: {a: 1}\n");
	assert_one_error(1, 7, "'name': expected a string, found a mapping");
	read_top("name: demo\nextra: 5\n");
	assert_one_error(2, 8, "'extra': expected a mapping, found '5'");
	read_top("name: demo\nthings: {name: a}\n");
	assert_one_error(2, 9, "'things': expected a list of things, found a mapping");
	read_top("name: demo\nthings: [5]\n");
	assert_one_error(2, 10, "'things[0]': expected a mapping (one thing), found '5'");
	read_top("name: demo\ncolor: [red]\n");
	assert_one_error(2, 8, "'color': expected one of 'red', 'green' or 'blue', found a list");
	/* A scalar where a list belongs: the wording of the hint may change. */
	read_top("name: demo\ntags: a\n");
	assert_one_error_prefix(2, 7, "'tags': expected a list of strings, found 'a'");
}

static void test_int_range(void **state)
{
	(void)state;
	read_top("name: demo\nport: 0\n");
	assert_one_error(2, 7, "'port': 0 is out of range (1 to 65535)");
	read_top("name: demo\nport: 65536\n");
	assert_one_error(2, 7, "'port': 65536 is out of range (1 to 65535)");
	read_top("name: demo\nport: -1\n");
	assert_one_error(2, 7, "'port': -1 is out of range (1 to 65535)");
	/* Past a long: out of range, not wrapped round into range. */
	read_top("name: demo\nport: 18446744073709551639\n");
	assert_one_error(2, 7, "'port': 18446744073709551639 is out of range (1 to 65535)");
	read_top("name: demo\nport: -18446744073709551615\n");
	assert_one_error(2, 7, "'port': -18446744073709551615 is out of range (1 to 65535)");
	read_top("name: demo\nport: 1\n");
	assert_clean();
	assert_int_equal(top.port, 1);
	read_top("name: demo\nport: 65535\n");
	assert_clean();
	assert_int_equal(top.port, 65535);
	read_top("name: demo\nsub: {mode: a, level: 10}\n");
	assert_one_error(2, 23, "'sub.level': 10 is out of range (0 to 9)");
}

static void test_enum(void **state)
{
	(void)state;
	read_top("name: demo\ncolor: gren\n");
	assert_one_error(2, 8, "'color': unknown value 'gren'; did you mean 'green'?");
	read_top("name: demo\ncolor: purple\n");
	assert_one_error(2, 8, "'color': unknown value 'purple'; expected 'red', 'green' or 'blue'");
	/* Case matters. */
	read_top("name: demo\ncolor: RED\n");
	assert_false(ok);
	read_top("name: demo\ncolor: red\n");
	assert_clean();
	assert_int_equal(top.color, 0);
	/* A string field restricted to values reads like an enum and keeps the text. */
	read_top("name: demo\nsize: medium\n");
	assert_one_error(2, 7, "'size': unknown value 'medium'; expected 'small' or 'large'");
	assert_null(top.size);
}

static void test_strlist(void **state)
{
	(void)state;
	read_top("name: demo\ntags: [a, b, a]\n");
	assert_one_error(2, 14, "'tags[2]': 'a' is listed twice");
	/* The first occurrence is kept, the repeat dropped. */
	assert_int_equal(top.tags.n, 2);
	read_top("name: demo\ntags: [a, Bad]\n");
	assert_one_error(2, 11,
			 "'tags[1]': 'Bad' is not a valid name (lowercase letters, digits and '-', "
			 "1 to 63 characters, not starting or ending with '-')");
	read_top("name: demo\ntags: [a, [b]]\n");
	assert_one_error(2, 11, "'tags[1]': expected a string, found a list");
	read_top("name: demo\ntags: []\n");
	assert_clean();
	assert_int_equal(top.tags.n, 0);
}

static void test_list_max(void **state)
{
	(void)state;
	read_top("name: demo\ntags: [a, b, c]\n");
	assert_clean();
	read_top("name: demo\ntags: [a, b, c, d]\n");
	assert_one_error(2, 7, "'tags': 4 items; at most 3 are allowed");
	/* Refused before any item is read. */
	assert_int_equal(top.tags.n, 0);
	read_top("name: demo\nthings: [{name: a}, {name: b}, {name: c}]\n");
	assert_one_error(2, 9, "'things': 3 items; at most 2 are allowed");
	assert_int_equal(top.things.n, 0);
}

static void test_formats(void **state)
{
	(void)state;
	read_top("name: demo\ncidr: 10.0.0.1/24\n");
	assert_one_error(2, 7, "'cidr': '10.0.0.1/24' has host bits set; did you mean '10.0.0.0/24'?");
	read_top("name: demo\ncidr: 10.0.0.0/40\n");
	assert_one_error(2, 7,
			 "'cidr': '10.0.0.0/40' has a prefix length out of range (0-32 for IPv4, "
			 "0-128 for IPv6)");
	read_top("name: demo\ncidr: 10.0.0.0\n");
	assert_one_error(2, 7,
			 "'cidr': '10.0.0.0' is not a network in CIDR notation (like 10.0.0.0/24)");
	read_top("name: demo\npool: 10.0.0.9-10.0.0.1\n");
	assert_one_error(2, 7,
			 "'pool': '10.0.0.9-10.0.0.1' is not an address range ('FIRST-LAST', first "
			 "not above last) or a CIDR network");
	read_top("name: demo\nhost: bad_host!\n");
	assert_one_error(2, 7, "'host': 'bad_host!' is neither a host name nor an IP address");
	read_top("name: demo\nhost: -lead.example\n");
	assert_false(ok);
	read_top("name: demo\nhost: a..b\n");
	assert_false(ok);
	read_top("name: demo\nhost: 10.0.0.1\n");
	assert_clean();
	read_top("name: demo\npath: dev/sdb\n");
	assert_one_error(2, 7, "'path': 'dev/sdb' is not an absolute path");
	read_top("name: demo\nid: My_id\n");
	assert_one_error(2, 5,
			 "'id': 'My_id' is not a valid identifier (lowercase letters, digits, '-' "
			 "and '_', 1 to 63 characters)");
	read_top("name: demo\nip: 10.0.0.300\n");
	assert_one_error(2, 5, "'ip': '10.0.0.300' is not an IPv4 or IPv6 address");
	read_top("name: -demo\n");
	assert_false(ok);
	read_top("name: demo-\n");
	assert_false(ok);
	read_top("name: a_b\n");
	assert_false(ok);
	/* 63 characters is the longest name. */
	read_top("name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	assert_clean();
	read_top("name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	assert_false(ok);
}

static void test_nul_byte(void **state)
{
	(void)state;
	read_top("name: \"de\\0mo\"\n");
	assert_one_error(1, 7, "'name': contains a NUL byte");
	assert_null(top.name);
}

static void test_long_value_quoted(void **state)
{
	char yaml[256], want[256];
	char long_value[101];

	(void)state;
	memset(long_value, 'x', 100);
	long_value[100] = '\0';
	snprintf(yaml, sizeof(yaml), "name: demo\nip: %s\n", long_value);
	read_top(yaml);
	/* The value is cut to 64 characters with "..." in the message. */
	snprintf(want, sizeof(want), "'ip': '%.64s...' is not an IPv4 or IPv6 address", long_value);
	assert_one_error(2, 5, want);
}

static void test_all_in_one_pass(void **state)
{
	(void)state;
	read_top("port: 0\n"
		 "enabled: maybe\n"
		 "colour: red\n"
		 "tags: [a, a]\n"
		 "things: [{size: 500}]\n");
	assert_false(ok);
	assert_int_equal(diags.errors, 7);
	assert_int_equal(diags.len, 7);
	diag_list_sort(&diags);
	assert_string_equal(diags.items[0].message, "missing required key 'name'");
	assert_string_equal(diags.items[1].message, "'port': 0 is out of range (1 to 65535)");
	assert_string_equal(diags.items[2].message, "'enabled': expected true or false, found 'maybe'");
	assert_string_equal(diags.items[3].message, "'colour': unknown key; did you mean 'color'?");
	assert_string_equal(diags.items[4].message, "'tags[1]': 'a' is listed twice");
	assert_string_equal(diags.items[5].message, "'things[0]': missing required key 'name'");
	assert_string_equal(diags.items[6].message, "'things[0].size': 500 is out of range (1 to 100)");
	assert_int_equal(diags.items[6].line, 5);
	assert_int_equal(diags.items[6].column, 17);
}

static void test_read_value(void **state)
{
	static const struct field port = {.key = "port", .type = F_INT, .min = 1, .max = 10};
	static const struct field list = {.key = "l", .type = F_STRLIST, .format = S_IP};
	struct schema_ctx ctx = {.file = "v.yaml", .diags = &diags};
	long v = 0;
	struct strlist l = {0};

	(void)state;
	cleanup(NULL);
	assert_int_equal(ydoc_parse("v.yaml", "[7, 11, [10.0.0.1, x]]", 22, &doc, &diags), 0);
	assert_true(schema_read_value(&ctx, &port, doc->root->items[0], "o.port", &v));
	assert_int_equal(v, 7);
	assert_false(schema_read_value(&ctx, &port, doc->root->items[1], "o.port", &v));
	assert_int_equal(v, 7);
	assert_int_equal(diags.len, 1);
	assert_string_equal(diags.items[0].message, "'o.port': 11 is out of range (1 to 10)");
	assert_string_equal(diags.items[0].file, "v.yaml");
	assert_false(schema_read_value(&ctx, &list, doc->root->items[2], "o.l", &l));
	assert_int_equal(l.n, 1);
	assert_string_equal(diags.items[1].message, "'o.l[1]': 'x' is not an IPv4 or IPv6 address");
	schema_release_value(&list, &l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void test_quote(void **state)
{
	char buf[10];

	(void)state;
	assert_string_equal(schema_quote("short", buf, sizeof(buf)), "short");
	assert_string_equal(schema_quote("123456789", buf, sizeof(buf)), "123456789");
	assert_string_equal(schema_quote("1234567890", buf, sizeof(buf)), "123456...");
}

static void test_report_without_node(void **state)
{
	struct schema_ctx ctx = {.file = "r.yaml", .diags = &diags};

	(void)state;
	cleanup(NULL);
	schema_report(&ctx, DIAG_WARNING, NULL, "'%s': careful", "x");
	assert_int_equal(diags.len, 1);
	assert_int_equal(diags.warnings, 1);
	assert_int_equal(diags.errors, 0);
	assert_false(diag_list_has_errors(&diags));
	assert_int_equal(diags.items[0].line, 0);
	assert_int_equal(diags.items[0].column, 0);
	assert_string_equal(diags.items[0].message, "'x': careful");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_valid, cleanup),
		cmocka_unit_test_teardown(test_defaults, cleanup),
		cmocka_unit_test_teardown(test_sub_defaults_when_absent, cleanup),
		cmocka_unit_test_teardown(test_sub_partial, cleanup),
		cmocka_unit_test_teardown(test_sub_wrong_type_gets_defaults, cleanup),
		cmocka_unit_test_teardown(test_missing_required, cleanup),
		cmocka_unit_test_teardown(test_unknown_key, cleanup),
		cmocka_unit_test_teardown(test_type_errors, cleanup),
		cmocka_unit_test_teardown(test_int_range, cleanup),
		cmocka_unit_test_teardown(test_enum, cleanup),
		cmocka_unit_test_teardown(test_strlist, cleanup),
		cmocka_unit_test_teardown(test_list_max, cleanup),
		cmocka_unit_test_teardown(test_formats, cleanup),
		cmocka_unit_test_teardown(test_nul_byte, cleanup),
		cmocka_unit_test_teardown(test_long_value_quoted, cleanup),
		cmocka_unit_test_teardown(test_all_in_one_pass, cleanup),
		cmocka_unit_test_teardown(test_read_value, cleanup),
		cmocka_unit_test_teardown(test_quote, cleanup),
		cmocka_unit_test_teardown(test_report_without_node, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
