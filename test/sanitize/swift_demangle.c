/*-------------------------------------------------------------------------
 *
 * swift_demangle.c
 *	  A swift_demangle that demangles nothing, preloaded by asan.sh beside
 *	  the AddressSanitizer runtime.
 *
 * AddressSanitizer initialises at the first malloc.  In Debian's postgres
 * that is inside bindtextdomain(), called by libgpg-error's constructor
 * with glibc's gettext lock held; the runtime's start-up then looks up
 * swift_demangle, and the dlerror() of the failed lookup takes the same
 * lock again: the lock is corrupted and postgres hangs before main().
 * With this symbol preloaded the lookup succeeds.  Nothing here is
 * Swift-mangled, so a demangler that never demangles loses nothing.
 *
 * IDENTIFICATION
 *	  test/sanitize/swift_demangle.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>

char	   *swift_demangle(const char *name, size_t len, char *out,
						   size_t *outlen, uint32_t flags);

char *
swift_demangle(const char *name, size_t len, char *out, size_t *outlen,
			   uint32_t flags)
{
	return NULL;
}
