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

#include "checks.h"
#include "netblock.h"
#include "shmem.h"
#include "webhooks.h"
#include "launcher.h"
#include "worker.h"

WH_MODULE_MAGIC;

void		_PG_init(void);

char	   *webhooks_database = NULL;
char	   *webhooks_tenant_claim = NULL;
int			webhooks_batch_size = 500;
int			webhooks_max_inflight = 1024;
int			webhooks_timeout_ms = 10000;
int			webhooks_max_host_connections = 8;
int			webhooks_lease_seconds = 300;
int			webhooks_workers_per_database = 1;
int			webhooks_attempt_retention = 7 * 24 * 3600;
int			webhooks_event_retention = 30 * 24 * 3600;
int			webhooks_max_event_data_bytes = 1024 * 1024;
bool		webhooks_require_tenant_claim = false;
static char *blocked_networks_text = NULL;
static char *allowed_networks_text = NULL;

/*
 * The network policy the worker judges addresses by: the exceptions of
 * webhooks.allowed_networks followed by the blocks of
 * webhooks.blocked_networks, rebuilt whenever either changes.
 */
typedef struct NetworkList
{
	int			count;
	WhNetwork	nets[WH_MAX_NETWORKS];
} NetworkList;
static NetworkList *allowed_list = NULL;
static NetworkList *blocked_list = NULL;
static WhNetwork network_policy[2 * WH_MAX_NETWORKS];
WhNetwork  *webhooks_blocked_networks = network_policy;
int			webhooks_blocked_network_count = 0;
int			webhooks_max_name_length = 255;
int			webhooks_max_url_length = 2048;
int			webhooks_max_headers = 50;
int			webhooks_max_header_value_bytes = 8192;
int			webhooks_max_header_values = 16;
int			webhooks_max_headers_bytes = 16 * 1024;
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
 * check_networks parses webhooks.blocked_networks or allowed_networks: a
 * comma-separated list of addresses and CIDR blocks.
 */
static bool
check_networks(char **newval, void **extra, GucSource source)
{
	NetworkList *list = wh_guc_malloc(sizeof(NetworkList));
	char		err[128];

	if (list == NULL)
		return false;
	list->count = wh_parse_networks(*newval ? *newval : "", list->nets,
									WH_MAX_NETWORKS, err, sizeof(err));
	if (list->count < 0)
	{
		GUC_check_errdetail("%s", err);
		wh_guc_free(list);
		return false;
	}
	*extra = list;
	return true;
}

/*
 * rebuild_network_policy merges the two parsed lists into network_policy,
 * the exceptions marked as such; the assign hooks of both settings call it.
 */
static void
rebuild_network_policy(void)
{
	int			n = 0;

	for (int i = 0; allowed_list && i < allowed_list->count; i++)
	{
		network_policy[n] = allowed_list->nets[i];
		network_policy[n++].allow = true;
	}
	for (int i = 0; blocked_list && i < blocked_list->count; i++)
		network_policy[n++] = blocked_list->nets[i];
	webhooks_blocked_network_count = n;
}

static void
assign_blocked_networks(const char *newval, void *extra)
{
	blocked_list = extra;
	rebuild_network_policy();
}

static void
assign_allowed_networks(const char *newval, void *extra)
{
	allowed_list = extra;
	rebuild_network_policy();
}

/* the longest value allowed, under the longest name, fits in the headers' cap */
StaticAssertDecl(WH_MAX_HEADER_NAME_LEN + WH_HEADER_LINE_OVERHEAD +
				 WH_HEADER_VALUE_BYTES_CAP <= WH_HEADERS_BYTES_CAP,
				 "a header line of the longest name and value must fit in WH_HEADERS_BYTES_CAP");

/*
 * define_limit defines one of the request limits of doc/decisions.md D5.
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

	DefineCustomStringVariable("webhooks.database",
							   "The one database whose events are delivered; empty: every database with the extension.",
							   "When set, events can be published only in this database.",
							   &webhooks_database, "",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.workers_per_database",
							"Delivery workers per database, each serving a partition of its webhooks.",
							NULL, &webhooks_workers_per_database, 1, 1, 16,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);

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
				 &webhooks_max_header_value_bytes, 8192, 1,
				 WH_HEADER_VALUE_BYTES_CAP, GUC_UNIT_BYTE);
	define_limit("webhooks.max_header_values",
				 "Most values of one custom header.",
				 &webhooks_max_header_values, 16, 1, 1000, 0);
	define_limit("webhooks.max_headers_bytes",
				 "Largest size of an endpoint's custom headers as sent.",
				 &webhooks_max_headers_bytes, 16 * 1024, 0,
				 WH_HEADERS_BYTES_CAP, GUC_UNIT_BYTE);
	define_limit("webhooks.max_event_types",
				 "Most event types a webhook may subscribe to.",
				 &webhooks_max_event_types, 500, 1, 10000, 0);

	define_limit("webhooks.max_event_data_bytes",
				 "Largest event data document, in bytes of JSON text.",
				 &webhooks_max_event_data_bytes, 1024 * 1024, 2, 64 * 1024 * 1024,
				 GUC_UNIT_BYTE);

	DefineCustomIntVariable("webhooks.batch_size",
							"Most deliveries the worker claims in one transaction.",
							NULL, &webhooks_batch_size, 500, 1, 10000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.max_inflight",
							"Most HTTP requests the worker has in flight at once.",
							NULL, &webhooks_max_inflight, 1024, 1, 100000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.timeout",
							"Time a delivery may take before it counts as a timeout.",
							NULL, &webhooks_timeout_ms, 10000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.max_host_connections",
							"Most connections the worker opens to one host and port.",
							NULL, &webhooks_max_host_connections, 8, 1, 1000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.lease",
							"Time a delivery whose outcome could not be recorded is kept back before it is sent again.",
							"Deliveries a worker held when it died are due again at once.",
							&webhooks_lease_seconds, 300, 10, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.attempt_retention",
							"Time delivery attempts are kept in the attempt log.",
							NULL, &webhooks_attempt_retention, 7 * 24 * 3600,
							60, INT_MAX, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("webhooks.event_retention",
							"Time published events are kept for the event stream.",
							NULL, &webhooks_event_retention, 30 * 24 * 3600,
							60, INT_MAX, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("webhooks.blocked_networks",
							   "Networks the worker never connects to (checked on the resolved address).",
							   "A comma-separated list of addresses and CIDR blocks.",
							   &blocked_networks_text, WH_DEFAULT_BLOCKED_NETWORKS,
							   PGC_SIGHUP, 0, check_networks,
							   assign_blocked_networks, NULL);
	DefineCustomStringVariable("webhooks.allowed_networks",
							   "Networks the worker may connect to although webhooks.blocked_networks covers them.",
							   "A comma-separated list of addresses and CIDR blocks.",
							   &allowed_networks_text, "",
							   PGC_SIGHUP, 0, check_networks,
							   assign_allowed_networks, NULL);

	/*
	 * SUSET, not USERSET: the setting protects against sessions that run
	 * without claims, so such a session must not be able to turn it off
	 * for itself with SET.  A superuser sets it per role or database (ALTER
	 * ROLE authenticator SET ...), which applies at login.
	 */
	DefineCustomBoolVariable("webhooks.require_tenant_claim",
							 "Refuse API calls that carry no tenant claim.",
							 "When on, a call without request.jwt.claims naming a tenant fails.",
							 &webhooks_require_tenant_claim, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("webhooks");

	wh_shmem_init();
	wh_launcher_hooks();
	wh_register_launcher();
}
