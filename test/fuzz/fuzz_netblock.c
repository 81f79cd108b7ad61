/*-------------------------------------------------------------------------
 *
 * fuzz_netblock.c
 *	  libFuzzer target for the network block list: any list text parses or
 *	  is refused with a message, and matching any address against what
 *	  parsed stays in bounds.  A block covers its own base address.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	WhNetwork	nets[WH_MAX_NETWORKS];
	char		err[128];
	char	   *text = malloc(size + 1);
	int			n;

	memcpy(text, data, size);
	text[size] = '\0';
	n = wh_parse_networks(text, nets, WH_MAX_NETWORKS, err, sizeof(err));
	for (int i = 0; i < n; i++)
	{
		struct sockaddr_in6 a6;
		struct sockaddr_in a4;

		memset(&a6, 0, sizeof(a6));
		memset(&a4, 0, sizeof(a4));
		if (nets[i].family == AF_INET)
		{
			a4.sin_family = AF_INET;
			memcpy(&a4.sin_addr, nets[i].addr, 4);
			if (!wh_address_blocked(nets, n, (struct sockaddr *) &a4))
				abort();
		}
		else
		{
			a6.sin6_family = AF_INET6;
			memcpy(&a6.sin6_addr, nets[i].addr, 16);
			if (!wh_address_blocked(nets, n, (struct sockaddr *) &a6))
				abort();
		}
	}
	free(text);
	return 0;
}
