/* tui.h: the interactive installer in the terminal (`hnsp-installer tui`).
 *
 * A peer of the command line over the same modules and the same journal:
 * pick or make a project, edit its hosts, components and settings (saved
 * only when the whole project is valid), run preflight, look at the plan,
 * apply it (as a child `apply` process, followed through the run journal)
 * with live progress, and verify; open earlier runs and replay them. */
#ifndef HNSP_TUI_H
#define HNSP_TUI_H

#include "catalog.h"

struct tui_config {
	const char *state_dir;          /* absolute; holds projects/ and runs/ */
	const char *datadir;            /* holds playbooks/ and inventory/examples/ */
	const struct catalog *catalog;  /* borrowed; outlives the TUI */
	const char *project;            /* a project file to open first, or NULL */
};

/* Runs the TUI on the terminal until the person quits.  ssh_init() must have
 * been called.  Returns the exit status: 0 after quitting (or detaching from
 * a run), 1 when ended by a signal or out of memory, 2 when there is no
 * terminal to run on or the project file cannot be read. */
int tui_run(const struct tui_config *cfg);

#endif
