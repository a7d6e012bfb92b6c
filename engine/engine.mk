# engine/: the convenience library linked by the program and the tests, so
# that unit tests never need a terminal. Nothing here includes curses.
# Each module keeps its own block below: sources, then its unit test.
noinst_LIBRARIES += libisolab.a
AM_CPPFLAGS += $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(JANSSON_CFLAGS)
# What a program linking the engine needs.
ISOLAB_LIBS = libisolab.a $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(JANSSON_LIBS) -lm
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(ISOLAB_LIBS) $(CHECK_LIBS)

libisolab_a_SOURCES = engine/util.c engine/util.h

## config: engine/config.c, schema, default data files

## metrics: engine/metrics.c (pcre2), engine/stats.c

## sampler: engine/sampler.c

## journal: engine/journal.c, engine/report.c
