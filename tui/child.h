/* child.h: an apply run started from the TUI, as a child process.
 *
 * `hnsp-installer --state STATE apply PROJECT --yes --json [--resume]` runs
 * from this same binary in a session of its own (the terminal's Ctrl-C
 * never reaches it, and it outlives the TUI when the person detaches), with
 * stdin from /dev/null and stdout and stderr into an unlinked temporary
 * file.  That file gives the run_start event (the run's id and directory),
 * or, when apply ends before a run starts, its error; the journal has the
 * rest of the run. */
#ifndef HNSP_TUI_CHILD_H
#define HNSP_TUI_CHILD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct child {
	pid_t pid;               /* 0: none started */
	int out;                 /* the temporary file, read with pread; -1 when closed */
	off_t read_off;          /* how far it has been read */
	char run[128];           /* the run's id once run_start came, else "" */
	char dir[PATH_MAX];      /* the run's directory */
	bool exited;             /* reaped */
	int status;              /* its wait status, once exited */
	char said[1024];         /* the last lines it wrote that were not events */
};

void child_init(struct child *c);
/* Starts apply of project (resume: --resume).  Returns 0, HNSP_ERR_EXISTS
 * (one is alive) or HNSP_ERR_IO (errno set). */
int child_start(struct child *c, const char *state, const char *project, bool resume);
/* Reaps it when it ended and reads its output for run_start.  Returns true
 * when anything changed. */
bool child_poll(struct child *c);
bool child_alive(const struct child *c);
/* Asks the run to stop after its current task (SIGINT, as Ctrl-C would). */
void child_stop(const struct child *c);
/* Forgets the child; one still alive runs on. */
void child_release(struct child *c);

#endif
