/* plan.h: the ordered phases that install a project.
 *
 * A plan is the project's components (selected, and what they need) in
 * dependency order, each with the hosts it runs on and why it is included. */
#ifndef HNSP_PLAN_H
#define HNSP_PLAN_H

#include <jansson.h>
#include <stddef.h>

#include "catalog.h"
#include "project.h"

struct plan_phase {
	const struct component *component;   /* borrowed from the catalog */
	const struct component *needed_by;   /* NULL when the project selects it */
	const struct host **hosts;           /* owned array of borrowed hosts */
	size_t nhosts;
};

struct plan {
	struct plan_phase *phases;           /* owned, in execution order */
	size_t count;
};

/* Builds the plan of a valid project (from project_load) with its catalog;
 * both are borrowed and must outlive the plan.  *out is new on success.
 * Returns 0 or HNSP_ERR_NOMEM. */
int plan_build(const struct project *p, const struct catalog *cat, struct plan **out);
void plan_free(struct plan *plan);

/* Why phase ph is in the plan, into buf: "selected" or "needed by ID". */
void plan_phase_reason(const struct plan_phase *ph, char *buf, size_t size);

/* The plan as `plan --json` prints it: {"project", "phases": [{"component",
 * "playbook", "hosts", "reason"}]}.  New reference, or NULL (no memory). */
json_t *plan_to_json(const struct project *p, const struct plan *plan);

#endif
