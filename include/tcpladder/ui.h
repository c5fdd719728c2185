/* ui: the interactive view's state, its keys, its layout and its panes,
 * drawn into a canvas.  Pure: no curses, no clock; the terminal shell
 * (tui.c) feeds it keys and data and blits the canvas.
 *
 * The ui owns its row index and filter; it reads (never changes) the
 * tracker, the history and the event log it is given. */
#ifndef TCPLADDER_UI_H
#define TCPLADDER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/canvas.h"
#include "tcpladder/evlog.h"
#include "tcpladder/steps.h"
#include "tcpladder/history.h"
#include "tcpladder/leak.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/tracker.h"
#include "tcpladder/uicols.h"
#include "tcpladder/uigroup.h"

/* Keys: printable characters as themselves, the rest from here up. */
enum tl_key {
	TL_KEY_UP = 0x110000,
	TL_KEY_DOWN,
	TL_KEY_LEFT,
	TL_KEY_RIGHT,
	TL_KEY_PGUP,
	TL_KEY_PGDN,
	TL_KEY_HOME,
	TL_KEY_END,
	TL_KEY_ENTER,
	TL_KEY_ESC,
	TL_KEY_TAB,
	TL_KEY_BTAB,
	TL_KEY_BACKSPACE,
	TL_KEY_F1,
	TL_KEY_F2,
	TL_KEY_F3,
	TL_KEY_F4,
	TL_KEY_F5,
	TL_KEY_F6,
	TL_KEY_F7,
	TL_KEY_F8,
	TL_KEY_F10 = TL_KEY_F1 + 9,
	TL_KEY_F12 = TL_KEY_F1 + 11,
	TL_KEY_DELETE,
};

/* Control keys, as the terminal sends them. */
#define TL_KEY_CTRL(c) ((c)&0x1f)

enum tl_pane { TL_PANE_HIST, TL_PANE_TABLE, TL_PANE_EVENTS, TL_PANE_N };
enum tl_screen {
	TL_SCREEN_MAIN,
	TL_SCREEN_HELP,
	TL_SCREEN_DETAIL,
	TL_SCREEN_LEAKS,
	TL_SCREEN_NETNS,
	TL_SCREEN_SETUP
};
/* Colour schemes (F2); the terminal shell maps styles through them. */
enum tl_scheme { TL_SCHEME_DEFAULT, TL_SCHEME_MONO, TL_SCHEME_N };
enum tl_prompt { TL_PROMPT_NONE, TL_PROMPT_SEARCH, TL_PROMPT_FILTER, TL_PROMPT_SORT };
#define TL_UI_HISTORY 16
enum tl_sort {
	TL_SORT_STATE,
	TL_SORT_LOCAL,
	TL_SORT_REMOTE,
	TL_SORT_AGE,
	TL_SORT_INSTATE,
	TL_SORT_RECVQ,
	TL_SORT_SENDQ,
	TL_SORT_RTT,
	TL_SORT_N
};

/* What the shell measured, for the header. */
struct tl_ui_stats {
	uint64_t interval_ns;
	uint64_t dump_cost_ns;
	uint64_t samples;
	size_t sockets;
	bool paused;
	bool exact;          /* exact mode (the eBPF source) is in use */
	uint64_t exact_lost; /* its records lost so far */
	bool still;          /* dumps slowed: nothing is happening (exact mode) */
};

/* Everything a frame is drawn from. */
struct tl_ui_input {
	const struct tl_tracker *tracker;
	const struct tl_history *history;
	const struct tl_evlog *log;
	const struct tl_steps *steps; /* each connection's steps; NULL: ladders from the log */
	struct tl_ui_stats stats;
	const char *host;
	const char *const *ns_names;
	unsigned n_ns;
	uint64_t now; /* monotonic ns, for animation and pacing */
	/* The data's time, for ages and histories (a replay's recorded time);
	 * 0: the same as now.  Read it with tl_ui_data_now(). */
	uint64_t data_now;
	double now_wall;                   /* for clock times */
	bool utc;                          /* event times in UTC (tests) */
	const struct tl_owners *owners;    /* sockets' processes, as far as known */
	const struct tl_leak_group *leaks; /* CLOSE-WAIT by process, judged */
	size_t n_leaks;
	const struct tl_leak_watch *watch;  /* their counts over time */
	const struct tl_tw_pressure *tw;    /* TIME-WAIT pressure, or NULL */
	const struct tl_leak_cfg *leak_cfg; /* the thresholds, for the legend (NULL: defaults) */
	const char *caption; /* the lab's scenario, kept in view on the ladder, or NULL */
	const char *replay;  /* --replay: the recording's file name (NULL: live) */
	bool replay_ended;   /* ... and it has played to its end */
};

static inline uint64_t tl_ui_data_now(const struct tl_ui_input *in)
{
	return in->data_now ? in->data_now : in->now;
}

struct tl_rect {
	int x, y, w, h;
};

/* A column head's cells on screen, and its sort key (-1: none). */
struct tl_ui_head {
	int x0, x1, sort;
};

struct tl_filter;
struct tl_ladder;
struct tl_ui_order;

struct tl_ui {
	enum tl_screen screen;
	int focus;
	bool collapsed[TL_PANE_N];
	bool hist_all; /* z: the histogram shows every state, empty ones too */
	int sort;
	bool sort_desc;
	/* the connection table: tracker slots in display order */
	uint32_t *rows;
	size_t n_rows, cap_rows;
	size_t n_gone; /* of the rows, closed connections kept a while (dimmed) */
	size_t sel, top;
	uint32_t sel_id; /* keeps the selection on its connection across re-sorts */
	/* Frozen (Space): the view stops changing while sampling goes on.
	 * The events shown are a copy of the log (bounded by its capacity),
	 * the rest of the screen is the canvas drawn at the freeze. */
	bool frozen;
	struct tl_evlog frz_log;   /* the events as they were at the freeze */
	uint64_t frz_samples;      /* samples taken when it froze */
	struct tl_cell *frz_cells; /* the screen at the freeze */
	int frz_w, frz_h;
	enum tl_screen frz_screen;
	size_t ev_top; /* frozen: the top row's event, counted from the oldest kept */
	enum tl_prompt prompt;
	char input[256];
	size_t input_len;
	size_t input_cur; /* the cursor, a byte offset at a character's start */
	/* the filters applied, oldest first, for Up and Down in the prompt */
	char history[TL_UI_HISTORY][256];
	int n_history, history_at; /* history_at == n_history: the line being typed */
	char history_draft[256];   /* that line, kept while browsing */
	int menu_sel;              /* the sort menu's choice */
	char search[256];
	char filter_text[256];
	struct tl_filter *filter;
	/* the namespaces its netns clauses leave out (uinetns.h), and the
	 * namespace screen's selected row and sort */
	uint8_t *ns_out;
	size_t n_ns_out, cap_ns_out;
	size_t ns_sel;
	int ns_sort;
	char *message; /* one line for the footer (a filter error, a notice) */
	uint32_t detail_id;
	/* the connection in detail and its peer as last seen: the screen
	 * keeps them, and their ladder, once the tracker lets them go */
	struct tl_conn detail_kept[2];
	size_t detail_slot; /* where the tracker held it at the last tick (a hint) */
	bool detail_kept_peer;
	/* the ladder of the connection in detail */
	struct tl_ladder *ladder;
	int lad_sel, lad_mark, lad_scroll; /* lad_sel -1: follow the newest step */
	bool lad_explain;
	size_t lad_steps;        /* steps when last drawn: a new one starts a flight */
	uint64_t lad_anim_start; /* when the newest arrow took off */
	uint64_t anim_ns;        /* how long a flight takes */
	bool lad_paused;         /* replay paused */
	bool lad_replay;         /* replaying from the start */
	size_t lad_shown;        /* replay: events shown so far */
	uint64_t lad_next;       /* replay: when the next event is shown */
	const char *lang;        /* narration language: "en" or "zh" */
	int lab_scenario;        /* the lab's scenario (scenario.h), -1 outside the lab */
	bool lab_lesson;         /* the ladder screen shows the scenario's explanation (w) */
	/* the leak screen: the selected process (by pid, so it stays put as
	 * the list is sorted again) and the first row shown */
	int leak_pid;
	size_t leak_top;
	enum tl_screen help_from; /* where help returns to */
	int help_top, help_page;  /* help: its first row shown, and how many are */
	/* the table's columns, shown and in order (F2) */
	struct tl_cols cols;
	/* F5: the table grouped (enum tl_group); its groups (uigroup.h) and,
	 * per row, the group it is in; gtop: the first screen line shown */
	int group;
	struct tl_ui_group *groups;
	size_t n_groups, cap_groups;
	uint32_t *row_group;
	size_t cap_row_group;
	size_t gtop;
	/* the setup screen (F2): the colour scheme (enum tl_scheme), and
	 * whether the terminal can show colour at all (the shell says) */
	int scheme;
	bool no_color;
	int setup_sel;   /* the item chosen */
	int setup_top;   /* the first line shown */
	bool setup_help; /* F1 there: its keys */
	/* requests for the shell, cleared by it */
	char copy[512]; /* text for the terminal's clipboard (OSC 52), "" for none */
	bool quit;
	bool toggle_pause;
	/* x on the ladder screen: write the ladder shown to files */
	bool save_ladder;
	int delay_step; /* +1 slower, -1 faster */
	bool rows_dirty;
	uint64_t rows_generation;  /* the tracker's generation the rows were built from */
	struct tl_ui_order *order; /* the table's sorted keys, kept between refreshes */
	/* the last frame's geometry, for mouse clicks */
	struct tl_rect pane[TL_PANE_N];
	struct tl_ui_head head[16];
	int n_head, head_y;
	int table_first_y;
	int table_visible;
};

void tl_ui_init(struct tl_ui *ui);
void tl_ui_fini(struct tl_ui *ui);
/* Rebuild the table's rows (after new data, or a sort or filter change):
 * only the rows whose sort key changed are sorted again and merged into
 * the kept order, which is the same as sorting all of them. */
void tl_ui_refresh_rows(struct tl_ui *ui, const struct tl_ui_input *in);
/* One key; returns true when the screen should be redrawn. */
bool tl_ui_key(struct tl_ui *ui, int key, const struct tl_ui_input *in);
/* A mouse click at a cell: selects the pane and the row under it; on a
 * column's head, sorts by it (again: the other way). */
void tl_ui_click(struct tl_ui *ui, int x, int y, const struct tl_ui_input *in);
/* The mouse wheel at a cell (dir -1 up, +1 down): scrolls what is under it. */
void tl_ui_wheel(struct tl_ui *ui, int x, int y, int dir, const struct tl_ui_input *in);
/* Moves what changes with time on to in->now before a w x h frame: a
 * ladder's replay and its arrows' flight.  Call it before tl_ui_draw. */
void tl_ui_tick(struct tl_ui *ui, const struct tl_ui_input *in, int w, int h);
/* Draw the whole screen. */
void tl_ui_draw(struct tl_ui *ui, struct tl_canvas *c, const struct tl_ui_input *in);
/* The histogram pane in r (the main screen's, or beside a wide ladder). */
void tl_ui_draw_hist(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
		     const struct tl_ui_input *in);
/* A pane's title: a rule across r's top row with text on it, bright
 * when the pane has the focus. */
void tl_ui_title(struct tl_canvas *c, const struct tl_rect *r, bool focus, const char *text);
/* True while an arrow is in flight: the shell redraws often then. */
bool tl_ui_animating(const struct tl_ui *ui, uint64_t now);
/* Freeze the view (the events as in->log holds them now) or go back to
 * live; sampling is not affected. */
void tl_ui_freeze(struct tl_ui *ui, const struct tl_ui_input *in);
void tl_ui_thaw(struct tl_ui *ui);
/* How many of log's events the events pane shows (those matching the
 * filter); the first len of their positions in the log go to at. */
size_t tl_ui_events_shown(const struct tl_ui *ui, const struct tl_ui_input *in,
			  const struct tl_evlog *log, size_t *at, size_t len);
/* Open a prompt with text in it, the cursor at its end. */
void tl_ui_open_prompt(struct tl_ui *ui, enum tl_prompt p, const char *text);
/* Filter every pane with expr ("" for none); false, with the reason in the
 * footer, when it does not parse. */
bool tl_ui_set_filter(struct tl_ui *ui, const char *expr);
/* Set the footer message (copied); NULL clears. */
void tl_ui_message(struct tl_ui *ui, const char *msg);

/* "5s", "12m", "3h", "2d" */
void tl_ui_format_age(uint64_t ns, char *out, size_t len);

#define TL_UI_MIN_W 40
#define TL_UI_MIN_H 12

#endif
