/* preflight.c: gather facts from every host in one command each, then judge them. */
#include "preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "facts.h"
#include "fanout.h"

/* The one command run on each host: prints key=value facts, one per line.
 * Storage devices to inspect come as arguments ($@), never inside the script. */
static const char facts_script[] =
	"export LC_ALL=C\n"
	"echo \"time=$(date +%s.%N)\"\n"
	"if [ -r /etc/os-release ]; then . /etc/os-release; fi\n"
	"echo \"os_id=${ID:-}\"; echo \"os_version=${VERSION_ID:-}\"\n"
	"echo \"os_pretty=${PRETTY_NAME:-unknown}\"\n"
	"echo \"hostname=$(uname -n)\"\n"
	"echo \"cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)\"\n"
	"awk '/^MemTotal:/{print \"mem_kb=\" $2} /^SwapTotal:/{print \"swap_kb=\" $2}' /proc/meminfo\n"
	"echo \"disk_kb=$(df -Pk / | awk 'NR==2{print $4}')\"\n"
	"echo \"virt=$(systemd-detect-virt -c 2>/dev/null || echo none)\"\n"
	"echo \"python3=$(command -v python3 || echo none)\"\n"
	"if [ \"$(id -u)\" = 0 ]; then echo sudo=root; elif sudo -n true 2>/dev/null; "
	"then echo sudo=nopasswd; else echo sudo=password; fi\n"
	"echo \"listen=$(awk 'NR>1 && $4==\"0A\"{sub(/.*:/,\"\",$2); print $2}' "
	"/proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u | tr '\\n' ' ')\"\n"
	"echo \"modules=$(awk '{print $1}' /proc/modules 2>/dev/null | tr '\\n' ' ')\"\n"
	"echo \"ip_forward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)\"\n"
	"for dev in \"$@\"; do\n"
	"  if [ -b \"$dev\" ]; then\n"
	"    fs=$(lsblk -dno FSTYPE \"$dev\" 2>/dev/null | tr -d ' ')\n"
	"    kids=$(lsblk -no NAME \"$dev\" 2>/dev/null | tail -n +2 | wc -l)\n"
	"    echo \"device=$dev present ${fs:-none} $kids\"\n"
	"  else echo \"device=$dev absent - 0\"; fi\n"
	"done\n";

struct pf {
	const struct project *p;
	const struct access *a;
	struct preflight_report *report;
	struct facts *facts;        /* one per host */
	struct ssh_failure *fails;  /* one per host */
	double median_offset_ms;    /* of the reachable hosts' clocks */
	int vip_state;              /* 0 not probed, 1 free, 2 answering */
	char vip_detail[160];
};

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- gathering, one host per fan-out item; the last item probes the VIP ---- */

static void probe_vip(struct pf *pf)
{
	const struct network_settings *net = &pf->p->network;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *ai;
	/* An address nobody holds gives no answer at all; any host holding it
	 * answers a TCP connect, if only with a reset. */
	long ports[] = {net->api_port};
	char port[16];

	if (net->api_vip == NULL)
		return;
	if (pf->a->view.jump != NULL) {
		pf->vip_state = 1;
		snprintf(pf->vip_detail, sizeof(pf->vip_detail),
			 "not probed: the hosts are behind a jump host");
		return;
	}
	pf->vip_state = 1;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]) && pf->vip_state == 1; i++) {
		int fd, err = 0, r;
		socklen_t len = sizeof(err);
		struct pollfd pfd;
		snprintf(port, sizeof(port), "%ld", ports[i]);
		if (getaddrinfo(net->api_vip, port, &hints, &ai) != 0)
			return;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)) {
			pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
			r = poll(&pfd, 1, 500);
			if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
			    (err == 0 || err == ECONNREFUSED)) {
				pf->vip_state = 2;
				snprintf(pf->vip_detail, sizeof(pf->vip_detail),
					 "%s already answers on port %ld (%s); the VIP must be a free "
					 "address",
					 net->api_vip, ports[i], err ? "refused" : "open");
			}
		} else if (fd >= 0 && errno == ECONNREFUSED) {
			pf->vip_state = 2;
		}
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
	}
}

static void gather(void *ctx, size_t i)
{
	struct pf *pf = ctx;
	const struct host *h;
	struct ssh_conn *conn = NULL;
	struct ssh_exec_result res;
	struct ssh_exec_options o = {.timeout_ms = 30000, .max_output = 64 * 1024};
	const char *argv[4 + FACTS_MAX_DEVICES] = {"sh", "-c", facts_script, "sh"};
	size_t argc = 4;
	double t0, t1;

	if (i == pf->report->n) {
		probe_vip(pf);
		return;
	}
	h = HOST_AT(pf->p, i);
	for (size_t d = 0; d < h->storage_devices.n && d < FACTS_MAX_DEVICES - 1; d++)
		argv[argc++] = h->storage_devices.v[d];
	argv[argc] = NULL;
	if (ssh_conn_open(&pf->a->view, &pf->a->endpoints[i], &conn, &pf->fails[i]) < 0)
		return;
	t0 = wall_ms();
	if (ssh_conn_exec(conn, argv, &o, &res, &pf->fails[i]) == 0) {
		t1 = wall_ms();
		if (res.exit_status == 0) {
			facts_parse(&pf->facts[i], res.out, t0, t1);
		} else {
			pf->fails[i].kind = SSH_FAIL_COMMAND;
			snprintf(pf->fails[i].message, sizeof(pf->fails[i].message),
				 "%s: gathering facts exited with %d: %.200s", h->name, res.exit_status,
				 res.err);
		}
		ssh_exec_result_release(&res);
	}
	ssh_conn_free(conn);
}

/* ---- the checks: each returns false when it does not apply to host i ---- */

__attribute__((format(printf, 3, 4))) static void set(struct check_result *r,
						      enum check_status s, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static bool check_sudo(const struct pf *pf, size_t i, struct check_result *r)
{
	const struct facts *f = &pf->facts[i];

	if (strcmp(f->sudo, "root") == 0)
		set(r, CHECK_OK, "logged in as root");
	else if (strcmp(f->sudo, "nopasswd") == 0)
		set(r, CHECK_OK, "sudo without a password");
	else if (pf->a->view.password != NULL)
		set(r, CHECK_WARN, "sudo asks for a password; the one given will be used");
	else
		set(r, CHECK_FAIL, "sudo needs a password; allow NOPASSWD for %s or log in as root",
		    pf->a->endpoints[i].user);
	return true;
}

/* Distributions and releases the roles are written for. */
static const struct {
	const char *id;
	const char *version;
} supported_os[] = {{"debian", "12"}, {"ubuntu", "22.04"}, {"ubuntu", "24.04"}};

static bool check_os(const struct pf *pf, size_t i, struct check_result *r)
{
	const struct facts *f = &pf->facts[i];

	for (size_t k = 0; k < sizeof(supported_os) / sizeof(supported_os[0]); k++)
		if (strcmp(f->os_id, supported_os[k].id) == 0 &&
		    strcmp(f->os_version, supported_os[k].version) == 0) {
			set(r, CHECK_OK, "%s", f->os_pretty);
			return true;
		}
	set(r, CHECK_FAIL, "%s is not supported (Debian 12, Ubuntu 22.04 or 24.04)", f->os_pretty);
	return true;
}

/* Minimum resources by role; a host must meet the largest of its roles'. */
static const struct {
	const char *role;
	long cpus;
	long mem_mb;
	long disk_gb;
} role_minimum[] = {
	{"master", 2, 2048, 20}, {"worker", 2, 2048, 20},   {"etcd", 2, 2048, 20},
	{"storage", 2, 4096, 20}, {"registry", 1, 1024, 40}, {"monitoring", 1, 2048, 20},
};

enum resource { RES_CPU, RES_MEM, RES_DISK };

static bool check_resource(const struct pf *pf, size_t i, struct check_result *r,
			   enum resource res)
{
	const struct host *h = HOST_AT(pf->p, i);
	const struct facts *f = &pf->facts[i];
	long need = 0, have;
	const char *why = "";

	for (size_t k = 0; k < sizeof(role_minimum) / sizeof(role_minimum[0]); k++) {
		long v = res == RES_CPU ? role_minimum[k].cpus
			 : res == RES_MEM ? role_minimum[k].mem_mb
					  : role_minimum[k].disk_gb;
		if (host_has_role(h, role_minimum[k].role) && v > need) {
			need = v;
			why = role_minimum[k].role;
		}
	}
	have = res == RES_CPU ? f->cpus : res == RES_MEM ? f->mem_kb / 1024 : f->disk_kb / 1048576;
	if (have >= need)
		set(r, CHECK_OK, res == RES_CPU ? "%ld CPUs" : res == RES_MEM ? "%ld MiB" : "%ld GiB free",
		    have);
	else
		set(r, CHECK_FAIL,
		    res == RES_CPU	 ? "%ld CPUs; role '%s' needs %ld"
		    : res == RES_MEM ? "%ld MiB of memory; role '%s' needs %ld MiB"
				     : "%ld GiB free on /; role '%s' needs %ld GiB",
		    have, why, need);
	return true;
}

static bool check_cpu(const struct pf *pf, size_t i, struct check_result *r)
{
	return check_resource(pf, i, r, RES_CPU);
}

static bool check_memory(const struct pf *pf, size_t i, struct check_result *r)
{
	return check_resource(pf, i, r, RES_MEM);
}

static bool check_disk(const struct pf *pf, size_t i, struct check_result *r)
{
	return check_resource(pf, i, r, RES_DISK);
}

static bool check_swap(const struct pf *pf, size_t i, struct check_result *r)
{
	long swap = pf->facts[i].swap_kb;

	if (swap == 0)
		set(r, CHECK_OK, "no swap");
	else
		set(r, CHECK_WARN, "%ld MiB of swap; the base phase turns it off (kubelet needs that)",
		    swap / 1024);
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int median_offset(struct pf *pf)
{
	double *offs = calloc(pf->report->n + 1, sizeof(*offs));
	size_t n = 0;

	if (offs == NULL)
		return HNSP_ERR_NOMEM;
	for (size_t k = 0; k < pf->report->n; k++)
		if (pf->fails[k].kind == SSH_FAIL_NONE)
			offs[n++] = pf->facts[k].offset_ms;
	qsort(offs, n, sizeof(offs[0]), cmp_double);
	pf->median_offset_ms = n ? offs[n / 2] : 0;
	free(offs);
	return 0;
}

static bool check_clock(const struct pf *pf, size_t i, struct check_result *r)
{
	double skew = pf->facts[i].offset_ms - pf->median_offset_ms;

	if (skew < 0)
		skew = -skew;
	if (skew <= 250)
		set(r, CHECK_OK, "%.0f ms from the median", skew);
	else if (skew <= 1000)
		set(r, CHECK_WARN, "clock is %.0f ms off the other hosts' median", skew);
	else
		set(r, CHECK_FAIL, "clock is %.1f s off the other hosts' median; etcd and TLS need "
				   "synchronised clocks (the base phase sets up chrony)",
		    skew / 1000.0);
	return true;
}

/* TCP ports each role's services will listen on. */
static const struct {
	const char *role;
	unsigned ports[6];
} role_ports[] = {
	{"master", {10250, 10257, 10259}}, {"etcd", {2379, 2380}}, {"worker", {10250}},
	{"registry", {5000}},		     {"monitoring", {9090}},
};

static bool check_ports(const struct pf *pf, size_t i, struct check_result *r)
{
	const struct host *h = HOST_AT(pf->p, i);
	const struct facts *f = &pf->facts[i];
	unsigned want[32];
	size_t nwant = 0;
	char busy[128] = "";
	size_t used = 0;

	for (size_t k = 0; k < sizeof(role_ports) / sizeof(role_ports[0]); k++)
		if (host_has_role(h, role_ports[k].role))
			for (size_t j = 0; j < 6 && role_ports[k].ports[j] && nwant < 30; j++)
				want[nwant++] = role_ports[k].ports[j];
	if (host_has_role(h, "master")) {
		want[nwant++] = (unsigned)pf->p->network.apiserver_port;
		want[nwant++] = (unsigned)pf->p->network.api_port;
	}
	for (size_t w = 0; w < nwant; w++)
		for (size_t k = 0; k < f->nports; k++)
			if (f->ports[k] == want[w] && used < sizeof(busy) - 8) {
				used += (size_t)snprintf(busy + used, sizeof(busy) - used, "%s%u",
							 used ? ", " : "", want[w]);
				break;
			}
	if (used == 0)
		set(r, CHECK_OK, "%zu ports free", nwant);
	else
		set(r, CHECK_FAIL, "in use: %s", busy);
	return true;
}

static bool check_hostname(const struct pf *pf, size_t i, struct check_result *r)
{
	const char *name = pf->facts[i].hostname;

	for (size_t k = 0; k < pf->report->n; k++)
		if (k != i && pf->fails[k].kind == SSH_FAIL_NONE &&
		    strcmp(pf->facts[k].hostname, name) == 0) {
			set(r, CHECK_FAIL, "host name '%s' is also the name of '%s'", name,
			    HOST_AT(pf->p, k)->name);
			return true;
		}
	set(r, CHECK_OK, "%s", name);
	return true;
}

static bool check_vip(const struct pf *pf, size_t i, struct check_result *r)
{
	/* A project-wide check, shown on the first master. */
	for (size_t k = 0; k < i; k++)
		if (host_has_role(HOST_AT(pf->p, k), "master"))
			return false;
	if (!host_has_role(HOST_AT(pf->p, i), "master") || pf->vip_state == 0)
		return false;
	if (pf->vip_state == 2)
		set(r, CHECK_FAIL, "%s", pf->vip_detail[0] ? pf->vip_detail : "the VIP answers");
	else if (pf->vip_detail[0])
		set(r, CHECK_WARN, "%s", pf->vip_detail);
	else
		set(r, CHECK_OK, "%s is free", pf->p->network.api_vip);
	return true;
}

static const char *const kernel_modules[] = {"overlay", "br_netfilter"};

static bool check_kernel(const struct pf *pf, size_t i, struct check_result *r)
{
	const struct facts *f = &pf->facts[i];
	char missing[64] = "";

	if (strcmp(f->virt, "none") != 0 && f->virt[0] != '\0') {
		set(r, CHECK_OK, "in a container (%s): kernel modules and sysctls are the host's",
		    f->virt);
		return true;
	}
	for (size_t k = 0; k < sizeof(kernel_modules) / sizeof(kernel_modules[0]); k++) {
		char word[40];
		snprintf(word, sizeof(word), "%s ", kernel_modules[k]);
		if (strstr(f->modules, word) == NULL)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", kernel_modules[k]);
	}
	if (missing[0] || strcmp(f->ip_forward, "1") != 0)
		set(r, CHECK_WARN, "not yet set up: %s%sip_forward=%s (the base phase sets them)",
		    missing, missing[0] ? ", " : "", f->ip_forward);
	else
		set(r, CHECK_OK, "modules loaded, ip_forward on");
	return true;
}

static bool check_storage(const struct pf *pf, size_t i, struct check_result *r)
{
	const struct host *h = HOST_AT(pf->p, i);
	const struct facts *f = &pf->facts[i];

	if (!host_has_role(h, "storage"))
		return false;
	for (size_t d = 0; d < f->ndevices; d++) {
		const struct device_fact *dv = &f->devices[d];
		if (!dv->present) {
			set(r, CHECK_FAIL, "%s is not a block device on this host", dv->path);
			return true;
		}
		if (dv->fstype[0] || dv->children > 0) {
			set(r, CHECK_FAIL, "%s is not empty (%s); Ceph needs an empty device", dv->path,
			    dv->fstype[0] ? dv->fstype : "has partitions");
			return true;
		}
	}
	set(r, CHECK_OK, "%zu empty device%s", f->ndevices, f->ndevices == 1 ? "" : "s");
	return true;
}

static bool check_python(const struct pf *pf, size_t i, struct check_result *r)
{
	if (pf->facts[i].python3)
		set(r, CHECK_OK, "python3 present");
	else
		set(r, CHECK_FAIL, "python3 is missing; Ansible needs it (apt-get install python3)");
	return true;
}

/* The table: one row per check, in column order. */
static const struct {
	const char *name;
	bool (*run)(const struct pf *pf, size_t i, struct check_result *r);
} checks[] = {
	{"sudo", check_sudo},	  {"os", check_os},	    {"cpu", check_cpu},
	{"memory", check_memory}, {"disk", check_disk},	    {"swap", check_swap},
	{"clock", check_clock},	  {"ports", check_ports},   {"hostname", check_hostname},
	{"vip", check_vip},	  {"kernel", check_kernel}, {"storage", check_storage},
	{"python3", check_python},
};

const char *const preflight_check_names[] = {
	"reachable", "sudo",	 "os",	"cpu",	  "memory",  "disk",	"swap",
	"clock",     "ports",	 "hostname", "vip", "kernel", "storage", "python3", NULL,
};

const char *check_status_name(enum check_status s)
{
	return s == CHECK_OK ? "ok" : s == CHECK_WARN ? "warn" : "fail";
}

static void judge(struct pf *pf, size_t i)
{
	struct host_report *hr = &pf->report->hosts[i];
	struct check_result *reach = &hr->checks[hr->nchecks++];

	reach->name = "reachable";
	hr->fail = pf->fails[i].kind;
	if (hr->fail != SSH_FAIL_NONE) {
		set(reach, CHECK_FAIL, "%s: %s", ssh_fail_name(hr->fail), pf->fails[i].message);
		return;
	}
	set(reach, CHECK_OK, "authenticated as %s", pf->a->endpoints[i].user);
	for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++) {
		struct check_result *r = &hr->checks[hr->nchecks];
		memset(r, 0, sizeof(*r));
		r->name = checks[k].name;
		if (checks[k].run(pf, i, r))
			hr->nchecks++;
	}
}

int preflight_run(const struct project *p, const struct access *a, size_t concurrency,
		  struct preflight_report **out)
{
	struct pf pf = {.p = p, .a = a};
	long start = clock_ms();
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if ((pf.report = calloc(1, sizeof(*pf.report))) == NULL ||
	    (pf.report->hosts = calloc(p->hosts.n + 1, sizeof(*pf.report->hosts))) == NULL ||
	    (pf.facts = calloc(p->hosts.n + 1, sizeof(*pf.facts))) == NULL ||
	    (pf.fails = calloc(p->hosts.n + 1, sizeof(*pf.fails))) == NULL)
		goto out;
	pf.report->n = p->hosts.n;
	/* One extra item: the VIP probe runs alongside the hosts. */
	if ((r = fanout_run(p->hosts.n + 1, concurrency + 1, gather, &pf)) < 0 ||
	    (r = median_offset(&pf)) < 0)
		goto out;
	pf.report->ok = true;
	for (size_t i = 0; i < p->hosts.n; i++) {
		pf.report->hosts[i].host = HOST_AT(p, i);
		judge(&pf, i);
		for (size_t k = 0; k < pf.report->hosts[i].nchecks; k++)
			if (pf.report->hosts[i].checks[k].status == CHECK_FAIL)
				pf.report->ok = false;
	}
	pf.report->elapsed_ms = clock_ms() - start;
	*out = pf.report;
	pf.report = NULL;
	r = 0;
out:
	free(pf.facts);
	free(pf.fails);
	preflight_report_free(pf.report);
	return r;
}

void preflight_report_free(struct preflight_report *r)
{
	if (r == NULL)
		return;
	free(r->hosts);
	free(r);
}

const struct check_result *host_report_check(const struct host_report *h, const char *name)
{
	for (size_t k = 0; k < h->nchecks; k++)
		if (strcmp(h->checks[k].name, name) == 0)
			return &h->checks[k];
	return NULL;
}

json_t *preflight_report_to_json(const struct preflight_report *r)
{
	json_t *hosts = json_array();

	for (size_t i = 0; hosts && i < r->n; i++) {
		const struct host_report *h = &r->hosts[i];
		json_t *list = json_array();
		for (size_t k = 0; list && k < h->nchecks; k++)
			json_array_append_new(list,
					      json_pack("{s:s, s:s, s:s}", "name", h->checks[k].name,
							"status", check_status_name(h->checks[k].status),
							"detail", h->checks[k].detail));
		if (json_array_append_new(hosts, json_pack("{s:s, s:s, s:o}", "name", h->host->name,
							   "address", h->host->address, "checks",
							   list)) < 0) {
			json_decref(hosts);
			return NULL;
		}
	}
	return json_pack("{s:b, s:I, s:o}", "ok", r->ok, "elapsed_ms", (json_int_t)r->elapsed_ms,
			 "hosts", hosts);
}
