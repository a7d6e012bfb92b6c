/*
 * theme.c — semantic colour names to curses attributes.
 *
 * One table lists every element with its dotted name, the built-in (dark)
 * spec and the attribute kept on a monochrome terminal, so adding an
 * element is one line here and one in theme.h. Each element gets its own
 * colour pair; pairs are re-initialised when the theme changes, which
 * recolours the whole screen on the next refresh without redrawing logic.
 */
#include "conffile.h"
#include "config.h"
#include "theme.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct theme_spec {
	short fg, bg;     /* -1: the terminal's default */
	attr_t attr;
};

struct theme {
	char *name;
	struct theme_spec spec[TH__COUNT];
};

static const struct {
	const char *name;
	const char *builtin;
	attr_t mono;
} elems[TH__COUNT] = {
	[TH_NORMAL] = { "text.normal", "default on default", A_NORMAL },
	[TH_DIM] = { "text.dim", "bright-black", A_DIM },
	[TH_TITLE] = { "text.title", "black on cyan bold", A_REVERSE | A_BOLD },
	[TH_TAB] = { "tabs.inactive", "black on cyan", A_REVERSE },
	[TH_TAB_ACTIVE] = { "tabs.active", "white on blue bold", A_BOLD },
	[TH_KEY] = { "keys.key", "white on default bold", A_BOLD },
	[TH_KEY_LABEL] = { "keys.label", "black on cyan", A_REVERSE },
	[TH_SELECTED] = { "selection.active", "black on cyan", A_REVERSE },
	[TH_SELECTED_INACTIVE] = { "selection.inactive", "black on white", A_REVERSE | A_DIM },
	[TH_HEADER] = { "table.header", "black on green", A_REVERSE },
	[TH_HEADER_SORTED] = { "table.sorted", "black on cyan bold", A_BOLD | A_UNDERLINE },
	[TH_GROUP] = { "table.group", "yellow bold", A_BOLD },
	[TH_TREE] = { "table.tree", "cyan", A_DIM },
	[TH_OK] = { "status.ok", "green bold", A_BOLD },
	[TH_WARN] = { "status.warn", "yellow bold", A_BOLD },
	[TH_ERROR] = { "status.error", "red bold", A_BOLD | A_UNDERLINE },
	[TH_INFO] = { "status.info", "cyan", A_NORMAL },
	[TH_AXIS] = { "chart.axis", "bright-black", A_DIM },
	[TH_SERIES1] = { "chart.series1", "bright-cyan", A_BOLD },
	[TH_SERIES2] = { "chart.series2", "bright-green", A_NORMAL },
	[TH_SERIES3] = { "chart.series3", "bright-yellow", A_BOLD },
	[TH_SERIES4] = { "chart.series4", "bright-magenta", A_NORMAL },
	[TH_SERIES5] = { "chart.series5", "bright-red", A_BOLD },
	[TH_SERIES6] = { "chart.series6", "bright-blue", A_NORMAL },
	[TH_SERIES7] = { "chart.series7", "white", A_BOLD },
	[TH_SERIES8] = { "chart.series8", "208", A_NORMAL },
	[TH_BAR] = { "bar.value", "cyan", A_NORMAL },
	[TH_BAR_BASELINE] = { "bar.baseline", "green", A_BOLD },
	[TH_DIALOG] = { "dialog.body", "white on blue", A_REVERSE },
	[TH_DIALOG_TITLE] = { "dialog.title", "black on cyan bold", A_BOLD },
	[TH_INPUT] = { "dialog.input", "black on white", A_UNDERLINE },
	[TH_BORDER] = { "border.normal", "bright-black", A_DIM },
	[TH_BORDER_FOCUS] = { "border.focus", "cyan bold", A_BOLD },
};

static struct theme *current;
static attr_t cache[TH__COUNT];
static int depth = 2;

static const char *const colour_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

/* xterm's 6x6x6 cube level of an 8-bit channel. */
static int cube_level(int v)
{
	return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

/* Parses one colour word; -2 when it is not a colour. */
static int parse_colour(const char *w)
{
	if (!strcasecmp(w, "default"))
		return -1;
	if (!strcasecmp(w, "gray") || !strcasecmp(w, "grey"))
		return 8;
	for (int i = 0; i < 16; i++)
		if (!strcasecmp(w, colour_names[i]))
			return i;
	if (w[0] == '#' && strlen(w) == 7) {
		unsigned rgb;
		char *end;
		rgb = (unsigned)strtoul(w + 1, &end, 16);
		if (*end)
			return -2;
		int r = cube_level((int)(rgb >> 16 & 255)), g = cube_level((int)(rgb >> 8 & 255)),
		    b = cube_level((int)(rgb & 255));
		return 16 + 36 * r + 6 * g + b;
	}
	if (isdigit((unsigned char)w[0])) {
		char *end;
		long v = strtol(w, &end, 10);
		if (*end || v < 0 || v > 255)
			return -2;
		return (int)v;
	}
	return -2;
}

static int parse_spec(const char *s, struct theme_spec *out, char **cause)
{
	struct theme_spec sp = { -1, -1, A_NORMAL };
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	int want_bg = 0, nfg = 0;
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (!strcasecmp(w, "on")) {
			want_bg = 1;
			continue;
		}
		static const struct { const char *n; attr_t a; } attrs[] = {
			{ "bold", A_BOLD }, { "dim", A_DIM }, { "reverse", A_REVERSE },
			{ "underline", A_UNDERLINE }, { "italic", A_ITALIC }, { "normal", A_NORMAL },
			{ "standout", A_STANDOUT },
		};
		int found = 0;
		for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
			if (!strcasecmp(w, attrs[i].n)) {
				sp.attr |= attrs[i].a;
				found = 1;
			}
		if (found)
			continue;
		int c = parse_colour(w);
		if (c == -2)
			return err_set(cause, "'%s' is not a colour or attribute (expected a colour name, "
			    "0-255, #rrggbb, 'on', bold, dim, reverse, underline or italic)", w);
		if (want_bg) {
			sp.bg = (short)c;
			want_bg = 0;
		} else if (nfg++ == 0) {
			sp.fg = (short)c;
		} else {
			return err_set(cause, "two foreground colours in '%s' (write 'FG on BG')", s);
		}
	}
	if (want_bg)
		return err_set(cause, "'on' without a background colour in '%s'", s);
	*out = sp;
	return 0;
}

struct theme *theme_builtin(void)
{
	struct theme *t = xcalloc(1, sizeof *t);
	t->name = xstrdup("default");
	for (int i = 0; i < TH__COUNT; i++)
		if (parse_spec(elems[i].builtin, &t->spec[i], NULL) < 0)
			abort(); /* the table above is wrong: a programming error */
	return t;
}

void theme_free(struct theme *t)
{
	if (!t)
		return;
	free(t->name);
	free(t);
}

const char *theme_name(const struct theme *t) { return t->name; }

/* Walks a group; every leaf must be a known element. */
static int load_group(struct theme *t, config_setting_t *grp, const char *path, char **cause)
{
	for (int i = 0; i < config_setting_length(grp); i++) {
		config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *key = config_setting_name(s);
		/* The file the setting is in: the theme or one it @includes. */
		const char *file = config_setting_source_file(s) ? config_setting_source_file(s) : path;
		if (!key)
			continue;
		_cleanup_free_ char *full = config_setting_parent(grp) ? xasprintf("%s.%s", config_setting_name(grp), key)
								       : xstrdup(key);
		if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
			if (config_setting_parent(grp))
				return err_set(cause, "%s:%d: '%s': colours are at most two levels deep", file,
				    config_setting_source_line(s), full);
			if (load_group(t, s, path, cause) < 0)
				return -1;
			continue;
		}
		if (!config_setting_parent(grp) && (!strcmp(key, "name") || !strcmp(key, "description")))
			continue;
		int e = -1;
		for (int k = 0; k < TH__COUNT; k++)
			if (!strcmp(elems[k].name, full))
				e = k;
		if (e < 0)
			return err_set(cause, "%s:%d: unknown element '%s' (see themes/default.theme for the names)",
			    file, config_setting_source_line(s), full);
		const char *spec = config_setting_get_string(s);
		if (!spec)
			return err_set(cause, "%s:%d: '%s': expected a string such as \"white on blue bold\"", file,
			    config_setting_source_line(s), full);
		char *why = NULL;
		if (parse_spec(spec, &t->spec[e], &why) < 0) {
			err_set(cause, "%s:%d: '%s': %s", file, config_setting_source_line(s), full, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

struct theme *theme_load(const char *path, char **cause)
{
	config_t cf;
	config_init(&cf);
	/* Not config_read_file: a theme is the user's file, and libconfig
	 * alone can exit() on one (see base/conffile.c). */
	struct conffile *text = conffile_read(&cf, path, NULL, 0, cause);
	if (!text) {
		config_destroy(&cf);
		return NULL;
	}
	struct theme *t = theme_builtin();
	if (load_group(t, config_root_setting(&cf), path, cause) < 0) {
		theme_free(t);
		config_destroy(&cf);
		conffile_free(text);
		return NULL;
	}
	const char *name = NULL;
	free(t->name);
	if (config_lookup_string(&cf, "name", &name)) {
		t->name = xstrdup(name);
	} else {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		const char *dot = strrchr(base, '.');
		t->name = dot ? xstrndup(base, (size_t)(dot - base)) : xstrdup(base);
	}
	config_destroy(&cf);
	conffile_free(text);
	return t;
}

static char *user_theme_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && *x)
		return xasprintf("%s/isolab/themes", x);
	const char *home = getenv("HOME");
	return home && *home ? xasprintf("%s/.config/isolab/themes", home) : NULL;
}

char *theme_find(const char *name)
{
	if (strchr(name, '/'))
		return access(name, R_OK) == 0 ? xstrdup(name) : NULL;
	_cleanup_free_ char *udir = user_theme_dir();
	char *dirs[2] = { udir, NULL };
	_cleanup_free_ char *sys = xasprintf("%s/themes", config_datadir());
	dirs[1] = sys;
	for (size_t i = 0; i < 2; i++) {
		if (!dirs[i])
			continue;
		char *p = xasprintf("%s/%s.theme", dirs[i], name);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t theme_list(char ***names)
{
	_cleanup_free_ char *udir = user_theme_dir();
	_cleanup_free_ char *sys = xasprintf("%s/themes", config_datadir());
	const char *dirs[2] = { sys, udir };
	char **v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < 2; i++) {
		if (!dirs[i])
			continue;
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			if (len <= 6 || strcmp(de->d_name + len - 6, ".theme") || de->d_name[0] == '.')
				continue;
			char *nm = xstrndup(de->d_name, len - 6);
			int dup = 0;
			for (size_t k = 0; k < n; k++)
				dup |= !strcmp(v[k], nm);
			if (dup) {
				free(nm);
				continue;
			}
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = nm;
		}
		closedir(d);
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	*names = v;
	return n;
}

/* Maps an xterm 256-colour index to the nearest of the first 16. */
static short to16(short c)
{
	if (c < 16)
		return c;
	int r, g, b;
	if (c >= 232) {
		int v = 8 + (c - 232) * 10;
		r = g = b = v;
	} else {
		int i = c - 16;
		static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
		r = lv[i / 36];
		g = lv[i / 6 % 6];
		b = lv[i % 6];
	}
	static const int pal[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 }, { 0, 0, 238 }, { 205, 0, 205 },
		{ 0, 205, 205 }, { 229, 229, 229 }, { 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 },
		{ 255, 255, 0 }, { 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	int best = 0;
	long bd = -1;
	for (int k = 0; k < 16; k++) {
		long d = (long)(r - pal[k][0]) * (r - pal[k][0]) + (long)(g - pal[k][1]) * (g - pal[k][1]) +
		    (long)(b - pal[k][2]) * (b - pal[k][2]);
		if (bd < 0 || d < bd) {
			bd = d;
			best = k;
		}
	}
	return (short)best;
}

void theme_use(struct theme *t)
{
	current = t;
	const char *nc = getenv("NO_COLOR");
	int colour = has_colors() && !(nc && *nc) && COLORS >= 8;
	depth = !colour ? 2 : COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
	for (int i = 0; i < TH__COUNT; i++) {
		const struct theme_spec *sp = &t->spec[i];
		if (depth == 2) {
			cache[i] = elems[i].mono;
			continue;
		}
		short fg = sp->fg, bg = sp->bg;
		attr_t extra = 0;
		if (depth < 256) {
			fg = fg >= 0 ? to16(fg) : fg;
			bg = bg >= 0 ? to16(bg) : bg;
		}
		if (depth < 16) {
			/* Bright foregrounds become bold; bright backgrounds lose their brightness. */
			if (fg >= 8) {
				fg = (short)(fg - 8);
				extra |= A_BOLD;
			}
			if (bg >= 8)
				bg = (short)(bg - 8);
		}
		init_pair((short)(i + 1), fg, bg);
		cache[i] = COLOR_PAIR(i + 1) | sp->attr | extra;
	}
}

attr_t th(enum theme_elem e)
{
	return current && (unsigned)e < TH__COUNT ? cache[e] : A_NORMAL;
}
