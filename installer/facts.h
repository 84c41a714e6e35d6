/* facts.h: what preflight's one command on a host reports, and its reader.
 *
 * The host is not trusted: its answer is read into fixed-size fields, values
 * cut to fit, at most FACTS_MAX_PORTS ports and FACTS_MAX_DEVICES devices. */
#ifndef HNSP_FACTS_H
#define HNSP_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#define FACTS_MAX_PORTS 512
#define FACTS_MAX_DEVICES 16

struct device_fact {
	char path[128];
	bool present;
	char fstype[32];
	long children;       /* partitions and holders */
};

struct facts {
	double offset_ms;    /* remote clock minus ours, beyond the exec's time window */
	char os_id[32];
	char os_version[32];
	char os_pretty[96];
	char hostname[256];
	long cpus, mem_kb, swap_kb, disk_kb;
	char virt[32];
	bool python3;
	char sudo[16];
	unsigned ports[FACTS_MAX_PORTS];
	size_t nports;
	char modules[4096];
	char ip_forward[8];
	struct device_fact devices[FACTS_MAX_DEVICES];
	size_t ndevices;
};

/* Reads out, the command's output as "key=value" lines (changed in place:
 * a NUL ends each line), into f (zeroed by the caller).  t0 and t1 (ms, our
 * wall clock) bracket when the command ran: the remote "time" becomes
 * f->offset_ms.  Unknown keys and lines without "=" are ignored. */
void facts_parse(struct facts *f, char *out, double t0, double t1);

#endif
