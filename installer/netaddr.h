/* netaddr.h: IPv4/IPv6 addresses, CIDR networks and address ranges.
 *
 * Everything here is a value type: no allocation, nothing to free. */
#ifndef HNSP_NETADDR_H
#define HNSP_NETADDR_H

#include <stdbool.h>
#include <stdint.h>

struct ipaddr {
	int family;     /* AF_INET or AF_INET6 */
	uint8_t b[16];  /* network byte order; IPv4 uses the first 4 bytes */
};

/* An inclusive range of addresses of one family; a CIDR network is one too. */
struct iprange {
	struct ipaddr first;
	struct ipaddr last;
};

/* Parses a literal IPv4 or IPv6 address (no prefix, no brackets). */
bool ipaddr_parse(const char *s, struct ipaddr *out);

/* Orders addresses of one family; an IPv4 address sorts before any IPv6 one. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);

enum cidr_result {
	CIDR_OK,
	CIDR_SYNTAX,    /* not ADDRESS/PREFIX */
	CIDR_PREFIX,    /* prefix length out of range for the family */
	CIDR_HOST_BITS  /* address has bits set past the prefix */
};

/* Parses "ADDRESS/PREFIX" into the range it covers.  On CIDR_HOST_BITS the
 * range of the masked network is still filled in, for a suggestion. */
enum cidr_result iprange_parse_cidr(const char *s, struct iprange *out);

/* Parses a MetalLB-style pool entry: "A-B" (A <= B, same family) or a CIDR.
 * Returns false on anything else. */
bool iprange_parse_pool(const char *s, struct iprange *out);

bool iprange_contains(const struct iprange *r, const struct ipaddr *a);
bool iprange_overlaps(const struct iprange *a, const struct iprange *b);

/* Formats a as text into buf (at least 46 bytes). Returns buf. */
char *ipaddr_format(const struct ipaddr *a, char *buf, unsigned long size);

#endif
