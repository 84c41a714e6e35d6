/* test_journal.c: atomic writes from several threads of one process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"

#define WRITERS 8
#define ROUNDS 50

struct writer {
	const char *path;
	char text[4096];  /* one letter over and over: a torn file shows */
	int failures;
};

static void *write_often(void *arg)
{
	struct writer *w = arg;

	for (int i = 0; i < ROUNDS; i++)
		w->failures += journal_write_atomic(w->path, w->text, strlen(w->text), 0640) < 0;
	return NULL;
}

/* Threads share a pid: each still needs a temp file of its own, or one
 * renames the other's half-written file, or finds its own gone. */
static void test_threads_write_one_file(void **state)
{
	char dir[] = "/tmp/hnsp-journal-XXXXXX", path[64], text[4096 + 1] = "";
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	struct dirent *e;
	struct stat st;
	size_t n;
	FILE *f;
	DIR *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.path = path};
		memset(w[i].text, 'a' + i, sizeof(w[i].text) - 1);
		w[i].text[sizeof(w[i].text) - 1] = '\0';
		assert_int_equal(pthread_create(&t[i], NULL, write_often, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_int_equal(n, 4095);
	assert_int_equal(strspn(text, (char[]){text[0], '\0'}), 4095);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			assert_string_equal(e->d_name, "summary.json");
	closedir(d);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_write_one_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
