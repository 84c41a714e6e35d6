/* test_form.c: the TUI's forms: JSON in, typing, JSON out, the project's errors at their fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static const char *const roles[] = {"master", "worker", "etcd", NULL};
static const char *const policies[] = {"strict", "accept-new", "off", NULL};

static const struct field_def fields[] = {
	{.key = "name", .label = "Name", .kind = FIELD_TEXT},
	{.key = "address", .label = "Address", .kind = FIELD_TEXT},
	{.key = "port", .label = "Port", .kind = FIELD_INT},
	{.key = "roles", .label = "Roles", .kind = FIELD_FLAGS, .options = roles},
	{.key = "ssh.host_key_policy", .label = "Keys", .kind = FIELD_CHOICE, .options = policies},
	{.key = "ssh.become", .label = "Sudo", .kind = FIELD_BOOL},
	{.key = "cidrs", .label = "Networks", .kind = FIELD_LIST},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void type(struct form *f, const char *s)
{
	while (*s)
		assert_true(form_key(f, *s++));
}

static void test_load_and_apply(void **state)
{
	json_t *obj = json_loads("{\"name\":\"w1\",\"address\":\"10.0.0.1\",\"port\":2222,"
				 "\"roles\":[\"worker\"],\"labels\":{\"a\":\"b\"},"
				 "\"cidrs\":[\"10.0.0.0/24\",\"10.1.0.0/24\"]}", 0, NULL);
	struct form f;
	char *out;

	(void)state;
	assert_int_equal(form_init(&f, fields, NFIELDS, "hosts[1]."), 0);
	form_load(&f, obj);
	assert_string_equal(f.fields[0].text, "w1");
	assert_string_equal(f.fields[2].text, "2222");
	assert_false(f.fields[3].checked[0]);
	assert_true(f.fields[3].checked[1]);
	assert_string_equal(f.fields[6].text, "10.0.0.0/24, 10.1.0.0/24");
	/* Change what a person would: text that is not a port stays text, for
	 * the project's validation to name; an emptied field removes its key. */
	f.focus = 1;
	assert_true(form_key(&f, 21)); /* Ctrl-U */
	type(&f, "10.0.0.300");
	snprintf(f.fields[2].text, sizeof(f.fields[2].text), " 22x ");
	f.fields[3].checked[0] = true;
	f.fields[3].checked[1] = false;
	f.fields[5].checked[0] = true;
	snprintf(f.fields[6].text, sizeof(f.fields[6].text), " 10.2.0.0/16 ,, ");
	assert_int_equal(form_apply(&f, obj), 0);
	out = json_dumps(obj, JSON_COMPACT);
	assert_string_equal(out, "{\"name\":\"w1\",\"address\":\"10.0.0.300\",\"port\":\"22x\","
				 "\"roles\":[\"master\"],\"labels\":{\"a\":\"b\"},"
				 "\"cidrs\":[\"10.2.0.0/16\"],\"ssh\":{\"become\":true}}");
	free(out);
	f.fields[5].checked[0] = false;
	snprintf(f.fields[2].text, sizeof(f.fields[2].text), "2200");
	assert_int_equal(form_apply(&f, obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "port")), 2200);
	assert_null(json_object_get(json_object_get(obj, "ssh"), "become"));
	form_release(&f);
	json_decref(obj);
}

static void test_keys(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(form_init(&f, fields, NFIELDS, ""), 0);
	form_load(&f, NULL);
	type(&f, "ab");
	assert_true(form_key(&f, KEY_LEFT));
	type(&f, "X");
	assert_true(form_key(&f, KEY_BACKSPACE));
	assert_true(form_key(&f, KEY_END));
	type(&f, "c");
	assert_string_equal(f.fields[0].text, "abc");
	/* Stops: 3 text fields, then one per role, then one per policy. */
	for (int i = 0; i < 3; i++)
		assert_true(form_key(&f, '\t'));
	assert_false(form_key(&f, 'q')); /* not typed: the screen's keys have it */
	assert_true(form_key(&f, ' '));
	assert_true(f.fields[3].checked[0]);
	for (int i = 0; i < 3; i++)
		assert_true(form_key(&f, KEY_DOWN));
	assert_true(form_key(&f, ' ')); /* strict */
	assert_true(form_key(&f, KEY_DOWN));
	assert_true(form_key(&f, ' ')); /* accept-new: one choice at a time */
	assert_false(f.fields[4].checked[0]);
	assert_true(f.fields[4].checked[1]);
	assert_true(form_key(&f, ' ')); /* and none at all */
	assert_false(f.fields[4].checked[1]);
	assert_true(form_key(&f, KEY_UP));
	assert_true(form_key(&f, KEY_BTAB));
	form_release(&f);
}

static void test_errors_at_fields(void **state)
{
	struct diag_list d;
	struct form f;

	(void)state;
	diag_list_init(&d);
	diag_add(&d, DIAG_ERROR, "p.yaml", 9, 14,
		 "'hosts[1].address': '10.0.0.300' is not an IPv4 or IPv6 address");
	diag_add(&d, DIAG_ERROR, "p.yaml", 10, 5, "'hosts[1].roles[0]': unknown role 'mastr'");
	diag_add(&d, DIAG_ERROR, "p.yaml", 3, 5, "'hosts[10].address': '1.2.3' is not an IPv4 or IPv6 address");
	diag_add(&d, DIAG_WARNING, "p.yaml", 4, 5, "'hosts[1].name': a warning is not in the way");
	diag_add(&d, DIAG_ERROR, "p.yaml", 2, 1, "'network': missing required key");
	assert_int_equal(form_init(&f, fields, NFIELDS, "hosts[1]."), 0);
	form_set_errors(&f, &d);
	assert_string_equal(f.fields[1].error, "'10.0.0.300' is not an IPv4 or IPv6 address");
	assert_string_equal(f.fields[3].error, "unknown role 'mastr'");
	assert_string_equal(f.fields[0].error, "");
	/* Another host's error and the project's are shown below the form. */
	assert_int_equal(f.nother, 2);
	assert_non_null(strstr(f.other[0], "hosts[10]"));
	form_set_errors(&f, NULL);
	assert_string_equal(f.fields[1].error, "");
	assert_int_equal(f.other_total, 0);
	form_release(&f);
	diag_list_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_and_apply),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_errors_at_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
