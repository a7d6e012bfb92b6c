/*
 * conffile.c — libconfig files read without trusting them.
 *
 * Design notes
 *
 * Debian 12's libconfig (1.5) cannot be handed a hostile file:
 *   - its scanner is flex's, and flex's fatal errors call exit(): an
 *     @include naming a directory (`@include ""`, or a name cut short by a
 *     NUL byte) makes the scanner's read fail, and the process exits with
 *     "input in flex scanner failed" from inside config_read_file;
 *   - a backslash other than \\ and \" in an @include name is echoed to
 *     stdout by flex's default rule;
 *   - @include opens whatever it names: a FIFO blocks, /dev/zero never ends;
 *   - on a syntax error its parser drops the string token it was looking
 *     at without freeing it, and a string left open at the end of a file
 *     leaks its buffer.
 * libconfig 1.7 lets the caller resolve @include (config_set_include_func);
 * 1.5 does not. So isolab reads the text itself before libconfig does:
 *   1. each file's bytes are checked: no NUL byte, valid UTF-8, and at most
 *      CONFFILE_MAX_BYTES for a file and its includes together;
 *   2. a scanner that follows libconfig 1.5's own rules (lib/scanner.l)
 *      finds the @include lines and splices each included file into the
 *      text in place of its line, after the same checks and these: a
 *      regular file, relative to the including file's directory, not one
 *      already being read (a loop), at most CONFFILE_MAX_INCLUDE_DEPTH deep;
 *   3. the same tokens go through libconfig's grammar (lib/grammar.y),
 *      checked here by recursive descent with a nesting limit: a syntax
 *      error is reported here, naming the file and line and what was
 *      expected, and libconfig parses only text it accepts (its remaining
 *      errors, a duplicate setting name or an array of mixed types, leak
 *      nothing);
 *   4. libconfig parses the spliced text from memory (config_read_string,
 *      which opens no file since no @include is left in it), and each
 *      setting's line and file are mapped back to where it was written, as
 *      libconfig sets them when it reads the files itself.
 * The scanner must agree with libconfig's on where strings and comments
 * begin and end and on which lines are @include lines, or libconfig would
 * open a file after all: tests/fuzz/fuzz_config fails if it ever does.
 *
 * Deliberate differences from libconfig: an @include line holds nothing
 * after the file name but a comment; a string or a comment still open at
 * the end of a file is an error (libconfig silently comments out the rest
 * of the including file); a comment on the last line needs no newline.
 */
#include "conffile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct conffile {
	char **names;         /* the files read, as opened */
	size_t nnames;
};

/* From out_line on, the lines of the spliced text are name's, from line on. */
struct seg {
	unsigned out_line;
	unsigned line;
	const char *name;
};

/* A file being scanned: the top-level one, or an @include'd one. */
struct src {
	const char *name;     /* owned by the conffile */
	char *dir;            /* what relative @include names are under ("" for the cwd) */
	char *buf;            /* the bytes, when read here */
	const char *text;
	size_t len, pos;
	size_t copied;        /* text[0..copied) is in the spliced text */
	unsigned line;        /* the line at pos */
	int bol;              /* pos is at the beginning of a line (flex's ^) */
	int has_id;
	dev_t dev;
	ino_t ino;
	unsigned inc_line;    /* the line of the @include being read from here */
};

enum tok {
	T_EOF, T_NAME, T_EQUALS, T_SCALAR, T_STRING, T_GROUP_START, T_GROUP_END,
	T_ARRAY_START, T_ARRAY_END, T_LIST_START, T_LIST_END, T_COMMA, T_SEMICOLON,
	T_GARBAGE, T_ERROR,
};

struct reader {
	struct conffile *cf;
	struct src src[CONFFILE_MAX_INCLUDE_DEPTH + 1];
	int top;              /* the file being scanned */
	char *out;            /* the spliced text */
	size_t out_len, out_cap;
	unsigned out_lines;   /* newlines in out */
	struct seg *map;
	size_t nmap;
	char **cause;
	int failed;
	/* The current token: kind, where it starts, its bytes. */
	enum tok tok;
	const char *tok_file;
	unsigned tok_line;
	const char *tok_text;
	size_t tok_len;
};

static const char *intern(struct conffile *cf, const char *s)
{
	for (size_t i = 0; i < cf->nnames; i++)
		if (!strcmp(cf->names[i], s))
			return cf->names[i];
	cf->names = xreallocarray(cf->names, cf->nnames + 1, sizeof *cf->names);
	return cf->names[cf->nnames++] = xstrdup(s);
}

void conffile_free(struct conffile *cf)
{
	if (!cf)
		return;
	while (cf->nnames)
		free(cf->names[--cf->nnames]);
	free(cf->names);
	free(cf);
}

/* Records the first error as "file:line: what"; returns -1. */
static int __attribute__((format(printf, 4, 5)))
fail(struct reader *r, const char *file, unsigned line, const char *fmt, ...)
{
	if (r->failed)
		return -1;
	r->failed = 1;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *what = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(r->cause, "%s:%u: %s", file, line, what);
}

/* ---- bytes --------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t k;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* A configuration file is UTF-8 text: libconfig's scanner stops at a NUL
 * byte (flex reads it as the end of the buffer), and names and strings
 * end up in the terminal and in JSON, which need valid UTF-8. */
static int check_bytes(struct reader *r, const char *name, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned line = 1;

	for (size_t i = 0; i < len;) {
		if (p[i] == '\n')
			line++;
		if (p[i] == 0)
			return fail(r, name, line, "a NUL byte: a configuration file is text");
		size_t k = utf8_len(p + i, len - i);
		if (!k)
			return fail(r, name, line, "invalid UTF-8 (byte 0x%02x): a configuration "
			    "file is UTF-8 text", p[i]);
		i += k;
	}
	return 0;
}

/* ---- the spliced text ---------------------------------------------------- */

static int out_add(struct reader *r, const char *p, size_t n)
{
	if (n > CONFFILE_MAX_BYTES - r->out_len)
		return fail(r, r->src[r->top].name, r->src[r->top].line, "the configuration is "
		    "larger than %u MiB with its @include files", CONFFILE_MAX_BYTES >> 20);
	if (r->out_len + n + 1 > r->out_cap) {
		r->out_cap = (r->out_len + n + 1) * 2;
		r->out = xrealloc(r->out, r->out_cap);
	}
	memcpy(r->out + r->out_len, p, n);
	r->out_len += n;
	r->out[r->out_len] = '\0';
	for (const char *q = p, *end = p + n; (q = memchr(q, '\n', (size_t)(end - q))); q++)
		r->out_lines++;
	return 0;
}

/* Copies the current file's text up to end, then a newline if the text
 * so far does not end with one. */
static int out_copy(struct reader *r, size_t end, int newline)
{
	struct src *s = &r->src[r->top];
	if (end > s->copied && out_add(r, s->text + s->copied, end - s->copied) < 0)
		return -1;
	s->copied = end > s->copied ? end : s->copied;
	if (newline && r->out_len && r->out[r->out_len - 1] != '\n')
		return out_add(r, "\n", 1);
	return 0;
}

/* The next line of the spliced text comes from name's line. */
static void map_add(struct reader *r, const char *name, unsigned line)
{
	unsigned out_line = r->out_lines + 1;
	if (r->nmap && r->map[r->nmap - 1].out_line == out_line)
		r->nmap--;
	r->map = xreallocarray(r->map, r->nmap + 1, sizeof *r->map);
	r->map[r->nmap++] = (struct seg){ .out_line = out_line, .line = line, .name = name };
}

/* Where line out_line of the spliced text was written. */
static void map_find(const struct reader *r, unsigned out_line, const char **name, unsigned *line)
{
	size_t lo = 0, hi = r->nmap;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->map[mid].out_line <= out_line)
			lo = mid;
		else
			hi = mid;
	}
	const struct seg *g = &r->map[lo];
	*name = g->name;
	*line = out_line >= g->out_line ? g->line + (out_line - g->out_line) : g->line;
}

/* ---- files --------------------------------------------------------------- */

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup("");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* Makes the file name/text the one being scanned (buf owned from here). */
static int src_push(struct reader *r, const char *name, char *buf, const char *text, size_t len,
    const struct stat *st)
{
	if (check_bytes(r, name, text, len) < 0) {
		free(buf);
		return -1;
	}
	struct src *s = &r->src[++r->top];
	*s = (struct src){
		.name = name, .dir = dir_of(name), .buf = buf, .text = text, .len = len,
		.line = 1, .bol = 1,
	};
	if (st) {
		s->has_id = 1;
		s->dev = st->st_dev;
		s->ino = st->st_ino;
	}
	map_add(r, name, 1);
	return 0;
}

static void src_free(struct src *s)
{
	free(s->buf);
	free(s->dir);
	s->buf = s->dir = NULL;
}

/* Opens the file an @include names, relative to the including file. */
static int include_open(struct reader *r, const char *file)
{
	struct src *s = &r->src[r->top];
	unsigned line = s->line;
	_cleanup_free_ char *path = file[0] == '/' || !s->dir[0] ? xstrdup(file)
	    : strcmp(s->dir, "/") ? xasprintf("%s/%s", s->dir, file) : xasprintf("/%s", file);

	if (r->top == CONFFILE_MAX_INCLUDE_DEPTH)
		return fail(r, s->name, line, "@include \"%s\": nested deeper than %d files",
		    file, CONFFILE_MAX_INCLUDE_DEPTH);
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(r, s->name, line, "@include \"%s\": cannot open %s: %s", file, path,
		    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fail(r, s->name, line, "@include \"%s\": cannot read %s: %s", file, path,
		    strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(r, s->name, line, "@include \"%s\": %s is not a regular file", file, path);
	}
	for (int i = 0; i <= r->top; i++)
		if (r->src[i].has_id && r->src[i].dev == st.st_dev && r->src[i].ino == st.st_ino) {
			close(fd);
			return fail(r, s->name, line, "@include \"%s\": a loop: %s is already being "
			    "read", file, path);
		}
	size_t len = 0;
	char *buf = read_fd(fd, CONFFILE_MAX_BYTES, &len);
	int e = errno;
	close(fd);
	if (!buf)
		return fail(r, s->name, line, "@include \"%s\": cannot read %s: %s", file, path,
		    e == EFBIG ? "larger than the configuration's limit" : strerror(e));
	s->inc_line = line;
	return src_push(r, intern(r->cf, path), buf, buf, len, &st);
}

/* At the end of an included file: back to the including one, after the
 * @include line. */
static int src_pop(struct reader *r)
{
	struct src *s = &r->src[r->top];
	if (out_copy(r, s->len, 1) < 0)
		return -1;
	src_free(s);
	r->top--;
	s = &r->src[r->top];
	map_add(r, s->name, s->inc_line + 1);
	return 0;
}

/* ---- the scanner (libconfig 1.5's lib/scanner.l) ------------------------- */

static int is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_xdigit(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t digits(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_digit(p[i]))
		i++;
	return i;
}

/* [eE][-+]?[0-9]+ at p, or 0. */
static size_t exponent(const char *p, size_t n)
{
	if (n < 2 || (p[0] != 'e' && p[0] != 'E'))
		return 0;
	size_t i = 1;
	if (p[i] == '-' || p[i] == '+')
		i++;
	size_t d = digits(p + i, n - i);
	return d ? i + d : 0;
}

/* The longest of libconfig's number tokens at p (integer, integer64, hex,
 * hex64, float), or 0. */
static size_t number_len(const char *p, size_t n)
{
	size_t best = 0, i = 0;

	if (n && (p[0] == '-' || p[0] == '+'))
		i = 1;
	size_t d = digits(p + i, n - i);
	if (d) {
		/* integer, integer64: [-+]?[0-9]+L(L)? */
		size_t k = i + d;
		if (k < n && p[k] == 'L')
			k += k + 1 < n && p[k + 1] == 'L' ? 2 : 1;
		best = k;
		/* float: [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+ */
		k = i + d;
		if (k < n && p[k] == '.')
			k += 1 + digits(p + k + 1, n - k - 1);
		size_t e = exponent(p + k, n - k);
		if (e && k + e > best)
			best = k + e;
	}
	/* float: [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? */
	if (i + d < n && p[i + d] == '.') {
		size_t k = i + d + 1;
		k += digits(p + k, n - k);
		k += exponent(p + k, n - k);
		if (k > best)
			best = k;
	}
	/* hex, hex64: 0[Xx][0-9A-Fa-f]+L(L)?, no sign */
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_xdigit(p[2])) {
		size_t k = 3;
		while (k < n && is_xdigit(p[k]))
			k++;
		if (k < n && p[k] == 'L')
			k += k + 1 < n && p[k + 1] == 'L' ? 2 : 1;
		if (k > best)
			best = k;
	}
	return best;
}

/* Skips a string after its opening quote; 0, or -1 when the file ends
 * first. Only \\ and \" matter here: every other escape is two bytes or
 * fewer that are neither a quote nor a backslash. */
static int skip_string(struct src *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos++];
		if (c == '\n')
			s->line++;
		if (c == '"')
			return 0;
		if (c == '\\' && s->pos < s->len) {
			if (s->text[s->pos] == '\n')
				s->line++;
			s->pos++;
		}
	}
	return -1;
}

/* Skips a comment from its opening slash-star past its closing star-slash;
 * 0, or -1 when the file ends first. */
static int skip_comment(struct src *s)
{
	for (size_t i = s->pos + 2; i + 1 < s->len; i++) {
		if (s->text[i] == '\n')
			s->line++;
		if (s->text[i] == '*' && s->text[i + 1] == '/') {
			s->pos = i + 2;
			return 0;
		}
	}
	return -1;
}

/* Skips a # or // comment up to its newline. */
static void skip_line(struct src *s)
{
	const char *nl = memchr(s->text + s->pos, '\n', s->len - s->pos);
	s->pos = nl ? (size_t)(nl - s->text) : s->len;
}

/* An @include line: [ \t]*@include[ \t]+" at the beginning of a line.
 * Returns 1 and leaves pos at the name's first byte, or 0. */
static int at_include(struct src *s)
{
	size_t i = s->pos;
	const char *t = s->text;
	while (i < s->len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (s->len - i < 9 || memcmp(t + i, "@include", 8))
		return 0;
	i += 8;
	if (t[i] != ' ' && t[i] != '\t')
		return 0;
	while (i < s->len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (i >= s->len || t[i] != '"')
		return 0;
	s->pos = i + 1;
	return 1;
}

/* Reads the @include line at pos (after the opening quote) and opens the
 * file it names. */
static int include_line(struct reader *r, size_t line_start)
{
	struct src *s = &r->src[r->top];
	const char *t = s->text;
	size_t i = s->pos;
	_cleanup_free_ char *file = xmalloc(s->len - i + 1);
	size_t n = 0;

	for (;;) {
		if (i >= s->len || t[i] == '\n')
			return fail(r, s->name, s->line, "@include: expected the file name's closing "
			    "quote on the same line");
		if (t[i] == '"')
			break;
		if (t[i] == '\\') {
			if (i + 1 < s->len && (t[i + 1] == '\\' || t[i + 1] == '"')) {
				file[n++] = t[i + 1];
				i += 2;
				continue;
			}
			return fail(r, s->name, s->line, "@include: only \\\\ and \\\" may follow a "
			    "backslash in a file name");
		}
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return fail(r, s->name, s->line, "@include: a control character (0x%02x) in "
			    "the file name", (unsigned char)t[i]);
		file[n++] = t[i++];
	}
	file[n] = '\0';
	i++;
	/* Nothing but a comment after the name: libconfig would go on
	 * scanning the line after the included file, mid-line. */
	while (i < s->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\f'))
		i++;
	if (i < s->len && (t[i] == '#' || (t[i] == '/' && i + 1 < s->len && t[i + 1] == '/')))
		while (i < s->len && t[i] != '\n')
			i++;
	if (i < s->len && t[i] != '\n')
		return fail(r, s->name, s->line, "@include \"%s\": expected the end of the line "
		    "after the file name", file);
	if (!n)
		return fail(r, s->name, s->line, "@include: expected a file name, got \"\"");

	/* The text before the @include line goes out; the line itself does not. */
	if (out_copy(r, line_start, 0) < 0)
		return -1;
	if (i < s->len)
		i++; /* the newline */
	s->copied = i;
	s->pos = i;
	if (include_open(r, file) < 0)
		return -1;
	/* Back in this file, scanning resumes on the next line. */
	s->line++;
	s->bol = 1;
	return 0;
}

/* Scans the next token into r->tok (T_ERROR with the error recorded). */
static void next(struct reader *r)
{
	for (;;) {
		struct src *s = &r->src[r->top];
		if (s->pos >= s->len) {
			if (r->top == 0) {
				r->tok = T_EOF;
				r->tok_file = s->name;
				r->tok_line = s->line;
				return;
			}
			if (src_pop(r) < 0) {
				r->tok = T_ERROR;
				return;
			}
			continue;
		}
		const char *t = s->text;
		size_t start = s->pos;
		if (s->bol && at_include(s)) {
			if (include_line(r, start) < 0) {
				r->tok = T_ERROR;
				return;
			}
			continue;
		}
		char c = t[s->pos];
		s->bol = c == '\n';
		r->tok_file = s->name;
		r->tok_line = s->line;
		r->tok_text = t + start;
		switch (c) {
		case '\n':
			s->line++;
			/* fall through */
		case ' ': case '\t': case '\r': case '\f':
			s->pos++;
			continue;
		case '/':
			if (s->pos + 1 < s->len && t[s->pos + 1] == '*') {
				if (skip_comment(s) < 0) {
					fail(r, s->name, r->tok_line, "a comment (/*) still open at the end of the file");
					r->tok = T_ERROR;
					return;
				}
				continue;
			}
			if (s->pos + 1 < s->len && t[s->pos + 1] == '/') {
				skip_line(s);
				continue;
			}
			s->pos++;
			r->tok = T_GARBAGE;
			r->tok_len = 1;
			return;
		case '#':
			skip_line(s);
			continue;
		case '"':
			s->pos++;
			if (skip_string(s) < 0) {
				fail(r, s->name, r->tok_line, "a string still open at the end of the file");
				r->tok = T_ERROR;
				return;
			}
			r->tok = T_STRING;
			r->tok_len = s->pos - start;
			return;
		case '=': case ':': r->tok = T_EQUALS; break;
		case ',': r->tok = T_COMMA; break;
		case ';': r->tok = T_SEMICOLON; break;
		case '{': r->tok = T_GROUP_START; break;
		case '}': r->tok = T_GROUP_END; break;
		case '[': r->tok = T_ARRAY_START; break;
		case ']': r->tok = T_ARRAY_END; break;
		case '(': r->tok = T_LIST_START; break;
		case ')': r->tok = T_LIST_END; break;
		default: {
			size_t k;
			if (is_name_start(c)) {
				k = 1;
				while (s->pos + k < s->len && is_name_char(t[s->pos + k]))
					k++;
				/* true and false win a tie with a name (the earlier rule). */
				int b = (k == 4 && !strncasecmp(t + s->pos, "true", 4)) ||
				    (k == 5 && !strncasecmp(t + s->pos, "false", 5));
				r->tok = b ? T_SCALAR : T_NAME;
			} else if ((k = number_len(t + s->pos, s->len - s->pos)) > 0) {
				r->tok = T_SCALAR;
			} else {
				k = 1;
				r->tok = T_GARBAGE;
			}
			s->pos += k;
			r->tok_len = k;
			return;
		}
		}
		s->pos++;
		r->tok_len = 1;
		return;
	}
}

/* ---- the grammar (libconfig 1.5's lib/grammar.y) ------------------------- */

/* What a person would call the current token, for "got X". */
static char *tok_desc(const struct reader *r)
{
	switch (r->tok) {
	case T_EOF: return xstrdup("the end of the file");
	case T_STRING: return xstrdup("a string");
	case T_GARBAGE: {
		unsigned char c = (unsigned char)r->tok_text[0];
		if (c > 0x20 && c < 0x7f)
			return xasprintf("'%c'", c);
		return xasprintf("byte 0x%02x", c);
	}
	default: {
		/* Names, numbers and punctuation: printable ASCII. */
		size_t n = r->tok_len > 40 ? 40 : r->tok_len;
		return xasprintf("'%.*s%s'", (int)n, r->tok_text, n < r->tok_len ? "..." : "");
	}
	}
}

static int syntax_error(struct reader *r, const char *expected)
{
	if (r->tok == T_ERROR)
		return -1;
	_cleanup_free_ char *got = tok_desc(r);
	return fail(r, r->tok_file, r->tok_line, "syntax error: expected %s, got %s", expected, got);
}

static int parse_value(struct reader *r, int depth, int simple);

/* setting_list_optional, up to `end` (T_EOF or T_GROUP_END). */
static int parse_settings(struct reader *r, int depth, enum tok end)
{
	while (r->tok != end) {
		if (r->tok != T_NAME)
			return syntax_error(r, end == T_EOF ? "a setting name" : "a setting name or '}'");
		next(r);
		if (r->tok != T_EQUALS)
			return syntax_error(r, "'=' or ':'");
		next(r);
		if (parse_value(r, depth, 0) < 0)
			return -1;
		if (r->tok == T_SEMICOLON || r->tok == T_COMMA)
			next(r);
	}
	return 0;
}

/* A value (simple: only a scalar or a string, as in an array); leaves the
 * token after it current. */
static int parse_value(struct reader *r, int depth, int simple)
{
	enum tok close;
	switch (r->tok) {
	case T_SCALAR:
		next(r);
		return 0;
	case T_STRING:
		/* Adjacent strings are one string. */
		while (r->tok == T_STRING)
			next(r);
		return 0;
	case T_ARRAY_START: close = T_ARRAY_END; break;
	case T_LIST_START: close = T_LIST_END; break;
	case T_GROUP_START: close = T_GROUP_END; break;
	default:
		return syntax_error(r, simple ? "a number, a boolean or a string" : "a value");
	}
	if (simple)
		return syntax_error(r, "a number, a boolean or a string (an array holds no "
		    "arrays, lists or groups)");
	if (depth >= CONFFILE_MAX_NESTING)
		return fail(r, r->tok_file, r->tok_line, "groups, lists and arrays nested deeper "
		    "than %d levels", CONFFILE_MAX_NESTING);
	next(r);
	if (close == T_GROUP_END) {
		if (parse_settings(r, depth + 1, T_GROUP_END) < 0)
			return -1;
	} else if (r->tok != close) {
		for (;;) {
			if (parse_value(r, depth + 1, close == T_ARRAY_END) < 0)
				return -1;
			if (r->tok != T_COMMA)
				break;
			next(r);
		}
		if (r->tok != close)
			return syntax_error(r, close == T_ARRAY_END ? "',' or ']'" : "',' or ')'");
	}
	next(r);
	return 0;
}

/* ---- libconfig ----------------------------------------------------------- */

/* Gives every setting under s its own file and line (the root has no
 * line: 0, as libconfig leaves it). */
static void relocate(const struct reader *r, config_setting_t *s)
{
	if (s->line)
		map_find(r, s->line, &s->file, &s->line);
	else
		s->file = r->cf->names[0]; /* the file read first */
	int n = config_setting_is_aggregate(s) ? config_setting_length(s) : 0;
	for (int i = 0; i < n; i++)
		relocate(r, config_setting_get_elem(s, (unsigned)i));
}

struct conffile *conffile_read(config_t *lc, const char *path, const char *text, size_t len,
    char **cause)
{
	struct reader r = { .cause = cause };
	struct stat st;
	int has_st = 0;
	char *buf = NULL;

	r.cf = xcalloc(1, sizeof *r.cf);
	r.top = -1;
	if (!text) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int e = errno;
			err_set(cause, "%s: cannot open: %s", path, strerror(e));
			conffile_free(r.cf);
			errno = e;
			return NULL;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			err_set(cause, "%s: cannot open: %s", path, strerror(EISDIR));
			conffile_free(r.cf);
			errno = EISDIR;
			return NULL;
		}
		has_st = S_ISREG(st.st_mode);
		buf = read_fd(fd, CONFFILE_MAX_BYTES, &len);
		int e = errno;
		close(fd);
		if (!buf) {
			err_set(cause, "%s: cannot read: %s", path, e == EFBIG ? "larger than "
			    "the configuration's limit" : strerror(e));
			conffile_free(r.cf);
			errno = e;
			return NULL;
		}
		text = buf;
	} else {
		/* The file the text stands for, if any, for loops. */
		has_st = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (len > CONFFILE_MAX_BYTES) {
		free(buf);
		err_set(cause, "%s: larger than the configuration's limit", path);
		conffile_free(r.cf);
		errno = EFBIG;
		return NULL;
	}

	int rc = src_push(&r, intern(r.cf, path), buf, text, len, has_st ? &st : NULL);
	if (rc == 0) {
		next(&r);
		rc = parse_settings(&r, 0, T_EOF);
	}
	if (rc == 0)
		rc = out_copy(&r, r.src[0].len, 1);
	while (r.top >= 0)
		src_free(&r.src[r.top--]);
	if (rc == 0) {
		if (!config_read_string(lc, r.out ? r.out : "")) {
			/* A duplicate setting name or an array of mixed types. */
			const char *file;
			unsigned line;
			int el = config_error_line(lc);
			map_find(&r, el > 0 ? (unsigned)el : 1u, &file, &line);
			err_set(cause, "%s:%u: %s", file, line, config_error_text(lc));
			rc = -1;
			errno = EINVAL;
		} else {
			relocate(&r, config_root_setting(lc));
		}
	} else {
		errno = EINVAL;
	}
	int e = errno;
	free(r.out);
	free(r.map);
	if (rc < 0) {
		conffile_free(r.cf);
		errno = e;
		return NULL;
	}
	return r.cf;
}
