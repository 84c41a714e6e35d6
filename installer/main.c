/* main.c: the command-line front-end: a command table and its dispatcher.
 *
 * This is the only place (with the TUI and the web layer) that decides what a
 * person sees: library modules return errors and diagnostics, and the
 * functions here print them. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <termios.h>
#include <time.h>

#include "access.h"
#include "audit.h"
#include "batch.h"
#include "bundle.h"
#include "engine.h"
#include "journal.h"
#include "keys.h"
#include "progress.h"
#include "catalog.h"
#include "datadir.h"
#include "diag.h"
#include "error.h"
#include "plan.h"
#include "preflight.h"
#include "project.h"
#include "secrets.h"
#include "state.h"
#include "suggest.h"
#include "tui.h"
#include "users.h"
#include "verify.h"
#include "web.h"

#ifndef HNSP_VERSION
#define HNSP_VERSION "0.1.0"
#endif

/* Exit codes, documented in README.md and docs/cli.md. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct cli {
	bool color_out;       /* stdout is a terminal and NO_COLOR is unset */
	bool color_err;       /* the same for stderr */
	const char *state;    /* --state DIR, or NULL for the default */
};

struct command {
	const char *name;
	const char *usage;    /* arguments after the command name */
	const char *summary;  /* one line for the command list */
	const char *help;     /* the rest of `COMMAND --help` */
	const struct option *options;
	const char *shortopts;
	int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct command *command_find(const char *name);

/* ---- output ---- */

static bool want_color(FILE *f)
{
	const char *no = getenv("NO_COLOR");

	return isatty(fileno(f)) && (no == NULL || no[0] == '\0');
}

static const char *paint(bool on, const char *code)
{
	return on ? code : "";
}

#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define MAGENTA "\033[1;35m"
#define GREEN "\033[1;32m"
#define RESET "\033[0m"

static void print_diags(const struct cli *cli, struct diag_list *diags)
{
	bool c = cli->color_err;

	diag_list_sort(diags);
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		bool err = d->severity == DIAG_ERROR;
		fprintf(stderr, "%s%s", paint(c, BOLD), d->file ? d->file : "hnsp-installer");
		if (d->line > 0)
			fprintf(stderr, ":%u:%u", d->line, d->column);
		fprintf(stderr, ":%s %s%s:%s %s\n", paint(c, RESET), paint(c, err ? RED : MAGENTA),
			err ? "error" : "warning", paint(c, RESET), d->message);
	}
	if (diags->dropped > 0)
		fprintf(stderr, "hnsp-installer: %zu more problems not shown\n", diags->dropped);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Prints j (stolen; NULL means memory ran out) on stdout as JSON.  Returns
 * the exit code. */
static int print_json(const char *command, json_t *j, size_t flags)
{
	int r = EXIT_OK;

	if (j == NULL) {
		fprintf(stderr, "hnsp-installer %s: out of memory\n", command);
		return EXIT_FAILED;
	}
	if (json_dumpf(j, stdout, flags) < 0 || fputc('\n', stdout) == EOF)
		r = EXIT_FAILED;
	json_decref(j);
	return r;
}

/* ---- shared steps of the commands ---- */

/* Loads the catalog, then the project (unless path is NULL); prints every
 * diagnostic.  Returns the exit code: EXIT_OK with *catp and *projp set, or
 * EXIT_USAGE. */
static int load(const struct cli *cli, const char *path, struct catalog **catp,
		struct project **projp)
{
	struct diag_list diags;
	char dir[PATH_MAX], catalog_path[PATH_MAX + 32], state[PATH_MAX] = "";
	int r;

	*catp = NULL;
	*projp = NULL;
	diag_list_init(&diags);
	if (datadir_find(dir, sizeof(dir)) < 0) {
		fprintf(stderr,
			"hnsp-installer: cannot find playbooks/catalog.yaml; set HNSP_DATA_DIR "
			"to the directory that holds playbooks/\n");
		return EXIT_USAGE;
	}
	snprintf(catalog_path, sizeof(catalog_path), "%s/playbooks/catalog.yaml", dir);
	if ((r = catalog_load(catalog_path, catp, &diags)) < 0)
		path = catalog_path; /* the summary names the file at fault */
	else if (path != NULL && (r = state_dir_name(cli->state, state, sizeof(state))) == 0)
		r = project_load(path, state, *catp, projp, &diags);
	print_diags(cli, &diags);
	if (r < 0 && diags.errors == 0)
		fprintf(stderr, "%s: %s\n", path, hnsp_strerror(r));
	if (r < 0 && diags.errors > 0)
		fprintf(stderr, "%s: %zu %s, %zu %s\n", path, diags.errors,
			plural(diags.errors, "error", "errors"), diags.warnings,
			plural(diags.warnings, "warning", "warnings"));
	diag_list_release(&diags);
	if (r < 0) {
		catalog_free(*catp);
		*catp = NULL;
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Parses a command's options; returns -1 after printing a usage error. */
static int parse_options(const struct command *cmd, int argc, char **argv,
			 bool (*on_option)(int opt, void *data), void *data)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, cmd->shortopts, cmd->options, NULL)) != -1) {
		if (opt == '?' || opt == ':' || !on_option(opt, data)) {
			fprintf(stderr, "hnsp-installer %s: unknown option '%s'\n", cmd->name,
				argv[optind - 1]);
			fprintf(stderr, "usage: hnsp-installer %s %s\n", cmd->name, cmd->usage);
			return -1;
		}
	}
	return optind;
}

static int usage_error(const struct command *cmd, const char *what)
{
	fprintf(stderr, "hnsp-installer %s: %s\nusage: hnsp-installer %s %s\n", cmd->name, what,
		cmd->name, cmd->usage);
	return EXIT_USAGE;
}

/* Records action by the local user, from the CLI or (via "tui") the TUI, in
 * the audit log; detail is stolen.  A log that cannot be written is said:
 * the action itself is done. */
static void audit_local(const char *state, const char *via, const char *action, json_t *detail)
{
	char name[256];
	struct audit_actor who = audit_local_actor(via, name, sizeof(name));
	int r = audit_record(state, &who, action, detail);

	if (r < 0)
		fprintf(stderr, "hnsp-installer: cannot record '%s' in %s/audit.jsonl: %s\n", action,
			state, r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
}

/* ---- validate ---- */

static const struct option validate_options[] = {{NULL, 0, NULL, 0}};

static bool no_options(int opt, void *data)
{
	(void)opt;
	(void)data;
	return false;
}

static int cmd_validate(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("validate");
	struct catalog *cat = NULL;
	struct project *p = NULL;
	struct plan *plan = NULL;
	int first = parse_options(cmd, argc, argv, no_options, NULL);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if ((r = load(cli, argv[first], &cat, &p)) != EXIT_OK)
		return r;
	if (plan_build(p, cat, &plan) < 0) {
		fprintf(stderr, "%s: %s\n", argv[first], hnsp_strerror(HNSP_ERR_NOMEM));
		r = EXIT_FAILED;
		goto out;
	}
	printf("%s: %svalid%s: project '%s', %zu %s, %zu %s\n", argv[first],
	       paint(cli->color_out, GREEN), paint(cli->color_out, RESET), p->name, p->hosts.n,
	       plural(p->hosts.n, "host", "hosts"), plan->count,
	       plural(plan->count, "phase", "phases"));
out:
	plan_free(plan);
	project_free(p);
	catalog_free(cat);
	return r;
}

/* ---- plan ---- */

static const struct option plan_options[] = {{"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};

static bool plan_option(int opt, void *data)
{
	if (opt != 'j')
		return false;
	*(bool *)data = true;
	return true;
}

/* "all (9)", or names joined and cut to width with "+N". */
static void host_summary(const struct project *p, const struct plan_phase *ph, char *buf,
			 size_t width)
{
	size_t used = 0;

	if (ph->nhosts == p->hosts.n) {
		snprintf(buf, width + 1, "all (%zu)", ph->nhosts);
		return;
	}
	buf[0] = '\0';
	for (size_t h = 0; h < ph->nhosts; h++) {
		const char *name = ph->hosts[h]->name;
		char more[16];
		size_t rest = ph->nhosts - h - 1;
		snprintf(more, sizeof(more), rest ? " +%zu" : "", rest);
		if (used + strlen(name) + 1 + strlen(more) > width && h > 0) {
			snprintf(buf + used, width + 1 - used, "+%zu", ph->nhosts - h);
			return;
		}
		used += (size_t)snprintf(buf + used, width + 1 - used, "%s%s", h ? "," : "", name);
		if (used >= width)
			return;
	}
}

static void plan_table(const struct cli *cli, const struct project *p, const struct plan *plan)
{
	bool c = cli->color_out;
	char hosts[41], why[128];

	printf("Plan for project '%s': %zu %s on %zu %s\n\n", p->name, plan->count,
	       plural(plan->count, "phase", "phases"), p->hosts.n,
	       plural(p->hosts.n, "host", "hosts"));
	printf("%s%3s  %-18s %-32s %-40s %s%s\n", paint(c, BOLD), "#", "COMPONENT", "PLAYBOOK",
	       "HOSTS", "REASON", paint(c, RESET));
	for (size_t i = 0; i < plan->count; i++) {
		const struct plan_phase *ph = &plan->phases[i];
		char playbook[PATH_MAX];
		snprintf(playbook, sizeof(playbook), "playbooks/%s", ph->component->playbook);
		host_summary(p, ph, hosts, sizeof(hosts) - 1);
		plan_phase_reason(ph, why, sizeof(why));
		printf("%3zu  %-18s %-32s %-40s %s\n", i + 1, ph->component->id, playbook, hosts,
		       why);
	}
}

static int cmd_plan(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("plan");
	struct catalog *cat = NULL;
	struct project *p = NULL;
	struct plan *plan = NULL;
	bool json = false;
	int first = parse_options(cmd, argc, argv, plan_option, &json);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if ((r = load(cli, argv[first], &cat, &p)) != EXIT_OK)
		return r;
	if (plan_build(p, cat, &plan) < 0) {
		fprintf(stderr, "%s: %s\n", argv[first], hnsp_strerror(HNSP_ERR_NOMEM));
		r = EXIT_FAILED;
	} else if (json) {
		r = print_json("plan", plan_to_json(p, plan), JSON_INDENT(2));
	} else {
		plan_table(cli, p, plan);
	}
	plan_free(plan);
	project_free(p);
	catalog_free(cat);
	return r;
}

/* ---- secrets: typed at the terminal, never echoed, argv-free ---- */

/* Reads one line from /dev/tty with echo off.  Returns new memory or NULL. */
static char *read_secret(const char *prompt)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty == NULL)
		return NULL;
	/* Echo goes off before the prompt shows: whatever follows it is silent. */
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	fprintf(tty, "%s", prompt);
	fflush(tty);
	n = getline(&line, &cap, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void free_secret(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* ---- what every command that reaches hosts shares ---- */

struct remote {
	struct catalog *cat;
	struct project *p;
	struct access acc;
	char *password;       /* typed at the terminal, or NULL */
	char *passphrase;     /* from $HNSP_KEY_PASSPHRASE, or NULL */
};

/* Loads the project and resolves how to reach its hosts.  Returns an exit
 * code; on EXIT_OK release rm with remote_release(). */
static int remote_open(const struct cli *cli, const char *path, bool ask_pass, struct remote *rm)
{
	char state[PATH_MAX], err[1024];
	int r;

	memset(rm, 0, sizeof(*rm));
	if ((r = load(cli, path, &rm->cat, &rm->p)) != EXIT_OK)
		return r;
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer: cannot create the state directory %s: %s\n", state,
			strerror(errno));
		r = EXIT_USAGE;
		goto err;
	}
	if (ask_pass && (rm->password = read_secret("SSH password: ")) == NULL) {
		fprintf(stderr, "hnsp-installer: --ask-pass needs a terminal to read the password "
				"from\n");
		r = EXIT_USAGE;
		goto err;
	}
	if (rm->p->ssh.host_key_policy == SSH_HOSTKEY_OFF)
		fprintf(stderr, "%sWARNING%s: host keys are not verified (ssh.host_key_policy: off); "
				"anyone on the network path can pose as a host\n",
			paint(cli->color_err, RED), paint(cli->color_err, RESET));
	ssh_init();
	/* Kept here, out of the environment that ansible-playbook would inherit. */
	if (getenv("HNSP_KEY_PASSPHRASE") != NULL) {
		rm->passphrase = strdup(getenv("HNSP_KEY_PASSPHRASE"));
		explicit_bzero(getenv("HNSP_KEY_PASSPHRASE"), strlen(getenv("HNSP_KEY_PASSPHRASE")));
		unsetenv("HNSP_KEY_PASSPHRASE");
	}
	if (access_init(&rm->acc, rm->p, state, rm->passphrase, rm->password) < 0) {
		fprintf(stderr, "hnsp-installer: out of memory\n");
		r = EXIT_FAILED;
		goto err;
	}
	if ((r = access_use_secrets(&rm->acc, rm->p, state, err, sizeof(err))) < 0) {
		fprintf(stderr, "hnsp-installer: %s\n", err[0] ? err : hnsp_strerror(r));
		r = r == HNSP_ERR_NOTFOUND || r == HNSP_ERR_INVALID ? EXIT_USAGE : EXIT_FAILED;
		access_release(&rm->acc);
		goto err;
	}
	return EXIT_OK;
err:
	free_secret(rm->password);
	free_secret(rm->passphrase);
	project_free(rm->p);
	catalog_free(rm->cat);
	memset(rm, 0, sizeof(*rm));
	return r;
}

static void remote_release(struct remote *rm)
{
	access_release(&rm->acc);
	free_secret(rm->password);
	free_secret(rm->passphrase);
	project_free(rm->p);
	catalog_free(rm->cat);
}

/* ---- preflight ---- */

struct preflight_args {
	bool json;
	bool ask_pass;
};

static const struct option preflight_options[] = {{"json", no_argument, NULL, 'j'},
						  {"ask-pass", no_argument, NULL, 'p'},
						  {NULL, 0, NULL, 0}};

static bool preflight_option(int opt, void *data)
{
	struct preflight_args *a = data;

	if (opt == 'j')
		a->json = true;
	else if (opt == 'p')
		a->ask_pass = true;
	else
		return false;
	return true;
}

static void preflight_table(const struct cli *cli, const struct preflight_report *rep)
{
	bool c = cli->color_out;
	size_t fails = 0, warns = 0;

	printf("%s%-12s", paint(c, BOLD), "HOST");
	for (size_t k = 0; preflight_check_names[k]; k++)
		printf(" %-*s", (int)(strlen(preflight_check_names[k]) > 4
				       ? strlen(preflight_check_names[k]) : 4),
		       preflight_check_names[k]);
	printf("%s\n", paint(c, RESET));
	for (size_t i = 0; i < rep->n; i++) {
		const struct host_report *h = &rep->hosts[i];
		printf("%-12s", h->host->name);
		for (size_t k = 0; preflight_check_names[k]; k++) {
			const struct check_result *r = host_report_check(h, preflight_check_names[k]);
			int w = (int)(strlen(preflight_check_names[k]) > 4
				      ? strlen(preflight_check_names[k]) : 4);
			const char *text = r == NULL ? "-" : r->status == CHECK_OK ? "ok"
							 : r->status == CHECK_WARN ? "WARN" : "FAIL";
			const char *color = r == NULL || r->status == CHECK_OK ? (r ? GREEN : "")
					    : r->status == CHECK_WARN ? MAGENTA : RED;
			printf(" %s%-*s%s", paint(c && color[0], color), w, text,
			       paint(c && color[0], RESET));
		}
		printf("\n");
	}
	for (size_t i = 0; i < rep->n; i++)
		for (size_t k = 0; k < rep->hosts[i].nchecks; k++) {
			const struct check_result *r = &rep->hosts[i].checks[k];
			if (r->status == CHECK_OK)
				continue;
			if (fails + warns == 0)
				printf("\n");
			r->status == CHECK_FAIL ? fails++ : warns++;
			printf("%-12s %-9s %s%-4s%s %s\n", rep->hosts[i].host->name, r->name,
			       paint(c, r->status == CHECK_FAIL ? RED : MAGENTA),
			       r->status == CHECK_FAIL ? "FAIL" : "WARN", paint(c, RESET), r->detail);
		}
	printf("\npreflight: %zu %s, %zu %s, %zu %s in %.1f s\n", rep->n,
	       plural(rep->n, "host", "hosts"), fails, plural(fails, "failure", "failures"), warns,
	       plural(warns, "warning", "warnings"), (double)rep->elapsed_ms / 1000.0);
}

static int cmd_preflight(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("preflight");
	struct preflight_args args = {0};
	struct preflight_report *rep = NULL;
	struct remote rm;
	int first = parse_options(cmd, argc, argv, preflight_option, &args);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if ((r = remote_open(cli, argv[first], args.ask_pass, &rm)) != EXIT_OK)
		return r;
	if (preflight_run(rm.p, &rm.acc, (size_t)rm.p->ssh.forks, &rep) < 0) {
		fprintf(stderr, "hnsp-installer preflight: out of memory\n");
		r = EXIT_FAILED;
		goto out;
	}
	if (args.json)
		r = print_json("preflight", preflight_report_to_json(rep), JSON_INDENT(2));
	else
		preflight_table(cli, rep);
	if (r == EXIT_OK && !rep->ok)
		r = EXIT_FAILED;
out:
	preflight_report_free(rep);
	remote_release(&rm);
	return r;
}

/* ---- exec ---- */

struct exec_args {
	bool json;
	bool ask_pass;
	bool become;
	const char *hosts;    /* --hosts: names or roles, comma-separated */
	long timeout_s;
	bool bad;             /* an option value was invalid */
};

static const struct option exec_options[] = {{"json", no_argument, NULL, 'j'},
					     {"ask-pass", no_argument, NULL, 'p'},
					     {"become", no_argument, NULL, 'b'},
					     {"hosts", required_argument, NULL, 'H'},
					     {"timeout", required_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};

static bool exec_option(int opt, void *data)
{
	struct exec_args *a = data;
	char *end;

	switch (opt) {
	case 'j':
		a->json = true;
		return true;
	case 'p':
		a->ask_pass = true;
		return true;
	case 'b':
		a->become = true;
		return true;
	case 'H':
		a->hosts = optarg;
		return true;
	case 't':
		a->timeout_s = strtol(optarg, &end, 10);
		if (*end != '\0' || a->timeout_s < 1 || a->timeout_s > 86400) {
			fprintf(stderr, "hnsp-installer exec: --timeout takes seconds from 1 to 86400, "
					"not '%s'\n", optarg);
			a->bad = true;
		}
		return true;
	}
	return false;
}

/* Selects hosts by name or role from a comma-separated list; all when list
 * is NULL.  Returns the count, or -1 after printing what did not match. */
static long select_hosts(const struct project *p, const char *list, size_t *out)
{
	char *copy, *save = NULL;
	long n = 0;

	if (list == NULL) {
		for (size_t i = 0; i < p->hosts.n; i++)
			out[n++] = i;
		return n;
	}
	if ((copy = strdup(list)) == NULL)
		return -1;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		bool matched = false;
		for (size_t i = 0; i < p->hosts.n; i++) {
			const struct host *h = HOST_AT(p, i);
			bool dup = false;
			if (strcmp(h->name, w) != 0 && !host_has_role(h, w))
				continue;
			matched = true;
			for (long k = 0; k < n; k++)
				dup |= out[k] == i;
			if (!dup)
				out[n++] = i;
		}
		if (!matched) {
			fprintf(stderr, "hnsp-installer exec: '%s' is neither a host nor a role of "
					"project '%s'\n", w, p->name);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return n;
}

static int exec_json(const struct remote *rm, const struct batch *b)
{
	json_t *root = json_object(), *hosts = json_array();
	bool ok = true;
	int r = EXIT_OK;

	if (root == NULL || hosts == NULL)
		goto nomem;
	for (size_t i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];
		const struct ssh_exec_result *res = &it->result;
		bool fine = it->fail.kind == SSH_FAIL_NONE && res->exit_status == 0;
		json_t *h = json_pack("{s:s, s:s, s:i, s:s%, s:s%, s:b, s:I, s:I, s:s}", "name",
				      rm->acc.endpoints[it->host].name, "status",
				      it->fail.kind != SSH_FAIL_NONE ? ssh_fail_name(it->fail.kind)
				      : fine ? "ok" : "command failed",
				      "exit_status", res->exit_status, "stdout",
				      res->out ? res->out : "", res->out ? res->out_len : 0, "stderr",
				      res->err ? res->err : "", res->err ? res->err_len : 0,
				      "truncated", res->truncated, "connect_ms",
				      (json_int_t)it->connect_ms, "elapsed_ms",
				      (json_int_t)res->elapsed_ms, "reason", it->fail.message);
		ok &= fine;
		if (h == NULL || json_array_append_new(hosts, h) < 0)
			goto nomem;
	}
	json_object_set_new(root, "ok", json_boolean(ok));
	json_object_set_new(root, "elapsed_ms", json_integer(b->elapsed_ms));
	json_object_set_new(root, "hosts", hosts);
	if (json_dumpf(root, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF)
		r = EXIT_FAILED;
	json_decref(root);
	return r == EXIT_OK && !ok ? EXIT_FAILED : r;
nomem:
	json_decref(root);
	fprintf(stderr, "hnsp-installer exec: out of memory\n");
	return EXIT_FAILED;
}

/* One block per host, in project order, each printed whole. */
static int exec_text(const struct cli *cli, const struct remote *rm, const struct batch *b)
{
	bool c = cli->color_out;
	size_t failed = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];
		const struct ssh_exec_result *res = &it->result;
		const char *name = rm->acc.endpoints[it->host].name;
		if (it->fail.kind != SSH_FAIL_NONE) {
			failed++;
			printf("%s== %s%s %s[%s]%s %s\n", paint(c, BOLD), name, paint(c, RESET),
			       paint(c, RED), ssh_fail_name(it->fail.kind), paint(c, RESET),
			       it->fail.message);
			continue;
		}
		failed += res->exit_status != 0;
		printf("%s== %s%s %s[exit %d, %ld ms]%s%s\n", paint(c, BOLD), name, paint(c, RESET),
		       paint(c, res->exit_status ? RED : GREEN), res->exit_status,
		       it->connect_ms + res->elapsed_ms, paint(c, RESET),
		       res->truncated ? " (output cut to its last 1 MiB)" : "");
		fwrite(res->out, 1, res->out_len, stdout);
		if (res->out_len && res->out[res->out_len - 1] != '\n')
			putchar('\n');
		fflush(stdout);
		fwrite(res->err, 1, res->err_len, stderr);
		if (res->err_len && res->err[res->err_len - 1] != '\n')
			fputc('\n', stderr);
		fflush(stderr);
	}
	printf("exec: %zu %s, %zu ok, %zu failed in %.1f s\n", b->n, plural(b->n, "host", "hosts"),
	       b->n - failed, failed, (double)b->elapsed_ms / 1000.0);
	return failed ? EXIT_FAILED : EXIT_OK;
}

static int cmd_exec(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("exec");
	struct exec_args args = {.timeout_s = 600};
	struct remote rm;
	struct batch *b = NULL;
	size_t *sel = NULL;
	long nsel;
	int first = parse_options(cmd, argc, argv, exec_option, &args);
	int r;

	if (first < 0 || args.bad)
		return EXIT_USAGE;
	if (argc - first < 2)
		return usage_error(cmd, argc - first ? "missing the command to run"
						     : "missing the project file");
	if ((r = remote_open(cli, argv[first], args.ask_pass, &rm)) != EXIT_OK)
		return r;
	if ((sel = calloc(rm.p->hosts.n + 1, sizeof(*sel))) == NULL ||
	    (nsel = select_hosts(rm.p, args.hosts, sel)) < 0) {
		r = EXIT_USAGE;
		goto out;
	}
	{
		struct ssh_exec_options o = {.timeout_ms = args.timeout_s * 1000L,
					     .become = args.become || rm.p->ssh.become,
					     .become_password = rm.password ? rm.password
									     : rm.acc.become_password};
		if (batch_exec(&rm.acc, sel, (size_t)nsel, (size_t)rm.p->ssh.forks,
			       (const char *const *)argv + first + 1, &o, &b) < 0) {
			fprintf(stderr, "hnsp-installer exec: out of memory\n");
			r = EXIT_FAILED;
			goto out;
		}
	}
	r = args.json ? exec_json(&rm, b) : exec_text(cli, &rm, b);
out:
	batch_free(b);
	free(sel);
	remote_release(&rm);
	return r;
}

/* ---- push ---- */

static const struct option push_options[] = {{"json", no_argument, NULL, 'j'},
					     {"ask-pass", no_argument, NULL, 'p'},
					     {"hosts", required_argument, NULL, 'H'},
					     {NULL, 0, NULL, 0}};

static int push_report(const struct cli *cli, const struct remote *rm, const struct batch *b,
		       bool json)
{
	json_t *root = json ? json_object() : NULL, *hosts = json ? json_array() : NULL;
	bool c = cli->color_out;
	size_t failed = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];
		const struct push_stats *ps = &it->push;
		const char *name = rm->acc.endpoints[it->host].name;
		bool bad = it->fail.kind != SSH_FAIL_NONE;
		failed += bad;
		if (json) {
			json_array_append_new(
				hosts, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "name",
						 name, "status", ssh_fail_name(it->fail.kind), "files",
						 (json_int_t)ps->files, "skipped",
						 (json_int_t)ps->skipped, "resumed",
						 (json_int_t)ps->resumed, "bytes_sent",
						 (json_int_t)ps->bytes_sent, "elapsed_ms",
						 (json_int_t)ps->elapsed_ms, "reason", it->fail.message));
			continue;
		}
		if (bad)
			printf("%s== %s%s %s[%s]%s %s\n", paint(c, BOLD), name, paint(c, RESET),
			       paint(c, RED), ssh_fail_name(it->fail.kind), paint(c, RESET),
			       it->fail.message);
		else
			printf("%s== %s%s %s[ok]%s %zu sent, %zu unchanged, %zu resumed, %.1f MB in "
			       "%.1f s\n",
			       paint(c, BOLD), name, paint(c, RESET), paint(c, GREEN), paint(c, RESET),
			       ps->files, ps->skipped, ps->resumed, (double)ps->bytes_sent / 1e6,
			       (double)ps->elapsed_ms / 1000.0);
	}
	if (json) {
		json_object_set_new(root, "ok", json_boolean(failed == 0));
		json_object_set_new(root, "elapsed_ms", json_integer(b->elapsed_ms));
		json_object_set_new(root, "hosts", hosts);
		json_dumpf(root, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(root);
	} else {
		printf("push: %zu %s, %zu ok, %zu failed in %.1f s\n", b->n,
		       plural(b->n, "host", "hosts"), b->n - failed, failed,
		       (double)b->elapsed_ms / 1000.0);
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

static int cmd_push(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("push");
	struct exec_args args = {0};
	struct remote rm;
	struct batch *b = NULL;
	size_t *sel = NULL;
	long nsel;
	int first = parse_options(cmd, argc, argv, exec_option, &args);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 3)
		return usage_error(cmd, "expects the project file, a local path and a remote path");
	if (access(argv[first + 1], F_OK) != 0) {
		fprintf(stderr, "hnsp-installer push: %s: %s\n", argv[first + 1], strerror(errno));
		return EXIT_USAGE;
	}
	if ((r = remote_open(cli, argv[first], args.ask_pass, &rm)) != EXIT_OK)
		return r;
	if ((sel = calloc(rm.p->hosts.n + 1, sizeof(*sel))) == NULL ||
	    (nsel = select_hosts(rm.p, args.hosts, sel)) < 0) {
		r = EXIT_USAGE;
		goto out;
	}
	if (batch_push(&rm.acc, sel, (size_t)nsel, (size_t)rm.p->ssh.forks, argv[first + 1],
		       argv[first + 2], NULL, &b) < 0) {
		fprintf(stderr, "hnsp-installer push: out of memory\n");
		r = EXIT_FAILED;
		goto out;
	}
	r = push_report(cli, &rm, b, args.json);
out:
	batch_free(b);
	free(sel);
	remote_release(&rm);
	return r;
}

/* ---- apply ---- */

struct apply_args {
	bool json, yes, resume, ask_become;
	const char *from, *only;
	const char *runner;   /* "local" or "remote:HOST" */
	const char *via;      /* the front-end that asks: "cli" or "tui" (for the audit log) */
};

static const struct option apply_options[] = {{"json", no_argument, NULL, 'j'},
					      {"yes", no_argument, NULL, 'y'},
					      {"resume", no_argument, NULL, 'r'},
					      {"from", required_argument, NULL, 'f'},
					      {"only", required_argument, NULL, 'o'},
					      {"ask-become-pass", no_argument, NULL, 'B'},
					      {"runner", required_argument, NULL, 'R'},
					      {"via", required_argument, NULL, 'V'},
					      {NULL, 0, NULL, 0}};

static bool apply_option(int opt, void *data)
{
	struct apply_args *a = data;

	switch (opt) {
	case 'j': a->json = true; return true;
	case 'y': a->yes = true; return true;
	case 'r': a->resume = true; return true;
	case 'f': a->from = optarg; return true;
	case 'o': a->only = optarg; return true;
	case 'B': a->ask_become = true; return true;
	case 'R': a->runner = optarg; return true;
	case 'V': a->via = optarg; return true;
	}
	return false;
}

static struct engine *running_engine; /* for the signal handler */
static volatile sig_atomic_t stop_signal; /* the signal that stopped it, or 0 */

static void on_interrupt(int sig)
{
	if (running_engine != NULL) {
		stop_signal = sig;
		engine_stop(running_engine);
	}
}

struct apply_view {
	struct progress progress;
	bool json;
};

static void apply_event(void *ctx, const json_t *ev)
{
	struct apply_view *v = ctx;

	if (v->json) {
		json_dumpf(ev, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
	} else {
		progress_event(&v->progress, ev);
	}
}

/* Asks on the terminal; false without one. */
static bool confirm(const char *question)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char answer[16] = "";

	if (tty == NULL)
		return false;
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(answer, sizeof(answer), tty) == NULL)
		answer[0] = '\0';
	fclose(tty);
	return answer[0] == 'y' || answer[0] == 'Y';
}

static int cmd_apply(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("apply");
	struct apply_args args = {.via = "cli"};
	struct apply_view view = {0};
	struct remote rm;
	struct plan *plan = NULL;
	struct engine *e = NULL;
	struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
	char state[PATH_MAX], datadir[PATH_MAX], err[1024], *become = NULL;
	long runner_host = -1;
	int first = parse_options(cmd, argc, argv, apply_option, &args);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if (args.only && (args.from || args.resume))
		return usage_error(cmd, "--only goes alone, without --from or --resume");
	/* Only the front-end is chosen here: the actor is always this process's user. */
	if (strcmp(args.via, "cli") != 0 && strcmp(args.via, "tui") != 0) {
		fprintf(stderr, "hnsp-installer apply: --via takes cli or tui, not '%s'\n", args.via);
		fprintf(stderr, "usage: hnsp-installer apply %s\n", cmd->usage);
		return EXIT_USAGE;
	}
	/* Ansible logs in with keys only (BatchMode): no --ask-pass here. */
	if ((r = remote_open(cli, argv[first], false, &rm)) != EXIT_OK)
		return r;
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0 ||
	    datadir_find(datadir, sizeof(datadir)) < 0 || plan_build(rm.p, rm.cat, &plan) < 0) {
		fprintf(stderr, "hnsp-installer apply: cannot prepare the plan\n");
		r = EXIT_FAILED;
		goto out;
	}
	if (args.runner != NULL && strcmp(args.runner, "local") != 0) {
		const char *name = strncmp(args.runner, "remote:", 7) == 0 ? args.runner + 7 : NULL;
		for (size_t i = 0; name && i < rm.p->hosts.n; i++)
			if (strcmp(HOST_AT(rm.p, i)->name, name) == 0)
				runner_host = (long)i;
		if (runner_host < 0) {
			fprintf(stderr, "hnsp-installer apply: --runner takes 'local' or "
					"'remote:HOST' with a host of project '%s', not '%s'\n",
				rm.p->name, args.runner);
			r = EXIT_USAGE;
			goto out;
		}
	}
	if (args.ask_become && (become = read_secret("sudo password: ")) == NULL) {
		fprintf(stderr, "hnsp-installer apply: --ask-become-pass needs a terminal\n");
		r = EXIT_USAGE;
		goto out;
	}
	if (!args.yes) {
		char question[256];
		if (!args.json)
			plan_table(cli, rm.p, plan);
		snprintf(question, sizeof(question), "\nApply %s to the %zu hosts of '%s'?",
			 args.resume ? "the rest of the last run" : "this plan", rm.p->hosts.n,
			 rm.p->name);
		if (!isatty(STDIN_FILENO) && access("/dev/tty", R_OK) != 0) {
			fprintf(stderr, "hnsp-installer apply: no terminal to confirm on; pass --yes "
					"to apply unattended\n");
			r = EXIT_USAGE;
			goto out;
		}
		if (!confirm(question)) {
			fprintf(stderr, "hnsp-installer apply: nothing was changed\n");
			r = EXIT_USAGE;
			goto out;
		}
	}
	{
		char name[256];
		struct audit_actor who = audit_local_actor(args.via, name, sizeof(name));
		struct engine_config cfg = {
			.project = rm.p, .catalog = rm.cat, .plan = plan, .access = &rm.acc,
			.state_dir = state, .datadir = datadir, .resume = args.resume,
			.from = args.from, .only = args.only,
			.become_password = become, .started_by = &who,
			.runner_host = runner_host, .on_event = apply_event, .ctx = &view};
		if (engine_new(&cfg, &e, err, sizeof(err)) < 0) {
			fprintf(stderr, "hnsp-installer apply: %s\n", err);
			r = EXIT_USAGE;
			goto out;
		}
	}
	audit_local(state, args.via, args.resume ? "run.resume" : "run.start",
		    json_pack("{s:s, s:s, s:s*, s:s*}", "run", engine_run_id(e), "project",
			      rm.p->name, "from", args.from, "only", args.only));
	view.json = args.json;
	progress_init(&view.progress, stdout, isatty(STDOUT_FILENO), cli->color_out);
	running_engine = e;
	stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	switch (engine_run(e)) {
	case RUN_SUCCEEDED:
		r = EXIT_OK;
		break;
	case RUN_INTERRUPTED:
		if (stop_signal != 0)
			audit_local(state, args.via, "run.stop",
				    json_pack("{s:s, s:s}", "run", engine_run_id(e), "signal",
					      stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
		if (!args.json)
			printf("interrupted: resume with 'hnsp-installer apply %s --resume'\n",
			       argv[first]);
		r = EXIT_FAILED;
		break;
	case RUN_FAILED:
		if (!args.json)
			printf("failed: fix the cause, then 'hnsp-installer apply %s --resume'\n",
			       argv[first]);
		r = EXIT_FAILED;
		break;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running_engine = NULL;
out:
	engine_free(e);
	free_secret(become);
	plan_free(plan);
	remote_release(&rm);
	return r;
}

/* ---- runs ---- */

static const struct option runs_options[] = {{"follow", no_argument, NULL, 'f'},
					     {"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};

struct runs_args {
	bool follow, json;
};

static bool runs_option(int opt, void *data)
{
	struct runs_args *a = data;

	if (opt == 'f')
		a->follow = true;
	else if (opt == 'j')
		a->json = true;
	else
		return false;
	return true;
}

/* Who started the run, "USER (VIA)", into buf; "-" for a run from before
 * runs said so. */
static const char *started_by(const json_t *run, char *buf, size_t size)
{
	const json_t *by = json_object_get(run, "started_by");
	const char *user = json_string_value(json_object_get(by, "user"));
	const char *via = json_string_value(json_object_get(by, "via"));

	if (user == NULL)
		return "-";
	snprintf(buf, size, "%s (%s)", user, via ? via : "?");
	return buf;
}

static void runs_list(const struct cli *cli, json_t *list)
{
	size_t i;
	json_t *run;

	printf("%s%-44s %-12s %-7s %-20s %-9s %s%s\n", paint(cli->color_out, BOLD), "RUN", "STATE",
	       "PHASES", "STARTED (UTC)", "DURATION", "BY", paint(cli->color_out, RESET));
	json_array_foreach(list, i, run)
	{
		json_t *phases = json_object_get(run, "phases"), *ph;
		size_t k, done = 0;
		time_t started = (time_t)json_integer_value(json_object_get(run, "started"));
		json_int_t finished = json_integer_value(json_object_get(run, "finished"));
		char when[32], dur[32] = "-", by[300];
		struct tm tm;
		json_array_foreach(phases, k, ph)
			done += strcmp(json_string_value(json_object_get(ph, "status")) ?: "", "succeeded") == 0;
		gmtime_r(&started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		if (finished > 0)
			snprintf(dur, sizeof(dur), "%lld s", (long long)(finished - started));
		printf("%-44s %-12s %zu/%-5zu %-20s %-9s %s\n",
		       json_string_value(json_object_get(run, "id")) ?: "?",
		       json_string_value(json_object_get(run, "state")) ?: "?", done,
		       json_array_size(phases), when, dur, started_by(run, by, sizeof(by)));
	}
}

static void runs_show(const struct cli *cli, const json_t *s)
{
	size_t i;
	json_t *ph;
	char by[300];

	printf("run %s of project '%s': %s\n", json_string_value(json_object_get(s, "id")),
	       json_string_value(json_object_get(s, "project")),
	       json_string_value(json_object_get(s, "state")));
	if (json_object_get(s, "started_by") != NULL)
		printf("started by %s\n", started_by(s, by, sizeof(by)));
	json_array_foreach(json_object_get(s, "phases"), i, ph)
	{
		const char *st = json_string_value(json_object_get(ph, "status")) ?: "?";
		printf("  %2zu %-18s %-12s %6.1f s  %lld tasks\n", i + 1,
		       json_string_value(json_object_get(ph, "component")), st,
		       (double)json_integer_value(json_object_get(ph, "duration_ms")) / 1000.0,
		       (long long)json_integer_value(json_object_get(ph, "tasks_done")));
		if (strcmp(st, "failed") == 0 || strcmp(st, "interrupted") == 0)
			progress_failures(stdout, ph, cli->color_out);
	}
}

/* Prints a run's events, then waits for more while the run is alive. */
static int runs_log(const struct cli *cli, const char *state, const struct journal *j,
		    bool follow, bool json)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	struct progress pr;
	const char *project = json_string_value(json_object_get(j->summary, "project"));
	bool ended = false;
	FILE *f = fopen(journal_path(j, "events.jsonl", path, sizeof(path)), "r");

	if (f == NULL) {
		fprintf(stderr, "hnsp-installer runs: %s: %s\n", path, strerror(errno));
		return EXIT_FAILED;
	}
	progress_init(&pr, stdout, false, cli->color_out);
	for (;;) {
		ssize_t n = getline(&line, &cap, f);
		if (n > 0 && line[n - 1] == '\n') {
			json_t *ev = json_loads(line, 0, NULL);
			if (ev != NULL) {
				const char *type = json_string_value(json_object_get(ev, "event"));
				ended = type && strcmp(type, "run_end") == 0;
				if (json)
					fputs(line, stdout);
				else
					progress_event(&pr, ev);
				json_decref(ev);
			}
			continue;
		}
		if (n > 0) /* a line still being written: read it again whole */
			fseek(f, -n, SEEK_CUR);
		clearerr(f);
		if (!follow || ended)
			break;
		if (!journal_project_running(state, project ? project : "")) {
			/* One last read: the run may have ended between the two checks. */
			usleep(200000);
			if (getc(f) != EOF) {
				fseek(f, -1, SEEK_CUR);
				continue;
			}
			printf("the run is not running: its process ended before the run did; "
			       "resume it with 'hnsp-installer apply PROJECT --resume'\n");
			break;
		}
		fflush(stdout);
		usleep(200000);
	}
	free(line);
	fclose(f);
	return EXIT_OK;
}

static int cmd_runs(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("runs");
	struct runs_args args = {0};
	struct journal *j = NULL;
	char state[PATH_MAX];
	int first = parse_options(cmd, argc, argv, runs_option, &args);
	const char *what;
	int r;

	if (first < 0)
		return EXIT_USAGE;
	what = first < argc ? argv[first] : "list";
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer runs: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if (strcmp(what, "list") == 0 && argc - first <= 1) {
		json_t *list = journal_list(state);
		if (args.json) {
			json_dumpf(list, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			runs_list(cli, list);
		}
		json_decref(list);
		return EXIT_OK;
	}
	if ((strcmp(what, "show") != 0 && strcmp(what, "log") != 0) || argc - first != 2)
		return usage_error(cmd, "expects list, show ID or log ID");
	if ((r = journal_open(state, argv[first + 1], &j)) < 0) {
		fprintf(stderr, "hnsp-installer runs: no run '%s' in %s/runs (see 'hnsp-installer "
				"runs list')\n", argv[first + 1], state);
		return EXIT_USAGE;
	}
	if (strcmp(what, "show") == 0) {
		if (args.json) {
			json_dumpf(j->summary, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			runs_show(cli, j->summary);
		}
		r = EXIT_OK;
	} else {
		r = runs_log(cli, state, j, args.follow, args.json);
	}
	journal_free(j);
	return r;
}

/* ---- user ---- */

static const struct option user_options[] = {{"role", required_argument, NULL, 'r'},
					     {"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};

struct user_args {
	const char *role;
	bool json;
};

static bool user_option(int opt, void *data)
{
	struct user_args *a = data;
	switch (opt) {
	case 'r': a->role = optarg; return true;
	case 'j': a->json = true; return true;
	}
	return false;
}

/* A new secret: typed twice at a terminal (prompt, then "the same again"),
 * else one line of stdin.  command names the complaint when they differ. */
static char *read_new_secret(const char *command, const char *prompt)
{
	char *first, *again;
	size_t cap = 0;

	if (!isatty(STDIN_FILENO)) {
		first = NULL;
		if (getline(&first, &cap, stdin) <= 0) {
			free(first);
			return NULL;
		}
		first[strcspn(first, "\n")] = '\0';
		return first;
	}
	if ((first = read_secret(prompt)) == NULL)
		return NULL;
	if ((again = read_secret("the same again: ")) == NULL || strcmp(first, again) != 0) {
		fprintf(stderr, "hnsp-installer %s: the two differ\n", command);
		free_secret(first);
		first = NULL;
	}
	free_secret(again);
	return first;
}

/* The new user's password. */
static char *new_password(const char *name)
{
	char prompt[128];

	snprintf(prompt, sizeof(prompt), "password for %s: ", name);
	return read_new_secret("user", prompt);
}

/* new_password, or NULL with what is wrong said and *rc set. */
static char *ask_password(const char *name, int *rc)
{
	char *password = new_password(name);

	*rc = EXIT_USAGE;
	if (password == NULL) {
		fprintf(stderr, "hnsp-installer user: no password given (type it at the "
				"terminal, or give one line on standard input)\n");
	} else if (strlen(password) < USER_PASSWORD_MIN || strlen(password) > USER_PASSWORD_MAX) {
		fprintf(stderr, "hnsp-installer user: a password has %d to %d characters\n",
			USER_PASSWORD_MIN, USER_PASSWORD_MAX);
		free_secret(password);
		password = NULL;
	} else {
		*rc = EXIT_OK;
	}
	return password;
}

/* user passwd NAME: the user's sessions end at once, here or in a running
 * server; its tokens stay good. */
static int user_passwd(const char *state, struct users *u, const char *name)
{
	char hash[USER_HASH_MAX];
	struct user_info info;
	char *password = NULL;
	bool known = users_lookup(u, name, hash, sizeof(hash), &info);
	int r;

	sodium_memzero(hash, sizeof(hash));
	if (!known) {
		fprintf(stderr, "hnsp-installer user: no user '%s'\n", name);
		return EXIT_USAGE;
	}
	if ((password = ask_password(name, &r)) == NULL)
		return r;
	r = users_set_password(u, name, NULL, password, NULL);
	free_secret(password);
	if (r == HNSP_ERR_NOTFOUND) {
		fprintf(stderr, "hnsp-installer user: no user '%s'\n", name);
		return EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "hnsp-installer user: cannot change the password of '%s': %s\n",
			name, hnsp_strerror(r));
		return EXIT_FAILED;
	}
	printf("changed the password of %s\n", name);
	audit_local(state, "cli", "user.passwd", json_pack("{s:s}", "user", name));
	return EXIT_OK;
}

static int cmd_user(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("user");
	struct user_args args = {0};
	struct users *u = NULL;
	enum user_role role = ROLE_VIEWER;
	char state[PATH_MAX], token[USER_TOKEN_LEN + 1], *password = NULL;
	int first = parse_options(cmd, argc, argv, user_option, &args);
	const char *what, *name;
	int r;

	if (first < 0)
		return EXIT_USAGE;
	what = first < argc ? argv[first] : "";
	name = first + 1 < argc ? argv[first + 1] : NULL;
	if (strcmp(what, "list") == 0 ? argc - first != 1 : argc - first != 2 ||
	    (strcmp(what, "add") != 0 && strcmp(what, "remove") != 0 && strcmp(what, "token") != 0 &&
	     strcmp(what, "passwd") != 0))
		return usage_error(cmd, "expects add NAME --role ROLE, list, remove NAME, "
					"passwd NAME or token NAME");
	if (strcmp(what, "add") == 0 && user_role_parse(args.role, &role) < 0)
		return usage_error(cmd, "add needs --role admin, operator or viewer");
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer user: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if ((r = users_load(state, &u)) < 0) {
		fprintf(stderr, "hnsp-installer user: cannot read %s/web/users.json: %s\n", state,
			hnsp_strerror(r));
		return EXIT_FAILED;
	}
	r = EXIT_OK;
	if (strcmp(what, "list") == 0) {
		json_t *list = users_list(u), *v;
		size_t i;
		if (args.json) {
			r = print_json("user", list, JSON_INDENT(2));
		} else {
			json_array_foreach(list, i, v)
				printf("%-32s %s\n", json_string_value(json_object_get(v, "name")),
				       json_string_value(json_object_get(v, "role")));
			json_decref(list);
		}
	} else if (strcmp(what, "add") == 0) {
		if (!user_name_valid(name)) {
			fprintf(stderr, "hnsp-installer user: '%s' is not a user name: 1 to 32 of "
					"a-z 0-9 . _ -, starting with a letter\n", name);
			r = EXIT_USAGE;
		} else if ((password = ask_password(name, &r)) == NULL) {
			/* ask_password said why and set r */
		} else if ((r = users_add(u, name, role, password)) == HNSP_ERR_EXISTS) {
			fprintf(stderr, "hnsp-installer user: user '%s' exists already\n", name);
			r = EXIT_USAGE;
		} else if (r < 0) {
			fprintf(stderr, "hnsp-installer user: cannot add '%s': %s\n", name,
				hnsp_strerror(r));
			r = EXIT_FAILED;
		} else {
			printf("added %s (%s)\n", name, user_role_name(role));
			audit_local(state, "cli", "user.add",
				    json_pack("{s:s, s:s}", "user", name, "role", user_role_name(role)));
		}
	} else if (strcmp(what, "remove") == 0) {
		if ((r = users_remove(u, name)) == HNSP_ERR_NOTFOUND)
			fprintf(stderr, "hnsp-installer user: no user '%s'\n", name);
		else if (r == HNSP_ERR_INVALID)
			fprintf(stderr, "hnsp-installer user: '%s' is the last admin; add another "
					"admin first\n", name);
		else if (r == 0) {
			printf("removed %s\n", name);
			audit_local(state, "cli", "user.remove", json_pack("{s:s}", "user", name));
		} else
			fprintf(stderr, "hnsp-installer user: cannot remove '%s': %s\n", name,
				hnsp_strerror(r));
		r = r == 0 ? EXIT_OK
		    : r == HNSP_ERR_NOTFOUND || r == HNSP_ERR_INVALID ? EXIT_USAGE : EXIT_FAILED;
	} else if (strcmp(what, "passwd") == 0) {
		r = user_passwd(state, u, name);
	} else {
		if ((r = users_new_token(u, name, token, sizeof(token))) == 0) {
			printf("%s\n", token);
			audit_local(state, "cli", "user.token", json_pack("{s:s}", "user", name));
		} else
			fprintf(stderr, "hnsp-installer user: %s\n",
				r == HNSP_ERR_NOTFOUND ? "no such user" : hnsp_strerror(r));
		sodium_memzero(token, sizeof(token));
		r = r == 0 ? EXIT_OK : r == HNSP_ERR_NOTFOUND ? EXIT_USAGE : EXIT_FAILED;
	}
	free_secret(password);
	users_free(u);
	return r;
}

/* ---- secret ---- */

static const struct option secret_options[] = {{"json", no_argument, NULL, 'j'},
					       {NULL, 0, NULL, 0}};

static bool secret_option(int opt, void *data)
{
	if (opt != 'j')
		return false;
	*(bool *)data = true;
	return true;
}

static int secret_set(const char *state, const char *name)
{
	char key[PATH_MAX], prompt[128], err[1024], *value = NULL;
	bool had_key;
	int r;

	if (!secret_name_valid(name)) {
		fprintf(stderr, "hnsp-installer secret: '%s' is not a secret name: 1 to %d of "
				"a-z 0-9 _ -\n", name, SECRET_NAME_MAX);
		return EXIT_USAGE;
	}
	if (secrets_key_path(state, key, sizeof(key)) < 0) {
		fprintf(stderr, "hnsp-installer secret: the key file's path is too long\n");
		return EXIT_USAGE;
	}
	had_key = access(key, F_OK) == 0;
	snprintf(prompt, sizeof(prompt), "value of secret %s: ", name);
	if ((value = read_new_secret("secret", prompt)) == NULL || value[0] == '\0') {
		fprintf(stderr, "hnsp-installer secret: no value given (type it at the terminal, "
				"or give one line on standard input)\n");
		free_secret(value);
		return EXIT_USAGE;
	}
	r = secrets_set(state, key, name, value, err, sizeof(err));
	free_secret(value);
	if (r < 0) {
		fprintf(stderr, "hnsp-installer secret: %s\n", err[0] ? err : hnsp_strerror(r));
		return r == HNSP_ERR_INVALID ? EXIT_USAGE : EXIT_FAILED;
	}
	audit_local(state, "cli", "secret.set", json_pack("{s:s}", "secret", name));
	if (!had_key)
		printf("created the key file %s: keep a copy; without it no secret opens\n", key);
	printf("set %s\n", name);
	return EXIT_OK;
}

static int secret_list(const char *state, bool json)
{
	json_t *list = NULL, *v;
	size_t i;
	int r;

	if ((r = secrets_list(state, &list)) < 0) {
		fprintf(stderr, "hnsp-installer secret: cannot read %s/secrets.json: %s\n", state,
			hnsp_strerror(r));
		return EXIT_FAILED;
	}
	if (json)
		return print_json("secret", list, JSON_INDENT(2));
	json_array_foreach(list, i, v)
		printf("%-32s %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "set")));
	json_decref(list);
	return EXIT_OK;
}

static int secret_remove(const char *state, const char *name)
{
	char err[1024];
	int r = secrets_remove(state, name, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "hnsp-installer secret: %s\n", err[0] ? err : hnsp_strerror(r));
		return r == HNSP_ERR_NOTFOUND ? EXIT_USAGE : EXIT_FAILED;
	}
	audit_local(state, "cli", "secret.remove", json_pack("{s:s}", "secret", name));
	printf("removed %s\n", name);
	return EXIT_OK;
}

static int cmd_secret(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("secret");
	bool json = false;
	int first = parse_options(cmd, argc, argv, secret_option, &json);
	const char *what;
	char state[PATH_MAX];

	if (first < 0)
		return EXIT_USAGE;
	what = first < argc ? argv[first] : "";
	if (strcmp(what, "set") == 0 && argc - first > 2)
		return usage_error(cmd, "a value is never given on the command line (other users "
					"see it there): type it at the terminal or give one line on "
					"standard input");
	if (strcmp(what, "list") == 0 ? argc - first != 1
	    : argc - first != 2 || (strcmp(what, "set") != 0 && strcmp(what, "remove") != 0))
		return usage_error(cmd, "expects set NAME, list or remove NAME");
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer secret: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if (strcmp(what, "list") == 0)
		return secret_list(state, json);
	return strcmp(what, "set") == 0 ? secret_set(state, argv[first + 1])
					: secret_remove(state, argv[first + 1]);
}

/* ---- audit ---- */

#define AUDIT_LIMIT_MAX 100000

static const struct option audit_options[] = {{"json", no_argument, NULL, 'j'},
					      {"since", required_argument, NULL, 's'},
					      {"limit", required_argument, NULL, 'n'},
					      {NULL, 0, NULL, 0}};

struct audit_args {
	bool json;
	const char *since, *limit;
};

static bool audit_option(int opt, void *data)
{
	struct audit_args *a = data;

	switch (opt) {
	case 'j': a->json = true; return true;
	case 's': a->since = optarg; return true;
	case 'n': a->limit = optarg; return true;
	}
	return false;
}

/* Prints s with control characters as '?': an entry never drives the terminal. */
static void print_plain(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* An entry's detail, the members after the fixed ones, as KEY=VALUE words. */
static void print_detail(json_t *e)
{
	static const char *const fixed[] = {"time", "actor", "via", "address", "action"};
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach(e, key, v)
	{
		char *dump = NULL;
		bool skip = false;
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			skip |= strcmp(key, fixed[i]) == 0;
		if (skip)
			continue;
		printf("%s", first ? "" : " ");
		print_plain(key);
		putchar('=');
		if (json_is_string(v))
			print_plain(json_string_value(v));
		else if ((dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL)
			print_plain(dump);
		free(dump);
		first = false;
	}
}

static void audit_table(const struct cli *cli, const json_t *entries)
{
	static const char *const columns[] = {"time", "actor", "via", "address", "action"};
	static const int widths[] = {20, 16, 4, 15, 14};

	printf("%s%-20s %-16s %-4s %-15s %-14s %s%s\n", paint(cli->color_out, BOLD), "TIME",
	       "ACTOR", "VIA", "ADDRESS", "ACTION", "WHAT", paint(cli->color_out, RESET));
	/* Oldest first, as a log reads. */
	for (size_t i = json_array_size(entries); i-- > 0;) {
		json_t *e = json_array_get(entries, i);
		for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++) {
			const char *v = json_string_value(json_object_get(e, columns[c])) ?: "-";
			print_plain(v);
			printf("%*s", widths[c] - (int)strlen(v) > 0 ? widths[c] - (int)strlen(v) + 1 : 1,
			       "");
		}
		print_detail(e);
		putchar('\n');
	}
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("audit");
	struct audit_args args = {0};
	char state[PATH_MAX], *end = NULL;
	int first = parse_options(cmd, argc, argv, audit_option, &args);
	long limit = 1000;
	time_t since = 0;
	json_t *log = NULL, *damaged, *entries, *v;
	size_t i;
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 0)
		return usage_error(cmd, "takes no arguments, only options");
	if (args.limit != NULL && ((limit = strtol(args.limit, &end, 10)) < 1 ||
				   limit > AUDIT_LIMIT_MAX || *end != '\0' || end == args.limit))
		return usage_error(cmd, "--limit takes a number of entries from 1 to 100000");
	if (args.since != NULL && audit_parse_time(args.since, time(NULL), &since) < 0)
		return usage_error(cmd, "--since takes a UTC time (2026-12-01 or "
					"2026-12-01T08:30[:00][Z]) or an age (90s, 30m, 12h, 7d)");
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer audit: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if ((r = audit_read(state, since, (size_t)limit, &log)) < 0) {
		fprintf(stderr, "hnsp-installer audit: cannot read %s/audit.jsonl: %s\n", state,
			r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
		return EXIT_FAILED;
	}
	damaged = json_object_get(log, "damaged");
	entries = json_object_get(log, "entries");
	for (i = json_array_size(damaged); i-- > 0;)
		fprintf(stderr, "%s/audit.jsonl:%lld: warning: a damaged line, not an entry; skipped\n",
			state, (long long)json_integer_value(json_array_get(damaged, i)));
	if (json_is_true(json_object_get(log, "partial")) && json_array_size(entries) < (size_t)limit)
		fprintf(stderr, "hnsp-installer audit: only the last %u MiB of %s/audit.jsonl were "
				"read; older entries are not shown\n", AUDIT_READ_MAX >> 20, state);
	r = EXIT_OK;
	if (args.json) {
		for (i = json_array_size(entries); i-- > 0;) {
			v = json_array_get(entries, i);
			if (json_dumpf(v, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
				r = EXIT_FAILED;
		}
	} else {
		audit_table(cli, entries);
	}
	json_decref(log);
	return r;
}

/* ---- web ---- */

static const struct option web_options[] = {{"listen", required_argument, NULL, 'l'},
					    {"tls-cert", required_argument, NULL, 'c'},
					    {"tls-key", required_argument, NULL, 'k'},
					    {"hostname", required_argument, NULL, 'H'},
					    {NULL, 0, NULL, 0}};

struct web_args {
	const char *listen, *cert, *key;
	const char *hostnames[WEB_HOSTNAMES_MAX + 1]; /* one more: web_start says too many */
	size_t nhostnames;
};

static bool web_option(int opt, void *data)
{
	struct web_args *a = data;
	switch (opt) {
	case 'l': a->listen = optarg; return true;
	case 'c': a->cert = optarg; return true;
	case 'k': a->key = optarg; return true;
	case 'H':
		if (a->nhostnames < WEB_HOSTNAMES_MAX + 1)
			a->hostnames[a->nhostnames++] = optarg;
		return true;
	}
	return false;
}

/* The whole of a PEM file, or NULL after saying why. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (f != NULL) {
		text = calloc(1, 1 << 20);
		if (text != NULL)
			len = fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	if (text == NULL || len == 0) {
		fprintf(stderr, "hnsp-installer web: cannot read %s: %s\n", path,
			f == NULL ? strerror(errno) : "empty or out of memory");
		free(text);
		return NULL;
	}
	return text;
}

static int cmd_web(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("web");
	struct web_args args = {.listen = "127.0.0.1:8080"};
	struct catalog *cat = NULL;
	struct project *none = NULL;
	struct users *u = NULL;
	struct web *w = NULL;
	char state[PATH_MAX], real[PATH_MAX], datadir[PATH_MAX], err[512];
	char *cert = NULL, *key = NULL;
	int first = parse_options(cmd, argc, argv, web_option, &args);
	sigset_t stop;
	int r, sig;

	if (first < 0)
		return EXIT_USAGE;
	if (argc != first)
		return usage_error(cmd, "takes no arguments");
	if ((args.cert == NULL) != (args.key == NULL))
		return usage_error(cmd, "--tls-cert and --tls-key go together");
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0 ||
	    realpath(state, real) == NULL) {
		fprintf(stderr, "hnsp-installer web: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if ((r = users_load(real, &u)) < 0) {
		fprintf(stderr, "hnsp-installer web: cannot read %s/web/users.json: %s\n", real,
			hnsp_strerror(r));
		return EXIT_USAGE;
	}
	if (!users_has_admin(u)) {
		fprintf(stderr, "hnsp-installer web: no admin user yet; create one first:\n"
				"  hnsp-installer%s%s user add NAME --role admin\n",
			cli->state ? " --state " : "", cli->state ? cli->state : "");
		users_free(u);
		return EXIT_USAGE;
	}
	if ((r = load(cli, NULL, &cat, &none)) != EXIT_OK)
		goto out;
	datadir_find(datadir, sizeof(datadir)); /* load() found it */
	if (args.cert != NULL && ((cert = read_pem(args.cert)) == NULL ||
				  (key = read_pem(args.key)) == NULL)) {
		r = EXIT_USAGE;
		goto out;
	}
	/* Only this thread takes the stop signals; every thread started below
	 * inherits the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	ssh_init();
	{
		struct web_config cfg = {.listen = args.listen, .state_dir = real,
					 .datadir = datadir, .catalog = cat, .users = u,
					 .tls_cert = cert, .tls_key = key,
					 .hostnames = args.hostnames, .nhostnames = args.nhostnames};
		if (web_start(&cfg, &w, err, sizeof(err)) < 0) {
			fprintf(stderr, "hnsp-installer web: %s\n", err);
			r = EXIT_USAGE;
			goto out;
		}
	}
	if (cert == NULL && !web_loopback(w))
		fprintf(stderr,
			"hnsp-installer web: WARNING: serving plain HTTP on %s, beyond this machine:\n"
			"  passwords, session cookies and project files cross the network unencrypted.\n"
			"  Serve TLS (--tls-cert FILE --tls-key FILE), or listen on 127.0.0.1 and\n"
			"  reach it through an SSH tunnel (ssh -L 8080:127.0.0.1:8080 HOST).\n",
			args.listen);
	printf("serving %s (state %s); Ctrl-C stops\n", web_url(w), real);
	fflush(stdout);
	sigwait(&stop, &sig);
	printf("stopping: runs started here are asked to stop\n");
	fflush(stdout);
	web_stop(w);
	r = EXIT_OK;
out:
	if (key != NULL)
		sodium_memzero(key, strlen(key));
	free(key);
	free(cert);
	catalog_free(cat);
	users_free(u);
	return r;
}

/* ---- tui ---- */

static int cmd_tui(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("tui");
	struct catalog *cat = NULL;
	struct project *none = NULL;
	char state[PATH_MAX], real[PATH_MAX], datadir[PATH_MAX];
	int first = parse_options(cmd, argc, argv, no_options, NULL);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first > 1)
		return usage_error(cmd, "takes at most one project file");
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0 ||
	    realpath(state, real) == NULL) {
		fprintf(stderr, "hnsp-installer tui: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if ((r = load(cli, NULL, &cat, &none)) != EXIT_OK)
		return r;
	datadir_find(datadir, sizeof(datadir)); /* load() found it */
	ssh_init();
	{
		struct tui_config cfg = {.state_dir = real, .datadir = datadir, .catalog = cat,
					 .project = first < argc ? argv[first] : NULL};
		r = tui_run(&cfg);
	}
	catalog_free(cat);
	return r;
}

/* ---- verify ---- */

static const struct option verify_options[] = {{"json", no_argument, NULL, 'j'},
					       {"ask-pass", no_argument, NULL, 'p'},
					       {"fault-test", no_argument, NULL, 'f'},
					       {"stop-with", required_argument, NULL, 's'},
					       {"start-with", required_argument, NULL, 'S'},
					       {NULL, 0, NULL, 0}};

struct verify_args {
	bool json, ask_pass, fault;
	struct fault_options fo;
};

static bool verify_option(int opt, void *data)
{
	struct verify_args *a = data;
	switch (opt) {
	case 'j':
		a->json = true;
		return true;
	case 'p':
		a->ask_pass = true;
		return true;
	case 'f':
		a->fault = true;
		return true;
	case 's':
		a->fo.stop_with = optarg;
		return true;
	case 'S':
		a->fo.start_with = optarg;
		return true;
	default:
		return false;
	}
}

static int verify_print(const struct cli *cli, const struct verify_report *rep, bool json)
{
	bool c = cli->color_out;
	size_t fails = 0;

	if (json)
		return print_json("verify", verify_report_to_json(rep), JSON_COMPACT);
	printf("%s%-18s %-16s %-6s %8s  %s%s\n", paint(c, BOLD), "COMPONENT", "CHECK", "STATUS",
	       "TIME", "DETAIL", paint(c, RESET));
	for (size_t i = 0; i < rep->n; i++) {
		const struct verify_row *r = &rep->rows[i];
		const char *color = r->status == VERIFY_PASS ? GREEN
				    : r->status == VERIFY_FAIL ? RED : MAGENTA;
		fails += r->status == VERIFY_FAIL;
		printf("%-18s %-16s %s%-6s%s %7.1fs  %s\n", r->component, r->name, paint(c, color),
		       verify_status_name(r->status), paint(c, RESET), r->ms / 1000.0, r->detail);
	}
	printf("\n%s: %zu checks, %zu failed\n", rep->ok ? "verified" : "NOT verified", rep->n,
	       fails);
	return EXIT_OK;
}

static int cmd_verify(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("verify");
	struct verify_args args = {0};
	struct verify_report rep = {0}, fault = {0};
	struct remote rm;
	int first = parse_options(cmd, argc, argv, verify_option, &args);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if ((args.fo.stop_with == NULL) != (args.fo.start_with == NULL))
		return usage_error(cmd, "--stop-with and --start-with go together");
	if ((r = remote_open(cli, argv[first], args.ask_pass, &rm)) != EXIT_OK)
		return r;
	if (verify_run(rm.p, rm.cat, &rm.acc, &rep) < 0 ||
	    (args.fault && verify_fault_test(rm.p, rm.cat, &rm.acc, &args.fo, &fault) < 0)) {
		fprintf(stderr, "hnsp-installer verify: out of memory\n");
		r = EXIT_FAILED;
		goto out;
	}
	/* One table: the checks, then the fault test's steps. */
	for (size_t i = 0; i < fault.n; i++) {
		struct verify_row *row = NULL;
		if (rep.n == rep.cap) {
			size_t cap = rep.cap ? rep.cap * 2 : 16;
			struct verify_row *rows = realloc(rep.rows, cap * sizeof(*rows));
			if (rows == NULL)
				break;
			rep.rows = rows;
			rep.cap = cap;
		}
		row = &rep.rows[rep.n++];
		*row = fault.rows[i];
	}
	rep.ok = rep.ok && (!args.fault || fault.ok);
	r = verify_print(cli, &rep, args.json);
	if (r == EXIT_OK && !rep.ok)
		r = EXIT_FAILED;
out:
	verify_report_release(&fault);
	verify_report_release(&rep);
	remote_release(&rm);
	return r;
}

/* ---- bundle ---- */

static const struct option bundle_options[] = {{"output", required_argument, NULL, 'o'},
					       {"json", no_argument, NULL, 'j'},
					       {NULL, 0, NULL, 0}};

struct bundle_args {
	const char *out;
	bool json;
};

static bool bundle_option(int opt, void *data)
{
	struct bundle_args *a = data;
	if (opt == 'o')
		a->out = optarg;
	else if (opt == 'j')
		a->json = true;
	else
		return false;
	return true;
}

static void bundle_report(const json_t *m, const char *dir)
{
	const json_t *files = json_object_get(m, "files"), *v;
	json_int_t bytes = 0;
	const char *k;
	size_t i;

	json_object_foreach((json_t *)files, k, v)
		bytes += json_integer_value(json_object_get(v, "size"));
	printf("bundle %s: %zu packages, %zu binaries, %zu images, %.1f MB\n", dir,
	       json_array_size(json_object_get(m, "packages")),
	       json_array_size(json_object_get(m, "binaries")),
	       json_array_size(json_object_get(m, "images")), (double)bytes / 1e6);
	json_array_foreach(json_object_get(m, "binaries"), i, v)
		printf("  %-24s %-10s %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "version")),
		       json_string_value(json_object_get(v, "source")));
	json_array_foreach(json_object_get(m, "images"), i, v)
		printf("  %-24s %-10s built here\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "tag")));
}

static int cmd_bundle(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("bundle");
	struct bundle_args args = {0};
	struct catalog *cat = NULL;
	struct project *p = NULL;
	char datadir[PATH_MAX], err[1024], *dir = NULL;
	json_t *result = NULL;
	int first = parse_options(cmd, argc, argv, bundle_option, &args);
	int r;

	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error(cmd, argc - first ? "expects one project file" :
						       "missing the project file");
	if ((r = load(cli, argv[first], &cat, &p)) != EXIT_OK)
		return r;
	dir = args.out ? strdup(args.out) : bundle_dir(p);
	if (dir == NULL) {
		fprintf(stderr, "hnsp-installer bundle: project '%s' has no offline bundle "
				"(artefacts.source: offline, artefacts.bundle: DIR); give one with -o DIR\n",
			p->name);
		r = EXIT_USAGE;
		goto out;
	}
	if (datadir_find(datadir, sizeof(datadir)) < 0) {
		fprintf(stderr, "hnsp-installer bundle: cannot find the installer's data directory; "
				"set HNSP_DATA_DIR\n");
		r = EXIT_FAILED;
		goto out;
	}
	switch (bundle_build(p, cat, datadir, dir, &result, err, sizeof(err))) {
	case 0:
		if (args.json)
			json_dumpf(result, stdout, JSON_COMPACT), putchar('\n');
		else
			bundle_report(result, dir);
		r = EXIT_OK;
		break;
	case HNSP_ERR_NOTFOUND: {
		size_t i;
		json_t *v;
		fprintf(stderr, "hnsp-installer bundle: no source for %zu of the artefacts; nothing "
				"was written:\n",
			json_array_size(result));
		json_array_foreach(result, i, v)
			fprintf(stderr, "  component %s: %s %s: %s\n",
				json_string_value(json_object_get(v, "component")),
				json_string_value(json_object_get(v, "kind")),
				json_string_value(json_object_get(v, "name")),
				json_string_value(json_object_get(v, "reason")));
		r = EXIT_FAILED;
		break;
	}
	case HNSP_ERR_INVALID:
		fprintf(stderr, "hnsp-installer bundle: %s\n", err);
		r = EXIT_USAGE;
		break;
	default:
		fprintf(stderr, "hnsp-installer bundle: %s\n", err[0] ? err : "out of memory");
		r = EXIT_FAILED;
	}
out:
	json_decref(result);
	free(dir);
	project_free(p);
	catalog_free(cat);
	return r;
}

/* ---- key ---- */

static const struct option key_options[] = {{"name", required_argument, NULL, 'n'},
					    {"json", no_argument, NULL, 'j'},
					    {NULL, 0, NULL, 0}};

struct key_args {
	const char *name;
	bool json;
};

static bool key_option(int opt, void *data)
{
	struct key_args *a = data;
	switch (opt) {
	case 'n': a->name = optarg; return true;
	case 'j': a->json = true; return true;
	}
	return false;
}

/* The name a key imported from file takes without --name: its file name
 * up to the first dot, into buf. */
static void key_default_name(const char *file, char *buf, size_t size)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;

	snprintf(buf, size, "%.*s", (int)strcspn(base, "."), base);
}

static int key_import(const char *state, const char *file, const char *name)
{
	char text[KEYS_MAX_BYTES + 1], fp[128];
	FILE *f = fopen(file, "re");
	size_t len = f ? fread(text, 1, sizeof(text), f) : 0;
	int r;

	if (f == NULL || ferror(f)) {
		fprintf(stderr, "hnsp-installer key: cannot read '%s': %s\n", file, strerror(errno));
		if (f)
			fclose(f);
		return EXIT_USAGE;
	}
	fclose(f);
	r = keys_import(state, name, text, len, getenv("HNSP_KEY_PASSPHRASE"), fp, sizeof(fp));
	sodium_memzero(text, sizeof(text));
	if (r == HNSP_ERR_LIMIT || r == HNSP_ERR_INVALID) {
		fprintf(stderr,
			"hnsp-installer key: '%s' %s\n", file,
			r == HNSP_ERR_LIMIT ? "is larger than a private key file (16 KiB)"
					    : "is not a private key libssh can read (for a key with "
					      "a passphrase, set HNSP_KEY_PASSPHRASE)");
		return EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "hnsp-installer key: cannot write %s/keys/%s: %s\n", state, name,
			r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
		return EXIT_FAILED;
	}
	printf("imported key '%s' (%s); a project in the state directory names it as "
	       "'key_file: %s'\n",
	       name, fp, name);
	audit_local(state, "cli", "key.import",
		    json_pack("{s:s, s:s}", "key", name, "fingerprint", fp));
	return EXIT_OK;
}

static int cmd_key(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = command_find("key");
	struct key_args args = {0};
	char state[PATH_MAX], name[64] = "";
	int first = parse_options(cmd, argc, argv, key_option, &args);
	const char *what;
	int r;

	if (first < 0)
		return EXIT_USAGE;
	what = first < argc ? argv[first] : "";
	if (strcmp(what, "list") == 0 ? argc - first != 1 : argc - first != 2 ||
	    (strcmp(what, "import") != 0 && strcmp(what, "remove") != 0))
		return usage_error(cmd, "expects import FILE [--name NAME], list or remove NAME");
	if (strcmp(what, "import") == 0 && args.name == NULL)
		key_default_name(argv[first + 1], name, sizeof(name));
	else if (strcmp(what, "list") != 0)
		snprintf(name, sizeof(name), "%s", args.name ? args.name : argv[first + 1]);
	if (strcmp(what, "list") != 0 && !keys_name_valid(name)) {
		fprintf(stderr, "hnsp-installer key: '%s' is not a key name: 1 to 63 of a-z 0-9 - _, "
				"starting with a letter or a digit%s\n",
			name, strcmp(what, "import") == 0 && args.name == NULL ? "; give one with --name"
									       : "");
		return EXIT_USAGE;
	}
	if (state_dir_resolve(cli->state, state, sizeof(state)) < 0) {
		fprintf(stderr, "hnsp-installer key: cannot use the state directory %s\n", state);
		return EXIT_USAGE;
	}
	if (strcmp(what, "import") == 0)
		return key_import(state, argv[first + 1], name);
	if (strcmp(what, "remove") == 0) {
		if ((r = keys_remove(state, name)) == 0) {
			printf("removed key '%s'\n", name);
			audit_local(state, "cli", "key.remove", json_pack("{s:s}", "key", name));
		} else
			fprintf(stderr, "hnsp-installer key: %s '%s'%s%s\n",
				r == HNSP_ERR_NOTFOUND ? "no key" : "cannot remove key", name,
				r == HNSP_ERR_NOTFOUND ? "" : ": ",
				r == HNSP_ERR_NOTFOUND ? "" : strerror(errno));
		return r == 0 ? EXIT_OK : r == HNSP_ERR_NOTFOUND ? EXIT_USAGE : EXIT_FAILED;
	}
	{
		json_t *list = keys_list(state), *v;
		size_t i;
		if (args.json)
			return print_json("key", list, JSON_INDENT(2));
		json_array_foreach(list, i, v)
			printf("%-32s %-20s %s\n", json_string_value(json_object_get(v, "name")),
			       json_string_value(json_object_get(v, "type")),
			       json_string_value(json_object_get(v, "fingerprint")));
		r = list ? EXIT_OK : EXIT_FAILED;
		json_decref(list);
	}
	return r;
}

static const struct command commands[] = {
	{"validate", "PROJECT", "check a project file and report every problem in it",
	 "Reads PROJECT, checks every key and value against the schema and the component\n"
	 "catalog, then the cross-field rules (unique hosts, HA quorum, VIP and CIDR\n"
	 "placement, MetalLB pools, storage, component dependencies).  Every problem is\n"
	 "reported as FILE:LINE:COLUMN: error|warning: MESSAGE.  Warnings do not fail.\n",
	 validate_options, "", cmd_validate},
	{"plan", "PROJECT [--json]", "show the phases that would install a project",
	 "Validates PROJECT, resolves the components it needs and prints the phases in\n"
	 "the order they run: component, playbook, target hosts and why each is included.\n"
	 "\n"
	 "  --json    print {\"project\":..., \"phases\":[{\"component\", \"playbook\",\n"
	 "            \"hosts\", \"reason\"}, ...]}\n",
	 plan_options, "", cmd_plan},
	{"preflight", "PROJECT [--json] [--ask-pass]", "check every host before anything is changed",
	 "Connects to every host of PROJECT at once (host keys verified), gathers its facts\n"
	 "with one command, and checks: reachable and authenticated, sudo, OS, CPU, memory\n"
	 "and disk against each role's minimum, swap, clock skew, required ports free,\n"
	 "unique host names, the VIP not yet answering, kernel modules, storage devices\n"
	 "and python3.  Prints a host x check table and the reason for anything not OK.\n"
	 "Exit status 0 when nothing failed, 1 otherwise.\n"
	 "\n"
	 "  --json       print {\"ok\":bool, \"hosts\":[{\"name\", \"checks\":[{\"name\",\n"
	 "               \"status\":\"ok|warn|fail\", \"detail\"}]}]}\n"
	 "  --ask-pass   ask for the SSH password at the terminal (never stored)\n"
	 "\n"
	 "A key's passphrase is read from $HNSP_KEY_PASSPHRASE when set.\n",
	 preflight_options, "", cmd_preflight},
	{"exec", "PROJECT [--hosts LIST] [options] -- COMMAND [ARG...]",
	 "run one command on the project's hosts at once",
	 "Runs COMMAND with its arguments on every host (or those named in --hosts, by\n"
	 "host name or role, comma-separated), up to ssh.forks at once.  Arguments are\n"
	 "passed as they are: nothing is interpreted by a shell unless you run one.\n"
	 "Each host's output is printed whole, in project order, never interleaved.\n"
	 "Exit status 0 when the command succeeded everywhere, 1 otherwise.\n"
	 "\n"
	 "  --hosts LIST   host names or roles, e.g. master1,worker or etcd\n"
	 "  --timeout S    seconds the command may run (default 600)\n"
	 "  --become       run through sudo (also when ssh.become is true)\n"
	 "  --ask-pass     ask for the SSH (and sudo) password at the terminal\n"
	 "  --json         print {\"ok\", \"hosts\":[{\"name\", \"status\", \"exit_status\",\n"
	 "                 \"stdout\", \"stderr\", \"connect_ms\", \"elapsed_ms\", \"reason\"}]}\n",
	 exec_options, "", cmd_exec},
	{"push", "PROJECT [--hosts LIST] [--json] SRC DST", "copy a file or tree to the hosts",
	 "Copies the local file or directory SRC to the remote path DST on every host (or\n"
	 "those in --hosts) over SFTP: a file lands at DST, a directory becomes DST.\n"
	 "Files already identical (size and SHA-256) are skipped, an interrupted transfer\n"
	 "resumes, each file is checked with SHA-256 on the host and renamed into place\n"
	 "atomically, and permission bits are kept.\n"
	 "\n"
	 "  --hosts LIST   host names or roles, comma-separated\n"
	 "  --ask-pass     ask for the SSH password at the terminal\n"
	 "  --json         print {\"ok\", \"hosts\":[{\"name\", \"status\", \"files\",\n"
	 "                 \"skipped\", \"resumed\", \"bytes_sent\", \"elapsed_ms\", \"reason\"}]}\n",
	 push_options, "", cmd_push},
	{"bundle", "PROJECT [-o DIR] [--json]", "build the offline bundle of a project",
	 "On a machine that reaches package sources, gathers everything the project's\n"
	 "components need into DIR (default: the project's artefacts.bundle): their Debian\n"
	 "packages with dependencies as a local apt repository, binaries with their\n"
	 "versions, container images, and a manifest with every file's SHA-256.  When a\n"
	 "source is missing, lists each missing artefact and its component and writes\n"
	 "nothing.  The bundle is replaced whole, only once the new one is complete, and\n"
	 "only when DIR is missing, empty or a bundle built here (it holds .hnsp-bundle).\n"
	 "Exit status 0 when built, 2 when DIR is refused, 1 otherwise.\n"
	 "\n"
	 "  -o, --output DIR  where to build the bundle\n"
	 "  --json            print the manifest\n",
	 bundle_options, "o:", cmd_bundle},
	{"key", "import FILE [--name NAME] | list [--json] | remove NAME",
	 "manage the SSH keys kept in the state directory",
	 "import FILE   keep the private key FILE as STATE/keys/NAME (mode 0600); NAME is\n"
	 "              --name NAME, else FILE's name up to its first dot.  A key with a\n"
	 "              passphrase is read with HNSP_KEY_PASSPHRASE and kept encrypted\n"
	 "list          every key's name, type and public SHA-256 fingerprint\n"
	 "remove NAME   remove a key\n"
	 "A project kept in the state directory (STATE/projects/) names a key as\n"
	 "'ssh.key_file: NAME'; no key is ever shown or served back.\n",
	 key_options, "n:", cmd_key},
	{"apply", "PROJECT [--yes] [--json] [--resume|--from PHASE|--only PHASE] [--runner R] [--via V]",
	 "install the project: run the plan's phases with live progress",
	 "Shows the plan and asks to go on (unless --yes), then runs each phase's playbook\n"
	 "with ansible-playbook, showing phase k of N, a bar of tasks done, the current\n"
	 "task, result counts and the time left.  Every event goes to the run journal\n"
	 "(STATE/runs/<id>/).  When a phase fails, the host, task, message and last lines\n"
	 "of output are shown with the log's path.  Ctrl-C stops after the current task;\n"
	 "the journal stays valid.  Exit status 0 on success, 1 when the run failed or\n"
	 "was stopped.\n"
	 "\n"
	 "  --yes              do not ask\n"
	 "  --json             print the events, one JSON object per line\n"
	 "  --resume           continue the last unfinished run of the project from the\n"
	 "                     first phase that did not complete\n"
	 "  --from PHASE       start at PHASE (a component id)\n"
	 "  --only PHASE       run PHASE alone\n"
	 "  --ask-become-pass  ask for the sudo password (given to Ansible through a private FIFO)\n"
	 "  --runner remote:HOST  run ansible-playbook on HOST (a host of the project that\n"
	 "                     has Ansible): playbooks, inventory and key are pushed there,\n"
	 "                     events stream back; this machine needs no Ansible\n"
	 "  --via cli|tui      the front-end to name in the audit log and the run's\n"
	 "                     started_by (the TUI passes tui); the user is always the\n"
	 "                     one running this command\n",
	 apply_options, "", cmd_apply},
	{"verify", "PROJECT [--json] [--fault-test [--stop-with CMD --start-with CMD]]",
	 "prove that the installed platform works",
	 "Runs, over SSH, the checks the catalog lists for each component of the project:\n"
	 "clocks agree; hosts install only from the bundle; the registry holds the test\n"
	 "image and containerd on a worker pulls it; every etcd member is healthy and\n"
	 "etcd accepts a write; exactly one master holds the API VIP and the VIP answers;\n"
	 "Prometheus has every host's node exporter up.  Prints a table (component,\n"
	 "check, status, time, detail).  Exit status 0 when no check failed, 1 otherwise.\n"
	 "\n"
	 "  --json          print {\"ok\":bool, \"checks\":[{\"component\", \"name\",\n"
	 "                  \"status\":\"pass|fail|skip\", \"detail\", \"ms\"}]}\n"
	 "  --fault-test    then stop the master that holds the VIP, check that the VIP\n"
	 "                  moves within 15 s and answers, that etcd keeps quorum and\n"
	 "                  accepts a write, start the master again and wait for it to\n"
	 "                  rejoin; each step's time is reported\n"
	 "  --stop-with CMD, --start-with CMD\n"
	 "                  how to stop and start a master: shell commands run here with\n"
	 "                  the host's name as $1 (the lab: 'tests/lab/lab.sh stop').\n"
	 "                  Without them, keepalived, haproxy and etcd are stopped and\n"
	 "                  started on it over SSH\n"
	 "  --ask-pass      ask for the SSH password at the terminal\n",
	 verify_options, "", cmd_verify},
	{"runs", "list | show ID | log ID [--follow] [--json]", "read the run journal",
	 "list      every run, newest first: id, state, phases done, start, duration,\n"
	 "          who started it\n"
	 "show ID   a run's phases, their results, and what failed\n"
	 "log ID    a run's events as progress lines (--json: as recorded);\n"
	 "          --follow waits for new events until the run ends\n",
	 runs_options, "", cmd_runs},
	{"web", "[--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--hostname NAME]",
	 "serve the web GUI and its JSON API",
	 "Serves the web GUI and the JSON API (docs/api.md) until Ctrl-C.  Needs an admin\n"
	 "user first ('user add NAME --role admin').  Projects are the files\n"
	 "STATE/projects/NAME.yaml, which the CLI reads too; runs go to the same journal.\n"
	 "\n"
	 "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0 picks one;\n"
	 "                       [::1]:8080 for IPv6)\n"
	 "  --tls-cert FILE, --tls-key FILE\n"
	 "                       serve HTTPS with this PEM certificate and key\n"
	 "  --hostname NAME      a DNS name the server is reached by (repeatable, up to 8);\n"
	 "                       otherwise only its address and localhost are answered\n",
	 web_options, "", cmd_web},
	{"tui", "[PROJECT]", "the interactive installer in the terminal",
	 "Opens a full-screen, keyboard-driven installer: pick a project (the files in\n"
	 "STATE/projects, PROJECT, or a new one from an example), edit its hosts,\n"
	 "components, network and SSH settings (saved only when the whole project is\n"
	 "valid), run preflight, see the plan, apply it with live progress per phase and\n"
	 "host, read what failed, verify, and replay earlier runs.  ? shows the keys of\n"
	 "each screen.  Ctrl-C during a run asks whether to stop it or to detach (the run\n"
	 "goes on; 'runs log ID --follow' follows it).  Needs a terminal of 80x24 or more.\n",
	 validate_options, "", cmd_tui},
	{"user",
	 "add NAME --role admin|operator|viewer | list [--json] | remove NAME | passwd NAME | "
	 "token NAME",
	 "manage the web GUI's users",
	 "add NAME --role R   add a user; the password is typed twice at the terminal, or\n"
	 "                    given as one line on standard input (8 to 1024 characters)\n"
	 "list                every user and role\n"
	 "remove NAME         remove a user (not the last admin)\n"
	 "passwd NAME         set NAME's password, read like add's; NAME's sessions in the\n"
	 "                    web GUI end, NAME's tokens stay good\n"
	 "token NAME          print a new API token for NAME (Authorization: Bearer ...);\n"
	 "                    it is shown once, only its hash is kept\n"
	 "Roles: viewer reads; operator also edits projects and runs them; admin also\n"
	 "manages users.  Users live in STATE/web/users.json (Argon2id hashes).\n",
	 user_options, "", cmd_user},
	{"secret", "set NAME | list [--json] | remove NAME", "manage the secrets projects refer to",
	 "set NAME      seal a value under NAME (replacing any); the value is typed twice at\n"
	 "              the terminal, or given as one line on standard input, never as an\n"
	 "              argument\n"
	 "list          every secret's name and when it was set (never a value)\n"
	 "remove NAME   remove a secret\n"
	 "Names: 1 to 63 of a-z 0-9 _ -.  A project refers to one as {secret: NAME}\n"
	 "(ssh.become_password, ssh.password, ssh.key_passphrase, a variable's value).\n"
	 "Values are sealed (XChaCha20-Poly1305) in STATE/secrets.json under the key file\n"
	 "$HNSP_SECRETS_KEY, by default STATE.key beside the state directory, made (0600)\n"
	 "by the first set.  A key file others can read is refused.\n",
	 secret_options, "", cmd_secret},
	{"audit", "[--json] [--since TIME] [--limit N]", "show who did what: the audit log",
	 "Prints STATE/audit.jsonl, oldest first: every web login (good or not, with the\n"
	 "client's address) and logout, user and secret changes, project changes with a\n"
	 "diff summary, and runs started, resumed and stopped, with who did it and how\n"
	 "(web, cli, tui).  A damaged line is reported with its number and skipped.\n"
	 "Only the last 16 MiB of the file are read.\n"
	 "\n"
	 "  --json        print the entries as they are recorded, one JSON object a line\n"
	 "  --since TIME  only entries from TIME on: a UTC time (2026-12-01,\n"
	 "                2026-12-01T08:30:00Z) or an age (90s, 30m, 12h, 7d)\n"
	 "  --limit N     the newest N entries at most (default 1000, at most 100000)\n",
	 audit_options, "", cmd_audit},
};

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: hnsp-installer [--state DIR] COMMAND [options]\n\n"
		   "Installs the HNSP platform on a project's hosts.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %-20s %s\n", commands[i].name, commands[i].usage,
			commands[i].summary);
	fprintf(f, "\noptions:\n"
		   "  --state DIR   keep projects, known hosts and runs in DIR\n"
		   "                (default: $XDG_STATE_HOME/hnsp-installer)\n"
		   "  -h, --help    show this help; COMMAND --help for a command's\n"
		   "  --version     show the version\n\n"
		   "exit status: 0 success, 1 a run or a remote check failed, 2 bad input or "
		   "usage\n");
}

static void print_command_help(const struct command *cmd)
{
	printf("usage: hnsp-installer %s %s\n\n%s.\n\n%s", cmd->name, cmd->usage, cmd->summary,
	       cmd->help);
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct cli cli = {.color_out = want_color(stdout), .color_err = want_color(stderr)};
	const struct command *cmd;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("hnsp-installer %s\n", HNSP_VERSION);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
			cli.state = argv[i + 1];
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "--state=", 8) == 0) {
			cli.state = argv[i] + 8;
			i++;
			continue;
		}
		fprintf(stderr, "hnsp-installer: unknown option '%s'\n", argv[i]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (i == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc && (cmd = command_find(argv[i + 1])) != NULL)
			print_command_help(cmd);
		else
			print_usage(stdout);
		return EXIT_OK;
	}
	if ((cmd = command_find(argv[i])) == NULL) {
		const char *names[sizeof(commands) / sizeof(commands[0])];
		const char *hint;
		for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
			names[k] = commands[k].name;
		hint = suggest_closest(argv[i], names, sizeof(names) / sizeof(names[0]));
		if (hint != NULL)
			fprintf(stderr, "hnsp-installer: unknown command '%s'; did you mean '%s'?\n",
				argv[i], hint);
		else
			fprintf(stderr,
				"hnsp-installer: unknown command '%s'; see 'hnsp-installer --help'\n",
				argv[i]);
		return EXIT_USAGE;
	}
	if (wants_help(argc - i, argv + i)) {
		print_command_help(cmd);
		return EXIT_OK;
	}
	return cmd->run(&cli, argc - i, argv + i);
}
