/* subst.c — ${name} substitution, never through a shell (subst.h). */
#include "subst.h"
#include "util.h"

#include <string.h>

char *subst_vars(const char *tmpl, const char *(*lookup)(const char *, void *), void *arg, char **cause)
{
	size_t cap = strlen(tmpl) + 64, len = 0;
	char *out = xmalloc(cap);
	for (const char *s = tmpl; *s;) {
		const char *val = NULL;
		size_t vlen = 0, skip = 1;
		if (s[0] == '$' && s[1] == '{') {
			const char *end = strchr(s + 2, '}');
			if (!end) {
				free(out);
				/* A file's content is a template of many lines. */
				_cleanup_free_ char *q = err_quote(tmpl, 60);
				err_set(cause, "unterminated ${ in '%s'", q);
				return NULL;
			}
			char *name = xstrndup(s + 2, (size_t)(end - s - 2));
			val = lookup(name, arg);
			if (!val) {
				_cleanup_free_ char *qn = err_quote(name, 60), *q = err_quote(tmpl, 60);
				err_set(cause, "unknown parameter ${%s} in '%s'", qn, q);
				free(name);
				free(out);
				return NULL;
			}
			free(name);
			vlen = strlen(val);
			skip = (size_t)(end - s) + 1;
		} else {
			val = s;
			vlen = 1;
		}
		if (len + vlen + 1 > cap)
			out = xrealloc(out, cap = (len + vlen + 1) * 2);
		memcpy(out + len, val, vlen);
		len += vlen;
		s += skip;
	}
	out[len] = '\0';
	return out;
}

char **subst_argv(char *const *tmpl, const char *(*lookup)(const char *, void *), void *arg, char **cause)
{
	size_t n = 0;
	while (tmpl[n])
		n++;
	char **argv = xcalloc(n + 1, sizeof *argv);
	for (size_t i = 0; i < n; i++)
		if (!(argv[i] = subst_vars(tmpl[i], lookup, arg, cause))) {
			argv_free(argv);
			return NULL;
		}
	return argv;
}
