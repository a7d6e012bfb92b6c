/*
 * subst.h — ${name} substitution in a workload's argv, files and phases.
 *
 * A value replaces its reference byte for byte and is never read again:
 * quotes, $(...), ;, | and newlines in a value stay literal, a value with
 * spaces stays inside its one argv item, and a ${...} inside a value is not
 * expanded. Nothing here or in its callers passes the result through a
 * shell: argv items go to execve as they are.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_SUBST_H
#define ISOLAB_SUBST_H

/* Replaces ${name} in tmpl through lookup(name, arg) (NULL: unknown, an
 * error). Returns a malloc'd string, or NULL with a cause. No shell. */
char *subst_vars(const char *tmpl, const char *(*lookup)(const char *name, void *arg),
    void *arg, char **cause);
/* subst_vars over each item of the NULL-terminated tmpl: a malloc'd
 * NULL-terminated argv (free with argv_free) of as many items, or NULL
 * with a cause naming the item's unknown parameter. */
char **subst_argv(char *const *tmpl, const char *(*lookup)(const char *name, void *arg), void *arg,
    char **cause);

#endif
