/*-------------------------------------------------------------------------
 *
 * spi_util.c
 *	  Reading columns of SPI result rows, NULL-aware.
 *
 * IDENTIFICATION
 *	  src/spi_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "pg_prelude.h"

#include "spi_util.h"

/*
 * wh_col_bool reads a boolean column; NULL reads as false.
 */
bool
wh_col_bool(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/*
 * wh_col_text reads a text column as a C string in the current memory
 * context; NULL when the value is.
 */
char *
wh_col_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * wh_col_uuid copies the 16 bytes of a uuid column (which must not be NULL)
 * into out: a pg_uuid_t or a ulid.
 */
void
wh_col_uuid(HeapTuple tup, TupleDesc desc, int col, void *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	Assert(!isnull);
	memcpy(out, DatumGetUUIDP(d)->data, UUID_LEN);
}
