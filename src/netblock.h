/*-------------------------------------------------------------------------
 *
 * netblock.h
 *	  The network block list: CIDR parsing and address matching, free of
 *	  server calls.
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

typedef struct WhNetwork
{
	int			family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int			prefix;			/* bits */
} WhNetwork;

extern int	wh_parse_networks(const char *list, WhNetwork *out, int max,
							  char *err, size_t err_len);
extern bool wh_address_blocked(const WhNetwork *nets, int n,
							   const struct sockaddr *sa);

#endif							/* WEBHOOKS_NETBLOCK_H */
