/* remote.h: the remote runner: ansible-playbook on a deployer host.
 *
 * The operator's machine needs no Ansible: the playbooks, roles, generated
 * inventory and config, the SSH key and known_hosts are pushed (push.h) to
 * REMOTE_BASE on the deployer, ansible-playbook runs there over an exec
 * channel, and the events come back on its stdout, the same events as the
 * local runner's (its human log comes back on stderr, into the phase log).
 * The deployer needs ansible-playbook (from the offline bundle). */
#ifndef HNSP_REMOTE_H
#define HNSP_REMOTE_H

#include <stddef.h>

#include "access.h"
#include "ansible.h"
#include "catalog.h"
#include "project.h"

#define REMOTE_BASE "/var/lib/hnsp-installer"

struct remote_runner;

/* Connects to endpoint `host` of a, stages the run's files in a private
 * temporary directory and pushes them with the data directory.  err gets one
 * line for a person on failure.  Returns 0 or a negative HNSP_ERR_* code. */
int remote_runner_open(const struct access *a, size_t host, const char *datadir,
		       const char *run_id, const struct project *p,
		       const struct catalog *cat, struct remote_runner **out, char *err,
		       size_t errsize);

/* Runs o->playbook (a path under datadir) on the deployer, like ansible_run. */
enum ansible_outcome remote_runner_run(struct remote_runner *rr,
				       const struct ansible_run_options *o, int *exit_status);

void remote_runner_free(struct remote_runner *rr);

#endif
