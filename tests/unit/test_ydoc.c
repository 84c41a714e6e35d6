/* test_ydoc.c: the positioned YAML tree - positions, scalars, errors and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "error.h"
#include "ydoc.h"
#include "tmpdir.h"

struct parsed {
	struct ydoc *doc;
	struct diag_list diags;
	int rc;
};

/* What a test holds when an assertion fails (cmocka longjmps out of the test):
 * the teardown frees it, so that a failing test reports its failure, not leaks. */
static struct parsed held;
static char *held_buf;

static void done(struct parsed *p)
{
	ydoc_free(p->doc);
	p->doc = NULL;
	diag_list_release(&p->diags);
}

static int cleanup(void **state)
{
	(void)state;
	done(&held);
	free(held_buf);
	held_buf = NULL;
	return 0;
}

static void parse_len(struct parsed *p, const char *buf, size_t len)
{
	diag_list_init(&p->diags);
	p->doc = (struct ydoc *)(uintptr_t)1; /* must be reset by ydoc_parse */
	p->rc = ydoc_parse("t.yaml", buf, len, &p->doc, &p->diags);
}

static void parse(struct parsed *p, const char *text)
{
	parse_len(p, text, strlen(text));
}

/* The input parses with no diagnostic at all. */
static void parse_ok(struct parsed *p, const char *text)
{
	parse(p, text);
	if (p->rc != 0 || p->diags.len != 0)
		fail_msg("rc %d, %zu diagnostics, first: %s", p->rc, p->diags.len,
			 p->diags.len ? p->diags.items[0].message : "-");
	assert_non_null(p->doc);
}

/* The input fails with rc and exactly one error, at line:column, saying msg. */
static void assert_fails(const char *text, size_t len, int rc, unsigned line, unsigned column,
			 const char *msg)
{
	struct parsed p = {0};

	parse_len(&p, text, len);
	held = p;
	assert_int_equal(p.rc, rc);
	assert_null(p.doc);
	assert_int_equal(p.diags.len, 1);
	assert_int_equal(p.diags.errors, 1);
	assert_int_equal(p.diags.items[0].severity, DIAG_ERROR);
	assert_string_equal(p.diags.items[0].file, "t.yaml");
	assert_string_equal(p.diags.items[0].message, msg);
	assert_int_equal(p.diags.items[0].line, line);
	assert_int_equal(p.diags.items[0].column, column);
	done(&held);
}

static void assert_pos(const struct ynode *n, unsigned line, unsigned column)
{
	assert_non_null(n);
	if (n->line != line || n->column != column)
		fail_msg("node at %u:%u, expected %u:%u", n->line, n->column, line, column);
}

static void assert_scalar(const struct ynode *n, const char *value, bool plain)
{
	assert_non_null(n);
	assert_int_equal(n->kind, YNODE_SCALAR);
	assert_string_equal(n->value, value);
	assert_int_equal(n->len, strlen(value));
	assert_int_equal(n->plain, plain);
}

static const char positions_doc[] = "name: demo\n"
				    "hosts:\n"
				    "  - name: a\n"
				    "    address: \"10.0.0.1\"\n"
				    "    roles: [master, 'etcd']\n"
				    "network: {pod_cidr: 10.244.0.0/16}\n";

static void test_positions(void **state)
{
	struct parsed *p = &held;
	const struct ynode *root, *hosts, *h0, *roles, *net;

	(void)state;
	parse_ok(p, positions_doc);
	root = p->doc->root;
	assert_int_equal(root->kind, YNODE_MAP);
	assert_pos(root, 1, 1);
	assert_int_equal(root->count, 3);
	assert_pos(root->pairs[0].key, 1, 1);
	assert_scalar(root->pairs[0].key, "name", true);
	assert_pos(root->pairs[0].value, 1, 7);
	assert_scalar(ynode_get(root, "name"), "demo", true);

	hosts = ynode_get(root, "hosts");
	assert_int_equal(hosts->kind, YNODE_SEQ);
	assert_int_equal(hosts->count, 1);
	assert_pos(hosts, 3, 3);
	assert_pos(root->pairs[1].key, 2, 1);
	h0 = hosts->items[0];
	assert_int_equal(h0->kind, YNODE_MAP);
	assert_pos(h0, 3, 5);
	assert_pos(h0->pairs[0].key, 3, 5);
	assert_pos(ynode_get(h0, "name"), 3, 11);
	/* A quoted scalar starts at its opening quote. */
	assert_pos(h0->pairs[1].key, 4, 5);
	assert_pos(ynode_get(h0, "address"), 4, 14);
	roles = ynode_get(h0, "roles");
	assert_int_equal(roles->kind, YNODE_SEQ);
	assert_pos(roles, 5, 12);
	assert_int_equal(roles->count, 2);
	assert_pos(roles->items[0], 5, 13);
	assert_pos(roles->items[1], 5, 21);

	net = ynode_get(root, "network");
	assert_int_equal(net->kind, YNODE_MAP);
	assert_pos(net, 6, 10);
	assert_pos(net->pairs[0].key, 6, 11);
	assert_pos(ynode_get(net, "pod_cidr"), 6, 21);
	done(p);
}

static void test_scalar_styles(void **state)
{
	struct parsed *p = &held;
	const struct ynode *root;

	(void)state;
	parse_ok(p, "plain: 5\n"
		     "double: \"5\"\n"
		     "single: '5'\n"
		     "literal: |\n"
		     "  line\n"
		     "folded: >\n"
		     "  a\n"
		     "  b\n"
		     "tagged: !!str 5\n"
		     "empty:\n"
		     "tilde: ~\n"
		     "null_word: null\n"
		     "quoted_null: \"null\"\n"
		     "quoted_empty: ''\n"
		     "escape: \"a\\tb\"\n");
	root = p->doc->root;
	assert_scalar(ynode_get(root, "plain"), "5", true);
	assert_scalar(ynode_get(root, "double"), "5", false);
	assert_scalar(ynode_get(root, "single"), "5", false);
	assert_scalar(ynode_get(root, "literal"), "line\n", false);
	assert_scalar(ynode_get(root, "folded"), "a b\n", false);
	/* A tag makes the scalar a string: not plain, so never a number. */
	assert_scalar(ynode_get(root, "tagged"), "5", false);
	assert_scalar(ynode_get(root, "escape"), "a\tb", false);

	assert_true(ynode_is_null(ynode_get(root, "empty")));
	assert_true(ynode_is_null(ynode_get(root, "tilde")));
	assert_true(ynode_is_null(ynode_get(root, "null_word")));
	assert_false(ynode_is_null(ynode_get(root, "quoted_null")));
	assert_false(ynode_is_null(ynode_get(root, "quoted_empty")));
	assert_false(ynode_is_null(ynode_get(root, "plain")));
	assert_string_equal(ynode_describe(ynode_get(root, "empty")), "empty");
	assert_string_equal(ynode_describe(ynode_get(root, "quoted_empty")), "a scalar");
	assert_string_equal(ynode_describe(root), "a mapping");
	done(p);
}

static void test_nul_in_scalar(void **state)
{
	struct parsed *p = &held;
	const struct ynode *v;

	(void)state;
	parse_ok(p, "a: \"x\\0y\"\n");
	v = ynode_get(p->doc->root, "a");
	assert_non_null(v);
	assert_int_equal(v->len, 3);
	assert_memory_equal(v->value, "x\0y", 4);
	done(p);
}

static void test_get(void **state)
{
	struct parsed *p = &held;
	const struct ynode *root;

	(void)state;
	parse_ok(p, "a: 1\nab: 2\nlist: [a]\n");
	root = p->doc->root;
	assert_scalar(ynode_get(root, "ab"), "2", true);
	assert_null(ynode_get(root, "b"));
	assert_null(ynode_get(root, "a "));
	assert_null(ynode_get(NULL, "a"));
	/* Only mappings have keys. */
	assert_null(ynode_get(ynode_get(root, "list"), "a"));
	assert_string_equal(ynode_describe(ynode_get(root, "list")), "a list");
	done(p);
}

static void test_duplicate_keys(void **state)
{
	static const char top[] = "a: 1\nb: 2\na: 3\n";
	static const char nested[] = "x:\n  k: 1\n  other: 2\n  k: 2\n";
	static const char flow[] = "m: {p: 1, q: 2, p: 3}\n";
	static const char quoted[] = "a: 1\n\"a\": 2\n";

	(void)state;
	assert_fails(top, strlen(top), HNSP_ERR_INVALID, 3, 1,
		     "duplicate key 'a' (first defined at 1:1)");
	assert_fails(nested, strlen(nested), HNSP_ERR_INVALID, 4, 3,
		     "duplicate key 'k' (first defined at 2:3)");
	assert_fails(flow, strlen(flow), HNSP_ERR_INVALID, 1, 17,
		     "duplicate key 'p' (first defined at 1:5)");
	/* Quoting does not make a key different. */
	assert_fails(quoted, strlen(quoted), HNSP_ERR_INVALID, 2, 1,
		     "duplicate key 'a' (first defined at 1:1)");
}

static void test_duplicate_keys_many(void **state)
{
	/* Many keys, one repeated at the end: found whatever the map's size. */
	size_t n = 5000, cap = n * 16 + 32, len = 0;
	char *buf = held_buf = malloc(cap);
	char want[80];

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "k%zu: %zu\n", i, i);
	len += (size_t)snprintf(buf + len, cap - len, "k1234: again\n");
	snprintf(want, sizeof(want), "duplicate key 'k1234' (first defined at 1235:1)");
	assert_fails(buf, len, HNSP_ERR_INVALID, (unsigned)n + 1, 1, want);
	cleanup(NULL);
}

static void test_similar_keys_not_duplicates(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* Prefixes and equal lengths must not be confused. */
	parse_ok(p, "a: 1\naa: 2\nab: 3\nba: 4\n\"a b\": 5\nA: 6\n");
	assert_int_equal(p->doc->root->count, 6);
	done(p);
}

static void test_tab_indentation(void **state)
{
	static const char tab_line[] = "a:\n\tb: 1\n";
	static const char tab_item[] = "a:\n  - b\n\t- c\n";
	static const char tab_first[] = "\ta: 1\n";

	(void)state;
	assert_fails(tab_line, strlen(tab_line), HNSP_ERR_INVALID, 2, 1,
		     "tab character where YAML allows only spaces; indent with spaces");
	assert_fails(tab_item, strlen(tab_item), HNSP_ERR_INVALID, 3, 1,
		     "tab character where YAML allows only spaces; indent with spaces");
	assert_fails(tab_first, strlen(tab_first), HNSP_ERR_INVALID, 1, 1,
		     "tab character where YAML allows only spaces; indent with spaces");
}

static void test_tab_in_value_is_fine(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* Tabs are only an error where they indent. */
	parse_ok(p, "a: \"x\ty\"\nb: x\ty\n");
	assert_scalar(ynode_get(p->doc->root, "a"), "x\ty", false);
	assert_scalar(ynode_get(p->doc->root, "b"), "x\ty", true);
	done(p);
}

static void test_syntax_errors(void **state)
{
	static const char open_flow[] = "a: [1, 2\n";
	static const char two_colons[] = "key: value: x\n";
	static const char bad_indent[] = "a: 1\n b: 2\n";

	(void)state;
	assert_fails(open_flow, strlen(open_flow), HNSP_ERR_INVALID, 2, 1,
		     "not valid YAML: did not find expected ',' or ']' (while parsing a flow "
		     "sequence at 1:4)");
	assert_fails(two_colons, strlen(two_colons), HNSP_ERR_INVALID, 1, 11,
		     "not valid YAML: mapping values are not allowed in this context");
	assert_fails(bad_indent, strlen(bad_indent), HNSP_ERR_INVALID, 2, 3,
		     "not valid YAML: mapping values are not allowed in this context");
}

static void test_non_scalar_key(void **state)
{
	static const char seq_key[] = "? [a]\n: b\n";
	static const char map_key[] = "{x: 1}: b\n";

	(void)state;
	assert_fails(seq_key, strlen(seq_key), HNSP_ERR_INVALID, 1, 3,
		     "mapping keys must be plain strings, not a list");
	assert_fails(map_key, strlen(map_key), HNSP_ERR_INVALID, 1, 1,
		     "mapping keys must be plain strings, not a mapping");
}

static void test_aliases_share_nodes(void **state)
{
	struct parsed *p = &held;
	const struct ynode *root, *base, *copy, *list;

	(void)state;
	parse_ok(p, "base: &b {x: 1, y: [2, 3]}\n"
		     "copy: *b\n"
		     "list: [*b, *b]\n"
		     "s: &s text\n"
		     "t: *s\n");
	root = p->doc->root;
	base = ynode_get(root, "base");
	copy = ynode_get(root, "copy");
	list = ynode_get(root, "list");
	assert_int_equal(base->kind, YNODE_MAP);
	assert_ptr_equal(copy, base);
	assert_ptr_equal(list->items[0], base);
	assert_ptr_equal(list->items[1], base);
	assert_ptr_equal(ynode_get(root, "t"), ynode_get(root, "s"));
	assert_scalar(ynode_get(root, "t"), "text", true);
	/* The alias points at the anchored node's position, which is where it is defined. */
	assert_pos(copy, 1, 7);
	/* Every node is stored once: root, 5 keys, base map (2 keys, 1, list of 2),
	 * list, "text".  The aliases add none. */
	assert_int_equal(p->doc->nnodes, 1 + 5 + 1 + 2 + 1 + 1 + 2 + 1 + 1);
	done(p);
}

static void test_alias_redefined(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* The latest definition of an anchor wins. */
	parse_ok(p, "a: &x one\nb: &x two\nc: *x\n");
	assert_scalar(ynode_get(p->doc->root, "c"), "two", true);
	done(p);
}

static void test_undefined_alias(void **state)
{
	static const char undefined[] = "a: *nope\n";
	static const char forward[] = "a: *later\nb: &later 1\n";
	static const char self[] = "a: &me [1, *me]\n";

	(void)state;
	assert_fails(undefined, strlen(undefined), HNSP_ERR_INVALID, 1, 4,
		     "alias '*nope' refers to no anchor defined before it");
	assert_fails(forward, strlen(forward), HNSP_ERR_INVALID, 1, 4,
		     "alias '*later' refers to no anchor defined before it");
	/* A node cannot contain itself: that would be an infinite tree. */
	assert_fails(self, strlen(self), HNSP_ERR_INVALID, 1, 12,
		     "alias '*me' refers to no anchor defined before it");
}

static const char bomb[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

static void test_alias_bomb(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* Nine levels of ten: a billion nodes once expanded. */
	parse(p, bomb);
	assert_int_equal(p->rc, HNSP_ERR_LIMIT);
	assert_null(p->doc);
	assert_int_equal(p->diags.len, 1);
	assert_string_equal(p->diags.items[0].message,
			    "aliases expand to more than 1000000 nodes; a project file needs far "
			    "fewer");
	/* The limit is reached while expanding f's aliases of e (about 1.1 million). */
	assert_true(p->diags.items[0].line >= 5 && p->diags.items[0].line <= 6);
	done(p);
}

static void test_alias_bomb_position(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* The message should point at the alias whose expansion crosses the limit,
	 * on line 6, not at the anchor it refers to (line 5): the person must find
	 * the alias to remove. */
	parse(p, bomb);
	assert_int_equal(p->rc, HNSP_ERR_LIMIT);
	assert_int_equal(p->diags.len, 1);
	assert_int_equal(p->diags.items[0].line, 6);
	done(p);
}

static void test_aliases_below_limit(void **state)
{
	struct parsed *p = &held;

	(void)state;
	/* Five levels: 111111 nodes once expanded, well below the limit. */
	parse_ok(p, "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		     "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n");
	done(p);
}

/* A flow list of n plain items "1": n + 1 nodes, no alias. */
static char *flat_list(size_t n, size_t *len)
{
	char *buf = malloc(2 * n + 2);
	size_t k = 0;

	assert_non_null(buf);
	buf[k++] = '[';
	for (size_t i = 0; i < n; i++) {
		buf[k++] = '1';
		buf[k++] = ',';
	}
	buf[k - 1] = ']';
	*len = k;
	return buf;
}

static void test_big_list_without_aliases(void **state)
{
	struct parsed *p = &held;
	size_t len;
	char *buf = held_buf = flat_list(600000, &len);

	(void)state;
	/* 600001 nodes and no alias: under YDOC_MAX_EXPANDED ("nodes after
	 * expanding every alias"), so it must parse. */
	parse_len(p, buf, len);
	if (p->rc != 0)
		fail_msg("rc %d: %s", p->rc, p->diags.len ? p->diags.items[0].message : "-");
	assert_int_equal(p->doc->nnodes, 600001);
	cleanup(NULL);
}

/* n nested flow sequences around one scalar. */
static char *nested(size_t n, size_t *len)
{
	char *buf = malloc(2 * n + 2);
	size_t k = 0;

	assert_non_null(buf);
	for (size_t i = 0; i < n; i++)
		buf[k++] = '[';
	buf[k++] = 'x';
	for (size_t i = 0; i < n; i++)
		buf[k++] = ']';
	*len = k;
	return buf;
}

static void test_nesting_limit(void **state)
{
	struct parsed *p = &held;
	const struct ynode *n;
	size_t len;
	char *buf = held_buf = nested(YDOC_MAX_DEPTH, &len);

	(void)state;
	parse_len(p, buf, len);
	assert_int_equal(p->rc, 0);
	n = p->doc->root;
	for (int i = 0; i < YDOC_MAX_DEPTH; i++) {
		assert_int_equal(n->kind, YNODE_SEQ);
		n = n->items[0];
	}
	assert_scalar(n, "x", true);
	cleanup(NULL);

	buf = held_buf = nested(YDOC_MAX_DEPTH + 1, &len);
	assert_fails(buf, len, HNSP_ERR_LIMIT, 1, YDOC_MAX_DEPTH + 1,
		     "nesting is deeper than 64 levels; a project file needs far fewer");
	cleanup(NULL);

	/* Far deeper input stops at the limit too, without recursion trouble. */
	buf = held_buf = nested(100000, &len);
	assert_fails(buf, len, HNSP_ERR_LIMIT, 1, YDOC_MAX_DEPTH + 1,
		     "nesting is deeper than 64 levels; a project file needs far fewer");
	cleanup(NULL);
}

static void test_nesting_limit_block(void **state)
{
	char buf[8192];
	size_t len = 0;

	(void)state;
	/* 65 nested block mappings: k: / k: / ... each indented one more. */
	for (int i = 0; i <= YDOC_MAX_DEPTH; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%*sk:\n", i, "");
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%*sv\n", YDOC_MAX_DEPTH + 1, "");
	/* The 65th mapping starts on line 65, column 65. */
	assert_fails(buf, len, HNSP_ERR_LIMIT, YDOC_MAX_DEPTH + 1, YDOC_MAX_DEPTH + 1,
		     "nesting is deeper than 64 levels; a project file needs far fewer");
}

static void test_two_documents(void **state)
{
	static const char two[] = "a: 1\n---\nb: 2\n";
	static const char two_explicit[] = "---\na: 1\n...\n---\nb: 2\n";
	struct parsed *p = &held;

	(void)state;
	assert_fails(two, strlen(two), HNSP_ERR_INVALID, 2, 1,
		     "a second YAML document starts here; a project file holds one");
	assert_fails(two_explicit, strlen(two_explicit), HNSP_ERR_INVALID, 4, 1,
		     "a second YAML document starts here; a project file holds one");
	/* One document with explicit markers is fine. */
	parse_ok(p, "---\na: 1\n...\n");
	assert_scalar(ynode_get(p->doc->root, "a"), "1", true);
	done(p);
}

static void test_empty_input(void **state)
{
	static const char *const empties[] = {"", "\n\n", "# only a comment\n", "   \n"};
	struct parsed *p = &held;

	(void)state;
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		parse_ok(p, empties[i]);
		assert_null(p->doc->root);
		assert_int_equal(p->doc->nnodes, 0);
		assert_string_equal(p->doc->file, "t.yaml");
		done(p);
	}
}

static void test_invalid_utf8(void **state)
{
	static const char second_line[] = "a: b\nc: \xff\n";
	static const char after_multibyte[] = "\xc3\xa9t\xc3\xa9: \xfe\n";
	static const char truncated[] = "a: \xc3";

	(void)state;
	assert_fails(second_line, strlen(second_line), HNSP_ERR_INVALID, 2, 4,
		     "not valid YAML: invalid leading UTF-8 octet (byte 0xff)");
	/* Columns count characters, not bytes: "été: " is 5 characters. */
	assert_fails(after_multibyte, strlen(after_multibyte), HNSP_ERR_INVALID, 1, 6,
		     "not valid YAML: invalid leading UTF-8 octet (byte 0xfe)");
	assert_fails(truncated, strlen(truncated), HNSP_ERR_INVALID, 1, 4,
		     "not valid YAML: incomplete UTF-8 octet sequence");
}

static void test_valid_utf8(void **state)
{
	struct parsed *p = &held;

	(void)state;
	parse_ok(p, "\xef\xbb\xbf" "desc: \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\n");
	assert_scalar(ynode_get(p->doc->root, "desc"), "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93", true);
	done(p);
}

static char tmpdir[] = "/tmp/hnsp-test-ydoc-XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	return tmpdir_remove(tmpdir);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load_file(void **state)
{
	char path[256];
	struct ydoc *doc = NULL;
	struct diag_list d;

	(void)state;
	snprintf(path, sizeof(path), "%s/ok.yaml", tmpdir);
	write_file(path, "a:\n  b: c\n", 10);
	diag_list_init(&d);
	assert_int_equal(ydoc_load(path, &doc, &d), 0);
	assert_non_null(doc);
	assert_string_equal(doc->file, path);
	assert_scalar(ynode_get(ynode_get(doc->root, "a"), "b"), "c", true);
	assert_pos(ynode_get(ynode_get(doc->root, "a"), "b"), 2, 6);
	ydoc_free(doc);
	diag_list_release(&d);

	/* Diagnostics name the file as given. */
	snprintf(path, sizeof(path), "%s/dup.yaml", tmpdir);
	write_file(path, "a: 1\na: 2\n", 10);
	diag_list_init(&d);
	assert_int_equal(ydoc_load(path, &doc, &d), HNSP_ERR_INVALID);
	assert_null(doc);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].file, path);
	diag_list_release(&d);
}

static void test_load_errors(void **state)
{
	char path[256], want[512];
	struct ydoc *doc = (struct ydoc *)(uintptr_t)1;
	struct diag_list d;
	char *big;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	diag_list_init(&d);
	assert_int_equal(ydoc_load(path, &doc, &d), HNSP_ERR_IO);
	assert_null(doc);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].message, "cannot open: No such file or directory");
	assert_int_equal(d.items[0].line, 0);
	diag_list_release(&d);

	diag_list_init(&d);
	assert_int_equal(ydoc_load(tmpdir, &doc, &d), HNSP_ERR_IO);
	assert_null(doc);
	assert_string_equal(d.items[0].message, "is a directory; expected a YAML file");
	diag_list_release(&d);

	/* One byte over the limit, as a regular file. */
	big = malloc(YDOC_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, '#', YDOC_MAX_BYTES + 1);
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	write_file(path, big, YDOC_MAX_BYTES + 1);
	diag_list_init(&d);
	assert_int_equal(ydoc_load(path, &doc, &d), HNSP_ERR_LIMIT);
	assert_null(doc);
	snprintf(want, sizeof(want), "file is %u bytes; the limit is %u bytes (4 MiB)",
		 YDOC_MAX_BYTES + 1, YDOC_MAX_BYTES);
	assert_string_equal(d.items[0].message, want);
	diag_list_release(&d);

	/* Exactly at the limit is fine (a comment-only file: empty). */
	write_file(path, big, YDOC_MAX_BYTES);
	diag_list_init(&d);
	assert_int_equal(ydoc_load(path, &doc, &d), 0);
	assert_non_null(doc);
	assert_null(doc->root);
	ydoc_free(doc);
	diag_list_release(&d);
	free(big);

	/* A device with no size is read up to the limit and refused past it. */
	diag_list_init(&d);
	assert_int_equal(ydoc_load("/dev/zero", &doc, &d), HNSP_ERR_LIMIT);
	assert_null(doc);
	assert_string_equal(d.items[0].message,
			    "file is larger than the limit of 4194304 bytes (4 MiB)");
	diag_list_release(&d);

	diag_list_init(&d);
	assert_int_equal(ydoc_load("/dev/null", &doc, &d), 0);
	assert_null(doc->root);
	ydoc_free(doc);
	diag_list_release(&d);
}

static void test_free_null(void **state)
{
	(void)state;
	ydoc_free(NULL);
}

/* JSON written as YAML reads back as the same JSON: types, order, quoting. */
static void test_emit_round_trip(void **state)
{
	static const char *const inputs[] = {
		"name: lab\nhosts:\n  - {name: m1, address: 10.0.0.1, roles: [master, etcd]}\n"
		"components:\n  base: {}\n  kubernetes: {version: \"1.31\"}\nlist: []\n",
		"s: [\"true\", \"null\", \"012\", \"1e3\", \"~\", \"\", \"a: b\", \"# x\", \"- y\", \"x\\ny\"]\n"
		"n: [1, -2, 2.5, true, false, null]\n\"123\": key\nnested: [[1, 2], {a: [b]}]\n",
		"long: [aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccc, dddddddddddddddd]\n",
	};
	struct parsed again = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		json_t *before, *after;
		char *text = NULL;
		size_t len = 0;
		parse_ok(&held, inputs[i]);
		before = ynode_to_json(held.doc->root);
		assert_int_equal(ydoc_emit_json(before, &text, &len), 0);
		assert_int_equal(strlen(text), len);
		parse_ok(&again, text);
		after = ynode_to_json(again.doc->root);
		if (!json_equal(before, after))
			fail_msg("round trip %zu changed the value; YAML was:\n%s", i, text);
		if (i == 0 && strstr(text, "roles: [master, etcd]") == NULL)
			fail_msg("a short list is not on one line:\n%s", text);
		if (i == 2 && strstr(text, "long:\n") == NULL)
			fail_msg("a long list is not a block:\n%s", text);
		json_decref(before);
		json_decref(after);
		free(text);
		done(&again);
		done(&held);
	}
}

/* A number beyond a double (found by fuzz_webbody) comes out as text: as
 * JSON's real it was NULL, dropping its key, shifting a list, or making the
 * validate route answer 500. */
static void test_json_huge_number(void **state)
{
	json_t *j;
	char *text;

	(void)state;
	parse_ok(&held, "a: 1e999\nb: [-1e999, 2.5]\n");
	j = ynode_to_json(held.doc->root);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"a\":\"1e999\",\"b\":[\"-1e999\",2.5]}");
	free(text);
	json_decref(j);
	done(&held);
	parse_ok(&held, "1e999\n");
	j = ynode_to_json(held.doc->root);
	assert_true(json_is_string(j));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_positions, cleanup),
		cmocka_unit_test_teardown(test_json_huge_number, cleanup),
		cmocka_unit_test_teardown(test_scalar_styles, cleanup),
		cmocka_unit_test_teardown(test_nul_in_scalar, cleanup),
		cmocka_unit_test_teardown(test_get, cleanup),
		cmocka_unit_test_teardown(test_duplicate_keys, cleanup),
		cmocka_unit_test_teardown(test_duplicate_keys_many, cleanup),
		cmocka_unit_test_teardown(test_similar_keys_not_duplicates, cleanup),
		cmocka_unit_test_teardown(test_tab_indentation, cleanup),
		cmocka_unit_test_teardown(test_tab_in_value_is_fine, cleanup),
		cmocka_unit_test_teardown(test_syntax_errors, cleanup),
		cmocka_unit_test_teardown(test_non_scalar_key, cleanup),
		cmocka_unit_test_teardown(test_aliases_share_nodes, cleanup),
		cmocka_unit_test_teardown(test_alias_redefined, cleanup),
		cmocka_unit_test_teardown(test_undefined_alias, cleanup),
		cmocka_unit_test_teardown(test_alias_bomb, cleanup),
		cmocka_unit_test_teardown(test_alias_bomb_position, cleanup),
		cmocka_unit_test_teardown(test_aliases_below_limit, cleanup),
		cmocka_unit_test_teardown(test_big_list_without_aliases, cleanup),
		cmocka_unit_test_teardown(test_nesting_limit, cleanup),
		cmocka_unit_test_teardown(test_nesting_limit_block, cleanup),
		cmocka_unit_test_teardown(test_two_documents, cleanup),
		cmocka_unit_test_teardown(test_empty_input, cleanup),
		cmocka_unit_test_teardown(test_invalid_utf8, cleanup),
		cmocka_unit_test_teardown(test_valid_utf8, cleanup),
		cmocka_unit_test_teardown(test_load_file, cleanup),
		cmocka_unit_test_teardown(test_load_errors, cleanup),
		cmocka_unit_test_teardown(test_free_null, cleanup),
		cmocka_unit_test_teardown(test_emit_round_trip, cleanup),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
