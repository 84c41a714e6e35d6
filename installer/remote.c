/* remote.c: stage, push, and run ansible-playbook on a deployer over one SSH connection. */
#include "remote.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "push.h"
#include "state.h"

struct remote_runner {
	struct ssh_conn *conn;       /* used by the engine's thread only */
	char datadir[PATH_MAX];      /* local: to map playbook paths */
	char run_dir[PATH_MAX];      /* on the deployer */
	char remote_key[PATH_MAX + 32]; /* the key's copy there, removed at the end */
	char control_dir[ANSIBLE_CONTROL_DIR_MAX]; /* ssh's sockets there; "" until made */
};

/* Runs ansible-playbook with the events on stdout and its log on stderr.
 * Paths come as arguments: nothing from the project reaches the script text. */
static const char run_script[] =
	"cd \"$1\" || exit 125\n"
	"export ANSIBLE_CONFIG=\"$1/ansible.cfg\" HNSP_EVENTS_FD=3 PYTHONUNBUFFERED=1 "
	"PYTHONDONTWRITEBYTECODE=1 ANSIBLE_NOCOLOR=1\n"
	"if [ \"${3:-}\" = become ]; then\n"
	/* The sudo password arrives on stdin and goes to Ansible through a FIFO:
	 * printf is a shell builtin, so it is in no argv and on no disk. */
	"  IFS= read -r pw; d=$(mktemp -d); mkfifo -m 600 \"$d/become\"\n"
	"  (printf '%s\\n' \"$pw\" >\"$d/become\"; rm -rf \"$d\") & pw=\n"
	"  exec ansible-playbook \"$2\" --become-password-file \"$d/become\" 3>&1 1>&2\n"
	"fi\n"
	"exec ansible-playbook \"$2\" 3>&1 1>&2\n";

/* The deployer's private directory for ssh's control sockets, like the local
 * runner's (ansible_control_dir_create): short, 0700, removed at the end. */
static int make_control_dir(struct remote_runner *rr, char *err, size_t errsize)
{
	const char *argv[] = {"mktemp", "-d", "/tmp/hnsp-cp-XXXXXX", NULL};
	struct ssh_exec_options o = {.timeout_ms = 30000, .max_output = 256};
	struct ssh_exec_result res;
	struct ssh_failure fail;
	size_t len;
	int r = HNSP_ERR_IO;

	if (ssh_conn_exec(rr->conn, argv, &o, &res, &fail) < 0) {
		snprintf(err, errsize, "remote runner: %s", fail.message);
		return r;
	}
	len = res.out ? strcspn(res.out, "\n") : 0;
	/* Exactly what mktemp was asked for: this path goes to rm -rf later. */
	if (res.exit_status == 0 && len == ANSIBLE_CONTROL_DIR_MAX - 1 &&
	    strncmp(res.out, argv[2], len - 6) == 0 && strcspn(res.out + len - 6, "/.") >= 6) {
		memcpy(rr->control_dir, res.out, len);
		rr->control_dir[len] = '\0';
		r = 0;
	} else {
		snprintf(err, errsize,
			 "remote runner: cannot create a directory for ssh's sockets in /tmp on "
			 "the deployer: %.*s",
			 res.err && res.err[0] ? (int)strcspn(res.err, "\n") : 30,
			 res.err && res.err[0] ? res.err : "mktemp answered nothing usable");
	}
	ssh_exec_result_release(&res);
	return r;
}

int remote_runner_open(const struct access *a, size_t host, const char *datadir,
		       const char *run_id, const struct project *p,
		       const struct catalog *cat, struct remote_runner **out, char *err,
		       size_t errsize)
{
	struct remote_runner *rr = calloc(1, sizeof(*rr));
	const char *name = a->endpoints[host].name;
	char stage[] = "/tmp/hnsp-stage-XXXXXX", key[64], kh[64], remote_data[PATH_MAX],
		remote_kh[PATH_MAX + 32], src[PATH_MAX + 16], dst[PATH_MAX + 16],
		remote_pki[PATH_MAX];
	const char *staged[] = {"id_key", "known_hosts", "inventory.json", "ansible.cfg"};
	bool staging = false;
	struct ssh_failure fail;
	struct ssh_exec_result res;
	struct ssh_exec_options check = {.timeout_ms = 30000};
	const char *which[] = {"sh", "-c", "command -v ansible-playbook", NULL};
	const char *subdirs[] = {"playbooks", "roles"};
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (rr == NULL)
		return r;
	snprintf(rr->datadir, sizeof(rr->datadir), "%s", datadir);
	snprintf(rr->run_dir, sizeof(rr->run_dir), "%s/runs/%s", REMOTE_BASE, run_id);
	snprintf(remote_data, sizeof(remote_data), "%s/data", REMOTE_BASE);
	snprintf(rr->remote_key, sizeof(rr->remote_key), "%s/id_key", rr->run_dir);
	snprintf(remote_kh, sizeof(remote_kh), "%s/known_hosts", rr->run_dir);
	snprintf(remote_pki, sizeof(remote_pki), "%s/pki/%s", REMOTE_BASE, p->name);
	if ((r = ssh_conn_open(&a->view, &a->endpoints[host], &rr->conn, &fail)) < 0) {
		snprintf(err, errsize, "remote runner: %s", fail.message);
		goto fail;
	}
	if (ssh_conn_exec(rr->conn, which, &check, &res, &fail) < 0 || res.exit_status != 0) {
		snprintf(err, errsize,
			 "remote runner: '%s' has no ansible-playbook; install Ansible there (from "
			 "the offline bundle) or use the local runner",
			 name);
		ssh_exec_result_release(&res);
		r = HNSP_ERR_NOTFOUND;
		goto fail;
	}
	ssh_exec_result_release(&res);
	if ((r = make_control_dir(rr, err, errsize)) < 0)
		goto fail;
	/* Stage, in a private directory outside the journal (the key is among
	 * them): generated files pointing at the deployer's paths, the key and
	 * known_hosts. */
	staging = mkdtemp(stage) != NULL;
	snprintf(key, sizeof(key), "%s/id_key", stage);
	snprintf(kh, sizeof(kh), "%s/known_hosts", stage);
	if (!staging || (a->key_file && journal_copy_file(a->key_file, key, 0600) < 0) ||
	    journal_copy_file(a->known_hosts, kh, 0600) < 0 ||
	    ansible_prepare(stage,
			    &(struct ansible_paths){rr->run_dir, remote_data,
						    a->key_file ? rr->remote_key : NULL, remote_kh,
						    remote_pki, rr->control_dir},
			    p, cat, a) < 0) {
		snprintf(err, errsize, "remote runner: cannot stage files in %s: %s", stage,
			 strerror(errno));
		r = HNSP_ERR_IO;
		goto fail;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/%s", datadir, subdirs[i]);
		snprintf(dst, sizeof(dst), "%s/%s", remote_data, subdirs[i]);
		if ((r = push_path(rr->conn, src, dst, NULL, NULL, &fail)) < 0) {
			snprintf(err, errsize, "remote runner: pushing %s: %s", subdirs[i],
				 fail.message);
			goto fail;
		}
	}
	if ((r = push_path(rr->conn, stage, rr->run_dir, NULL, NULL, &fail)) < 0) {
		snprintf(err, errsize, "remote runner: pushing the run's files: %s", fail.message);
		goto fail;
	}
	*out = rr;
	rr = NULL;
	r = 0;
fail:
	if (staging) {
		for (size_t i = 0; i < sizeof(staged) / sizeof(staged[0]); i++) {
			snprintf(src, sizeof(src), "%s/%s", stage, staged[i]);
			unlink(src);
		}
		rmdir(stage);
	}
	remote_runner_free(rr);
	return r;
}

struct stream {
	const struct ansible_run_options *o;
	FILE *log;
};

/* stdout carries events, stderr Ansible's human log. */
static void on_line(void *ctx, enum ssh_stream stream, const char *line, size_t len)
{
	struct stream *st = ctx;
	json_t *ev;

	if (stream == SSH_STDERR) {
		if (st->log) {
			fwrite(line, 1, len, st->log);
			fputc('\n', st->log);
		}
		return;
	}
	if ((ev = json_loadb(line, len, 0, NULL)) != NULL) {
		st->o->on_event(st->o->ctx, ev);
		json_decref(ev);
	}
}

enum ansible_outcome remote_runner_run(struct remote_runner *rr,
				       const struct ansible_run_options *o, int *exit_status)
{
	size_t dlen = strlen(rr->datadir);
	char playbook[PATH_MAX];
	int r;
	struct stream st = {.o = o, .log = fopen(o->log_path, "a")};
	/* Events with output tails run to kilobytes; the local runner takes 1 MiB too. */
	struct ssh_exec_options eo = {.max_output = 64 * 1024, .cancel = o->stop,
				      .max_line = 1u << 20, .on_line = on_line, .ctx = &st};
	struct ssh_exec_result res;
	struct ssh_failure fail;
	const char *argv[] = {"sh", "-c", run_script, "sh", rr->run_dir, playbook, NULL, NULL};
	char *input = NULL;
	enum ansible_outcome outcome;

	*exit_status = -1;
	/* The same playbook, under the deployer's copy of the data directory. */
	if (strncmp(o->playbook, rr->datadir, dlen) != 0) {
		if (st.log)
			fclose(st.log);
		return ANSIBLE_BROKEN;
	}
	snprintf(playbook, sizeof(playbook), "%s/data%s", REMOTE_BASE, o->playbook + dlen);
	if (o->become_password != NULL && asprintf(&input, "%s\n", o->become_password) >= 0) {
		argv[6] = "become";
		eo.input = input;
		eo.input_len = strlen(input);
	}
	r = ssh_conn_exec(rr->conn, argv, &eo, &res, &fail);
	if (input != NULL) {
		explicit_bzero(input, strlen(input));
		free(input);
	}
	if (r < 0) {
		if (st.log) {
			fprintf(st.log, "hnsp-installer: remote runner: %s\n", fail.message);
			fclose(st.log);
		}
		return o->stop && *o->stop ? ANSIBLE_INTERRUPTED : ANSIBLE_BROKEN;
	}
	*exit_status = res.exit_status;
	outcome = o->stop && *o->stop ? ANSIBLE_INTERRUPTED : ansible_outcome_of(res.exit_status);
	ssh_exec_result_release(&res);
	if (st.log)
		fclose(st.log);
	return outcome;
}

void remote_runner_free(struct remote_runner *rr)
{
	const char *rm[] = {"rm", "-f", NULL, NULL};
	struct ssh_exec_options o = {.timeout_ms = 30000};
	struct ssh_exec_result res;
	struct ssh_failure fail;

	if (rr == NULL)
		return;
	/* The key's copy on the deployer lives only as long as the run. */
	if (rr->conn != NULL && rr->remote_key[0] != '\0') {
		rm[2] = rr->remote_key;
		if (ssh_conn_exec(rr->conn, rm, &o, &res, &fail) == 0)
			ssh_exec_result_release(&res);
	}
	if (rr->conn != NULL && rr->control_dir[0] != '\0') {
		const char *rmdir[] = {"rm", "-rf", "--", rr->control_dir, NULL};
		if (ssh_conn_exec(rr->conn, rmdir, &o, &res, &fail) == 0)
			ssh_exec_result_release(&res);
	}
	ssh_conn_free(rr->conn);
	free(rr);
}
