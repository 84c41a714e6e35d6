/* plan.c: order the needed components by dependency. */
#include "plan.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

/* True when every dependency of catalog component i that the project needs
 * is already placed. */
static bool ready(const struct project *p, const struct catalog *cat, size_t i,
		  const size_t *needed_by, const bool *placed)
{
	const struct component *c = COMPONENT_AT(cat, i);
	const struct strlist *lists[] = {&c->depends, &c->ha_depends};

	for (size_t l = 0; l < 2; l++) {
		if (l == 1 && !project_is_ha(p))
			break;
		for (size_t k = 0; k < lists[l]->n; k++) {
			size_t j = catalog_index(cat, catalog_find(cat, lists[l]->v[k]));
			if (needed_by[j] != NEED_NONE && !placed[j])
				return false;
		}
	}
	return true;
}

static int add_phase(const struct project *p, const struct catalog *cat, struct plan *plan,
		     size_t i, size_t by)
{
	struct plan_phase *ph = &plan->phases[plan->count++];

	ph->component = COMPONENT_AT(cat, i);
	ph->needed_by = by == NEED_SELECTED ? NULL : COMPONENT_AT(cat, by);
	if ((ph->hosts = calloc(p->hosts.n + 1, sizeof(*ph->hosts))) == NULL)
		return HNSP_ERR_NOMEM;
	for (size_t h = 0; h < p->hosts.n; h++)
		if (component_targets(ph->component, HOST_AT(p, h)))
			ph->hosts[ph->nhosts++] = HOST_AT(p, h);
	return 0;
}

int plan_build(const struct project *p, const struct catalog *cat, struct plan **out)
{
	size_t n = cat->components.n;
	size_t *needed_by = calloc(n + 1, sizeof(*needed_by));
	bool *placed = calloc(n + 1, sizeof(*placed));
	struct plan *plan = calloc(1, sizeof(*plan));
	bool progress = true;
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (needed_by == NULL || placed == NULL || plan == NULL ||
	    (plan->phases = calloc(n + 1, sizeof(*plan->phases))) == NULL)
		goto out;
	project_needs(p, cat, needed_by);
	/* Kahn's algorithm, always taking the earliest ready component in catalog
	 * order, so plans are stable; final components wait for all others.  The
	 * catalog has no cycle (catalog_load checks), so this terminates. */
	for (int final = 0; final < 2; final++) {
		progress = true;
		while (progress) {
			progress = false;
			for (size_t i = 0; i < n; i++) {
				if (needed_by[i] == NEED_NONE || placed[i] ||
				    COMPONENT_AT(cat, i)->final != (final == 1) ||
				    !ready(p, cat, i, needed_by, placed))
					continue;
				if ((r = add_phase(p, cat, plan, i, needed_by[i])) < 0)
					goto out;
				placed[i] = true;
				progress = true;
				break;
			}
		}
	}
	*out = plan;
	plan = NULL;
	r = 0;
out:
	free(needed_by);
	free(placed);
	plan_free(plan);
	return r;
}

void plan_free(struct plan *plan)
{
	if (plan == NULL)
		return;
	for (size_t i = 0; plan->phases != NULL && i < plan->count; i++)
		free(plan->phases[i].hosts);
	free(plan->phases);
	free(plan);
}

void plan_phase_reason(const struct plan_phase *ph, char *buf, size_t size)
{
	if (ph->needed_by == NULL)
		snprintf(buf, size, "selected");
	else
		snprintf(buf, size, "needed by %s", ph->needed_by->id);
}

json_t *plan_to_json(const struct project *p, const struct plan *plan)
{
	json_t *phases = json_array();

	for (size_t i = 0; phases && i < plan->count; i++) {
		const struct plan_phase *ph = &plan->phases[i];
		json_t *hosts = json_array();
		char playbook[PATH_MAX], why[128];
		for (size_t h = 0; hosts && h < ph->nhosts; h++)
			json_array_append_new(hosts, json_string(ph->hosts[h]->name));
		plan_phase_reason(ph, why, sizeof(why));
		snprintf(playbook, sizeof(playbook), "playbooks/%s", ph->component->playbook);
		if (json_array_append_new(phases, json_pack("{s:s, s:s, s:o, s:s}", "component",
							    ph->component->id, "playbook", playbook,
							    "hosts", hosts, "reason", why)) < 0) {
			json_decref(phases);
			return NULL;
		}
	}
	return json_pack("{s:s, s:o}", "project", p->name, "phases", phases);
}
