// ncursesw for Swift 6. SwiftPM drops pkg-config's -D flags, so the wide-character
// API is switched on here. Macros, variadic functions and the globals stdscr/LINES/COLS
// do not import cleanly; the static inline helpers below wrap what dnatune uses.
#ifndef DNATUNE_CNCURSESW_SHIM_H
#define DNATUNE_CNCURSESW_SHIM_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncurses.h>

static inline WINDOW *dn_stdscr(void) { return stdscr; }
static inline int dn_lines(void) { return LINES; }
static inline int dn_cols(void) { return COLS; }
static inline int dn_colors(void) { return COLORS; }
static inline int dn_color_pairs(void) { return COLOR_PAIRS; }

static inline unsigned int dn_attr_normal(void) { return A_NORMAL; }
static inline unsigned int dn_attr_bold(void) { return A_BOLD; }
static inline unsigned int dn_attr_dim(void) { return A_DIM; }
static inline unsigned int dn_attr_reverse(void) { return A_REVERSE; }
static inline unsigned int dn_attr_underline(void) { return A_UNDERLINE; }

static inline int dn_key_resize(void) { return KEY_RESIZE; }

/// True when the C library's current locale encodes text as UTF-8.
static inline int dn_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    if (!cs) return 0;
    return (cs[0] == 'U' || cs[0] == 'u') && (cs[1] == 'T' || cs[1] == 't') && (cs[2] == 'F' || cs[2] == 'f');
}

/// Writes one character cell (a wide character plus attributes and colour pair) at (y, x).
static inline int dn_put_cell(int y, int x, wchar_t ch, unsigned int attrs, int pair) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    if (setcchar(&cell, text, (attr_t)attrs, (short)(pair < 32768 ? pair : 0), pair >= 32768 ? &pair : NULL) != OK) {
        return ERR;
    }
    return mvwadd_wch(stdscr, y, x, &cell);
}

/// Reads one key as a wide character or a KEY_ code. Returns the get_wch status (OK,
/// KEY_CODE_YES or ERR on time-out) and stores the value in *out.
static inline int dn_get_key(int *out) {
    wint_t ch = 0;
    int rc = wget_wch(stdscr, &ch);
    *out = (int)ch;
    return rc;
}

static inline int dn_key_code_yes(void) { return KEY_CODE_YES; }

/// Turns mouse reporting on (left button presses and the wheel) or off.
static inline void dn_mouse(int on) {
    mousemask(on ? (BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
    mouseinterval(0);
}

static inline int dn_key_mouse(void) { return KEY_MOUSE; }

/// The pending mouse event: its cell and kind (1 left press, 4 wheel up, 5 wheel down, 0
/// anything else). ERR when there is none.
static inline int dn_get_mouse(int *x, int *y, int *kind) {
    MEVENT e;
    if (getmouse(&e) != OK) return ERR;
    *x = e.x;
    *y = e.y;
    if (e.bstate & BUTTON4_PRESSED) *kind = 4;
    else if (e.bstate & BUTTON5_PRESSED) *kind = 5;
    else if (e.bstate & BUTTON1_PRESSED) *kind = 1;
    else *kind = 0;
    return OK;
}
#endif
