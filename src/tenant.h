/*-------------------------------------------------------------------------
 *
 * tenant.h
 *	  Binding API calls to the tenant named in the caller's JWT claims.
 *
 * IDENTIFICATION
 *	  src/tenant.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_TENANT_H
#define WEBHOOKS_TENANT_H

extern bool wh_bound_tenant(pg_uuid_t *bound);
extern void wh_check_tenant(const pg_uuid_t *tenant);
extern bool wh_parse_uuid(const char *text, pg_uuid_t *out);
extern bool wh_jwt_subject(pg_uuid_t *out);

#endif							/* WEBHOOKS_TENANT_H */
