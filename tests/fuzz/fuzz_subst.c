/*
 * fuzz_subst.c — libFuzzer target for the workload ${name} substitution
 * (subst_vars, declared in base/subst.h), which builds every argv,
 * file and guest path of an instance from configuration text.
 *
 * Input layout:  TEMPLATE [ '\0' VALUES ]
 *   TEMPLATE  the string to substitute (an argv element as written in a
 *             workload file, or a file's content: any bytes but NUL);
 *   VALUES    values for the names the lookup knows, separated by '\0':
 *             the first for ${a}, the second for ${b}, ...; ${probe} and
 *             ${port} always have fixed values, ${empty} is "", every
 *             other name is unknown.
 * Properties besides the sanitizers: the result is what a plain reading
 * of the rule gives (each ${name} up to the first '}' replaced by its
 * value, once, values never substituted again, everything else copied);
 * an unknown name or a ${ without '}' fails with a one-line cause; the
 * lookup is asked exactly once per reference.
 */
#include "subst.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NVALUES 8

struct table {
	const char *value[NVALUES];
	size_t asked;
};

static const char *known(const struct table *t, const char *name)
{
	static const char *const fixed[][2] = {
		{ "probe", "/usr/lib/isolab/isolab-probe" }, { "port", "8080" }, { "empty", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(name, fixed[i][0]))
			return fixed[i][1];
	return name[0] >= 'a' && name[0] < 'a' + NVALUES && !name[1] ? t->value[name[0] - 'a'] : NULL;
}

static const char *lookup(const char *name, void *arg)
{
	struct table *t = arg;
	t->asked++;
	return known(t, name);
}

/* The rule, read plainly: returns the expansion or NULL, and the number
 * of references looked up. */
static char *reference(const char *tmpl, const struct table *t, size_t *refs)
{
	size_t n = strlen(tmpl), len = 0, cap = n + 1;
	char *out = xmalloc(cap);
	*refs = 0;
	for (size_t i = 0; i < n;) {
		if (i + 1 < n && tmpl[i] == '$' && tmpl[i + 1] == '{') {
			size_t j = i + 2;
			while (j < n && tmpl[j] != '}')
				j++;
			if (j == n) {
				free(out);
				return NULL;
			}
			char *name = xstrndup(tmpl + i + 2, j - i - 2);
			const char *v = known(t, name);
			(*refs)++;
			free(name);
			if (!v) {
				free(out);
				return NULL;
			}
			size_t vl = strlen(v);
			out = xrealloc(out, cap += vl);
			memcpy(out + len, v, vl);
			len += vl;
			i = j + 1;
		} else {
			out[len++] = tmpl[i++];
		}
	}
	out[len] = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *tmpl = buf;
	struct table t = { 0 };
	size_t off = strlen(tmpl) + 1;
	for (size_t i = 0; i < NVALUES; i++) {
		t.value[i] = off <= size ? buf + off : "";
		if (off <= size)
			off += strlen(buf + off) + 1;
	}

	size_t refs = 0;
	char *want = reference(tmpl, &t, &refs);
	char *cause = NULL;
	char *got = subst_vars(tmpl, lookup, &t, &cause);
	if (want) {
		if (!got || strcmp(got, want))
			abort(); /* not what the rule says */
		if (t.asked != refs)
			abort(); /* a reference looked up more or less than once */
	} else {
		if (got)
			abort(); /* an unknown name or an open ${ went through */
		if (!cause || !cause[0] || strchr(cause, '\n'))
			abort(); /* the contract: a one-line cause */
		free(cause);
	}
	free(want);
	free(got);
	free(buf);
	return 0;
}
