/*-------------------------------------------------------------------------
 *
 * webhooks.c
 *	  Entry point of the webhooks extension: module magic, _PG_init and the
 *	  webhooks.* settings.
 *
 * IDENTIFICATION
 *	  src/webhooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "webhooks.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

char	   *webhooks_tenant_claim = NULL;
int			webhooks_max_name_length = 255;
int			webhooks_max_url_length = 2048;
int			webhooks_max_headers = 50;
int			webhooks_max_header_value_bytes = 8192;
int			webhooks_max_event_types = 500;

/*
 * check_tenant_claim is the check hook of webhooks.tenant_claim: a claim
 * name must not be empty.
 */
static bool
check_tenant_claim(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
	{
		GUC_check_errdetail("The tenant claim name must not be empty.");
		return false;
	}
	return true;
}

/*
 * define_limit defines one of the request limits of DESIGN.md D5.
 */
static void
define_limit(const char *name, const char *desc, int *var, int boot,
			 int min, int max, int flags)
{
	DefineCustomIntVariable(name, desc, NULL, var, boot, min, max,
							PGC_SUSET, flags, NULL, NULL, NULL);
}

/*
 * _PG_init defines the settings.  The library must be preloaded through
 * shared_preload_libraries, since the delivery worker starts with the
 * server.
 */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhooks must be loaded via shared_preload_libraries"),
				 errhint("Add webhooks to shared_preload_libraries in postgresql.conf and restart the server.")));

	DefineCustomStringVariable("webhooks.tenant_claim",
							   "Name of the JWT claim that binds API calls to a tenant.",
							   "When request.jwt.claims is set (as PostgREST does), "
							   "calls for any other tenant fail.",
							   &webhooks_tenant_claim, "tenant_locator",
							   PGC_SUSET, 0, check_tenant_claim, NULL, NULL);

	define_limit("webhooks.max_name_length",
				 "Longest webhook name, in characters.",
				 &webhooks_max_name_length, 255, 1, 10000, 0);
	define_limit("webhooks.max_url_length",
				 "Longest endpoint URL, in bytes.",
				 &webhooks_max_url_length, 2048, 16, 65536, 0);
	define_limit("webhooks.max_headers",
				 "Most custom headers per endpoint.",
				 &webhooks_max_headers, 50, 0, 1000, 0);
	define_limit("webhooks.max_header_value_bytes",
				 "Longest custom header value.",
				 &webhooks_max_header_value_bytes, 8192, 1, 65536,
				 GUC_UNIT_BYTE);
	define_limit("webhooks.max_event_types",
				 "Most event types a webhook may subscribe to.",
				 &webhooks_max_event_types, 500, 1, 10000, 0);

	MarkGUCPrefixReserved("webhooks");
}
