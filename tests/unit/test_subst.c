/* test_subst.c — ${name} substitution (base/subst.c): values stay what
 * they are, whatever they hold, and argv items reach the program as they
 * are, one argument each, never through a shell. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "exec.h"
#include "subst.h"
#include "unit.h"
#include "util.h"

/* Values a person or a configuration file could put in a parameter. */
static const char *const hostile[] = {
	"it's \"quoted\"",
	"$(touch /tmp/isolab-subst-pwned)",
	"`touch /tmp/isolab-subst-pwned`",
	"a; touch /tmp/isolab-subst-pwned",
	"a && b || c | d > /tmp/isolab-subst-pwned",
	"line one\nline two\n",
	"  spaced  out  ",
	"${duration}",
	"$HOME ~ * ?",
	"",
};

static const char *lookup(const char *name, void *arg)
{
	if (!strcmp(name, "v"))
		return arg;
	if (!strcmp(name, "duration"))
		return "10";
	return NULL;
}

START_TEST(values_stay_literal)
{
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		char *cause = NULL;
		char *s = subst_vars("<${v}>", lookup, (void *)hostile[i], &cause);
		ck_assert_ptr_nonnull(s);
		char *want = xasprintf("<%s>", hostile[i]);
		/* Byte for byte: a ${...} inside a value is not expanded again. */
		ck_assert_str_eq(s, want);
		free(want);
		free(s);
	}
}
END_TEST

START_TEST(references_and_errors)
{
	char *cause = NULL;
	char *s = subst_vars("--time ${duration}s ${v}$", lookup, (void *)"x", &cause);
	ck_assert_str_eq(s, "--time 10s x$");
	free(s);
	s = subst_vars("no references, a lone $ and { }", lookup, NULL, &cause);
	ck_assert_str_eq(s, "no references, a lone $ and { }");
	free(s);
	ck_assert_ptr_null(subst_vars("--x ${nope}", lookup, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${nope} in '--x ${nope}'");
	free(cause);
	cause = NULL;
	ck_assert_ptr_null(subst_vars("--x ${v", lookup, (void *)"x", &cause));
	ck_assert_str_eq(cause, "unterminated ${ in '--x ${v'");
	free(cause);
}
END_TEST

/* Each hostile value reaches a real program as exactly one argument with
 * exactly its bytes, and nothing it names was run. */
START_TEST(argv_reaches_the_program_as_is)
{
	unlink("/tmp/isolab-subst-pwned");
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		char *tmpl[] = { (char *)"printf", (char *)"[%s]", (char *)"${v}", NULL };
		char *cause = NULL;
		char **argv = subst_argv(tmpl, lookup, (void *)hostile[i], &cause);
		ck_assert_ptr_nonnull(argv);
		ck_assert_ptr_null(argv[3]);
		char *out = NULL;
		int status = -1;
		ck_assert_int_eq(exec_run(argv, NULL, 10000, &out, 4096, &status, &cause), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		char *want = xasprintf("[%s]", hostile[i]);
		ck_assert_str_eq(out ? out : "", want);
		free(want);
		free(out);
		argv_free(argv);
	}
	ck_assert_int_ne(access("/tmp/isolab-subst-pwned", F_OK), 0);
}
END_TEST

START_TEST(argv_error_names_the_item)
{
	char *tmpl[] = { (char *)"probe", (char *)"--threads", (char *)"${threads}", NULL };
	char *cause = NULL;
	ck_assert_ptr_null(subst_argv(tmpl, lookup, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${threads} in '${threads}'");
	free(cause);
}
END_TEST

/* What expands, and the one-line cause when it cannot. */
static const char *lookup_q(const char *name, void *arg)
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
	char *s = subst_vars("-p ${port}${empty} $ {x} ${loop}$", lookup_q, NULL, &cause);
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
		ck_assert_ptr_null(subst_vars(bad[i], lookup_q, NULL, &cause));
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(!strchr(cause, '\n'), "%zu: %s", i, cause);
		free(cause);
	}
	char *cause = NULL;
	ck_assert_ptr_null(subst_vars("server { listen ${prob}; }\n", lookup_q, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${prob} in 'server { listen ${prob}; }?'");
	free(cause);

	/* A long template is cut, on a character boundary. */
	char tmpl[200] = "${nope} ";
	for (int i = 0; i < 40; i++)
		strcat(tmpl, "é");
	ck_assert_ptr_null(subst_vars(tmpl, lookup_q, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${nope} in '${nope} éééééééééééééééééééééééééé...'");
	free(cause);
	memmove(tmpl + 1, tmpl, strlen(tmpl) + 1);
	tmpl[0] = ' ';
	ck_assert_ptr_null(subst_vars(tmpl, lookup_q, NULL, &cause));
	ck_assert_str_eq(cause, "unknown parameter ${nope} in ' ${nope} ééééééééééééééééééééééééé...'");
	free(cause);
}
END_TEST

static Suite *subst_suite(void)
{
	const TTest *const tests[] = { values_stay_literal, references_and_errors,
		argv_reaches_the_program_as_is, argv_error_names_the_item, test_expands, test_cause_one_line };
	Suite *s = suite_create("subst");
	TCase *tc = tcase_create("core");
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(subst_suite());
}
