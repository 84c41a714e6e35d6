/* test_runview.c: a run's events folded into what the TUI's run screen shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runview.h"

static void feed(struct runview *rv, const char *const *lines)
{
	for (; *lines; lines++)
		runview_line(rv, *lines);
}

/* True when a kept log line has needle in it. */
static bool logged(const struct runview *rv, const char *needle)
{
	for (size_t i = 0; i < runview_log_count(rv); i++)
		if (strstr(runview_log_at(rv, i)->text, needle) != NULL)
			return true;
	return false;
}

static const char *const failed_run[] = {
	"{\"event\":\"run_start\",\"run\":\"r1\",\"project\":\"lab\",\"resumed\":false,"
	"\"phases\":[\"artefacts\",\"base\"],\"estimates_ms\":[1000,null],\"dir\":\"/x\",\"ts\":100.0}",
	"{\"event\":\"phase_start\",\"phase\":1,\"phases_total\":2,\"component\":\"artefacts\","
	"\"hosts\":[\"a\",\"b\"],\"tasks_estimate\":1,\"ts\":101.0}",
	"{\"event\":\"play_start\",\"play\":\"p\",\"tasks_total\":3,\"ts\":101.5}",
	"{\"event\":\"task_start\",\"task\":\"t1\",\"index\":1,\"ts\":102.0}",
	"{\"event\":\"host_result\",\"host\":\"a\",\"task\":\"t1\",\"status\":\"ok\",\"ts\":102.1}",
	"{\"event\":\"host_result\",\"host\":\"b\",\"task\":\"t1\",\"status\":\"changed\",\"ts\":102.2}",
	"{\"event\":\"task_start\",\"task\":\"t2\",\"index\":2,\"ts\":103.0}",
	"{\"event\":\"host_result\",\"host\":\"a\",\"task\":\"t2\",\"status\":\"ok\",\"ts\":103.1}",
	"{\"event\":\"host_result\",\"host\":\"a\",\"task\":\"t2\",\"status\":\"failed\",\"msg\":\"boom\",\"ts\":103.2}",
	"{\"event\":\"host_result\",\"host\":\"a\",\"task\":\"t2\",\"status\":\"ok\",\"ts\":103.3}",
	"{\"event\":\"host_result\",\"host\":\"b\",\"task\":\"t2\",\"status\":\"skipped\",\"ts\":103.4}",
	"{\"event\":\"handler_start\",\"task\":\"h\",\"ts\":103.5}",
	"{\"event\":\"phase_end\",\"phase\":1,\"component\":\"artefacts\",\"status\":\"failed\","
	"\"duration_ms\":3000,\"results\":{\"a\":{\"ok\":1,\"failed\":1}},\"failures\":[{\"host\":\"a\","
	"\"task\":\"t2\",\"status\":\"failed\",\"msg\":\"boom\",\"stderr_tail\":\"x\\ny\"}],"
	"\"log\":\"/x/phase-01-artefacts.log\",\"ts\":104.0}",
	"{\"event\":\"run_end\",\"run\":\"r1\",\"status\":\"failed\",\"duration_ms\":4000,\"dir\":\"/x\",\"ts\":104.5}",
	NULL};

static void test_failed_run(void **state)
{
	struct runview rv;
	const json_t *f;

	(void)state;
	runview_init(&rv);
	feed(&rv, failed_run);
	assert_string_equal(rv.id, "r1");
	assert_string_equal(rv.status, "failed");
	assert_true(runview_ended(&rv));
	assert_int_equal(rv.nphases, 2);
	assert_string_equal(rv.phases[0].status, "failed");
	assert_string_equal(rv.phases[1].status, "pending");
	/* The play's count raises the estimate; a handler is not counted. */
	assert_int_equal(rv.phases[0].tasks_done, 2);
	assert_int_equal(rv.phases[0].tasks_total, 3);
	assert_int_equal(rv.phases[0].duration_ms, 3000);
	/* The matrix: a loop's results keep the worst; handlers get a column. */
	assert_int_equal(rv.nhosts, 2);
	assert_int_equal(rv.ntasks, 3);
	assert_int_equal(rv.tasks[0].result[0], 'o');
	assert_int_equal(rv.tasks[0].result[1], 'c');
	assert_int_equal(rv.tasks[1].result[0], 'f');
	assert_int_equal(rv.tasks[1].result[1], 's');
	assert_string_equal(rv.tasks[2].name, "handler: h");
	assert_int_equal(rv.failed, 1);
	/* The root cause, with where it happened: the result as it came and the
	 * phase's report of it are one failure. */
	assert_int_equal(json_array_size(rv.failures), 1);
	f = json_array_get(rv.failures, 0);
	assert_string_equal(json_string_value(json_object_get(f, "msg")), "boom");
	assert_string_equal(json_string_value(json_object_get(f, "stderr_tail")), "x\ny");
	assert_string_equal(json_string_value(json_object_get(f, "host")), "a");
	assert_string_equal(json_string_value(json_object_get(f, "component")), "artefacts");
	assert_int_equal(json_integer_value(json_object_get(f, "phase")), 1);
	assert_string_equal(json_string_value(json_object_get(f, "log")), "/x/phase-01-artefacts.log");
	assert_true(logged(&rv, "a failed: t2: boom"));
	assert_true(logged(&rv, "phase 1 artefacts: failed in 3.0 s"));
	assert_true(logged(&rv, "run r1: failed in 0:04"));
	runview_release(&rv);
}

static void test_resumed_run(void **state)
{
	static const char *const resumed[] = {
		"{\"event\":\"run_start\",\"run\":\"r1\",\"project\":\"lab\",\"resumed\":true,"
		"\"phases\":[\"artefacts\",\"base\"],\"estimates_ms\":[1000,2000],\"ts\":200.0}",
		"{\"event\":\"phase_skip\",\"phase\":1,\"component\":\"artefacts\","
		"\"reason\":\"completed earlier in this run\",\"ts\":200.1}",
		"{\"event\":\"phase_start\",\"phase\":2,\"phases_total\":2,\"component\":\"base\","
		"\"hosts\":[\"a\"],\"tasks_estimate\":4,\"ts\":201.0}",
		NULL};
	struct runview rv;

	(void)state;
	runview_init(&rv);
	feed(&rv, failed_run);
	/* The same journal goes on: the attempt before is over and done with. */
	feed(&rv, resumed);
	assert_false(runview_ended(&rv));
	assert_string_equal(rv.status, "running");
	assert_true(rv.resumed);
	assert_int_equal(json_array_size(rv.failures), 0);
	assert_string_equal(rv.phases[0].status, "succeeded");
	assert_string_equal(rv.phases[0].note, "completed earlier in this run");
	assert_string_equal(rv.phases[1].status, "running");
	assert_int_equal(rv.current, 1);
	assert_int_equal(rv.ntasks, 0);
	/* 2 s of base left, less the 0.5 s it has run. */
	assert_true(runview_seconds_left(&rv, 201.5) > 1.49 && runview_seconds_left(&rv, 201.5) < 1.51);
	runview_release(&rv);
}

static void test_unknown_estimate_and_junk(void **state)
{
	struct runview rv;

	(void)state;
	runview_init(&rv);
	runview_line(&rv, "not json");
	runview_line(&rv, "{\"event\":\"host_result\",\"host\":\"a\",\"status\":\"ok\"}");
	runview_line(&rv, "{\"event\":\"phase_start\",\"phase\":99999}");
	feed(&rv, failed_run);
	assert_true(runview_seconds_left(&rv, 104.0) < 0); /* base never ran before */
	runview_release(&rv);
}

static void test_log_keeps_the_newest(void **state)
{
	struct runview rv;
	char line[128];

	(void)state;
	runview_init(&rv);
	for (int i = 0; i < RUNVIEW_LOG_LINES + 10; i++) {
		snprintf(line, sizeof(line), "{\"event\":\"task_start\",\"task\":\"t%d\"}", i);
		runview_line(&rv, line);
	}
	assert_int_equal(runview_log_count(&rv), 0); /* no phase: tasks are not logged */
	runview_line(&rv, "{\"event\":\"phase_start\",\"phase\":1,\"component\":\"c\",\"hosts\":[]}");
	for (int i = 0; i < RUNVIEW_LOG_LINES + 10; i++) {
		snprintf(line, sizeof(line), "{\"event\":\"task_start\",\"task\":\"t%d\"}", i);
		runview_line(&rv, line);
	}
	assert_int_equal(runview_log_count(&rv), RUNVIEW_LOG_LINES);
	snprintf(line, sizeof(line), "task %d: t%d", RUNVIEW_LOG_LINES + 10, RUNVIEW_LOG_LINES + 9);
	assert_non_null(strstr(runview_log_at(&rv, RUNVIEW_LOG_LINES - 1)->text, line));
	runview_release(&rv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_run),
		cmocka_unit_test(test_resumed_run),
		cmocka_unit_test(test_unknown_estimate_and_junk),
		cmocka_unit_test(test_log_keeps_the_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
