/* progress.h: the command line's view of a run, drawn from engine events.
 *
 * On a terminal it keeps one live status line (phase k of N, a bar of tasks
 * done out of the expected total, the current task, result counts, elapsed
 * time and an estimate of what is left) above which finished phases, per-host
 * counts and failures scroll.  Elsewhere it prints plain lines.  The same
 * printer replays a journal for `runs log`. */
#ifndef HNSP_PROGRESS_H
#define HNSP_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct progress {
	FILE *out;
	bool live;            /* a terminal: redraw the status line */
	bool color;
	/* state of the running phase */
	long phase, phases_total;
	char component[64];
	char task[160];
	long tasks_done, tasks_total;
	long ok, changed, failed, unreachable, skipped;
	double run_started, phase_started;
	double estimates_ms[64];  /* per phase, from earlier runs; <0 unknown */
	size_t nestimates;
	bool status_shown;
};

void progress_init(struct progress *pr, FILE *out, bool live, bool color);
/* Draws what ev (borrowed) changes. */
void progress_event(struct progress *pr, const json_t *ev);
/* Clears the live line before other output. */
void progress_clear(struct progress *pr);

/* Prints a finished phase's failures: host, task, message, output tails, log. */
void progress_failures(FILE *out, const json_t *phase_end, bool color);

#endif
