/*-------------------------------------------------------------------------
 *
 * fuzz_netblock.c
 *	  libFuzzer target for the network policy: any list text parses or is
 *	  refused with a message, and judging any address against what parsed
 *	  stays in bounds.  A block covers its own base address; an exception
 *	  is never refused.  An IPv6 address that embeds an IPv4 address
 *	  (IPv4-mapped, IPv4-compatible, NAT64, 6to4) gets the verdict of a
 *	  plain prefix matcher here over both of its views.
 *
 *	  Input: 16 bytes of an IPv6 address, whose bytes 12..15 are also the
 *	  IPv4 address to embed, then "exceptions|blocks" as list text.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_netblock.c
 *
 *-------------------------------------------------------------------------
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netblock.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
judge(const WhNetwork *nets, int n, int family, const unsigned char *addr)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (family == AF_INET)
	{
		a4.sin_family = AF_INET;
		memcpy(&a4.sin_addr, addr, 4);
		return wh_address_blocked(nets, n, (struct sockaddr *) &a4);
	}
	a6.sin6_family = AF_INET6;
	memcpy(&a6.sin6_addr, addr, 16);
	return wh_address_blocked(nets, n, (struct sockaddr *) &a6);
}

/* the reference: does an entry of the kind (allow or not) cover addr? */
static bool
covers(const WhNetwork *nets, int n, bool allow, int family,
	   const unsigned char *addr)
{
	for (int i = 0; i < n; i++)
	{
		int			bits = nets[i].prefix;
		bool		match = nets[i].family == family;

		for (int b = 0; match && b < bits; b++)
			match = ((nets[i].addr[b / 8] ^ addr[b / 8]) & (0x80 >> (b % 8))) == 0;
		if (match && nets[i].allow == allow)
			return true;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	WhNetwork	nets[2 * WH_MAX_NETWORKS];
	char		err[128];
	char	   *text;
	char	   *bar;
	int			na = 0;
	int			nb;
	unsigned char in6[16];

	if (size < 16)
		return 0;
	memcpy(in6, data, 16);
	text = malloc(size - 16 + 1);
	memcpy(text, data + 16, size - 16);
	text[size - 16] = '\0';

	bar = strchr(text, '|');
	if (bar)
	{
		*bar = '\0';
		na = wh_parse_networks(text, nets, WH_MAX_NETWORKS, err, sizeof(err));
		if (na < 0)
			na = 0;
		for (int i = 0; i < na; i++)
			nets[i].allow = true;
	}
	nb = wh_parse_networks(bar ? bar + 1 : text, nets + na, WH_MAX_NETWORKS,
						   err, sizeof(err));
	if (nb < 0)
		nb = 0;

	/* exceptions are never refused; with none, a block refuses its base */
	for (int i = 0; i < na + nb; i++)
	{
		bool		blocked = judge(nets, na + nb, nets[i].family, nets[i].addr);

		if (nets[i].allow ? blocked : (na == 0 && !blocked))
			abort();
	}

	/* every embedding of the IPv4 address, and the address as it came */
	for (int form = 0; form < 5; form++)
	{
		unsigned char a6[16];
		unsigned char v4[4];
		const unsigned char *x = in6 + 12;
		bool		embeds;
		bool		expect;

		memcpy(a6, in6, 16);
		switch (form)
		{
			case 0:				/* IPv4-mapped */
				memset(a6, 0, 10);
				a6[10] = a6[11] = 0xff;
				break;
			case 1:				/* IPv4-compatible */
				memset(a6, 0, 12);
				break;
			case 2:				/* NAT64 */
				memset(a6, 0, 12);
				a6[1] = 0x64;
				a6[2] = 0xff;
				a6[3] = 0x9b;
				break;
			case 3:				/* 6to4: any subnet and interface id */
				a6[0] = 0x20;
				a6[1] = 0x02;
				memcpy(a6 + 2, x, 4);
				break;
			default:			/* as it came */
				break;
		}
		embeds = wh_embedded_ipv4(a6, v4);
		if (form < 4 && (!embeds || memcmp(v4, x, 4) != 0))
			abort();
		expect = !(covers(nets, na + nb, true, AF_INET6, a6) ||
				   (embeds && covers(nets, na + nb, true, AF_INET, v4))) &&
			(covers(nets, na + nb, false, AF_INET6, a6) ||
			 (embeds && covers(nets, na + nb, false, AF_INET, v4)));
		if (judge(nets, na + nb, AF_INET6, a6) != expect)
			abort();
	}
	free(text);
	return 0;
}
