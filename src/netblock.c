/*-------------------------------------------------------------------------
 *
 * netblock.c
 *	  The network policy of webhooks.blocked_networks and
 *	  webhooks.allowed_networks: parsing of comma-separated lists of CIDR
 *	  blocks and the judgement of the addresses the HTTP client is about to
 *	  connect to.  Free of server calls.
 *
 * The check runs on the resolved address at connect time, so a host name
 * that resolves to a blocked address is refused whatever the URL said.  An
 * IPv6 address that embeds an IPv4 address (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4) is judged as that IPv4 address too: it may reach it.
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
 * wh_embedded_ipv4 copies the IPv4 address an IPv6 address embeds to out
 * and returns true, for the forms that reach or name that address:
 * IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (deprecated, but
 * still routed by some stacks), NAT64 64:ff9b::a.b.c.d (RFC 6052's
 * well-known prefix) and 6to4 2002:aabb:ccdd::/48.
 */
bool
wh_embedded_ipv4(const unsigned char *a6, unsigned char *out)
{
	static const unsigned char zero[10] = {0};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (memcmp(a6, zero, 10) == 0 &&
		((a6[10] == 0xff && a6[11] == 0xff) || (a6[10] == 0 && a6[11] == 0)))
	{
		memcpy(out, a6 + 12, 4);
		return true;
	}
	if (memcmp(a6, nat64, 12) == 0)
	{
		memcpy(out, a6 + 12, 4);
		return true;
	}
	if (a6[0] == 0x20 && a6[1] == 0x02)
	{
		memcpy(out, a6 + 2, 4);
		return true;
	}
	return false;
}

/*
 * in_list reports whether an address of a family is in one of the entries
 * of nets that are exceptions (allow) or blocks (!allow).
 */
static bool
in_list(const WhNetwork *nets, int n, bool allow, int family,
		const unsigned char *addr)
{
	for (int i = 0; i < n; i++)
	{
		if (nets[i].allow == allow && nets[i].family == family &&
			prefix_match(nets[i].addr, addr, nets[i].prefix))
			return true;
	}
	return false;
}

/*
 * wh_address_blocked judges an address by the n entries of nets: blocks
 * and exceptions (allow) in any order.  An address has one or two views:
 * itself and, for an IPv6 address, the IPv4 address it embeds.  It is
 * refused when a block covers one of its views and no exception covers
 * any of them: exceptions win, so allowing 127.0.0.0/8 also allows
 * ::ffff:127.0.0.1.  Addresses of other families are never refused.
 */
bool
wh_address_blocked(const WhNetwork *nets, int n, const struct sockaddr *sa)
{
	int			family[2];
	const unsigned char *view[2];
	unsigned char v4[4];
	int			nviews = 1;

	if (sa->sa_family == AF_INET)
	{
		family[0] = AF_INET;
		view[0] = (const unsigned char *) &((const struct sockaddr_in *) sa)->sin_addr;
	}
	else if (sa->sa_family == AF_INET6)
	{
		family[0] = AF_INET6;
		view[0] = ((const struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
		if (wh_embedded_ipv4(view[0], v4))
		{
			family[1] = AF_INET;
			view[1] = v4;
			nviews = 2;
		}
	}
	else
		return false;

	for (int i = 0; i < nviews; i++)
	{
		if (in_list(nets, n, true, family[i], view[i]))
			return false;
	}
	for (int i = 0; i < nviews; i++)
	{
		if (in_list(nets, n, false, family[i], view[i]))
			return true;
	}
	return false;
}
