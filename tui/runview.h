/* runview.h: a run as the TUI shows it, folded from the run's events.
 *
 * The same fold serves a live run (events read from the journal as apply
 * writes them) and a replay of a finished one: the phases with their state
 * and tasks done, the current phase's host x task matrix, every failure with
 * its root cause (host, task, message, output tails) and a log of what
 * happened.  No terminal here: the run screen draws from this.  Events are
 * docs/events.md's. */
#ifndef HNSP_TUI_RUNVIEW_H
#define HNSP_TUI_RUNVIEW_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define RUNVIEW_MAX_PHASES 64
#define RUNVIEW_MAX_HOSTS 256    /* hosts of a phase that get matrix cells */
#define RUNVIEW_MAX_TASKS 64     /* the newest tasks of the phase, for the matrix */
#define RUNVIEW_LOG_LINES 1000   /* the newest log lines */
#define RUNVIEW_MAX_FAILURES 200

enum runview_tone { TONE_PLAIN, TONE_DIM, TONE_GOOD, TONE_BAD };

struct runview_phase {
	char component[64];
	char status[16];         /* pending, running, succeeded, failed, interrupted, skipped */
	char note[96];           /* why it was skipped */
	long tasks_done;
	long tasks_total;        /* expected: the estimate, raised by each play's count */
	long duration_ms;
	double estimate_ms;      /* how long it took last time; < 0 unknown */
	double started;          /* Unix time of its phase_start */
};

/* A task of the current phase and each host's result for it: 0 none yet, or
 * 'o' ok, 'c' changed, 'f' failed, 'u' unreachable, 's' skipped, 'i' failed
 * and ignored.  A loop's several results keep the worst. */
struct runview_task {
	char name[160];
	char result[RUNVIEW_MAX_HOSTS];
};

struct runview_line {
	char *text;              /* owned */
	enum runview_tone tone;
};

struct runview {
	char id[128];
	char project[64];
	char status[16];         /* "" before run_start, "running", then run_end's status */
	bool resumed;
	double started, ended;   /* Unix times of run_start and run_end (0: not yet) */
	struct runview_phase phases[RUNVIEW_MAX_PHASES];
	size_t nphases;
	long current;            /* index of the phase running or last run; -1 none */
	/* the current phase */
	char hosts[RUNVIEW_MAX_HOSTS][64];
	size_t nhosts;           /* hosts with matrix rows */
	size_t hosts_total;      /* hosts of the phase */
	struct runview_task tasks[RUNVIEW_MAX_TASKS]; /* task k at [k % RUNVIEW_MAX_TASKS] */
	size_t ntasks;           /* tasks started in the phase */
	char task[160];          /* the task running */
	long ok, changed, failed, unreachable, skipped; /* results in the phase */
	/* failures of every phase, oldest first, as they happen (a failed or
	 * unreachable host_result) and as phase_end reports them, one per host
	 * and task: {phase, component, host, task, status, msg, ssh,
	 * stderr_tail, stdout_tail, log} */
	json_t *failures;        /* owned array */
	struct runview_line log[RUNVIEW_LOG_LINES]; /* line k at [k % RUNVIEW_LOG_LINES] */
	size_t nlog;             /* lines ever logged */
};

void runview_init(struct runview *rv);
void runview_release(struct runview *rv);
/* Folds one event (borrowed) into the view. */
void runview_event(struct runview *rv, const json_t *ev);
/* The line (a JSON event) as runview_event; lines that are not JSON are skipped. */
void runview_line(void *rv, const char *line);
bool runview_ended(const struct runview *rv);
/* Lines kept in the log, and line i of them (0 the oldest kept). */
size_t runview_log_count(const struct runview *rv);
const struct runview_line *runview_log_at(const struct runview *rv, size_t i);
/* Seconds the phases still to run took last time, less what the current one
 * has run (now: Unix time); < 0 when one of them never ran before. */
double runview_seconds_left(const struct runview *rv, double now);

#endif
