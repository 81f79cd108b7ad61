/*-------------------------------------------------------------------------
 *
 * netblock.c
 *	  The network block list of webhooks.blocked_networks: parsing of a
 *	  comma-separated list of CIDR blocks and matching of the addresses the
 *	  HTTP client is about to connect to.  Free of server calls.
 *
 * The check runs on the resolved address at connect time, so a host name
 * that resolves to a blocked address is refused whatever the URL said.  An
 * IPv4-mapped IPv6 address is checked as the IPv4 address it carries.
 *
 * IDENTIFICATION
 *	  src/netblock.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblock.h"

/*
 * parse_one parses "address/prefix" (or a bare address) into net.
 */
static bool
parse_one(const char *text, WhNetwork *net)
{
	char		buf[64];
	char	   *slash;
	int			max_prefix;

	if (strlen(text) >= sizeof(buf))
		return false;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';

	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, buf, net->addr) == 1)
	{
		net->family = AF_INET;
		max_prefix = 32;
	}
	else if (inet_pton(AF_INET6, buf, net->addr) == 1)
	{
		net->family = AF_INET6;
		max_prefix = 128;
	}
	else
		return false;

	net->prefix = max_prefix;
	if (slash)
	{
		char	   *end;
		long		p = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || p < 0 || p > max_prefix)
			return false;
		net->prefix = (int) p;
	}

	/* an IPv4-mapped IPv6 block is the IPv4 block it maps */
	if (net->family == AF_INET6 && net->prefix >= 96 &&
		IN6_IS_ADDR_V4MAPPED((struct in6_addr *) net->addr))
	{
		memmove(net->addr, net->addr + 12, 4);
		memset(net->addr + 4, 0, 12);
		net->family = AF_INET;
		net->prefix -= 96;
	}
	return true;
}

/*
 * wh_parse_networks parses a comma-separated list of CIDR blocks into out.
 * Returns the number of blocks, or -1 with a message in err.
 */
int
wh_parse_networks(const char *list, WhNetwork *out, int max,
				  char *err, size_t err_len)
{
	int			n = 0;
	const char *p = list;

	while (*p)
	{
		const char *start;
		size_t		len;
		char		item[64];

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		len = p - start;
		if (len >= sizeof(item))
		{
			snprintf(err, err_len, "\"%.*s...\" is too long for a network",
					 20, start);
			return -1;
		}
		memcpy(item, start, len);
		item[len] = '\0';
		if (n >= max)
		{
			snprintf(err, err_len, "at most %d networks may be listed", max);
			return -1;
		}
		if (!parse_one(item, &out[n]))
		{
			snprintf(err, err_len, "\"%s\" is not an address or CIDR block",
					 item);
			return -1;
		}
		n++;
	}
	return n;
}

static bool
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int			bytes = bits / 8;
	int			rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest)
	{
		unsigned char mask = (unsigned char) (0xFF << (8 - rest));

		return (a[bytes] & mask) == (b[bytes] & mask);
	}
	return true;
}

/*
 * blocked_as reports whether an address of a family is in one of the
 * blocks of that family.
 */
static bool
blocked_as(const WhNetwork *nets, int n, int family, const unsigned char *addr)
{
	for (int i = 0; i < n; i++)
	{
		if (nets[i].family == family &&
			prefix_match(nets[i].addr, addr, nets[i].prefix))
			return true;
	}
	return false;
}

/*
 * wh_address_blocked reports whether an address falls in one of the n
 * blocks of nets.  An IPv4-mapped IPv6 address is blocked by the IPv4
 * blocks that cover the address it maps and by the IPv6 blocks that cover
 * it as it is.  Addresses of other families are never blocked.
 */
bool
wh_address_blocked(const WhNetwork *nets, int n, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return blocked_as(nets, n, AF_INET,
						  (const unsigned char *) &((const struct sockaddr_in *) sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
	{
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;

		return blocked_as(nets, n, AF_INET6, a6->s6_addr) ||
			(IN6_IS_ADDR_V4MAPPED(a6) &&
			 blocked_as(nets, n, AF_INET, a6->s6_addr + 12));
	}
	return false;
}
