/*-------------------------------------------------------------------------
 *
 * jsonb_util.h
 *	  Reading typed fields out of jsonb request objects, with errors that
 *	  name the offending field, and building jsonb responses.
 *
 * IDENTIFICATION
 *	  src/jsonb_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_JSONB_UTIL_H
#define WEBHOOKS_JSONB_UTIL_H

/* reading */
pg_noreturn extern void jb_invalid(const char *field, const char *reason,
								   const char *hint);
extern char *jb_path(const char *path, const char *key);
extern JsonbContainer *jb_root_object(Jsonb *jb, const char *what);
extern void jb_check_fields(JsonbContainer *obj, const char *path,
							const char *const *allowed);
extern bool jb_get_bool(JsonbContainer *obj, const char *path,
						const char *key, bool *out);
extern char *jb_get_string(JsonbContainer *obj, const char *path,
						   const char *key);
extern bool jb_get_int(JsonbContainer *obj, const char *path, const char *key,
					   int64 min, int64 max, int64 *out);
extern JsonbContainer *jb_get_object(JsonbContainer *obj, const char *path,
									 const char *key);
extern List *jb_get_string_array(JsonbContainer *obj, const char *path,
								 const char *key, bool *present);
extern List *jb_container_string_array(JsonbContainer *arr, const char *field);

/* building */
extern void jb_put_key(JsonbParseState **st, const char *key);
extern void jb_put_string(JsonbParseState **st, const char *key,
						  const char *value);
extern void jb_put_bool(JsonbParseState **st, const char *key, bool value);
extern void jb_put_int64(JsonbParseState **st, const char *key, int64 value);
extern void jb_put_null(JsonbParseState **st, const char *key);
extern void jb_put_timestamp(JsonbParseState **st, const char *key,
							 TimestampTz ts);
extern void jb_put_string_array(JsonbParseState **st, const char *key,
								List *values);
extern void jb_put_jsonb(JsonbParseState **st, const char *key, Jsonb *value);
extern char *jb_format_timestamp(TimestampTz ts);

#endif							/* WEBHOOKS_JSONB_UTIL_H */
