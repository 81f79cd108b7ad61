/*-------------------------------------------------------------------------
 *
 * jsonb_util.c
 *	  Typed access to jsonb request objects and construction of jsonb
 *	  responses.
 *
 * Every reader takes the object, the dotted path of that object within the
 * request ("" at the top) and a key; a value of the wrong type raises 22023
 * naming the full path of the field.  JSON null reads as absent.
 *
 * IDENTIFICATION
 *	  src/jsonb_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "utils/datetime.h"
#include "utils/numeric.h"

#include "jsonb_util.h"

/*
 * jb_invalid raises 22023 for a bad field.  The statement is not logged:
 * a request can carry a secret.
 */
void
jb_invalid(const char *field, const char *reason, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid \"%s\": %s", field, reason),
			 hint ? errhint("%s", hint) : 0,
			 errhidestmt(true)));
	pg_unreachable();
}

/*
 * jb_path returns the path of key inside the object at path.
 */
char *
jb_path(const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		return pstrdup(key);
	return psprintf("%s.%s", path, key);
}

static const char *
jbv_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvArray:
			return "an array";
		case jbvObject:
			return "an object";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ?
				"an object" : "an array";
		default:
			return "an unknown value";
	}
}

static void
wrong_type(const char *field, const char *expected, const JsonbValue *v)
{
	jb_invalid(field, psprintf("expected %s, got %s", expected,
							   jbv_type_name(v)), NULL);
}

/*
 * jb_root_object returns the top-level object of a request, raising 22023
 * when the request is not an object.
 */
JsonbContainer *
jb_root_object(Jsonb *jb, const char *what)
{
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what),
				 errhidestmt(true)));
	return &jb->root;
}

/*
 * jb_check_fields rejects any key of obj not in the NULL-terminated list
 * allowed, with a hint that lists the allowed keys.
 */
void
jb_check_fields(JsonbContainer *obj, const char *path,
				const char *const *allowed)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	v;
	JsonbIteratorToken r;

	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		bool		found = false;

		if (r != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (int i = 0; allowed[i] != NULL; i++)
		{
			if (strcmp(key, allowed[i]) == 0)
			{
				found = true;
				break;
			}
		}
		if (!found)
		{
			StringInfoData hint;

			initStringInfo(&hint);
			appendStringInfoString(&hint, "Allowed fields");
			if (path[0] != '\0')
				appendStringInfo(&hint, " of \"%s\"", path);
			appendStringInfoString(&hint, " are:");
			for (int i = 0; allowed[i] != NULL; i++)
				appendStringInfo(&hint, "%s %s", i ? "," : "", allowed[i]);
			appendStringInfoChar(&hint, '.');
			jb_invalid(jb_path(path, key), "unknown field", hint.data);
		}
	}
}

/*
 * get_value finds key in obj; false when absent or JSON null.
 */
static bool
get_value(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), out);

	return v != NULL && v->type != jbvNull;
}

/*
 * jb_get_bool reads an optional boolean; false when absent.
 */
bool
jb_get_bool(JsonbContainer *obj, const char *path, const char *key, bool *out)
{
	JsonbValue	v;

	if (!get_value(obj, key, &v))
		return false;
	if (v.type != jbvBool)
		wrong_type(jb_path(path, key), "a boolean", &v);
	*out = v.val.boolean;
	return true;
}

/*
 * jb_get_string reads an optional string; NULL when absent.
 */
char *
jb_get_string(JsonbContainer *obj, const char *path, const char *key)
{
	JsonbValue	v;

	if (!get_value(obj, key, &v))
		return NULL;
	if (v.type != jbvString)
		wrong_type(jb_path(path, key), "a string", &v);
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/*
 * jb_get_int reads an optional integer within [min, max]; false when
 * absent.
 */
bool
jb_get_int(JsonbContainer *obj, const char *path, const char *key,
		   int64 min, int64 max, int64 *out)
{
	JsonbValue	v;
	Numeric		num;
	Numeric		trunc;

	if (!get_value(obj, key, &v))
		return false;
	if (v.type != jbvNumeric)
		wrong_type(jb_path(path, key), "an integer", &v);
	num = v.val.numeric;
	trunc = DatumGetNumeric(DirectFunctionCall2(numeric_trunc,
												NumericGetDatum(num),
												Int32GetDatum(0)));
	if (numeric_is_nan(num) ||
		!DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(num),
										  NumericGetDatum(trunc))))
		jb_invalid(jb_path(path, key), "expected an integer, got a fraction",
				   NULL);
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(num),
										  NumericGetDatum(int64_to_numeric(min)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(num),
										  NumericGetDatum(int64_to_numeric(max)))) > 0)
		jb_invalid(jb_path(path, key),
				   psprintf("must be an integer from " INT64_FORMAT " to " INT64_FORMAT,
							min, max), NULL);
	*out = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(num)));
	return true;
}

/*
 * jb_get_object reads an optional object; NULL when absent.
 */
JsonbContainer *
jb_get_object(JsonbContainer *obj, const char *path, const char *key)
{
	JsonbValue	v;

	if (!get_value(obj, key, &v))
		return NULL;
	if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		wrong_type(jb_path(path, key), "an object", &v);
	return v.val.binary.data;
}

/*
 * jb_container_string_array returns the elements of an array of strings.
 */
List *
jb_container_string_array(JsonbContainer *arr, const char *field)
{
	List	   *result = NIL;
	int			n = JsonContainerSize(arr);

	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);

		if (e->type != jbvString)
			wrong_type(psprintf("%s[%d]", field, i), "a string", e);
		result = lappend(result, pnstrdup(e->val.string.val,
										  e->val.string.len));
	}
	return result;
}

/*
 * jb_get_string_array reads an optional array of strings; *present tells
 * whether the key was there (an empty array is present).
 */
List *
jb_get_string_array(JsonbContainer *obj, const char *path, const char *key,
					bool *present)
{
	JsonbValue	v;
	char	   *field;

	*present = false;
	if (!get_value(obj, key, &v))
		return NIL;
	field = jb_path(path, key);
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data) ||
		JsonContainerIsScalar(v.val.binary.data))
		wrong_type(field, "an array of strings", &v);
	*present = true;
	return jb_container_string_array(v.val.binary.data, field);
}

/*
 * jb_put_key pushes an object key.
 */
void
jb_put_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &k);
}

/*
 * jb_put_string pushes key: string, or key: null when value is NULL.
 */
void
jb_put_string(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	if (value == NULL)
	{
		jb_put_null(st, key);
		return;
	}
	jb_put_key(st, key);
	v.type = jbvString;
	v.val.string.val = (char *) value;
	v.val.string.len = strlen(value);
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * jb_put_bool pushes key: boolean.
 */
void
jb_put_bool(JsonbParseState **st, const char *key, bool value)
{
	JsonbValue	v;

	jb_put_key(st, key);
	v.type = jbvBool;
	v.val.boolean = value;
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * jb_put_int64 pushes key: integer.
 */
void
jb_put_int64(JsonbParseState **st, const char *key, int64 value)
{
	JsonbValue	v;

	jb_put_key(st, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(value);
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * jb_put_null pushes key: null.
 */
void
jb_put_null(JsonbParseState **st, const char *key)
{
	JsonbValue	v;

	jb_put_key(st, key);
	v.type = jbvNull;
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * jb_format_timestamp renders a time as RFC 3339 in UTC with milliseconds,
 * e.g. 2025-01-01T12:00:00.000Z.
 */
char *
jb_format_timestamp(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) ||
		timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, fsec / 1000);
}

/*
 * jb_put_timestamp pushes key: RFC 3339 time.
 */
void
jb_put_timestamp(JsonbParseState **st, const char *key, TimestampTz ts)
{
	jb_put_string(st, key, jb_format_timestamp(ts));
}

/*
 * jb_put_string_array pushes key: [strings].
 */
void
jb_put_string_array(JsonbParseState **st, const char *key, List *values)
{
	ListCell   *lc;

	if (key != NULL)
		jb_put_key(st, key);
	pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	foreach(lc, values)
	{
		JsonbValue	v;

		v.type = jbvString;
		v.val.string.val = lfirst(lc);
		v.val.string.len = strlen(lfirst(lc));
		pushJsonbValue(st, WJB_ELEM, &v);
	}
	pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/*
 * jb_put_jsonb pushes key: a whole jsonb document.
 */
void
jb_put_jsonb(JsonbParseState **st, const char *key, Jsonb *value)
{
	JsonbValue	v;

	jb_put_key(st, key);
	v.type = jbvBinary;
	v.val.binary.data = &value->root;
	v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	pushJsonbValue(st, WJB_VALUE, &v);
}
