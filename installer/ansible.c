/* ansible.c: generate the inventory and config, run ansible-playbook, read its events. */
#include "ansible.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "error.h"
#include "journal.h"
#include "secrets.h"

#define EVENT_LINE_MAX (1u << 20) /* one event line, at most */

/* components: {id: {option: value}} for every component the project needs,
 * defaults from the catalog overridden by the project file. */
static json_t *components_json(const struct project *p, const struct catalog *cat)
{
	size_t *needed_by = calloc(cat->components.n + 1, sizeof(*needed_by));
	json_t *all = json_object();

	if (needed_by == NULL || all == NULL) {
		free(needed_by);
		json_decref(all);
		return NULL;
	}
	project_needs(p, cat, needed_by);
	for (size_t i = 0; i < cat->components.n; i++) {
		const struct component *c = COMPONENT_AT(cat, i);
		const struct project_component *pc = project_component(p, c->id);
		json_t *opts;
		if (needed_by[i] == NEED_NONE || (opts = json_object()) == NULL)
			continue;
		for (size_t k = 0; k < c->options.n; k++) {
			const struct catalog_option *o = OBJLIST_AT(&c->options, struct catalog_option, k);
			const struct ynode *v = pc ? ynode_get(pc->options, o->name) : NULL;
			json_object_set_new(opts, o->name, ynode_to_json(v ? v : o->def));
		}
		json_object_set_new(all, c->id, opts);
	}
	free(needed_by);
	return all;
}

/* Makes every string inside container j data for Ansible: {"__ansible_unsafe": s},
 * which its JSON loader turns into text that it never templates, so that no
 * value from a project ({{ lookup('pipe', ...) }}) is ever evaluated. */
static void mark_unsafe(json_t *j)
{
	size_t i;
	json_t *v;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (json_is_string(v))
				json_array_set_new(j, i, json_pack("{s:O}", "__ansible_unsafe", v));
			else
				mark_unsafe(v);
		}
		return;
	}
	for (void *it = json_object_iter(j); it != NULL; it = json_object_iter_next(j, it)) {
		v = json_object_iter_value(it);
		if (json_is_string(v))
			json_object_iter_set_new(j, it, json_pack("{s:O}", "__ansible_unsafe", v));
		else
			mark_unsafe(v);
	}
}

static json_t *inventory_json(const struct project *p, const struct catalog *cat,
			      const struct access *a, const struct ansible_paths *at)
{
	const struct network_settings *net = &p->network;
	json_t *hosts = json_object(), *groups = json_object(), *vars, *pools = json_array();

	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		json_t *hv = h->vars ? ynode_to_json(h->vars) : json_object();
		/* Debian's own: no interpreter discovery per host in every phase. */
		json_object_set_new(hv, "ansible_python_interpreter",
				    json_string("/usr/bin/python3"));
		json_object_set_new(hv, "ansible_host", json_string(h->address));
		json_object_set_new(hv, "ansible_port", json_integer(a->endpoints[i].port));
		json_object_set_new(hv, "ansible_user", json_string(a->endpoints[i].user));
		json_object_set_new(hv, "hnsp_roles", strlist_to_json(&h->roles));
		json_object_set_new(hv, "hnsp_storage_devices", strlist_to_json(&h->storage_devices));
		json_object_set_new(hv, "hnsp_labels", h->labels ? ynode_to_json(h->labels) : json_object());
		json_object_set_new(hosts, h->name, hv);
		for (size_t r = 0; r < h->roles.n; r++) {
			json_t *g = json_object_get(groups, h->roles.v[r]);
			if (g == NULL) {
				g = json_pack("{s:{}}", "hosts");
				json_object_set_new(groups, h->roles.v[r], g);
			}
			json_object_set_new(json_object_get(g, "hosts"), h->name, json_object());
		}
	}
	for (size_t i = 0; i < net->metallb_pools.n; i++) {
		const struct metallb_pool *pool = OBJLIST_AT(&net->metallb_pools, struct metallb_pool, i);
		json_array_append_new(pools, json_pack("{s:s, s:o}", "name", pool->name, "addresses",
						       strlist_to_json(&pool->addresses)));
	}
	/* ansible_vars first: a project's tunables never share a name with the
	 * installer's own (project_load refuses ansible_* and hnsp_*). */
	vars = p->ansible_vars ? ynode_to_json(p->ansible_vars) : json_object();
	json_object_set_new(vars, "hnsp_project", json_string(p->name));
	json_object_set_new(vars, "hnsp_network",
			    json_pack("{s:o, s:s?, s:I, s:I, s:s, s:s, s:o, s:{s:s, s:I, s:I}}",
				      "host_cidrs", strlist_to_json(&net->host_cidrs), "api_vip",
				      net->api_vip, "api_port", (json_int_t)net->api_port,
				      "apiserver_port", (json_int_t)net->apiserver_port, "pod_cidr",
				      net->pod_cidr, "service_cidr", net->service_cidr,
				      "metallb_pools", pools, "ingress", "class",
				      net->ingress.class_name, "http_port",
				      (json_int_t)net->ingress.http_port, "https_port",
				      (json_int_t)net->ingress.https_port));
	json_object_set_new(vars, "hnsp_components", components_json(p, cat));
	json_object_set_new(vars, "hnsp_artefacts",
			    json_pack("{s:s, s:s?}", "source",
				      p->artefacts.source == ARTEFACTS_OFFLINE ? "offline" : "online",
				      "bundle", p->artefacts.bundle));
	json_object_set_new(vars, "hnsp_become", json_boolean(p->ssh.become));
	json_object_set_new(vars, "hnsp_bundle_dir", json_string(BUNDLE_REMOTE_DIR));
	json_object_set_new(vars, "hnsp_pki_dir", json_string(at->pki_dir));
	return json_pack("{s:{s:o, s:o, s:o}}", "all", "hosts", hosts, "children", groups, "vars",
			 vars);
}

/* NAME when v is a reference {"secret": NAME} (NAME maybe marked unsafe
 * already), else NULL.  The names were checked when the project was read. */
static const char *secret_ref(const json_t *v)
{
	const json_t *name = json_object_size(v) == 1 ? json_object_get(v, "secret") : NULL;
	const char *s;

	if (json_object_size(name) == 1)
		name = json_object_get(name, "__ansible_unsafe");
	s = json_string_value(name);
	return s != NULL && secret_name_valid(s) ? s : NULL;
}

/* A template for reference v, or NULL when v is none. */
static json_t *secret_template(const json_t *v)
{
	char tpl[SECRET_NAME_MAX + 32];

	if (secret_ref(v) == NULL)
		return NULL;
	snprintf(tpl, sizeof(tpl), "{{ hnsp_secrets['%s'] }}", secret_ref(v));
	return json_string(tpl);
}

/* Replaces every reference under v by a template that reads the value from
 * the extra vars that ansible_run gives (secret_vars). */
static void link_secrets(json_t *v)
{
	const char *key;
	json_t *item, *tpl;
	size_t i;

	json_object_foreach(v, key, item) {
		if ((tpl = secret_template(item)) != NULL)
			json_object_set_new(v, key, tpl);
		else
			link_secrets(item);
	}
	json_array_foreach(v, i, item) {
		if ((tpl = secret_template(item)) != NULL)
			json_array_set_new(v, i, tpl);
		else
			link_secrets(item);
	}
}

static const char *const strict_option[] = {
	[SSH_HOSTKEY_STRICT] = "yes", [SSH_HOSTKEY_ACCEPT_NEW] = "accept-new",
	[SSH_HOSTKEY_OFF] = "no"};

int ansible_prepare(const char *out_dir, const struct ansible_paths *at, const struct project *p,
		    const struct catalog *cat, const struct access *a)
{
	char path[PATH_MAX], *cfg = NULL, jump[PATH_MAX * 2 + 512] = "";
	json_t *inv = inventory_json(p, cat, a, at);
	char *text = NULL;
	int r = HNSP_ERR_NOMEM;

	if (inv == NULL)
		goto out;
	/* Every project string as data first; then the secrets' references,
	 * which must stay templates, replace their unsafe names. */
	mark_unsafe(inv);
	link_secrets(inv);
	if ((text = json_dumps(inv, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/inventory.json", out_dir);
	if ((r = journal_write_atomic(path, text, strlen(text), 0600)) < 0)
		goto out;
	/* ProxyJump would start its own ssh without our known_hosts and policy:
	 * spell the hop out with them. */
	if (a->view.jump != NULL)
		snprintf(jump, sizeof(jump),
			 " -o ProxyCommand=\"ssh -W [%%%%h]:%%%%p -q -o BatchMode=yes "
			 "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=%s%s%s -p %d -l %s %s\"",
			 at->known_hosts, strict_option[p->ssh.host_key_policy],
			 at->key_file ? " -i " : "", at->key_file ? at->key_file : "", a->jump.port,
			 a->jump.user, a->jump.address);
	if (asprintf(&cfg,
		     "# Generated by hnsp-installer for this run; never edited by hand.\n"
		     "[defaults]\n"
		     "inventory = %s/inventory.json\n"
		     "roles_path = %s/roles\n"
		     "callback_plugins = %s/playbooks/callback_plugins\n"
		     "callbacks_enabled = hnsp_events\n"
		     "stdout_callback = default\n"
		     "forks = %ld\n"
		     "timeout = %ld\n"
		     "host_key_checking = %s\n"
		     "gathering = smart\n"
		     "fact_caching = jsonfile\n"
		     "fact_caching_connection = %s/facts\n"
		     "fact_caching_timeout = 86400\n"
		     "retry_files_enabled = False\n"
		     "interpreter_python = auto_silent\n"
		     "nocows = True\n"
		     "%s%s%s"
		     "\n[ssh_connection]\n"
		     "pipelining = True\n"
		     "%s%s%s"
		     "ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o BatchMode=yes "
		     "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=%s%s\n",
		     at->run_dir, at->datadir, at->datadir, p->ssh.forks, p->ssh.connect_timeout,
		     p->ssh.host_key_policy == SSH_HOSTKEY_OFF ? "False" : "True", at->run_dir,
		     at->key_file ? "private_key_file = " : "", at->key_file ? at->key_file : "",
		     at->key_file ? "\n" : "", at->control_dir ? "control_path_dir = " : "",
		     at->control_dir ? at->control_dir : "", at->control_dir ? "\n" : "",
		     at->known_hosts,
		     strict_option[p->ssh.host_key_policy], jump) < 0) {
		cfg = NULL;
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ansible.cfg", out_dir);
	r = journal_write_atomic(path, cfg, strlen(cfg), 0600);
out:
	free(cfg);
	free(text);
	json_decref(inv);
	return r;
}

int ansible_control_dir_create(char dir[ANSIBLE_CONTROL_DIR_MAX])
{
	snprintf(dir, ANSIBLE_CONTROL_DIR_MAX, "/tmp/hnsp-cp-XXXXXX");
	if (mkdtemp(dir) == NULL) { /* mkdtemp makes it 0700 */
		dir[0] = '\0';
		return HNSP_ERR_IO;
	}
	return 0;
}

void ansible_control_dir_remove(const char *dir)
{
	DIR *d;
	struct dirent *ent;

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	/* Only sockets live here (masters that persist exit on their own once
	 * idle); unlink never follows a link, so nothing outside is touched. */
	while ((ent = readdir(d)) != NULL)
		if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
			unlinkat(dirfd(d), ent->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* ---- one ansible-playbook run ---- */

/* Splits buf into lines; hands each complete JSON line to on_event. */
static void feed(const struct ansible_run_options *o, char *buf, size_t *len)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', (size_t)(buf + *len - start))) != NULL) {
		json_t *ev;
		*nl = '\0';
		if ((ev = json_loads(start, JSON_DISABLE_EOF_CHECK, NULL)) != NULL) {
			o->on_event(o->ctx, ev);
			json_decref(ev);
		}
		start = nl + 1;
	}
	*len = (size_t)(buf + *len - start);
	memmove(buf, start, *len);
}

static void child(const char *run_dir, const struct ansible_run_options *o, int events_fd,
		  const char *password_file, const char *vars_file)
{
	char cfg[PATH_MAX], vars_arg[PATH_MAX];
	const char *argv[8] = {"ansible-playbook", o->playbook};
	int n = 2, log, nul;

	snprintf(cfg, sizeof(cfg), "%s/ansible.cfg", run_dir);
	/* Its own process group: a stop reaches ansible-playbook and its workers;
	 * and it ends with us, so a killed installer leaves no run behind. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((log = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0 ||
	    (nul = open("/dev/null", O_RDONLY)) < 0 || dup2(nul, 0) < 0 || dup2(log, 1) < 0 ||
	    dup2(log, 2) < 0 || dup2(events_fd, 3) != 3)
		_exit(127);
	/* Only 0-3 go on to ansible-playbook and its workers. */
	if (log > 3)
		close(log);
	if (nul > 3)
		close(nul);
	if (events_fd > 3)
		close(events_fd);
	if (chdir(run_dir) < 0)
		_exit(127);
	if (password_file != NULL) {
		argv[n++] = "--become-password-file";
		argv[n++] = password_file;
	}
	if (vars_file != NULL) {
		snprintf(vars_arg, sizeof(vars_arg), "@%s", vars_file);
		argv[n++] = "-e";
		argv[n++] = vars_arg;
	}
	argv[n] = NULL;
	setenv("ANSIBLE_CONFIG", cfg, 1);
	setenv("HNSP_EVENTS_FD", "3", 1);
	setenv("ANSIBLE_NOCOLOR", "1", 1);
	setenv("PYTHONUNBUFFERED", "1", 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "hnsp-installer: cannot run ansible-playbook: %s\n", strerror(errno));
	_exit(127);
}

/* Writes text into file "vars.json" (0600) of a new private directory dir
 * (a mkdtemp template): Ansible reads extra vars from a file only, and the
 * run directory is kept.  Returns file's path (in file), or NULL. */
static const char *write_secret_vars(const char *text, char *dir, char *file, size_t size)
{
	int fd = -1;
	bool ok;

	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(file, size, "%s/vars.json", dir);
	ok = (fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0 &&
	     write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if ((fd >= 0 && close(fd) < 0) || !ok) {
		unlink(file);
		rmdir(dir);
		return NULL;
	}
	return file;
}

/* Removes what write_secret_vars made; file may be NULL. */
static void remove_secret_vars(const char *file, const char *dir)
{
	if (file == NULL)
		return;
	unlink(file);
	rmdir(dir);
}

enum ansible_outcome ansible_run(const char *run_dir, const struct ansible_run_options *o,
				 int *exit_status)
{
	char pw_dir[] = "/tmp/hnsp-become-XXXXXX", password_file[64], *buf = malloc(EVENT_LINE_MAX + 1);
	char vars_dir[] = "/tmp/hnsp-vars-XXXXXX", vars_file[64];
	const char *pw_path = NULL, *vars_path = NULL;
	bool pw_sent = false;
	size_t len = 0;
	int pipefd[2] = {-1, -1}, status = 0;
	bool interrupted = false;
	long stop_at = 0;
	pid_t pid;

	*exit_status = -1;
	if (buf == NULL || pipe2(pipefd, O_CLOEXEC) < 0) {
		free(buf);
		return ANSIBLE_BROKEN;
	}
	if (o->become_password != NULL) {
		/* A FIFO in a private directory: the password goes from our memory to
		 * Ansible's, never onto a disk, and is gone once read. */
		if (mkdtemp(pw_dir) != NULL) {
			snprintf(password_file, sizeof(password_file), "%s/become", pw_dir);
			if (mkfifo(password_file, 0600) == 0)
				pw_path = password_file;
		}
		if (pw_path == NULL) {
			rmdir(pw_dir);
			close(pipefd[0]);
			close(pipefd[1]);
			free(buf);
			return ANSIBLE_BROKEN;
		}
	}
	if ((o->secret_vars != NULL &&
	     (vars_path = write_secret_vars(o->secret_vars, vars_dir, vars_file,
					    sizeof(vars_file))) == NULL) ||
	    (pid = fork()) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		if (pw_path != NULL) {
			unlink(pw_path);
			rmdir(pw_dir);
		}
		remove_secret_vars(vars_path, vars_dir);
		free(buf);
		return ANSIBLE_BROKEN;
	}
	if (pid == 0) {
		/* fd 3 in the child must survive exec: take it off the close-on-exec pipe. */
		int keep = dup(pipefd[1]);
		child(run_dir, o, keep, pw_path, vars_path);
	}
	setpgid(pid, pid); /* also here: a stop may come before the child runs */
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
		int r = poll(&pfd, 1, 200);
		if (o->stop && *o->stop && !interrupted) {
			/* Like Ctrl-C at a terminal: Ansible stops after its current task. */
			kill(-pid, SIGINT);
			interrupted = true;
			stop_at = time(NULL);
		}
		if (interrupted && time(NULL) - stop_at > 20)
			kill(-pid, SIGKILL);
		if (pw_path != NULL && !pw_sent) {
			/* Succeeds once ansible-playbook has opened the FIFO to read. */
			int w = open(pw_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (w >= 0) {
				dprintf(w, "%s\n", o->become_password);
				close(w);
				unlink(pw_path);
				pw_sent = true;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			ssize_t n = read(pipefd[0], buf + len, EVENT_LINE_MAX - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			feed(o, buf, &len);
			if (len == EVENT_LINE_MAX) /* a line longer than the cap: drop it */
				len = 0;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pw_path != NULL) {
		unlink(pw_path);
		rmdir(pw_dir);
	}
	remove_secret_vars(vars_path, vars_dir);
	free(buf);
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	return interrupted ? ANSIBLE_INTERRUPTED : ansible_outcome_of(*exit_status);
}

enum ansible_outcome ansible_outcome_of(int exit_status)
{
	if (exit_status == 0)
		return ANSIBLE_OK;
	/* 2: a task failed; 4: a host was unreachable (ansible-playbook's codes). */
	if (exit_status == 2 || exit_status == 4)
		return ANSIBLE_FAILED;
	return ANSIBLE_BROKEN;
}
