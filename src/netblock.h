/*-------------------------------------------------------------------------
 *
 * netblock.h
 *	  The network policy: CIDR parsing and the judgement of addresses the
 *	  worker is about to connect to, free of server calls.
 *
 * IDENTIFICATION
 *	  src/netblock.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_NETBLOCK_H
#define WEBHOOKS_NETBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define WH_MAX_NETWORKS 64

/*
 * The default of webhooks.blocked_networks: every address that is not a
 * public unicast destination.  IPv4: "this network", RFC 1918, CGNAT,
 * loopback, link-local (with the 169.254.169.254 metadata address),
 * IETF assignments, documentation, the 6to4 relay, benchmarking,
 * multicast, reserved and broadcast, and the cloud metadata addresses
 * (Alibaba's inside CGNAT, Azure's public-looking 168.63.129.16).  IPv6:
 * unspecified, loopback, local-use NAT64, discard-only, IETF assignments
 * (Teredo among them), documentation, SRv6, ULA (with AWS's metadata
 * address), link-local, site-local and multicast.  IPv4-mapped,
 * IPv4-compatible, NAT64 and 6to4 addresses are judged by the IPv4
 * address they embed as well (see wh_address_blocked).
 */
#define WH_DEFAULT_BLOCKED_NETWORKS \
	"0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, " \
	"172.16.0.0/12, 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, " \
	"192.168.0.0/16, 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24, " \
	"224.0.0.0/4, 240.0.0.0/4, 169.254.169.254/32, 100.100.100.200/32, " \
	"168.63.129.16/32, " \
	"::/128, ::1/128, 64:ff9b:1::/48, 100::/64, 2001::/23, 2001:db8::/32, " \
	"3fff::/20, 5f00::/16, fc00::/7, fd00:ec2::254/128, fe80::/10, " \
	"fec0::/10, ff00::/8"

typedef struct WhNetwork
{
	int			family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int			prefix;			/* bits */
	bool		allow;			/* an exception (webhooks.allowed_networks) */
} WhNetwork;

extern int	wh_parse_networks(const char *list, WhNetwork *out, int max,
							  char *err, size_t err_len);
extern bool wh_embedded_ipv4(const unsigned char *a6, unsigned char *out);
extern bool wh_address_blocked(const WhNetwork *nets, int n,
							   const struct sockaddr *sa);

#endif							/* WEBHOOKS_NETBLOCK_H */
