/* facts.c: read the key=value lines of preflight's facts command into a struct facts. */
#include "facts.h"

#include <stddef.h>
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

#define TEXT(key) {#key, offsetof(struct facts, key), sizeof(((struct facts *)0)->key)}
/* Facts kept as text, cut to their field's size. */
static const struct {
	const char *key;
	size_t offset, size;
} text_facts[] = {
	TEXT(os_id), TEXT(os_version), TEXT(os_pretty), TEXT(hostname),
	TEXT(virt),  TEXT(sudo),       TEXT(modules),   TEXT(ip_forward),
};

/* Facts that are decimal numbers. */
static const struct {
	const char *key;
	size_t offset;
} number_facts[] = {
	{"cpus", offsetof(struct facts, cpus)},
	{"mem_kb", offsetof(struct facts, mem_kb)},
	{"swap_kb", offsetof(struct facts, swap_kb)},
	{"disk_kb", offsetof(struct facts, disk_kb)},
};

/* One "key=value" that the tables above do not hold. */
static void parse_other(struct facts *f, const char *key, char *v, double t0, double t1)
{
	if (strcmp(key, "time") == 0) {
		/* The remote clock was read somewhere in [t0, t1] of ours: only
		 * what lies outside that window is certain skew. */
		double remote = strtod(v, NULL) * 1000.0;
		f->offset_ms = remote < t0 ? remote - t0 : remote > t1 ? remote - t1 : 0;
	} else if (strcmp(key, "python3") == 0)
		f->python3 = v[0] == '/';
	else if (strcmp(key, "device") == 0)
		parse_device(f, v);
	else if (strcmp(key, "listen") == 0)
		for (char *end, *s = v; f->nports < FACTS_MAX_PORTS; s = end) {
			unsigned long port = strtoul(s, &end, 16);
			if (end == s)
				break;
			f->ports[f->nports++] = (unsigned)port;
		}
}

void facts_parse(struct facts *f, char *out, double t0, double t1)
{
	char *save = NULL;

	/* strtok_r: facts are parsed on the fan-out threads at once. */
	for (char *line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');
		bool done = false;
		if (v == NULL)
			continue;
		*v++ = '\0';
		for (size_t i = 0; !done && i < sizeof(text_facts) / sizeof(text_facts[0]); i++)
			if ((done = strcmp(line, text_facts[i].key) == 0))
				copy_value((char *)f + text_facts[i].offset, text_facts[i].size, v);
		for (size_t i = 0; !done && i < sizeof(number_facts) / sizeof(number_facts[0]); i++)
			if ((done = strcmp(line, number_facts[i].key) == 0))
				*(long *)((char *)f + number_facts[i].offset) = strtol(v, NULL, 10);
		if (!done)
			parse_other(f, line, v, t0, t1);
	}
}
