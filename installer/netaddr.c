/* netaddr.c: address, network and range arithmetic over inet_pton. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

static int family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->b, b->b, (size_t)family_len(a->family));
}

enum cidr_result iprange_parse_cidr(const char *s, struct iprange *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long prefix;
	struct ipaddr addr;
	bool host_bits = false;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf) || slash[1] == '\0')
		return CIDR_SYNTAX;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!ipaddr_parse(buf, &addr))
		return CIDR_SYNTAX;
	prefix = strtol(slash + 1, &end, 10);
	if (*end != '\0' || slash[1] < '0' || slash[1] > '9')
		return CIDR_SYNTAX;
	if (prefix < 0 || prefix > family_len(addr.family) * 8)
		return CIDR_PREFIX;
	out->first = addr;
	out->last = addr;
	for (int bit = (int)prefix; bit < family_len(addr.family) * 8; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
		if (addr.b[bit / 8] & mask)
			host_bits = true;
		out->first.b[bit / 8] &= (uint8_t)~mask;
		out->last.b[bit / 8] |= mask;
	}
	return host_bits ? CIDR_HOST_BITS : CIDR_OK;
}

bool iprange_parse_pool(const char *s, struct iprange *out)
{
	char buf[128];
	const char *dash = strchr(s, '-');

	if (dash == NULL)
		return iprange_parse_cidr(s, out) == CIDR_OK;
	if ((size_t)(dash - s) >= sizeof(buf) || strlen(dash + 1) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (!ipaddr_parse(buf, &out->first) || !ipaddr_parse(dash + 1, &out->last))
		return false;
	return out->first.family == out->last.family && ipaddr_cmp(&out->first, &out->last) <= 0;
}

bool iprange_contains(const struct iprange *r, const struct ipaddr *a)
{
	return a->family == r->first.family && ipaddr_cmp(&r->first, a) <= 0 &&
	       ipaddr_cmp(a, &r->last) <= 0;
}

bool iprange_overlaps(const struct iprange *a, const struct iprange *b)
{
	return a->first.family == b->first.family && ipaddr_cmp(&a->first, &b->last) <= 0 &&
	       ipaddr_cmp(&b->first, &a->last) <= 0;
}

char *ipaddr_format(const struct ipaddr *a, char *buf, unsigned long size)
{
	if (inet_ntop(a->family, a->b, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
	return buf;
}
