/*
 * unit.h - the shared main() of every Check unit test program.
 *
 * A test file defines `static Suite *suite(void)` and ends with UNIT_MAIN.
 * Each file is its own program so one module's crash cannot hide another's.
 */
#ifndef ESPVIS_UNIT_H
#define ESPVIS_UNIT_H

#include <check.h>
#include <stdlib.h>

#define UNIT_MAIN							\
int									\
main(void)								\
{									\
	SRunner	*sr = srunner_create(suite());				\
	int	 failed;						\
									\
	srunner_run_all(sr, CK_NORMAL);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);		\
}

#endif /* ESPVIS_UNIT_H */
