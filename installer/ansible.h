/* ansible.h: Ansible as the engine's hands: generated files and one playbook run.
 *
 * ansible_prepare() writes, into a run directory, the inventory (hosts,
 * groups by role, host vars, project settings, component options with their
 * defaults, the project's role tunables; every string marked unsafe, so that
 * Ansible takes it as data and never templates it) and one ansible.cfg with the settings
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

/* Where things are when ansible-playbook runs: on this machine, or on the
 * deployer host of the remote runner.  Borrowed strings; key_file may be NULL. */
struct ansible_paths {
	const char *run_dir;      /* holds inventory.json, ansible.cfg, facts/ */
	const char *datadir;      /* holds playbooks/ and roles/ */
	const char *key_file;
	const char *known_hosts;
	const char *pki_dir;      /* the project CA and certificates (roles/pki) */
	/* ssh's ControlMaster sockets, private to the run (ANSIBLE_CONTROL_DIR_MAX
	 * long at most: a socket path has 108 bytes); NULL: the runner sets
	 * ANSIBLE_SSH_CONTROL_PATH_DIR itself. */
	const char *control_dir;
};

/* "/tmp/hnsp-cp-XXXXXX" and its NUL.  With Ansible's 10-character socket name
 * and ssh's 17-character temporary suffix, a socket path stays under 60 bytes,
 * far from the 108 that a unix socket's address holds. */
#define ANSIBLE_CONTROL_DIR_MAX 20

/* Creates a fresh 0700 directory for a run's ssh control sockets in /tmp
 * (short on purpose; never the shared ~/.ansible/cp, where another run or
 * user could reach our masters) and puts its path in dir.  Returns 0 or
 * HNSP_ERR_IO. */
int ansible_control_dir_create(char dir[ANSIBLE_CONTROL_DIR_MAX]);

/* Removes that directory and the sockets in it; dir "" does nothing. */
void ansible_control_dir_remove(const char *dir);

/* Writes inventory.json and ansible.cfg (generated, never edited by hand)
 * into out_dir, pointing at the paths in at.  A variable's value {secret:
 * NAME} becomes "{{ hnsp_secrets['NAME'] }}": the value itself comes at run
 * time with ansible_run_options.secret_vars, never into these files.  Returns 0, HNSP_ERR_IO or
 * HNSP_ERR_NOMEM. */
int ansible_prepare(const char *out_dir, const struct ansible_paths *at, const struct project *p,
		    const struct catalog *cat, const struct access *a);

struct ansible_run_options {
	const char *playbook;         /* absolute path */
	const char *log_path;         /* stdout and stderr of ansible-playbook, appended */
	const char *become_password;  /* given through a FIFO, never argv or disk; or NULL */
	const char *secret_vars;      /* extra vars as JSON text (a secret), or NULL: given
				       * in a 0600 file of a private directory, removed
				       * when the run ends */
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

/* The outcome that ansible-playbook's exit status means (both runners). */
enum ansible_outcome ansible_outcome_of(int exit_status);

/* Runs one playbook in run_dir.  Returns the outcome; *exit_status gets
 * ansible-playbook's exit status (or -signal). */
enum ansible_outcome ansible_run(const char *run_dir, const struct ansible_run_options *opts,
				 int *exit_status);

#endif
