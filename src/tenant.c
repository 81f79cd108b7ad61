/*-------------------------------------------------------------------------
 *
 * tenant.c
 *	  Binding API calls to the tenant named in the caller's JWT claims
 *	  (doc/decisions.md §5 and D12a).
 *
 * PostgREST sets request.jwt.claims for each request with set_config(...,
 * true).  When that setting is unset or empty (psql, applications) there is
 * no binding, unless webhooks.require_tenant_claim is on: then the call
 * fails with 42501.  When it is set, it must be a JSON object whose claim
 * named by webhooks.tenant_claim is a uuid equal to the tenant of the call;
 * anything else fails with 42501, so that a misconfigured token fails
 * closed.
 *
 * IDENTIFICATION
 *	  src/tenant.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "tenant.h"
#include "webhooks.h"

PG_FUNCTION_INFO_V1(webhooks_bound_tenant);

#define JWT_CLAIMS_SETTING	"request.jwt.claims"

/*
 * hex_value returns the value of a hexadecimal digit, or -1.
 */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * wh_parse_uuid parses the canonical 8-4-4-4-12 text of a uuid, in either
 * case, without raising errors.
 */
bool
wh_parse_uuid(const char *text, pg_uuid_t *out)
{
	int			j = 0;

	if (strlen(text) != 36)
		return false;
	for (int i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (text[i] != '-')
				return false;
			continue;
		}
		{
			int			hi = hex_value(text[i]);
			int			lo = hex_value(text[i + 1]);

			if (hi < 0 || lo < 0)
				return false;
			out->data[j++] = (unsigned char) (hi << 4 | lo);
			i++;
		}
	}
	return true;
}

/*
 * deny raises 42501 for a call the JWT claims do not allow, keeping the
 * statement (whose request may carry a secret) out of the server log.
 */
static void
deny(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for this tenant"),
			 errdetail("%s", detail),
			 errhidestmt(true)));
}

/*
 * read_claims parses the request's JWT claims: NULL when there are none
 * (the setting is unset or empty), and *bad set when they are there but
 * are not valid JSON, or hold a string jsonb cannot store (a \u0000
 * escape): the lexer de-escapes strings to find out, so that jsonb_in
 * below cannot fail.  Nothing is raised: callers decide.
 */
static Jsonb *
read_claims(bool *bad)
{
	const char *claims = GetConfigOption(JWT_CLAIMS_SETTING, true, false);
	JsonLexContext *lex;

	*bad = false;
	if (claims == NULL || claims[0] == '\0')
		return NULL;
	/* de-escaped: a \u0000 in the claims is refused (42501) */
	lex = wh_json_lexer(claims, strlen(claims), true);
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
	{
		*bad = true;
		return NULL;
	}
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));
}

/*
 * wh_bound_tenant sets *bound to the tenant the JWT claims name and returns
 * true; returns false when there are no claims and none are required.
 * Claims that do not name a tenant raise 42501, as does their absence when
 * webhooks.require_tenant_claim is on.
 */
bool
wh_bound_tenant(pg_uuid_t *bound)
{
	bool		bad;
	Jsonb	   *jb = read_claims(&bad);
	JsonbValue	v;
	char	   *claim;

	if (bad)
		deny("The request's JWT claims are not valid JSON, or hold a \\u0000 escape.");
	if (jb == NULL)
	{
		if (webhooks_require_tenant_claim)
			deny("The call carries no JWT claims, and webhooks.require_tenant_claim is on.");
		return false;
	}
	if (!JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, webhooks_tenant_claim,
									 strlen(webhooks_tenant_claim), &v) == NULL ||
		v.type == jbvNull)
		deny(psprintf("The request's JWT claims carry no \"%s\" claim.",
					  webhooks_tenant_claim));

	claim = v.type == jbvString ?
		pnstrdup(v.val.string.val, v.val.string.len) : pstrdup("");
	if (!wh_parse_uuid(claim, bound))
		deny(psprintf("The request's JWT claim \"%s\" is not a uuid.",
					  webhooks_tenant_claim));
	return true;
}

/*
 * wh_check_tenant raises 42501 unless the call is for the tenant the JWT
 * claims name, when there are claims.
 */
void
wh_check_tenant(const pg_uuid_t *tenant)
{
	pg_uuid_t	bound;

	if (wh_bound_tenant(&bound) &&
		memcmp(bound.data, tenant->data, UUID_LEN) != 0)
		deny(psprintf("The request's JWT claim \"%s\" names another tenant.",
					  webhooks_tenant_claim));
}

/*
 * webhooks_bound_tenant is webhooks._bound_tenant(): the tenant the
 * caller's JWT claims name, or NULL without claims.  Views filter on it.
 */
Datum
webhooks_bound_tenant(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *bound = palloc(sizeof(pg_uuid_t));

	if (!wh_bound_tenant(bound))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(bound);
}

/*
 * wh_jwt_subject reads the JWT "sub" claim when it is a uuid: the default
 * userLocator of published events (D12c).
 */
bool
wh_jwt_subject(pg_uuid_t *out)
{
	bool		bad;
	Jsonb	   *jb = read_claims(&bad);
	JsonbValue	v;

	if (jb == NULL || !JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, "sub", 3, &v) == NULL ||
		v.type != jbvString)
		return false;
	return wh_parse_uuid(pnstrdup(v.val.string.val, v.val.string.len), out);
}
