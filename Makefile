# Makefile for the webhooks extension (PGXS)

EXTENSION = webhooks
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = webhooks
OBJS = \
	src/webhooks.o \
	src/ulid.o \
	src/ulid_codec.o \
	src/checks.o \
	src/jsonb_util.o \
	src/config.o \
	src/request.o \
	src/response.o \
	src/store.o \
	src/tenant.o \
	src/event_types.o \
	src/api.o \
	src/call.o \
	src/events.o \
	src/monitor.o \
	src/diverted.o \
	src/spi_util.o \
	src/sign.o \
	src/netblock.o \
	src/policy.o \
	src/shmem.o \
	src/resolve.o \
	src/http.o \
	src/clean_text.o \
	src/headers.o \
	src/webhook_conf.o \
	src/delivery.o \
	src/window.o \
	src/batch.o \
	src/worker.o \
	src/launcher.o

# Versions: sql/webhooks--1.0.sql is version 1.0 exactly as released and is
# never edited; every later change is an upgrade script
# sql/webhooks--<old>--<new>.sql.  The install script of the current version
# is built by running the chain: 1.0 followed by each upgrade script in order,
# so a fresh install and an upgraded one execute the same statements (see
# "Upgrading" in the README).
UPGRADES = $(EXTENSION)--1.0--1.1.sql
DATA = sql/$(EXTENSION)--1.0.sql $(addprefix sql/,$(UPGRADES))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql


# Regression scripts live in sql/ beside the install scripts; pg_regress finds
# them there (--inputdir=.) and compares with expected/.
REGRESS = ulid event_types create fetch update list subscriptions unsuspend_delete \
	bad_input header_limits diverted tenancy privileges cross_tenant rest
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# -Wno-unused-parameter: PG_FUNCTION_ARGS and hook signatures carry parameters
# that many functions do not use.  -Wno-missing-field-initializers: PostgreSQL
# 15's headers (e.g. designated initializers in fmgr macros) trip it under
# -Wextra.  -Wno-sign-compare: PostgreSQL's own macros compare signed and
# unsigned values (e.g. VARSIZE arithmetic).
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare $(PG_CFLAGS_EXTRA)
PG_CPPFLAGS = -I$(srcdir)/src -DEXTVERSION=\"$(EXTVERSION)\"
SHLIB_LINK = -lcurl -lcrypto $(SHLIB_LINK_EXTRA)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# after the include, so that PGXS's "all" stays the default goal
sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION)--1.0.sql $(addprefix sql/,$(UPGRADES))
	( echo '/* $(EXTENSION)--$(EXTVERSION).sql: built by make from the files below; edit those */'; \
	  for f in $^; do echo; echo "/* ---- $$f ---- */"; cat $$f; done ) > $@

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard src/*.h)

# Fuzzing (libFuzzer, clang): the code that is free of server calls, outside
# PostgreSQL.  "make fuzz" runs every target for FUZZ_SECONDS on its corpus
# in test/fuzz/corpus/<target>, which it extends with what it finds.
FUZZ_TARGETS = ulid checks sign policy netblock
FUZZ_SECONDS ?= 60
FUZZ_CC = clang
# -Wno-ignored-attributes: c.h, which checks.c includes for common/base64.h,
# marks printf-like functions gnu_printf for gcc, which clang does not know.
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wno-ignored-attributes \
	-I$(srcdir)/src -I$(shell $(PG_CONFIG) --includedir-server)
FUZZ_LIBS = $(shell $(PG_CONFIG) --pkglibdir)/libpgcommon.a \
	$(shell $(PG_CONFIG) --pkglibdir)/libpgport.a -lcurl -lcrypto

test/fuzz/fuzz_ulid: src/ulid_codec.c
test/fuzz/fuzz_checks: src/checks.c src/clean_text.c
test/fuzz/fuzz_sign: src/sign.c src/checks.c
test/fuzz/fuzz_policy: src/policy.c
test/fuzz/fuzz_netblock: src/netblock.c
test/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(wildcard src/*.h)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^)) $(FUZZ_LIBS)

fuzz-build: $(addprefix test/fuzz/fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	FUZZ_GROW=1 bash test/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Slow checks, one command each (CI does not run them): every test with the
# extension built with ASan and UBSan, and the delivery tests under valgrind.
asan:
	bash test/sanitize/asan.sh
valgrind:
	bash test/sanitize/valgrind.sh

.PHONY: fuzz fuzz-build asan valgrind
