/* test_netaddr.c: addresses, CIDR networks and MetalLB pool ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "netaddr.h"

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;

	assert_true(ipaddr_parse(s, &a));
	return a;
}

static void assert_addr(const struct ipaddr *a, const char *want)
{
	char buf[64];

	assert_string_equal(ipaddr_format(a, buf, sizeof(buf)), want);
}

static void assert_range(const struct iprange *r, const char *first, const char *last)
{
	assert_addr(&r->first, first);
	assert_addr(&r->last, last);
}

static void test_parse_v4(void **state)
{
	struct ipaddr a;

	(void)state;
	assert_true(ipaddr_parse("192.168.50.10", &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.b[0], 192);
	assert_int_equal(a.b[1], 168);
	assert_int_equal(a.b[2], 50);
	assert_int_equal(a.b[3], 10);
	/* The unused bytes are zeroed, so memcmp-based comparisons are sound. */
	for (int i = 4; i < 16; i++)
		assert_int_equal(a.b[i], 0);
	assert_true(ipaddr_parse("0.0.0.0", &a));
	assert_true(ipaddr_parse("255.255.255.255", &a));
	assert_addr(&a, "255.255.255.255");
}

static void test_parse_v6(void **state)
{
	struct ipaddr a;

	(void)state;
	assert_true(ipaddr_parse("fd00::1", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.b[0], 0xfd);
	assert_int_equal(a.b[15], 1);
	assert_true(ipaddr_parse("::", &a));
	assert_true(ipaddr_parse("::1", &a));
	assert_true(ipaddr_parse("2001:DB8:0:0:0:0:0:1", &a));
	assert_addr(&a, "2001:db8::1");
	/* An IPv4-mapped address is IPv6. */
	assert_true(ipaddr_parse("::ffff:10.0.0.1", &a));
	assert_int_equal(a.family, AF_INET6);
}

static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"10.0.0",
		"10.0.0.256",
		"10.0.0.1.2",
		"10.0.0.-1",
		" 10.0.0.1",
		"10.0.0.1 ",
		"10.0.0.1/24",
		"[fd00::1]",
		"fd00::1/64",
		"fd00:::1",
		"1:2:3:4:5:6:7:8:9",
		"gggg::1",
		"localhost",
		"0x0a000001",
		"10.0.0.1\n",
	};
	struct ipaddr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ipaddr_parse(bad[i], &a))
			fail_msg("'%s' was accepted as an address", bad[i]);
	}
}

static void test_cmp(void **state)
{
	struct ipaddr a = addr("10.0.0.1"), b = addr("10.0.0.2"), c = addr("10.0.1.0");
	struct ipaddr v6 = addr("::1"), v6b = addr("::2");

	(void)state;
	assert_true(ipaddr_cmp(&a, &b) < 0);
	assert_true(ipaddr_cmp(&b, &a) > 0);
	assert_int_equal(ipaddr_cmp(&a, &a), 0);
	assert_true(ipaddr_cmp(&b, &c) < 0);
	/* Any IPv4 address sorts before any IPv6 one, whatever the bytes. */
	struct ipaddr high = addr("255.255.255.255");
	assert_true(ipaddr_cmp(&high, &v6) < 0);
	assert_true(ipaddr_cmp(&v6, &high) > 0);
	assert_true(ipaddr_cmp(&v6, &v6b) < 0);
}

static void test_cidr_ok(void **state)
{
	struct iprange r;

	(void)state;
	assert_int_equal(iprange_parse_cidr("10.0.0.0/24", &r), CIDR_OK);
	assert_range(&r, "10.0.0.0", "10.0.0.255");
	assert_int_equal(iprange_parse_cidr("10.96.0.0/12", &r), CIDR_OK);
	assert_range(&r, "10.96.0.0", "10.111.255.255");
	assert_int_equal(iprange_parse_cidr("0.0.0.0/0", &r), CIDR_OK);
	assert_range(&r, "0.0.0.0", "255.255.255.255");
	assert_int_equal(iprange_parse_cidr("10.0.0.7/32", &r), CIDR_OK);
	assert_range(&r, "10.0.0.7", "10.0.0.7");
	assert_int_equal(iprange_parse_cidr("fd00::/64", &r), CIDR_OK);
	assert_range(&r, "fd00::", "fd00::ffff:ffff:ffff:ffff");
	assert_int_equal(iprange_parse_cidr("::/0", &r), CIDR_OK);
	assert_range(&r, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(iprange_parse_cidr("fd00::1/128", &r), CIDR_OK);
	assert_range(&r, "fd00::1", "fd00::1");
	/* A prefix that does not fall on a byte boundary. */
	assert_int_equal(iprange_parse_cidr("10.0.0.128/25", &r), CIDR_OK);
	assert_range(&r, "10.0.0.128", "10.0.0.255");
}

static void test_cidr_host_bits(void **state)
{
	struct iprange r;

	(void)state;
	assert_int_equal(iprange_parse_cidr("10.0.0.1/24", &r), CIDR_HOST_BITS);
	/* The masked network is filled in, for a "did you mean". */
	assert_range(&r, "10.0.0.0", "10.0.0.255");
	assert_int_equal(iprange_parse_cidr("10.0.0.129/25", &r), CIDR_HOST_BITS);
	assert_range(&r, "10.0.0.128", "10.0.0.255");
	assert_int_equal(iprange_parse_cidr("fd00::1/64", &r), CIDR_HOST_BITS);
	assert_range(&r, "fd00::", "fd00::ffff:ffff:ffff:ffff");
	assert_int_equal(iprange_parse_cidr("0.0.0.1/0", &r), CIDR_HOST_BITS);
}

static void test_cidr_bad_prefix(void **state)
{
	struct iprange r;

	(void)state;
	assert_int_equal(iprange_parse_cidr("10.0.0.0/33", &r), CIDR_PREFIX);
	assert_int_equal(iprange_parse_cidr("fd00::/129", &r), CIDR_PREFIX);
	assert_int_equal(iprange_parse_cidr("10.0.0.0/99999999999999999999999", &r), CIDR_PREFIX);
	/* 128 is fine for IPv6 but not for IPv4. */
	assert_int_equal(iprange_parse_cidr("10.0.0.0/128", &r), CIDR_PREFIX);
}

static void test_cidr_syntax(void **state)
{
	static const char *const bad[] = {
		"",
		"10.0.0.0",
		"10.0.0.0/",
		"/24",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/ 8",
		"10.0.0.0/8 ",
		"10.0.0.0/8/8",
		"10.0.0.0/8x",
		"10.0.0/24",
		"10.0.0.256/24",
		"host.example/24",
		"10.0.0.0 /24",
		/* An address part longer than the parser's buffer. */
		"1111111111111111111111111111111111111111111111111111111111111111111111/8",
	};
	struct iprange r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cidr_result got = iprange_parse_cidr(bad[i], &r);
		if (got != CIDR_SYNTAX)
			fail_msg("'%s': expected CIDR_SYNTAX, got %d", bad[i], (int)got);
	}
}

static void test_pool_ranges(void **state)
{
	struct iprange r;

	(void)state;
	assert_true(iprange_parse_pool("192.168.50.200-192.168.50.220", &r));
	assert_range(&r, "192.168.50.200", "192.168.50.220");
	/* One address is a valid range. */
	assert_true(iprange_parse_pool("10.0.0.5-10.0.0.5", &r));
	assert_range(&r, "10.0.0.5", "10.0.0.5");
	assert_true(iprange_parse_pool("fd00::10-fd00::20", &r));
	assert_range(&r, "fd00::10", "fd00::20");
	/* The range may cross octet boundaries. */
	assert_true(iprange_parse_pool("10.0.0.250-10.0.1.5", &r));
	assert_range(&r, "10.0.0.250", "10.0.1.5");
}

static void test_pool_cidrs(void **state)
{
	struct iprange r;

	(void)state;
	assert_true(iprange_parse_pool("172.20.10.240/28", &r));
	assert_range(&r, "172.20.10.240", "172.20.10.255");
	assert_true(iprange_parse_pool("fd00:1::/120", &r));
	assert_range(&r, "fd00:1::", "fd00:1::ff");
	assert_true(iprange_parse_pool("10.0.0.9/32", &r));
	/* A network with host bits set is not a pool entry. */
	assert_false(iprange_parse_pool("172.20.10.241/28", &r));
	assert_false(iprange_parse_pool("10.0.0.0/33", &r));
}

static void test_pool_rejects(void **state)
{
	static const char *const bad[] = {
		"10.0.0.20-10.0.0.10",   /* reversed */
		"fd00::20-fd00::10",     /* reversed */
		"10.0.0.1-fd00::1",      /* mixed families */
		"fd00::1-10.0.0.1",      /* mixed families */
		"10.0.0.1",              /* a bare address */
		"10.0.0.1-",
		"-10.0.0.1",
		"-",
		"",
		"10.0.0.1 - 10.0.0.5",
		"10.0.0.1-10.0.0.5-10.0.0.9",
		"10.0.0.1-10.0.0.300",
		"10.0.0.0/24-10.0.1.0/24",
		"a-b",
	};
	struct iprange r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iprange_parse_pool(bad[i], &r))
			fail_msg("'%s' was accepted as a pool entry", bad[i]);
	}
}

static struct iprange range(const char *s)
{
	struct iprange r;

	assert_true(iprange_parse_pool(s, &r));
	return r;
}

static void test_contains(void **state)
{
	struct iprange r = range("10.0.0.10-10.0.0.20");
	struct iprange net = range("10.0.0.0/24");
	struct iprange v6 = range("fd00::/64");
	struct iprange all4 = range("0.0.0.0/0");
	struct ipaddr a;

	(void)state;
	a = addr("10.0.0.10"); /* first */
	assert_true(iprange_contains(&r, &a));
	a = addr("10.0.0.20"); /* last */
	assert_true(iprange_contains(&r, &a));
	a = addr("10.0.0.9");
	assert_false(iprange_contains(&r, &a));
	a = addr("10.0.0.21");
	assert_false(iprange_contains(&r, &a));
	a = addr("10.0.0.255");
	assert_true(iprange_contains(&net, &a));
	a = addr("10.0.1.0");
	assert_false(iprange_contains(&net, &a));
	a = addr("fd00::ffff");
	assert_true(iprange_contains(&v6, &a));
	assert_false(iprange_contains(&net, &a));
	/* 0.0.0.0/0 holds every IPv4 address and no IPv6 one, even ::. */
	a = addr("255.255.255.255");
	assert_true(iprange_contains(&all4, &a));
	a = addr("::");
	assert_false(iprange_contains(&all4, &a));
	a = addr("::ffff:10.0.0.15");
	assert_false(iprange_contains(&r, &a));
}

static void test_overlaps(void **state)
{
	struct iprange a = range("10.0.0.0/25"), b = range("10.0.0.128/25");
	struct iprange wide = range("10.0.0.0/16"), c = range("10.0.0.120-10.0.0.130");
	struct iprange t1 = range("10.0.0.1-10.0.0.5"), t2 = range("10.0.0.5-10.0.0.9");
	struct iprange v6 = range("::/0"), all4 = range("0.0.0.0/0");
	struct iprange pod = range("10.244.0.0/16"), svc = range("10.96.0.0/12");

	(void)state;
	/* Adjacent networks do not overlap. */
	assert_false(iprange_overlaps(&a, &b));
	assert_false(iprange_overlaps(&b, &a));
	/* Containment is overlap, both ways round. */
	assert_true(iprange_overlaps(&wide, &a));
	assert_true(iprange_overlaps(&a, &wide));
	/* A range straddling the boundary overlaps both halves. */
	assert_true(iprange_overlaps(&c, &a));
	assert_true(iprange_overlaps(&c, &b));
	/* Sharing one address is enough. */
	assert_true(iprange_overlaps(&t1, &t2));
	assert_true(iprange_overlaps(&t2, &t1));
	assert_true(iprange_overlaps(&a, &a));
	/* Families never overlap. */
	assert_false(iprange_overlaps(&v6, &all4));
	assert_false(iprange_overlaps(&all4, &v6));
	/* The default pod and service networks are disjoint. */
	assert_false(iprange_overlaps(&pod, &svc));
}

static void test_format(void **state)
{
	struct ipaddr a = addr("fd00:0:0:0:0:0:0:1");
	char small[4];

	(void)state;
	assert_addr(&a, "fd00::1");
	a = addr("10.1.2.3");
	assert_addr(&a, "10.1.2.3");
	/* Too small a buffer gives "?" rather than an overflow. */
	assert_string_equal(ipaddr_format(&a, small, sizeof(small)), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4),       cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_garbage),  cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_cidr_ok),        cmocka_unit_test(test_cidr_host_bits),
		cmocka_unit_test(test_cidr_bad_prefix), cmocka_unit_test(test_cidr_syntax),
		cmocka_unit_test(test_pool_ranges),    cmocka_unit_test(test_pool_cidrs),
		cmocka_unit_test(test_pool_rejects),   cmocka_unit_test(test_contains),
		cmocka_unit_test(test_overlaps),       cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
