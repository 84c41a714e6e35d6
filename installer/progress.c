/* progress.c: render engine events as a live status line or plain lines. */
#include "progress.h"

#include <string.h>
#include <sys/time.h>

#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define GREEN "\033[1;32m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static const char *paint(bool on, const char *code)
{
	return on ? code : "";
}

static const char *str(const json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s ? s : "";
}

/* Text from hosts, made safe for a terminal: control bytes (escape
 * sequences could retitle or rewrite it) become '?'.  Returns buf. */
static const char *safe(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++, n++)
		buf[n] = ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f
				 ? '?'
				 : *s;
	buf[n] = '\0';
	return buf;
}

static long num(const json_t *ev, const char *key)
{
	return (long)json_integer_value(json_object_get(ev, key));
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void clock_text(double seconds, char *buf, size_t size)
{
	long s = seconds < 0 ? 0 : (long)(seconds + 0.5);

	snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

void progress_init(struct progress *pr, FILE *out, bool live, bool color)
{
	memset(pr, 0, sizeof(*pr));
	pr->out = out;
	pr->live = live;
	pr->color = color;
}

/* Seconds left: the rest of this phase and every later one, as they took
 * last time; negative when any of them never ran before. */
static double seconds_left(const struct progress *pr)
{
	double left = 0, in_phase = now_s() - pr->phase_started;

	for (size_t i = (size_t)(pr->phase > 0 ? pr->phase - 1 : 0); i < pr->nestimates; i++) {
		double est = pr->estimates_ms[i] / 1000.0;
		if (pr->estimates_ms[i] < 0)
			return -1;
		if ((long)i == pr->phase - 1)
			est = est > in_phase ? est - in_phase : 0;
		left += est;
	}
	return pr->nestimates ? left : -1;
}

void progress_clear(struct progress *pr)
{
	if (pr->live && pr->status_shown) {
		fputs("\r\033[K", pr->out);
		pr->status_shown = false;
	}
}

static void status_line(struct progress *pr)
{
	char bar[21], elapsed[48], left[80] = "";
	long total = pr->tasks_total > pr->tasks_done ? pr->tasks_total : pr->tasks_done;
	int fill = total > 0 ? (int)(20 * pr->tasks_done / total) : 0;
	double run_s = now_s() - pr->run_started;

	if (!pr->live)
		return;
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[20] = '\0';
	clock_text(run_s, elapsed, sizeof(elapsed));
	if (seconds_left(pr) >= 0) {
		char t[48];
		clock_text(seconds_left(pr), t, sizeof(t));
		snprintf(left, sizeof(left), ", ~%s left", t);
	}
	fprintf(pr->out, "\r\033[K%s[%ld/%ld] %s%s [%s] %ld/%ld%s %.40s %s| ok %ld changed %ld %sfailed %ld unreachable %ld%s | %s%s",
		paint(pr->color, BOLD), pr->phase, pr->phases_total, pr->component,
		paint(pr->color, RESET), bar, pr->tasks_done, total,
		total == pr->tasks_total ? "" : "?", pr->task, paint(pr->color, DIM), pr->ok,
		pr->changed, pr->failed || pr->unreachable ? paint(pr->color, RED) : "", pr->failed,
		pr->unreachable, paint(pr->color, RESET), elapsed, left);
	pr->status_shown = true;
	fflush(pr->out);
}

/* Prints the last `want` lines of s, indented, under label. */
static void print_tail(FILE *out, const char *label, const char *s, int want)
{
	size_t len = strlen(s);
	const char *start;
	int lines = 0;

	while (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0)
		return;
	start = s + len;
	while (start > s && lines < want)
		if (*--start == '\n' && ++lines == want)
			start++;
	fprintf(out, "    %s%s\n", label, start > s ? " (last lines)" : "");
	while (start < s + len) {
		const char *nl = memchr(start, '\n', (size_t)(s + len - start));
		size_t n = nl ? (size_t)(nl - start) : (size_t)(s + len - start);
		fprintf(out, "      %.*s\n", (int)n, start);
		start += n + 1;
	}
}

void progress_failures(FILE *out, const json_t *phase_end, bool color)
{
	const json_t *failures = json_object_get(phase_end, "failures"), *f;
	char text[8192];
	size_t i;

	json_array_foreach(failures, i, f)
	{
		fprintf(out, "  %s%s%s %s%s%s: %s\n", paint(color, BOLD), str(f, "host"),
			paint(color, RESET), paint(color, RED),
			str(f, "status")[0] ? str(f, "status") : "failed", paint(color, RESET),
			str(f, "task"));
		fprintf(out, "    %s\n", safe(str(f, "msg"), text, sizeof(text)));
		if (str(f, "ssh")[0])
			fprintf(out, "    ssh: %s\n", str(f, "ssh"));
		print_tail(out, "stderr:", safe(str(f, "stderr_tail"), text, sizeof(text)), 5);
		print_tail(out, "stdout:", safe(str(f, "stdout_tail"), text, sizeof(text)), 5);
	}
	if (str(phase_end, "log")[0])
		fprintf(out, "  full log: %s\n", str(phase_end, "log"));
}

void progress_event(struct progress *pr, const json_t *ev)
{
	const char *type = str(ev, "event");
	bool c = pr->color;

	if (strcmp(type, "run_start") == 0) {
		const json_t *est = json_object_get(ev, "estimates_ms"), *v;
		size_t i;
		pr->run_started = json_real_value(json_object_get(ev, "ts"));
		pr->nestimates = 0;
		json_array_foreach(est, i, v) if (i < 64) pr->estimates_ms[pr->nestimates++] =
			json_is_integer(v) ? (double)json_integer_value(v) : -1;
		progress_clear(pr);
		fprintf(pr->out, "%srun %s%s: %zu phases%s\n", paint(c, BOLD), str(ev, "run"),
			paint(c, RESET), json_array_size(json_object_get(ev, "phases")),
			json_is_true(json_object_get(ev, "resumed")) ? " (resumed)" : "");
	} else if (strcmp(type, "phase_start") == 0) {
		pr->phase = num(ev, "phase");
		pr->phases_total = num(ev, "phases_total");
		snprintf(pr->component, sizeof(pr->component), "%s", str(ev, "component"));
		pr->task[0] = '\0';
		pr->tasks_done = 0;
		pr->tasks_total = num(ev, "tasks_estimate");
		pr->ok = pr->changed = pr->failed = pr->unreachable = pr->skipped = 0;
		pr->phase_started = json_real_value(json_object_get(ev, "ts"));
		progress_clear(pr);
		if (!pr->live)
			fprintf(pr->out, "phase %ld/%ld %s: started on %zu hosts\n", pr->phase,
				pr->phases_total, pr->component,
				json_array_size(json_object_get(ev, "hosts")));
		status_line(pr);
	} else if (strcmp(type, "phase_skip") == 0) {
		progress_clear(pr);
		fprintf(pr->out, "%sphase %ld %s: skipped, %s%s\n", paint(c, DIM), num(ev, "phase"),
			str(ev, "component"), str(ev, "reason"), paint(c, RESET));
	} else if (strcmp(type, "play_start") == 0) {
		if (num(ev, "tasks_total") > 0 && pr->tasks_total < pr->tasks_done + num(ev, "tasks_total"))
			pr->tasks_total = pr->tasks_done + num(ev, "tasks_total");
		status_line(pr);
	} else if (strcmp(type, "task_start") == 0) {
		pr->tasks_done++;
		snprintf(pr->task, sizeof(pr->task), "%s", str(ev, "task"));
		if (!pr->live)
			fprintf(pr->out, "  task %ld: %s\n", pr->tasks_done, pr->task);
		status_line(pr);
	} else if (strcmp(type, "host_result") == 0) {
		const char *s = str(ev, "status");
		long *counter = strcmp(s, "ok") == 0	       ? &pr->ok
				: strcmp(s, "changed") == 0     ? &pr->changed
				: strcmp(s, "failed") == 0      ? &pr->failed
				: strcmp(s, "unreachable") == 0 ? &pr->unreachable
								: &pr->skipped;
		(*counter)++;
		if ((strcmp(s, "failed") == 0 || strcmp(s, "unreachable") == 0) &&
		    !json_is_true(json_object_get(ev, "ignored"))) {
			progress_clear(pr);
			char text[256];
			fprintf(pr->out, "  %s%s %s%s: %s: %s\n", paint(c, RED), str(ev, "host"), s,
				paint(c, RESET), str(ev, "task"),
				safe(str(ev, "msg"), text, sizeof(text)));
		}
		status_line(pr);
	} else if (strcmp(type, "phase_end") == 0) {
		const char *st = str(ev, "status");
		const json_t *results = json_object_get(ev, "results"), *h;
		const char *host;
		bool good = strcmp(st, "succeeded") == 0;
		progress_clear(pr);
		fprintf(pr->out, "%sphase %ld/%ld %s: %s%s in %.1f s\n", paint(c, good ? GREEN : RED),
			num(ev, "phase"), pr->phases_total, str(ev, "component"), st,
			paint(c, RESET), (double)num(ev, "duration_ms") / 1000.0);
		json_object_foreach((json_t *)results, host, h)
			fprintf(pr->out, "  %-16s ok=%-3ld changed=%-3ld failed=%-3ld unreachable=%-3ld skipped=%ld\n",
				host, num(h, "ok"), num(h, "changed"), num(h, "failed"),
				num(h, "unreachable"), num(h, "skipped"));
		if (!good) {
			fprintf(pr->out, "%swhat failed%s\n", paint(c, BOLD), paint(c, RESET));
			progress_failures(pr->out, ev, c);
		}
	} else if (strcmp(type, "run_end") == 0) {
		char t[48];
		clock_text((double)num(ev, "duration_ms") / 1000.0, t, sizeof(t));
		progress_clear(pr);
		fprintf(pr->out, "%srun %s: %s%s in %s; journal: %s\n", paint(c, BOLD), str(ev, "run"),
			str(ev, "status"), paint(c, RESET), t, str(ev, "dir"));
	}
	fflush(pr->out);
}
