/* facts.c: read the key=value lines of preflight's facts command into a struct facts. */
#include "facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_value(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}

static void parse_device(struct facts *f, const char *v)
{
	struct device_fact *d;
	char state[16] = "", fs[32] = "";

	if (f->ndevices >= FACTS_MAX_DEVICES)
		return;
	d = &f->devices[f->ndevices++];
	if (sscanf(v, "%127s %15s %31s %ld", d->path, state, fs, &d->children) < 3)
		return;
	d->present = strcmp(state, "present") == 0;
	copy_value(d->fstype, sizeof(d->fstype), strcmp(fs, "none") == 0 ? "" : fs);
}

void facts_parse(struct facts *f, char *out, double t0, double t1)
{
	char *save = NULL;

	/* strtok_r: facts are parsed on the fan-out threads at once. */
	for (char *line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');
		if (v == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "time") == 0) {
			/* The remote clock was read somewhere in [t0, t1] of ours: only
			 * what lies outside that window is certain skew. */
			double remote = strtod(v, NULL) * 1000.0;
			f->offset_ms = remote < t0 ? remote - t0 : remote > t1 ? remote - t1 : 0;
		}
		else if (strcmp(line, "os_id") == 0)
			copy_value(f->os_id, sizeof(f->os_id), v);
		else if (strcmp(line, "os_version") == 0)
			copy_value(f->os_version, sizeof(f->os_version), v);
		else if (strcmp(line, "os_pretty") == 0)
			copy_value(f->os_pretty, sizeof(f->os_pretty), v);
		else if (strcmp(line, "hostname") == 0)
			copy_value(f->hostname, sizeof(f->hostname), v);
		else if (strcmp(line, "cpus") == 0)
			f->cpus = strtol(v, NULL, 10);
		else if (strcmp(line, "mem_kb") == 0)
			f->mem_kb = strtol(v, NULL, 10);
		else if (strcmp(line, "swap_kb") == 0)
			f->swap_kb = strtol(v, NULL, 10);
		else if (strcmp(line, "disk_kb") == 0)
			f->disk_kb = strtol(v, NULL, 10);
		else if (strcmp(line, "virt") == 0)
			copy_value(f->virt, sizeof(f->virt), v);
		else if (strcmp(line, "python3") == 0)
			f->python3 = v[0] == '/';
		else if (strcmp(line, "sudo") == 0)
			copy_value(f->sudo, sizeof(f->sudo), v);
		else if (strcmp(line, "modules") == 0)
			copy_value(f->modules, sizeof(f->modules), v);
		else if (strcmp(line, "ip_forward") == 0)
			copy_value(f->ip_forward, sizeof(f->ip_forward), v);
		else if (strcmp(line, "device") == 0)
			parse_device(f, v);
		else if (strcmp(line, "listen") == 0)
			for (char *end, *s = v; f->nports < FACTS_MAX_PORTS; s = end) {
				unsigned long port = strtoul(s, &end, 16);
				if (end == s)
					break;
				f->ports[f->nports++] = (unsigned)port;
			}
	}
}
