/*-------------------------------------------------------------------------
 *
 * netblock_test.c
 *	  Unit test of the network policy (src/netblock.c), outside PostgreSQL
 *	  and without connecting anywhere: each address of the table is judged
 *	  against the default block list with an exception list, and must get
 *	  the verdict the table gives.  Prints TAP; exits non-zero on any
 *	  failure.
 *
 *	  cc -Isrc -o netblock_test test/unit/netblock_test.c src/netblock.c
 *
 * IDENTIFICATION
 *	  test/unit/netblock_test.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netblock.h"

typedef struct Case
{
	const char *address;
	const char *allowed;		/* webhooks.allowed_networks */
	bool		blocked;
	const char *why;
} Case;

static const Case cases[] = {
	/* public destinations pass */
	{"93.184.215.14", "", false, "public IPv4"},
	{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", "", false, "public IPv6"},
	{"1.1.1.1", "", false, "public IPv4"},
	{"100.63.255.255", "", false, "just below CGNAT"},
	{"100.128.0.0", "", false, "just above CGNAT"},
	{"172.15.255.255", "", false, "just below 172.16/12"},
	{"172.32.0.0", "", false, "just above 172.16/12"},
	{"223.255.255.255", "", false, "just below multicast"},
	{"2001:4860:4860::8888", "", false, "public IPv6 outside 2001::/23"},
	{"2002:5db8:d70e::1", "", false, "6to4 of a public IPv4 address"},
	{"64:ff9b::5db8:d70e", "", false, "NAT64 of a public IPv4 address"},
	{"::ffff:93.184.215.14", "", false, "IPv4-mapped public address"},

	/* the ranges of the default list */
	{"0.0.0.0", "", true, "unspecified"},
	{"0.1.2.3", "", true, "this network"},
	{"10.1.2.3", "", true, "RFC 1918 10/8"},
	{"172.16.0.1", "", true, "RFC 1918 172.16/12"},
	{"172.31.255.255", "", true, "RFC 1918 172.16/12, last"},
	{"192.168.1.1", "", true, "RFC 1918 192.168/16"},
	{"100.64.0.1", "", true, "CGNAT"},
	{"100.127.255.255", "", true, "CGNAT, last"},
	{"127.0.0.1", "", true, "loopback"},
	{"127.255.255.254", "", true, "loopback, last"},
	{"169.254.1.1", "", true, "link-local"},
	{"169.254.169.254", "", true, "AWS, GCP, Azure metadata"},
	{"100.100.100.200", "", true, "Alibaba metadata"},
	{"168.63.129.16", "", true, "Azure wire server"},
	{"192.0.0.8", "", true, "IETF protocol assignments"},
	{"192.0.2.1", "", true, "TEST-NET-1"},
	{"198.51.100.1", "", true, "TEST-NET-2"},
	{"203.0.113.1", "", true, "TEST-NET-3"},
	{"192.88.99.1", "", true, "6to4 relay anycast"},
	{"198.18.0.1", "", true, "benchmarking"},
	{"198.19.255.255", "", true, "benchmarking, last"},
	{"224.0.0.1", "", true, "multicast"},
	{"239.255.255.255", "", true, "multicast, last"},
	{"240.0.0.1", "", true, "reserved"},
	{"255.255.255.255", "", true, "broadcast"},
	{"::", "", true, "IPv6 unspecified"},
	{"::1", "", true, "IPv6 loopback"},
	{"fc00::1", "", true, "ULA fc00::/7"},
	{"fdff:ffff::1", "", true, "ULA fd00::/8"},
	{"fd00:ec2::254", "", true, "AWS IPv6 metadata"},
	{"fe80::1", "", true, "IPv6 link-local"},
	{"febf::1", "", true, "IPv6 link-local, last /10"},
	{"fec0::1", "", true, "IPv6 site-local"},
	{"ff02::1", "", true, "IPv6 multicast"},
	{"100::1", "", true, "IPv6 discard-only"},
	{"2001:db8::1", "", true, "IPv6 documentation"},
	{"3fff::1", "", true, "IPv6 documentation 3fff::/20"},
	{"2001::1", "", true, "Teredo (inside 2001::/23)"},
	{"64:ff9b:1::a00:1", "", true, "local-use NAT64 prefix"},
	{"5f00::1", "", true, "SRv6 SIDs"},

	/* IPv6 forms that embed an IPv4 address are judged by it */
	{"::ffff:127.0.0.1", "", true, "IPv4-mapped loopback"},
	{"::ffff:10.0.0.1", "", true, "IPv4-mapped RFC 1918"},
	{"::ffff:169.254.169.254", "", true, "IPv4-mapped metadata"},
	{"::127.0.0.1", "", true, "IPv4-compatible loopback"},
	{"::10.0.0.1", "", true, "IPv4-compatible RFC 1918"},
	{"::a9fe:a9fe", "", true, "IPv4-compatible metadata, hex"},
	{"64:ff9b::127.0.0.1", "", true, "NAT64 loopback"},
	{"64:ff9b::a9fe:a9fe", "", true, "NAT64 metadata"},
	{"64:ff9b::c0a8:101", "", true, "NAT64 RFC 1918"},
	{"64:ff9b::a83f:8110", "", true, "NAT64 Azure wire server"},
	{"2002:7f00:1::", "", true, "6to4 loopback"},
	{"2002:a9fe:a9fe::1", "", true, "6to4 metadata"},
	{"2002:0a00:0001:ffff::1", "", true, "6to4 RFC 1918, any subnet and host"},
	{"2002:c0a8:0101::", "", true, "6to4 RFC 1918 192.168/16"},

	/* exceptions win over blocks, for every view of an address */
	{"127.0.0.1", "127.0.0.0/8", false, "allowed loopback"},
	{"127.0.0.3", "127.0.0.0/8", false, "allowed loopback, other address"},
	{"::ffff:127.0.0.1", "127.0.0.0/8", false, "allowed loopback, IPv4-mapped"},
	{"::1", "127.0.0.0/8", true, "IPv6 loopback not allowed by 127.0.0.0/8"},
	{"::1", "127.0.0.0/8, ::1/128", false, "IPv6 loopback allowed"},
	{"10.0.0.1", "127.0.0.0/8", true, "exception for loopback only"},
	{"::ffff:10.0.0.1", "127.0.0.0/8", true, "exception for loopback only, mapped"},
	{"64:ff9b::a00:1", "127.0.0.0/8", true, "exception for loopback only, NAT64"},
	{"10.1.2.3", "10.1.0.0/16", false, "allowed internal receivers"},
	{"2002:0a01:0203::", "10.1.0.0/16", false, "allowed internal receivers, 6to4"},
	{"10.2.0.1", "10.1.0.0/16", true, "outside the exception"},
	{"169.254.169.254", "169.254.169.254/32", false, "an exception for the metadata address itself"},
	{"fd12::1", "fd12::/16", false, "allowed ULA"},
	{"fd13::1", "fd12::/16", true, "ULA outside the exception"},
	{"::ffff:192.168.1.1", "::ffff:192.168.1.0/120", false, "an IPv4-mapped exception is its IPv4 block"},
	{"192.168.1.1", "::ffff:192.168.1.0/120", false, "an IPv4-mapped exception is its IPv4 block, plain"},
};

static bool
judge(const char *address, const char *allowed, bool *blocked)
{
	WhNetwork	nets[2 * WH_MAX_NETWORKS];
	char		err[128];
	int			na = wh_parse_networks(allowed, nets, WH_MAX_NETWORKS, err, sizeof(err));
	int			nb;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	if (na < 0)
		return false;
	for (int i = 0; i < na; i++)
		nets[i].allow = true;
	nb = wh_parse_networks(WH_DEFAULT_BLOCKED_NETWORKS, nets + na,
						   WH_MAX_NETWORKS, err, sizeof(err));
	if (nb < 0)
		return false;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, address, &a4.sin_addr) == 1)
	{
		a4.sin_family = AF_INET;
		*blocked = wh_address_blocked(nets, na + nb, (struct sockaddr *) &a4);
	}
	else if (inet_pton(AF_INET6, address, &a6.sin6_addr) == 1)
	{
		a6.sin6_family = AF_INET6;
		*blocked = wh_address_blocked(nets, na + nb, (struct sockaddr *) &a6);
	}
	else
		return false;
	return true;
}

int
main(void)
{
	int			n = sizeof(cases) / sizeof(cases[0]);
	int			failed = 0;
	WhNetwork	nets[WH_MAX_NETWORKS];
	char		err[128];

	printf("1..%d\n", n + 1);
	if (wh_parse_networks(WH_DEFAULT_BLOCKED_NETWORKS, nets, WH_MAX_NETWORKS,
						  err, sizeof(err)) > 0)
		printf("ok 1 - the default block list parses\n");
	else
	{
		printf("not ok 1 - the default block list parses: %s\n", err);
		failed++;
	}
	for (int i = 0; i < n; i++)
	{
		const Case *c = &cases[i];
		bool		blocked;
		bool		ok = judge(c->address, c->allowed, &blocked) &&
			blocked == c->blocked;

		if (!ok)
			failed++;
		printf("%s %d - %s %s (%s)%s%s\n", ok ? "ok" : "not ok", i + 2,
			   c->address, c->blocked ? "refused" : "allowed", c->why,
			   c->allowed[0] ? ", exceptions " : "", c->allowed);
	}
	return failed ? 1 : 0;
}
