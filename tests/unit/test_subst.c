/* test_subst.c — the workload ${name} substitution (subst_vars): what it
 * expands, and the one-line cause when it cannot. */
#include "engine.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *lookup(const char *name, void *arg)
{
	(void)arg;
	if (!strcmp(name, "port"))
		return "8080";
	if (!strcmp(name, "loop"))
		return "${port}";
	if (!strcmp(name, "empty"))
		return "";
	return NULL;
}

START_TEST(test_expands)
{
	char *cause = NULL;
	char *s = subst_vars("-p ${port}${empty} $ {x} ${loop}$", lookup, NULL, &cause);
	ck_assert_ptr_nonnull(s);
	/* A value is never substituted again. */
	ck_assert_str_eq(s, "-p 8080 $ {x} ${port}$");
	free(s);
}
END_TEST

/* Found by tests/fuzz/fuzz_subst: a file's content is a template of many
 * lines, and the cause quoted it whole, newlines included. */
START_TEST(test_cause_one_line)
{
	static const char *const bad[] = {
		"server { listen ${prob}; root ${a}; }\n",
		"x ${a\nb} y",
		"line 1\nline 2 ${port",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *cause = NULL;
		ck_assert_ptr_null(subst_vars(bad[i], lookup, NULL, &cause));
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(!strchr(cause, '\n'), "%zu: %s", i, cause);
		free(cause);
	}
	char *cause = NULL;
	ck_assert_ptr_null(subst_vars("server { listen ${prob}; }\n", lookup, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${prob} in 'server { listen ${prob}; }?'");
	free(cause);

	/* A long template is cut, on a character boundary. */
	char tmpl[200] = "${nope} ";
	for (int i = 0; i < 40; i++)
		strcat(tmpl, "é");
	ck_assert_ptr_null(subst_vars(tmpl, lookup, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${nope} in '${nope} éééééééééééééééééééééééééé...'");
	free(cause);
	memmove(tmpl + 1, tmpl, strlen(tmpl) + 1);
	tmpl[0] = ' ';
	ck_assert_ptr_null(subst_vars(tmpl, lookup, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${nope} in ' ${nope} ééééééééééééééééééééééééé...'");
	free(cause);
}
END_TEST

int main(void)
{
	const TTest *const list[] = {
		test_expands,
		test_cause_one_line,
	};
	return unit_run("subst", NULL, NULL, list, ARRAY_SIZE(list));
}
