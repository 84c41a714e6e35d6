/* preflight.h: check every host before anything is changed, in one pass.
 *
 * One SSH session per host gathers facts with a single command (no Python
 * needed on the target); a table of checks then judges them, including
 * checks across hosts (clock skew, unique host names) and of the project
 * (the VIP must not answer yet).  Nothing is printed here. */
#ifndef HNSP_PREFLIGHT_H
#define HNSP_PREFLIGHT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "access.h"
#include "project.h"
#include "ssh.h"

enum check_status { CHECK_OK, CHECK_WARN, CHECK_FAIL };

/* "ok", "warn" or "fail". */
const char *check_status_name(enum check_status s);

struct check_result {
	const char *name;         /* the check's name in the table (static) */
	enum check_status status;
	char detail[256];         /* why, for anything but a plain OK */
};

#define PREFLIGHT_MAX_CHECKS 16

struct host_report {
	const struct host *host;        /* borrowed from the project */
	enum ssh_fail fail;             /* SSH_FAIL_NONE when facts were gathered */
	struct check_result checks[PREFLIGHT_MAX_CHECKS]; /* only the checks that apply */
	size_t nchecks;
};

struct preflight_report {
	struct host_report *hosts;      /* owned; one per project host, in order */
	size_t n;
	bool ok;                        /* no check failed */
	long elapsed_ms;
};

/* The checks' names in table order, NULL-terminated (for table headers). */
extern const char *const preflight_check_names[];

/* Runs preflight on every host of p through a (both borrowed), with at most
 * concurrency hosts at once.  *out is a new report.  Returns 0 or HNSP_ERR_NOMEM. */
int preflight_run(const struct project *p, const struct access *a, size_t concurrency,
		  struct preflight_report **out);
void preflight_report_free(struct preflight_report *r);

/* The report as `preflight --json` prints it: {"ok", "elapsed_ms", "hosts":
 * [{"name", "address", "checks": [{"name", "status", "detail"}]}]}.  New
 * reference, or NULL (no memory). */
json_t *preflight_report_to_json(const struct preflight_report *r);

/* The result of check name on host h, or NULL when it does not apply. */
const struct check_result *host_report_check(const struct host_report *h, const char *name);

#endif
