/*
 * theme.h — colours by semantic name.
 *
 * Drawing code asks for an element (TH_TABLE_HEADER, TH_SERIES1, ...) and
 * gets a curses attribute; it never names a raw colour. A theme is a
 * libconfig file (themes/NAME.theme) mapping the dotted semantic names
 * ("table.header", "chart.series1", ...) to a spec string:
 *     "FG [on BG] [bold] [dim] [reverse] [underline] [italic]"
 * where a colour is default, black, red, green, yellow, blue, magenta,
 * cyan, white, bright-black ... bright-white, a number 0-255 or #rrggbb.
 * Elements a theme leaves out take the built-in default theme's value.
 *
 * The terminal decides how much colour is used: 256-colour themes are
 * mapped down to 16 or 8 colours, and with 2 colours (or NO_COLOR set) only
 * each element's monochrome attribute remains (reverse for selections...).
 * Errors follow the contract in base/util.h.
 */
#ifndef ISOLAB_THEME_H
#define ISOLAB_THEME_H

#include <curses.h>
#include <stddef.h>

enum theme_elem {
	TH_NORMAL, TH_DIM, TH_TITLE, TH_TAB, TH_TAB_ACTIVE, TH_KEY, TH_KEY_LABEL,
	TH_SELECTED, TH_SELECTED_INACTIVE, TH_HEADER, TH_HEADER_SORTED, TH_GROUP, TH_TREE,
	TH_OK, TH_WARN, TH_ERROR, TH_INFO, TH_AXIS,
	TH_SERIES1, TH_SERIES2, TH_SERIES3, TH_SERIES4, TH_SERIES5, TH_SERIES6, TH_SERIES7, TH_SERIES8,
	TH_BAR, TH_BAR_BASELINE, TH_DIALOG, TH_DIALOG_TITLE, TH_INPUT, TH_BORDER, TH_BORDER_FOCUS,
	TH__COUNT
};
#define TH_NSERIES 8

struct theme;

/* The built-in default theme (dark); the caller frees it. */
struct theme *theme_builtin(void);
/* Loads a theme file over the built-in defaults; NULL with a "file:line:
 * ..." cause on a syntax error, an unknown element or a bad spec. */
struct theme *theme_load(const char *path, char **cause);
void theme_free(struct theme *th);
/* The theme's name (its `name` setting, else the file's base name). Owned by th. */
const char *theme_name(const struct theme *th);
/* Finds NAME.theme in $XDG_CONFIG_HOME/isolab/themes, then the data
 * directory's themes/; a name containing '/' is a path. Malloc'd path or NULL. */
char *theme_find(const char *name);
/* The names of every theme found, sorted, without duplicates; returns the
 * count. The caller frees each name and the array. */
size_t theme_list(char ***names);
/* Makes th current: allocates colour pairs for the terminal's colour depth
 * (after start_color). NO_COLOR or a 2-colour terminal uses attributes only.
 * th stays the caller's and must outlive its use. */
void theme_use(struct theme *th);
/* The attribute of e in the current theme (A_NORMAL before theme_use). */
attr_t th(enum theme_elem e);

#endif
