/* verify.c: see verify.h.  Each check is a row of the checks[] table: a
 * component, a check name (as the catalog lists it) and the function that
 * runs it over SSH. */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "error.h"

#define MAX_ARGS 8
#define SKEW_BOUND_S 1.0
#define ETCDCTL ". /etc/etcd/etcdctl.env && "

struct ctx {
	const struct project *p;
	const struct catalog *cat;
	const struct access *a;
	struct verify_report *rep;
};

/* ---- rows ---- */

static struct verify_row *add_row(struct verify_report *rep, const char *component,
				  const char *name)
{
	struct verify_row *r;

	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;
		struct verify_row *rows = realloc(rep->rows, cap * sizeof(*rows));
		if (rows == NULL)
			return NULL;
		rep->rows = rows;
		rep->cap = cap;
	}
	r = &rep->rows[rep->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->component, sizeof(r->component), "%s", component);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

__attribute__((format(printf, 3, 4))) static void set(struct verify_row *r,
						      enum verify_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* ---- running things on hosts ---- */

/* Runs bash -c script with args ($1...) on the given hosts at once. */
static struct batch *run(const struct ctx *c, const size_t *hosts, size_t n, const char *script,
			 const char *const *args, long timeout_ms)
{
	const char *argv[MAX_ARGS + 5] = {"bash", "-c", script, "hnsp-verify"};
	struct ssh_exec_options o = {.timeout_ms = timeout_ms, .become = c->p->ssh.become};
	struct batch *b = NULL;
	size_t k = 4;

	for (size_t i = 0; args && args[i] && i < MAX_ARGS; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	if (batch_exec(c->a, hosts, n, (size_t)c->p->ssh.forks, argv, &o, &b) < 0)
		return NULL;
	return b;
}

static bool item_ok(const struct batch_item *it)
{
	return it->fail.kind == SSH_FAIL_NONE && it->result.exit_status == 0;
}

/* Why an item failed, in one line. */
static const char *why(const struct batch_item *it, char *buf, size_t size)
{
	const char *text = it->result.err && it->result.err[0] ? it->result.err : it->result.out;
	const char *end;

	if (it->fail.kind != SSH_FAIL_NONE && it->fail.kind != SSH_FAIL_COMMAND)
		return it->fail.message;
	if (text == NULL || text[0] == '\0')
		snprintf(buf, size, "exit status %d", it->result.exit_status);
	else {
		/* The last non-empty line says most. */
		size_t len = strlen(text);
		while (len > 0 && text[len - 1] == '\n')
			len--;
		end = text + len;
		while (end > text && end[-1] != '\n')
			end--;
		snprintf(buf, size, "%.*s", (int)(text + len - end), end);
	}
	return buf;
}

static const char *host_name(const struct ctx *c, size_t i)
{
	return HOST_AT(c->p, i)->name;
}

static bool has_role(const struct host *h, const char *role)
{
	for (size_t r = 0; r < h->roles.n; r++)
		if (strcmp(h->roles.v[r], role) == 0)
			return true;
	return false;
}

/* Indexes of the hosts with role (every host for NULL), in project order. */
static size_t hosts_with(const struct ctx *c, const char *role, size_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < c->p->hosts.n; i++)
		if (role == NULL || has_role(HOST_AT(c->p, i), role))
			out[n++] = i;
	return n;
}

/* Runs script on the first of hosts that answers; returns that item's batch
 * (or the last one tried) and sets *which. */
static struct batch *run_first(const struct ctx *c, const size_t *hosts, size_t n,
			       const char *script, const char *const *args, long timeout_ms,
			       size_t *which)
{
	struct batch *b = NULL;

	for (size_t i = 0; i < n; i++) {
		batch_free(b);
		if ((b = run(c, &hosts[i], 1, script, args, timeout_ms)) == NULL)
			return NULL;
		*which = hosts[i];
		if (b->items[0].fail.kind == SSH_FAIL_NONE ||
		    b->items[0].fail.kind == SSH_FAIL_COMMAND)
			return b;
	}
	return b;
}

/* A component option's text: the project's value, else the catalog's
 * default; NULL when neither. */
static const char *option_text(const struct ctx *c, const char *id, const char *name)
{
	const struct component *comp = catalog_find(c->cat, id);
	const struct catalog_option *o = comp ? component_option(comp, name) : NULL;
	const struct project_component *pc = project_component(c->p, id);
	const struct ynode *v = pc ? ynode_get(pc->options, name) : NULL;

	if (v == NULL && o != NULL)
		v = o->def;
	return v ? v->value : NULL;
}

static long int_option(const struct ctx *c, const char *id, const char *name)
{
	const char *t = option_text(c, id, name);
	return t ? strtol(t, NULL, 10) : 0;
}

static bool bool_option(const struct ctx *c, const char *id, const char *name)
{
	const char *t = option_text(c, id, name);
	return t && strcmp(t, "true") == 0;
}

/* The registry as hosts reach it: NAME:PORT of the first registry host. */
static bool registry_of(const struct ctx *c, char *buf, size_t size, size_t *host)
{
	size_t *idx = calloc(c->p->hosts.n + 1, sizeof(*idx));
	bool ok = idx && hosts_with(c, "registry", idx) > 0;

	if (ok) {
		*host = idx[0];
		snprintf(buf, size, "%s:%ld", host_name(c, idx[0]),
			 int_option(c, "registry", "port"));
	}
	free(idx);
	return ok;
}

/* The first image the registry component carries, e.g. "hnsp/test:1". */
static const char *test_image(const struct ctx *c)
{
	const struct component *reg = catalog_find(c->cat, "registry");
	return reg && reg->images.n > 0 ? reg->images.v[0] : NULL;
}

/* ---- the checks ---- */

typedef void check_fn(const struct ctx *c, size_t *idx, struct verify_row *r);

static void check_time_skew(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	static const char script[] = "date +%s.%N";
	size_t n = hosts_with(c, NULL, idx), worst = 0, answered = 0;
	struct timespec wall0;
	long mono0 = clock_ms();
	double max = 0.0;
	struct batch *b;
	char buf[256];

	clock_gettime(CLOCK_REALTIME, &wall0);
	if ((b = run(c, idx, n, script, NULL, 20000)) == NULL)
		return set(r, VERIFY_FAIL, "out of memory");
	for (size_t k = 0; k < b->n; k++) {
		const struct batch_item *it = &b->items[k];
		/* The host read its clock while its command ran: between the end of
		 * the connection and the end of the command, by this clock. */
		double begin = (double)wall0.tv_sec + wall0.tv_nsec / 1e9 +
			       (double)(it->started_ms - mono0 + it->connect_ms) / 1000.0;
		double end = begin + (double)it->result.elapsed_ms / 1000.0, there, skew = 0.0;
		if (!item_ok(it)) {
			set(r, VERIFY_FAIL, "%s: %s", host_name(c, it->host), why(it, buf, sizeof(buf)));
			batch_free(b);
			return;
		}
		there = strtod(it->result.out, NULL);
		if (there < begin)
			skew = begin - there;
		else if (there > end)
			skew = there - end;
		if (skew >= max)
			max = skew, worst = it->host;
		answered++;
	}
	set(r, max < SKEW_BOUND_S ? VERIFY_PASS : VERIFY_FAIL,
	    "%zu hosts; largest skew %.3f s (%s), bound %.0f s", answered, max,
	    host_name(c, worst), SKEW_BOUND_S);
	batch_free(b);
}

static void check_repository(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	/* Every index apt reads must come from the pushed bundle. */
	static const char script[] =
		"uris=$(apt-get indextargets --format '$(URI)') || exit 1\n"
		"[ -n \"$uris\" ] || { echo 'apt has no index at all' >&2; exit 1; }\n"
		"other=$(printf '%s\\n' \"$uris\" | grep -v \"^file:$1/\" | head -1)\n"
		"[ -z \"$other\" ] || { echo \"apt also reads $other\" >&2; exit 1; }\n";
	const char *args[] = {"/var/lib/hnsp-installer/bundle", NULL};
	size_t n = hosts_with(c, NULL, idx);
	struct batch *b = run(c, idx, n, script, args, 30000);
	char buf[512];

	if (b == NULL)
		return set(r, VERIFY_FAIL, "out of memory");
	set(r, VERIFY_PASS, "%zu hosts install only from %s/apt", n, args[0]);
	for (size_t k = 0; k < b->n; k++)
		if (!item_ok(&b->items[k])) {
			set(r, VERIFY_FAIL, "%s: %s", host_name(c, b->items[k].host),
			    why(&b->items[k], buf, sizeof(buf)));
			break;
		}
	batch_free(b);
}

static void check_pull(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	/* Removed first (synchronously), so the image really comes over the wire. */
	static const char script[] =
		"ctr -n hnsp-verify images rm --sync \"$1\" >/dev/null 2>&1\n"
		"ctr -n hnsp-verify images pull --hosts-dir /etc/containerd/certs.d \"$1\" >/dev/null\n";
	const char *image = test_image(c);
	char ref[256], reg[256], buf[512];
	size_t n = hosts_with(c, "worker", idx), at = 0, reg_host;
	struct batch *b;

	if (n == 0)
		n = hosts_with(c, "master", idx);
	if (image == NULL || n == 0 || !registry_of(c, reg, sizeof(reg), &reg_host))
		return set(r, VERIFY_SKIP, "needs a registry, its test image and a worker");
	snprintf(ref, sizeof(ref), "docker.io/%s", image);
	if ((b = run_first(c, idx, n, script, (const char *[]){ref, NULL}, 120000, &at)) == NULL)
		return set(r, VERIFY_FAIL, "out of memory");
	if (item_ok(&b->items[0]))
		set(r, VERIFY_PASS, "%s pulled %s through %s", host_name(c, at), ref, reg);
	else
		set(r, VERIFY_FAIL, "%s could not pull %s through %s: %s", host_name(c, at), ref, reg,
		    why(&b->items[0], buf, sizeof(buf)));
	batch_free(b);
}

static void check_catalog(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	static const char script[] =
		"skopeo inspect --tls-verify=\"$2\" --cert-dir /etc/hnsp/pki --format '{{.Digest}}' "
		"\"docker://$1\"\n";
	const char *image = test_image(c);
	char ref[256], reg[256], buf[512];
	size_t reg_host;
	struct batch *b;

	(void)idx;
	if (image == NULL || !registry_of(c, reg, sizeof(reg), &reg_host))
		return set(r, VERIFY_SKIP, "the project has no registry host");
	snprintf(ref, sizeof(ref), "%.120s/%.120s", reg, image);
	b = run(c, &reg_host, 1, script,
		(const char *[]){ref, bool_option(c, "registry", "insecure") ? "false" : "true", NULL},
		30000);
	if (b == NULL)
		return set(r, VERIFY_FAIL, "out of memory");
	if (item_ok(&b->items[0])) {
		b->items[0].result.out[strcspn(b->items[0].result.out, "\n")] = '\0';
		set(r, VERIFY_PASS, "%s answers and holds %s (%s)", reg, image,
		    b->items[0].result.out);
	} else {
		set(r, VERIFY_FAIL, "%.100s: %.400s", reg, why(&b->items[0], buf, sizeof(buf)));
	}
	batch_free(b);
}

/* Healthy members as etcd's health check reports them, asked on the first
 * etcd host that answers. */
static void etcd_health(const struct ctx *c, size_t *idx, size_t *members, size_t *healthy,
			char *detail, size_t size)
{
	static const char script[] = ETCDCTL "etcdctl endpoint health --cluster -w json 2>/dev/null; "
					     "true";
	size_t n = hosts_with(c, "etcd", idx), at = 0;
	struct batch *b = run_first(c, idx, n, script, NULL, 30000, &at);
	json_t *list = NULL, *v;
	size_t i;

	*members = n;
	*healthy = 0;
	detail[0] = '\0';
	if (b == NULL || !item_ok(&b->items[0])) {
		snprintf(detail, size, "no etcd host answers%s%.300s", b ? ": " : "",
			 b ? b->items[0].fail.message : "");
		batch_free(b);
		return;
	}
	list = json_loads(b->items[0].result.out, JSON_DECODE_ANY, NULL);
	json_array_foreach(list, i, v)
	{
		if (json_is_true(json_object_get(v, "health")))
			(*healthy)++;
		else
			snprintf(detail, size, "%s unhealthy: %s",
				 json_string_value(json_object_get(v, "endpoint")) ?: "?",
				 json_string_value(json_object_get(v, "error")) ?: "no answer");
	}
	json_decref(list);
	batch_free(b);
}

static void check_members(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	size_t members, healthy;
	char detail[400];

	etcd_health(c, idx, &members, &healthy, detail, sizeof(detail));
	set(r, healthy == members && members > 0 ? VERIFY_PASS : VERIFY_FAIL,
	    "%zu of %zu members healthy%s%s", healthy, members, detail[0] ? "; " : "", detail);
}

/* Writes a fresh value and reads it back on the first etcd host that answers. */
static bool etcd_write(const struct ctx *c, size_t *idx, char *detail, size_t size)
{
	static const char script[] = ETCDCTL "etcdctl put hnsp/verify \"$1\" >/dev/null && "
					     "etcdctl get hnsp/verify --print-value-only\n";
	char token[64], buf[512];
	size_t n = hosts_with(c, "etcd", idx), at = 0;
	struct batch *b;
	bool ok;

	snprintf(token, sizeof(token), "verify-%ld-%ld", (long)time(NULL), (long)getpid());
	if ((b = run_first(c, idx, n, script, (const char *[]){token, NULL}, 30000, &at)) == NULL) {
		snprintf(detail, size, "out of memory");
		return false;
	}
	ok = item_ok(&b->items[0]) && strncmp(b->items[0].result.out, token, strlen(token)) == 0;
	if (ok)
		snprintf(detail, size, "wrote and read back hnsp/verify through %s", host_name(c, at));
	else
		snprintf(detail, size, "%s: %s", host_name(c, at), why(&b->items[0], buf, sizeof(buf)));
	batch_free(b);
	return ok;
}

static void check_write(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	char detail[512];
	bool ok = etcd_write(c, idx, detail, sizeof(detail));
	set(r, ok ? VERIFY_PASS : VERIFY_FAIL, "%s", detail);
}

/* Which masters (but exclude, a stopped one; (size_t)-1 for none) hold the
 * VIP: returns how many, *holder the first; *asked how many answered. */
static size_t vip_holders(const struct ctx *c, size_t *idx, size_t exclude, size_t *holder,
			  size_t *asked, long timeout_ms)
{
	static const char script[] = "ip -o -4 addr show | grep -q \" $1/\"";
	size_t n = 0, all = hosts_with(c, "master", idx), count = 0;
	struct batch *b;

	for (size_t i = 0; i < all; i++)
		if (idx[i] != exclude)
			idx[n++] = idx[i];
	b = run(c, idx, n, script, (const char *[]){c->p->network.api_vip, NULL}, timeout_ms);

	*asked = 0;
	for (size_t k = 0; b && k < b->n; k++) {
		const struct batch_item *it = &b->items[k];
		if (it->fail.kind == SSH_FAIL_NONE || it->fail.kind == SSH_FAIL_COMMAND)
			(*asked)++;
		if (item_ok(it) && count++ == 0)
			*holder = it->host;
	}
	batch_free(b);
	return count;
}

static void check_vip_holder(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	size_t holder = 0, asked, n = vip_holders(c, idx, (size_t)-1, &holder, &asked, 15000);

	if (n == 1)
		set(r, VERIFY_PASS, "%s holds %s (%zu masters asked)", host_name(c, holder),
		    c->p->network.api_vip, asked);
	else
		set(r, VERIFY_FAIL, "%zu masters hold %s (%zu answered); exactly one must", n,
		    c->p->network.api_vip, asked);
}

/* Connects to the VIP's port from a host that does not hold it. */
static bool vip_answers(const struct ctx *c, size_t *idx, size_t holder, char *detail,
			size_t size)
{
	static const char script[] = "timeout 3 bash -c \"exec 3<>/dev/tcp/$1/$2\"";
	char port[16], buf[512];
	size_t n = 0, at = 0;
	struct batch *b;
	bool ok;

	for (size_t i = 0; i < c->p->hosts.n; i++)
		if (i != holder)
			idx[n++] = i;
	snprintf(port, sizeof(port), "%ld", c->p->network.api_port);
	b = run_first(c, idx, n, script, (const char *[]){c->p->network.api_vip, port, NULL},
		      15000, &at);
	if (b == NULL) {
		snprintf(detail, size, "out of memory");
		return false;
	}
	ok = item_ok(&b->items[0]);
	if (ok)
		snprintf(detail, size, "%s:%s accepts connections (asked from %s)",
			 c->p->network.api_vip, port, host_name(c, at));
	else
		snprintf(detail, size, "%s:%s from %s: %s", c->p->network.api_vip, port,
			 host_name(c, at), why(&b->items[0], buf, sizeof(buf)));
	batch_free(b);
	return ok;
}

static void check_vip_answers(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	size_t holder = (size_t)-1, asked;
	char detail[512];

	vip_holders(c, idx, (size_t)-1, &holder, &asked, 15000);
	set(r, vip_answers(c, idx, holder, detail, sizeof(detail)) ? VERIFY_PASS : VERIFY_FAIL,
	    "%s", detail);
}

static void check_targets(const struct ctx *c, size_t *idx, struct verify_row *r)
{
	/* Prometheus needs a scrape or two after a start: wait up to a minute. */
	static const char script[] =
		"python3 - \"$1\" <<'EOF'\n"
		"import json, sys, time, urllib.request\n"
		"want = int(sys.argv[1])\n"
		"for _ in range(60):\n"
		"    try:\n"
		"        d = json.load(urllib.request.urlopen('http://127.0.0.1:9090/api/v1/targets', timeout=5))\n"
		"        nodes = [t for t in d['data']['activeTargets'] if t['labels'].get('job') == 'node']\n"
		"        down = [t['labels'].get('host', '?') for t in nodes if t['health'] != 'up']\n"
		"        if len(nodes) == want and not down:\n"
		"            print('%d of %d node targets up' % (len(nodes), want))\n"
		"            sys.exit(0)\n"
		"        last = '%d of %d node targets up; down: %s' % (len(nodes) - len(down), want, ', '.join(down) or 'none')\n"
		"    except Exception as e:\n"
		"        last = 'Prometheus does not answer: %s' % e\n"
		"    time.sleep(1)\n"
		"print(last, file=sys.stderr)\n"
		"sys.exit(1)\n"
		"EOF\n";
	char want[16], buf[512];
	size_t n = hosts_with(c, "monitoring", idx), at = 0;
	struct batch *b;

	if (n == 0)
		return set(r, VERIFY_SKIP, "no host has the monitoring role");
	snprintf(want, sizeof(want), "%zu", c->p->hosts.n);
	if ((b = run_first(c, idx, n, script, (const char *[]){want, NULL}, 90000, &at)) == NULL)
		return set(r, VERIFY_FAIL, "out of memory");
	if (item_ok(&b->items[0])) {
		b->items[0].result.out[strcspn(b->items[0].result.out, "\n")] = '\0';
		set(r, VERIFY_PASS, "%s: %s", host_name(c, at), b->items[0].result.out);
	} else {
		set(r, VERIFY_FAIL, "%s: %s", host_name(c, at), why(&b->items[0], buf, sizeof(buf)));
	}
	batch_free(b);
}

static const struct {
	const char *component, *name;
	check_fn *fn;
} checks[] = {
	{"base", "time-skew", check_time_skew},
	{"artefacts", "repository", check_repository},
	{"registry", "catalog", check_catalog},
	{"container-runtime", "pull", check_pull},
	{"etcd", "members", check_members},
	{"etcd", "write", check_write},
	{"api-lb", "vip-holder", check_vip_holder},
	{"api-lb", "vip-answers", check_vip_answers},
	{"monitoring", "targets", check_targets},
};

static check_fn *find_check(const char *component, const char *name)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (strcmp(checks[i].component, component) == 0 && strcmp(checks[i].name, name) == 0)
			return checks[i].fn;
	return NULL;
}

static void finish(struct verify_report *rep)
{
	rep->ok = true;
	for (size_t i = 0; i < rep->n; i++)
		rep->ok &= rep->rows[i].status != VERIFY_FAIL;
}

int verify_run(const struct project *p, const struct catalog *cat, const struct access *a,
	       struct verify_report *rep)
{
	struct ctx c = {p, cat, a, rep};
	size_t *needed_by = calloc(cat->components.n, sizeof(*needed_by));
	size_t *idx = calloc(p->hosts.n + 1, sizeof(*idx));
	int r = HNSP_ERR_NOMEM;

	memset(rep, 0, sizeof(*rep));
	if (needed_by == NULL || idx == NULL)
		goto out;
	project_needs(p, cat, needed_by);
	/* In catalog order: what a component builds on is checked before it. */
	for (size_t i = 0; i < cat->components.n; i++) {
		const struct component *comp = COMPONENT_AT(cat, i);
		if (needed_by[i] == NEED_NONE || comp->final)
			continue;
		for (size_t k = 0; k < comp->checks.n; k++) {
			const struct catalog_check *chk =
				OBJLIST_AT(&comp->checks, struct catalog_check, k);
			check_fn *fn = find_check(comp->id, chk->name);
			struct verify_row *row = add_row(rep, comp->id, chk->name);
			long t0 = clock_ms();
			if (row == NULL)
				goto out;
			if (fn == NULL)
				set(row, VERIFY_SKIP, "not checked by this version: %s", chk->description);
			else if (strcmp(comp->id, "artefacts") == 0 &&
				 p->artefacts.source != ARTEFACTS_OFFLINE)
				set(row, VERIFY_SKIP, "the project installs online");
			else
				fn(&c, idx, row);
			row->ms = clock_ms() - t0;
		}
	}
	r = 0;
out:
	finish(rep);
	free(needed_by);
	free(idx);
	return r;
}

/* ---- the fault test ---- */

/* Runs "CMD HOST" here through /bin/sh with the host as $1: never pasted into
 * the command text.  Returns the exit status, or -1. */
static int run_local(const char *cmd, const char *host)
{
	char script[1024];
	int status;
	pid_t pid;

	snprintf(script, sizeof(script), "%s \"$1\"", cmd);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", script, "sh", host, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char services_script[] = "systemctl \"$1\" keepalived haproxy etcd";

/* Stops or starts host h as the options say. */
static bool stop_start(const struct ctx *c, const struct fault_options *o, size_t h, bool stop,
		       char *detail, size_t size)
{
	const char *cmd = stop ? o->stop_with : o->start_with;
	char buf[512];
	struct batch *b;
	bool ok;

	if (cmd != NULL) {
		int st = run_local(cmd, host_name(c, h));
		snprintf(detail, size, "'%s %s' exited with %d", cmd, host_name(c, h), st);
		return st == 0;
	}
	b = run(c, &h, 1, services_script, (const char *[]){stop ? "stop" : "start", NULL}, 60000);
	ok = b && item_ok(&b->items[0]);
	snprintf(detail, size, "%s keepalived, haproxy and etcd on %s over SSH%s%s",
		 stop ? "stopped" : "started", host_name(c, h), ok ? "" : ": ",
		 ok ? "" : b ? why(&b->items[0], buf, sizeof(buf)) : "out of memory");
	batch_free(b);
	return ok;
}

/* Waits until host h answers SSH, its etcd member is healthy and keepalived
 * runs. */
static bool rejoined(const struct ctx *c, size_t h, char *detail, size_t size)
{
	static const char script[] =
		ETCDCTL "env -u ETCDCTL_ENDPOINTS etcdctl --endpoints \"https://$1:$2\" endpoint "
			"health >/dev/null && "
			"systemctl is-active --quiet keepalived haproxy";
	char port[16], buf[512];
	struct batch *b = NULL;
	bool ok = false;

	snprintf(port, sizeof(port), "%ld", int_option(c, "etcd", "client_port"));
	b = run(c, &h, 1, script, (const char *[]){HOST_AT(c->p, h)->address, port, NULL}, 20000);
	ok = b && item_ok(&b->items[0]);
	if (!ok)
		snprintf(detail, size, "%s", b ? why(&b->items[0], buf, sizeof(buf)) : "out of memory");
	batch_free(b);
	return ok;
}

int verify_fault_test(const struct project *p, const struct catalog *cat,
		      const struct access *a, const struct fault_options *o,
		      struct verify_report *rep)
{
	struct ctx c = {p, cat, a, rep};
	size_t *idx = calloc(p->hosts.n + 1, sizeof(*idx)), holder = 0, asked, taker = 0;
	long bound = o->failover_bound_ms ? o->failover_bound_ms : 15000;
	long rejoin_bound = o->rejoin_bound_ms ? o->rejoin_bound_ms : 180000;
	struct verify_row *row;
	char detail[512], what[512];
	long t0, moved = -1;
	bool stopped = false;
	int r = HNSP_ERR_NOMEM;

	memset(rep, 0, sizeof(*rep));
	if (idx == NULL || (row = add_row(rep, "fault-test", "stop-vip-holder")) == NULL)
		goto out;
	t0 = clock_ms();
	if (p->network.api_vip == NULL || hosts_with(&c, "master", idx) < 3 ||
	    hosts_with(&c, "etcd", idx) < 3) {
		set(row, VERIFY_SKIP, "needs an API VIP and 3 or more masters and etcd members");
		r = 0;
		goto out;
	}
	if (vip_holders(&c, idx, (size_t)-1, &holder, &asked, 15000) != 1) {
		set(row, VERIFY_FAIL, "no single master holds %s; run verify first",
		    p->network.api_vip);
		r = 0;
		goto out;
	}
	if (!stop_start(&c, o, holder, true, detail, sizeof(detail))) {
		set(row, VERIFY_FAIL, "could not stop %s: %s", host_name(&c, holder), detail);
		r = 0;
		goto out;
	}
	stopped = true;
	set(row, VERIFY_PASS, "%s held %s; %s", host_name(&c, holder), p->network.api_vip, detail);
	row->ms = clock_ms() - t0;

	/* The VIP moves: poll the other masters until one holds it. */
	if ((row = add_row(rep, "fault-test", "vip-moves")) == NULL)
		goto out;
	while (clock_ms() - t0 < bound) {
		if (vip_holders(&c, idx, holder, &taker, &asked, 3000) == 1) {
			moved = clock_ms() - t0;
			break;
		}
		usleep(200 * 1000);
	}
	if (moved >= 0)
		set(row, VERIFY_PASS, "%s took %s %.1f s after the stop began (bound %.0f s)",
		    host_name(&c, taker), p->network.api_vip, moved / 1000.0, bound / 1000.0);
	else
		set(row, VERIFY_FAIL, "no other master took %s within %.0f s", p->network.api_vip,
		    bound / 1000.0);
	row->ms = moved >= 0 ? moved : clock_ms() - t0;

	if ((row = add_row(rep, "fault-test", "vip-answers")) == NULL)
		goto out;
	{
		long t = clock_ms();
		bool ok = vip_answers(&c, idx, moved >= 0 ? taker : holder, detail, sizeof(detail));
		set(row, ok ? VERIFY_PASS : VERIFY_FAIL, "%s", detail);
		row->ms = clock_ms() - t;
	}

	if ((row = add_row(rep, "fault-test", "etcd-quorum")) == NULL)
		goto out;
	{
		long t = clock_ms();
		size_t members, healthy;
		bool wrote;
		etcd_health(&c, idx, &members, &healthy, what, sizeof(what));
		wrote = etcd_write(&c, idx, detail, sizeof(detail));
		set(row, wrote && healthy * 2 > members ? VERIFY_PASS : VERIFY_FAIL,
		    "%zu of %zu members healthy; %s", healthy, members, detail);
		row->ms = clock_ms() - t;
	}

	if ((row = add_row(rep, "fault-test", "rejoin")) == NULL)
		goto out;
	t0 = clock_ms();
	stopped = false;
	if (!stop_start(&c, o, holder, false, detail, sizeof(detail))) {
		set(row, VERIFY_FAIL, "could not start %s again: %s", host_name(&c, holder), detail);
	} else {
		bool back = false;
		snprintf(what, sizeof(what), "no answer yet");
		while (!back && clock_ms() - t0 < rejoin_bound) {
			back = rejoined(&c, holder, what, sizeof(what));
			if (!back)
				sleep(1);
		}
		if (back)
			set(row, VERIFY_PASS,
			    "%s is back %.1f s after its start: etcd member healthy, keepalived "
			    "and haproxy running",
			    host_name(&c, holder), (clock_ms() - t0) / 1000.0);
		else
			set(row, VERIFY_FAIL, "%s did not rejoin within %.0f s: %s",
			    host_name(&c, holder), rejoin_bound / 1000.0, what);
	}
	row->ms = clock_ms() - t0;
	r = 0;
out:
	/* Never leave a master down, whatever ended the test. */
	if (stopped)
		stop_start(&c, o, holder, false, detail, sizeof(detail));
	finish(rep);
	free(idx);
	return r;
}

void verify_report_release(struct verify_report *rep)
{
	free(rep->rows);
	memset(rep, 0, sizeof(*rep));
}

static const char *const verify_status_names[] = {
	[VERIFY_PASS] = "pass", [VERIFY_FAIL] = "fail", [VERIFY_SKIP] = "skip"};

const char *verify_status_name(enum verify_status s)
{
	return verify_status_names[s];
}

json_t *verify_report_to_json(const struct verify_report *rep)
{
	json_t *rows = json_array();

	for (size_t i = 0; rows && i < rep->n; i++) {
		const struct verify_row *r = &rep->rows[i];
		if (json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:I}", "component",
							  r->component, "name", r->name, "status",
							  verify_status_names[r->status], "detail",
							  r->detail, "ms", (json_int_t)r->ms)) < 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return json_pack("{s:b, s:o}", "ok", rep->ok, "checks", rows);
}
