/* test_suggest.c: "did you mean" by edit distance. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "suggest.h"

static const char *const keys[] = {"name", "ssh", "hosts", "network", "components",
				   "artefacts", "ansible_vars"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void test_typos(void **state)
{
	(void)state;
	assert_string_equal(suggest_closest("hots", keys, NKEYS), "hosts");      /* deletion */
	assert_string_equal(suggest_closest("hostss", keys, NKEYS), "hosts");    /* insertion */
	assert_string_equal(suggest_closest("netwerk", keys, NKEYS), "network"); /* substitution */
	assert_string_equal(suggest_closest("nmae", keys, NKEYS), "name");       /* transposition */
	assert_string_equal(suggest_closest("component", keys, NKEYS), "components");
	assert_string_equal(suggest_closest("ansible-vars", keys, NKEYS), "ansible_vars");
	assert_string_equal(suggest_closest("Artefacts", keys, NKEYS), "artefacts");
}

static void test_exact_match(void **state)
{
	const char *got = suggest_closest("ssh", keys, NKEYS);

	(void)state;
	/* Returns the candidate itself (borrowed), not a copy. */
	assert_ptr_equal(got, keys[1]);
}

static void test_nothing_close(void **state)
{
	(void)state;
	assert_null(suggest_closest("xyz", keys, NKEYS));
	assert_null(suggest_closest("kubernetes", keys, NKEYS));
	assert_null(suggest_closest("completely-unrelated-key", keys, NKEYS));
	assert_null(suggest_closest("hosts", keys, 0));
}

static void test_threshold(void **state)
{
	static const char *const one[] = {"abcdefghi"};

	(void)state;
	/* Short words allow 2 edits. */
	assert_string_equal(suggest_closest("hxsts", keys, NKEYS), "hosts");
	assert_string_equal(suggest_closest("hxxts", keys, NKEYS), "hosts");
	assert_null(suggest_closest("hxxxs", keys, NKEYS));
	/* Longer words allow a third of their length: 9 letters, 3 edits. */
	assert_string_equal(suggest_closest("abcdefxxx", one, 1), "abcdefghi");
	assert_null(suggest_closest("abcdexxxx", one, 1));
}

static void test_first_of_equals(void **state)
{
	static const char *const c[] = {"port", "part", "fort"};

	(void)state;
	/* "pxrt" is one edit from "port" and "part": the first in the table wins. */
	assert_string_equal(suggest_closest("pxrt", c, 3), "port");
}

static void test_long_words(void **state)
{
	char word[200];
	const char *cand[1];

	(void)state;
	/* Past the distance buffer the word matches nothing, and nothing overflows. */
	memset(word, 'a', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	cand[0] = word;
	assert_null(suggest_closest(word, cand, 1));
	assert_null(suggest_closest("hosts", cand, 1));
	/* 64 characters is still within it. */
	word[64] = '\0';
	assert_ptr_equal(suggest_closest(word, cand, 1), word);
}

static void test_empty_word(void **state)
{
	static const char *const c[] = {"ab", "abcdef"};

	(void)state;
	assert_string_equal(suggest_closest("", c, 2), "ab");
	assert_null(suggest_closest("", keys, NKEYS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typos),          cmocka_unit_test(test_exact_match),
		cmocka_unit_test(test_nothing_close),  cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_first_of_equals), cmocka_unit_test(test_long_words),
		cmocka_unit_test(test_empty_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
