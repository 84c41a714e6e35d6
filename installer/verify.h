/* verify.h: proves over SSH that what the project installed works.
 *
 * verify_run() runs, for each component of the project's plan, the checks
 * the catalog lists for it (playbooks/catalog.yaml, checks:), each one a row
 * of the table below in verify.c: etcd has every member healthy and accepts a
 * write, exactly one master holds the API VIP and the VIP answers, containerd
 * on a worker pulls the test image through the project registry, Prometheus
 * has every target up, clocks agree.  A check the catalog lists but this
 * version cannot run yet is "skip".
 *
 * verify_fault_test() stops the master that holds the VIP, measures how long
 * the VIP takes to move and whether etcd keeps quorum and accepts a write,
 * starts the master again and waits for it to rejoin.
 *
 * Nothing prints: results come back as rows for a front-end to show. */
#ifndef HNSP_VERIFY_H
#define HNSP_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "access.h"
#include "catalog.h"
#include "project.h"

enum verify_status { VERIFY_PASS, VERIFY_FAIL, VERIFY_SKIP };

struct verify_row {
	char component[64];
	char name[64];
	enum verify_status status;
	char detail[512];       /* one line for a person: what was seen, where */
	long ms;                /* how long the check took */
};

struct verify_report {
	struct verify_row *rows; /* owned */
	size_t n, cap;
	bool ok;                /* no row failed */
};

/* Runs the checks of every component of p's plan.  Returns 0 or
 * HNSP_ERR_NOMEM; *rep is filled either way (verify_report_release). */
int verify_run(const struct project *p, const struct catalog *cat, const struct access *a,
	       struct verify_report *rep);

struct fault_options {
	/* Shell commands run here with the host's name as $1: how to stop and
	 * start a master (for the lab: "tests/lab/lab.sh stop").  NULL: stop and
	 * start its keepalived, haproxy and etcd over SSH instead. */
	const char *stop_with;
	const char *start_with;
	long failover_bound_ms; /* the VIP must move within this; 0: 15 s */
	long rejoin_bound_ms;   /* the master must be back within this; 0: 180 s */
};

/* The HA fault test (the project needs api-lb and etcd on 3 or more
 * masters).  Returns 0 or HNSP_ERR_NOMEM; rows as verify_run. */
int verify_fault_test(const struct project *p, const struct catalog *cat,
		      const struct access *a, const struct fault_options *o,
		      struct verify_report *rep);

void verify_report_release(struct verify_report *rep);

/* "pass", "fail" or "skip". */
const char *verify_status_name(enum verify_status s);

/* The report as `verify --json` prints it: {"ok", "checks": [{"component",
 * "name", "status", "detail", "ms"}]}.  New reference, or NULL (no memory). */
json_t *verify_report_to_json(const struct verify_report *rep);

#endif
