/* journal-fixture.h — a shipped journal (tests/data/journal/NAME) read,
 * its report built (when rep is not NULL), and a scratch directory
 * (/tmp/isolab-test-WHAT-XXXXXX), for the report tests' fixtures; the
 * text report; and their teardown. */
#ifndef ISOLAB_JOURNAL_FIXTURE_H
#define ISOLAB_JOURNAL_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "journal.h"
#include "report.h"
#include "util.h"

static inline void journal_fixture_open(const char *name, const char *what, struct journal_read *jr,
    struct report *rep, char **tmpdir)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *dir = xasprintf("%s/tests/data/journal/%s", top ? top : "../..", name);
	char *cause = NULL;
	ck_assert_msg(journal_read(dir, jr, &cause) == 0, "%s", cause);
	if (rep)
		ck_assert_msg(report_build(jr, NULL, rep, &cause) == 0, "%s", cause);
	_cleanup_free_ char *tmpl = xasprintf("/tmp/isolab-test-%s-XXXXXX", what);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	*tmpdir = xstrdup(tmpl);
}

/* The text report_print writes (malloc'd). */
__attribute__((noinline, unused)) static char *journal_fixture_text(const struct report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	report_print(rep, fp);
	fclose(fp);
	return text;
}

static inline void journal_fixture_close(struct journal_read *jr, struct report *rep, char **tmpdir)
{
	if (rep)
		report_free(rep);
	journal_read_free(jr);
	rm_rf(*tmpdir);
	free(*tmpdir);
	*tmpdir = NULL;
}

#endif
