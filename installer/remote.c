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
	char local_stage[PATH_MAX];  /* local_run_dir/remote */
	char run_dir[PATH_MAX];      /* on the deployer */
};

/* Runs ansible-playbook with the events on stdout and its log on stderr.
 * Paths come as arguments: nothing from the project reaches the script text. */
static const char run_script[] =
	"cd \"$1\" || exit 125\n"
	"export ANSIBLE_CONFIG=\"$1/ansible.cfg\" HNSP_EVENTS_FD=3 PYTHONUNBUFFERED=1 "
	"PYTHONDONTWRITEBYTECODE=1 ANSIBLE_NOCOLOR=1\n"
	"if [ -n \"${3:-}\" ]; then\n"
	"  ansible-playbook \"$2\" --become-password-file \"$3\" 3>&1 1>&2; rc=$?; rm -f \"$3\"\n"
	"  exit $rc\n"
	"fi\n"
	"exec ansible-playbook \"$2\" 3>&1 1>&2\n";

static int copy_file(const char *from, const char *to, mode_t mode)
{
	FILE *in = fopen(from, "rb");
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	char buf[65536];
	size_t n;
	int r;

	if (in == NULL || mem == NULL) {
		if (in)
			fclose(in);
		if (mem)
			fclose(mem);
		free(data);
		return HNSP_ERR_IO;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(in);
	fclose(mem);
	r = journal_write_atomic(to, data, len, mode);
	free(data);
	return r;
}

int remote_runner_open(const struct access *a, size_t host, const char *datadir,
		       const char *local_run_dir, const char *run_id, const struct project *p,
		       const struct catalog *cat, struct remote_runner **out, char *err,
		       size_t errsize)
{
	struct remote_runner *rr = calloc(1, sizeof(*rr));
	const char *name = a->endpoints[host].name;
	char key[PATH_MAX + 32], kh[PATH_MAX + 32], remote_data[PATH_MAX], remote_key[PATH_MAX + 32],
		remote_kh[PATH_MAX + 32], src[PATH_MAX + 16], dst[PATH_MAX + 16];
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
	snprintf(rr->local_stage, sizeof(rr->local_stage), "%s/remote", local_run_dir);
	snprintf(rr->run_dir, sizeof(rr->run_dir), "%s/runs/%s", REMOTE_BASE, run_id);
	snprintf(remote_data, sizeof(remote_data), "%s/data", REMOTE_BASE);
	snprintf(remote_key, sizeof(remote_key), "%s/id_key", rr->run_dir);
	snprintf(remote_kh, sizeof(remote_kh), "%s/known_hosts", rr->run_dir);
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
	/* Stage: generated files pointing at the deployer's paths, the key, known_hosts. */
	snprintf(key, sizeof(key), "%s/id_key", rr->local_stage);
	snprintf(kh, sizeof(kh), "%s/known_hosts", rr->local_stage);
	if (state_mkdirs(rr->local_stage, 0700) < 0 ||
	    (a->key_file && copy_file(a->key_file, key, 0600) < 0) ||
	    copy_file(a->known_hosts, kh, 0600) < 0 ||
	    ansible_prepare(rr->local_stage,
			    &(struct ansible_paths){rr->run_dir, remote_data,
						    a->key_file ? remote_key : NULL, remote_kh},
			    p, cat, a) < 0) {
		snprintf(err, errsize, "remote runner: cannot stage files in %s: %s",
			 rr->local_stage, strerror(errno));
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
	if ((r = push_path(rr->conn, rr->local_stage, rr->run_dir, NULL, NULL, &fail)) < 0) {
		snprintf(err, errsize, "remote runner: pushing the run's files: %s", fail.message);
		goto fail;
	}
	*out = rr;
	return 0;
fail:
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
	char playbook[PATH_MAX], pw_local[PATH_MAX + 16], pw_remote[PATH_MAX + 16];
	struct stream st = {.o = o, .log = fopen(o->log_path, "a")};
	struct ssh_exec_options eo = {.max_output = 64 * 1024, .cancel = o->stop,
				      .on_line = on_line, .ctx = &st};
	struct ssh_exec_result res;
	struct ssh_failure fail;
	const char *argv[] = {"sh", "-c", run_script, "sh", rr->run_dir, playbook, NULL, NULL};
	enum ansible_outcome outcome;

	*exit_status = -1;
	/* The same playbook, under the deployer's copy of the data directory. */
	if (strncmp(o->playbook, rr->datadir, dlen) != 0) {
		if (st.log)
			fclose(st.log);
		return ANSIBLE_BROKEN;
	}
	snprintf(playbook, sizeof(playbook), "%s/data%s", REMOTE_BASE, o->playbook + dlen);
	if (o->become_password != NULL) {
		snprintf(pw_local, sizeof(pw_local), "%s/.become", rr->local_stage);
		snprintf(pw_remote, sizeof(pw_remote), "%s/.become", rr->run_dir);
		if (journal_write_atomic(pw_local, o->become_password, strlen(o->become_password),
					 0600) == 0 &&
		    push_path(rr->conn, pw_local, pw_remote, NULL, NULL, &fail) == 0)
			argv[6] = pw_remote;
		unlink(pw_local);
	}
	if (ssh_conn_exec(rr->conn, argv, &eo, &res, &fail) < 0) {
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
	if (rr == NULL)
		return;
	ssh_conn_free(rr->conn);
	free(rr);
}
