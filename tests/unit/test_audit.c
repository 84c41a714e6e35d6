/* test_audit.c: the audit log: appends, the diff summary, reading back, times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "error.h"
#include "tmpdir.h"

/* A fresh state directory per test. */
static int setup(void **state)
{
	return (*state = tmpdir_new("audit")) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	int r = tmpdir_remove(*state);

	free(*state);
	return r;
}

static const char old_project[] = "name: lab\n"
				  "ssh:\n"
				  "  user: root\n"
				  "  port: 22\n"
				  "hosts:\n"
				  "  - {name: a1, address: 10.0.0.1}\n";

static void assert_keys(const json_t *diff, const char *expected)
{
	char *got = json_dumps(json_object_get(diff, "keys"), JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(got);
	assert_string_equal(got, expected);
	free(got);
}

static void test_diff_names_changed_keys_never_values(void **state)
{
	const char *new_project = "name: lab\n"
				  "ssh:\n"
				  "  user: root\n"
				  "  port: 2222\n"
				  "hosts:\n"
				  "  - {name: a1, address: 10.0.0.1}\n"
				  "ansible_vars: {become_password: s3cret-value}\n";
	json_t *d = audit_diff(old_project, new_project);
	char *text;

	(void)state;
	assert_non_null(d);
	assert_int_equal(json_integer_value(json_object_get(d, "lines_added")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "lines_removed")), 1);
	/* Sorted; "hosts" and "name" did not change. */
	assert_keys(d, "[\"ansible_vars\",\"ssh\"]");
	assert_non_null(text = json_dumps(d, JSON_COMPACT));
	assert_null(strstr(text, "s3cret"));
	assert_null(strstr(text, "2222"));
	free(text);
	json_decref(d);
}

static void test_diff_created_removed_reordered(void **state)
{
	const char *reordered = "hosts:\n"
				"  - {name: a1, address: 10.0.0.1}\n"
				"name: lab\n"
				"ssh:\n"
				"  port: 22\n"
				"  user: root\n";
	json_t *d;

	(void)state;
	/* Made new: every line added, every key changed. */
	assert_non_null(d = audit_diff(NULL, old_project));
	assert_int_equal(json_integer_value(json_object_get(d, "lines_added")), 6);
	assert_int_equal(json_integer_value(json_object_get(d, "lines_removed")), 0);
	assert_keys(d, "[\"hosts\",\"name\",\"ssh\"]");
	json_decref(d);
	/* Removed. */
	assert_non_null(d = audit_diff(old_project, NULL));
	assert_int_equal(json_integer_value(json_object_get(d, "lines_removed")), 6);
	assert_keys(d, "[\"hosts\",\"name\",\"ssh\"]");
	json_decref(d);
	/* Moved lines and keys in another order are no change. */
	assert_non_null(d = audit_diff(old_project, reordered));
	assert_int_equal(json_integer_value(json_object_get(d, "lines_added")), 0);
	assert_int_equal(json_integer_value(json_object_get(d, "lines_removed")), 0);
	assert_keys(d, "[]");
	json_decref(d);
	/* Not a mapping, or not YAML: lines still counted, keys null. */
	assert_non_null(d = audit_diff(old_project, "- a\n- b\n"));
	assert_int_equal(json_integer_value(json_object_get(d, "lines_added")), 2);
	assert_keys(d, "null");
	json_decref(d);
	assert_non_null(d = audit_diff("a: [\n", "a: 1\n"));
	assert_keys(d, "null");
	json_decref(d);
}

static void test_diff_caps_the_keys(void **state)
{
	char big[4096] = "";
	json_t *d;

	(void)state;
	for (int i = 0; i < AUDIT_DIFF_KEYS + 10; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "k%03d: %d\n", i, i);
	assert_non_null(d = audit_diff(NULL, big));
	assert_int_equal(json_array_size(json_object_get(d, "keys")), AUDIT_DIFF_KEYS);
	assert_int_equal(json_integer_value(json_object_get(d, "lines_added")), AUDIT_DIFF_KEYS + 10);
	json_decref(d);
}

static void test_parse_time(void **state)
{
	time_t t = 0, now = 2000000000;

	(void)state;
	assert_int_equal(audit_parse_time("2026-12-01", now, &t), 0);
	assert_int_equal(t, 1796083200);
	assert_int_equal(audit_parse_time("2026-12-01T08:30:15Z", now, &t), 0);
	assert_int_equal(t, 1796083200 + 8 * 3600 + 30 * 60 + 15);
	assert_int_equal(audit_parse_time("2026-12-01T08:30", now, &t), 0);
	assert_int_equal(t, 1796083200 + 8 * 3600 + 30 * 60);
	assert_int_equal(audit_parse_time("90s", now, &t), 0);
	assert_int_equal(t, now - 90);
	assert_int_equal(audit_parse_time("7d", now, &t), 0);
	assert_int_equal(t, now - 7 * 86400);
	assert_int_equal(audit_parse_time("12h", now, &t), 0);
	assert_int_equal(t, now - 12 * 3600);
	/* Refused: no unit, an unknown unit, trailing text, too far back, empty. */
	static const char *const bad[] = {"", "12", "12w", "h", "7dd", "2026-12-01 junk",
					  "2026-13-01", "yesterday", "99999999999999999999d",
					  "3650000d", "-5m"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(audit_parse_time(bad[i], now, &t), HNSP_ERR_INVALID);
	assert_int_equal(audit_parse_time(NULL, now, &t), HNSP_ERR_INVALID);
}

static void record(const char *dir, const char *user, const char *action)
{
	struct audit_actor who = {.user = user, .via = "cli"};

	assert_int_equal(audit_record(dir, &who, action, json_pack("{s:s}", "user", "x")), 0);
}

static void append(const char *dir, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	assert_non_null(f = fopen(path, "a"));
	fputs(text, f);
	fclose(f);
}

static void test_record_and_read(void **state)
{
	const char *dir = *state;
	char path[256];
	struct stat st;
	json_t *log = NULL, *e;

	/* Nothing yet: no entries, no error. */
	assert_int_equal(audit_read(dir, 0, 10, &log), 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 0);
	json_decref(log);

	record(dir, "alice", "user.add");
	/* A detail cannot override the fixed members. */
	{
		struct audit_actor who = {.user = "bob", .via = "web", .address = "127.0.0.1"};
		assert_int_equal(audit_record(dir, &who, "login.ok",
					      json_pack("{s:s, s:s}", "actor", "mallory", "action",
							"user.remove")),
				 0);
	}
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(audit_read(dir, 0, 10, &log), 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 2);
	e = json_array_get(json_object_get(log, "entries"), 0); /* newest first */
	assert_string_equal(json_string_value(json_object_get(e, "actor")), "bob");
	assert_string_equal(json_string_value(json_object_get(e, "action")), "login.ok");
	assert_string_equal(json_string_value(json_object_get(e, "address")), "127.0.0.1");
	e = json_array_get(json_object_get(log, "entries"), 1);
	assert_null(json_object_get(e, "address"));
	assert_string_equal(json_string_value(json_object_get(e, "user")), "x");
	json_decref(log);

	/* The limit keeps the newest. */
	assert_int_equal(audit_read(dir, 0, 1, &log), 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 1);
	json_decref(log);
	/* Since the future: nothing. */
	assert_int_equal(audit_read(dir, time(NULL) + 3600, 10, &log), 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 0);
	json_decref(log);
}

static void test_damaged_lines(void **state)
{
	const char *dir = *state;
	json_t *log = NULL, *damaged;

	record(dir, "alice", "user.add");                                   /* line 1 */
	append(dir, "not json\n");                                          /* line 2 */
	append(dir, "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"x\"}\n"); /* 3: no actor */
	append(dir, "\n");                                                  /* line 4 */
	append(dir, "{\"time\":\"yesterday\",\"actor\":\"a\",\"via\":\"cli\",\"action\":\"x\"}\n");
	/* A line cut short (a full disk): the next entry starts on a line of its own. */
	append(dir, "{\"time\":\"2026-01-");                                  /* line 6 */
	record(dir, "bob", "user.remove");                                  /* line 7 */
	assert_int_equal(audit_read(dir, 0, 100, &log), 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 2);
	damaged = json_object_get(log, "damaged");
	assert_int_equal(json_array_size(damaged), 5);
	/* Newest first, like the entries. */
	assert_int_equal(json_integer_value(json_array_get(damaged, 0)), 6);
	assert_int_equal(json_integer_value(json_array_get(damaged, 1)), 5);
	assert_int_equal(json_integer_value(json_array_get(damaged, 2)), 4);
	assert_int_equal(json_integer_value(json_array_get(damaged, 3)), 3);
	assert_int_equal(json_integer_value(json_array_get(damaged, 4)), 2);
	assert_false(json_is_true(json_object_get(log, "partial")));
	json_decref(log);
}

/* A file over the read cap: only its tail is parsed, line numbers stay right. */
static void test_huge_file_reads_the_tail(void **state)
{
	const char *dir = *state;
	char path[256], line[128];
	json_t *log = NULL;
	FILE *f;
	long lines = 0;
	int n;

	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	assert_non_null(f = fopen(path, "w"));
	n = snprintf(line, sizeof(line),
		     "{\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"a\",\"via\":\"cli\","
		     "\"action\":\"filler\"}\n");
	for (long written = 0; written <= (long)AUDIT_READ_MAX + 4096; written += n, lines++)
		fputs(line, f);
	fclose(f);
	append(dir, "garbage\n");
	record(dir, "alice", "user.add");
	assert_int_equal(audit_read(dir, 0, 5, &log), 0);
	assert_true(json_is_true(json_object_get(log, "partial")));
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 5);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(log, "entries"), 0), "actor")),
			    "alice");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(log, "damaged"), 0)),
			 lines + 1);
	json_decref(log);
}

static void test_refuses_what_is_not_a_file(void **state)
{
	const char *dir = *state;
	char path[256], target[256];
	struct audit_actor who = {.user = "alice", .via = "cli"};
	json_t *log = NULL;

	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(audit_record(dir, &who, "user.add", NULL), HNSP_ERR_IO);
	assert_int_equal(access(target, F_OK), -1); /* nothing written through the link */
	assert_int_equal(audit_read(dir, 0, 10, &log), HNSP_ERR_IO);
	assert_null(log);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(audit_record(dir, &who, "user.add", NULL), HNSP_ERR_IO); /* no hang */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_names_changed_keys_never_values),
		cmocka_unit_test(test_diff_created_removed_reordered),
		cmocka_unit_test(test_diff_caps_the_keys),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test_setup_teardown(test_record_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_file_reads_the_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_what_is_not_a_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
