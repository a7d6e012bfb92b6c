/* unit.h — how every Check unit test runs, written once.
 * unit_run_suite: runs a suite and returns the exit status (failures fail).
 * unit_run: one suite named name of the given tests, with a fixture around
 * each when setup is not NULL. */
#ifndef ISOLAB_UNIT_H
#define ISOLAB_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdlib.h>

static inline int unit_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static inline int unit_run(const char *name, void (*setup)(void), void (*teardown)(void),
    const TTest *const *tests, size_t ntests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	if (setup)
		tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < ntests; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}

#endif
