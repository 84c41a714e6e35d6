/* ansible.h: Ansible as the engine's hands: generated files and one playbook run.
 *
 * ansible_prepare() writes, into a run directory, the inventory (hosts,
 * groups by role, host vars, project settings, component options with their
 * defaults, ansible_vars passed through) and one ansible.cfg with the settings
 * that make runs fast and safe (pipelining, fact cache, forks, host keys as
 * the project says).  ansible_run() runs ansible-playbook for one playbook
 * with our callback plugin writing JSON events to a pipe, and hands each
 * event to the caller as it arrives.  Nothing is printed; the human log goes
 * to a file. */
#ifndef HNSP_ANSIBLE_H
#define HNSP_ANSIBLE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "access.h"
#include "catalog.h"
#include "project.h"

/* Writes inventory.json and ansible.cfg into run_dir (both generated, never
 * edited by hand).  Returns 0, HNSP_ERR_IO or HNSP_ERR_NOMEM. */
int ansible_prepare(const char *run_dir, const char *datadir, const struct project *p,
		    const struct catalog *cat, const struct access *a);

struct ansible_run_options {
	const char *playbook;         /* absolute path */
	const char *log_path;         /* stdout and stderr of ansible-playbook, appended */
	const char *become_password;  /* given through a 0600 file, never argv; or NULL */
	const volatile sig_atomic_t *stop; /* when it becomes non-zero the run is interrupted */
	/* Called for each event (borrowed, valid during the call). */
	void (*on_event)(void *ctx, json_t *event);
	void *ctx;
};

enum ansible_outcome {
	ANSIBLE_OK,          /* exit 0 */
	ANSIBLE_FAILED,      /* a task failed or a host was unreachable */
	ANSIBLE_INTERRUPTED, /* stopped through opts->stop */
	ANSIBLE_BROKEN       /* could not start, or died without finishing */
};

/* Runs one playbook in run_dir.  Returns the outcome; *exit_status gets
 * ansible-playbook's exit status (or -signal). */
enum ansible_outcome ansible_run(const char *run_dir, const struct ansible_run_options *opts,
				 int *exit_status);

#endif
