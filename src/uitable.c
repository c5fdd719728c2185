/* uitable: the main screen's connection table: the columns that fit the
 * pane's width (they drop from the right; a long OWNER is cut), their
 * heads (a click sorts), and the rows in view of the selection, closed
 * connections dimmed.  The rows' order, selection and search are uirows'. */
#include <stdio.h>

#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uirows.h"
#include "tcpladder/uitable.h"

struct column {
	const char *name;
	int w;
	int sort;
	bool right;
	int kind; /* what the cell shows (COL_*) */
};

/* The text of one cell: kind is the column's COL_*. */
static void format_cell(int kind, const struct tl_conn *cn, const struct tl_ui_input *in,
			const struct tl_glyphs *g, char *buf, size_t size)
{
	buf[0] = '\0';
	switch (kind) {
	case TL_COL_STATE:
		snprintf(buf, size, "%s", tl_tcp_state_name(cn->state));
		break;
	case TL_COL_NETNS:
		snprintf(buf, size, "%s", cn->ns < in->n_ns ? in->ns_names[cn->ns] : "?");
		break;
	case TL_COL_LOCAL:
		tl_uirows_fmt_addr(&cn->sock, true, buf, size);
		break;
	case TL_COL_REMOTE:
		if (cn->state == TL_TCP_LISTEN)
			snprintf(buf, size, "*");
		else
			tl_uirows_fmt_addr(&cn->sock, false, buf, size);
		break;
	case TL_COL_AGE: {
		char a[16];
		tl_ui_format_age(tl_ui_data_now(in) - cn->first_seen_ns, a, sizeof(a));
		/* found open at start-up: at least that old */
		snprintf(buf, size, "%s%s", (cn->flags & TL_CONN_BASELINE) ? g->at_least : "", a);
		break;
	}
	case TL_COL_INSTATE: {
		char a[16];
		tl_ui_format_age(tl_ui_data_now(in) - cn->state_since_ns, a, sizeof(a));
		/* in that state since start-up */
		snprintf(buf, size, "%s%s", (cn->flags & TL_CONN_EXACT) ? "" : g->at_least, a);
		break;
	}
	case TL_COL_RECVQ:
		if (cn->state != TL_TCP_LISTEN && cn->sock.inode)
			snprintf(buf, size, "%u", cn->sock.rqueue);
		break;
	case TL_COL_SENDQ:
		if (cn->state != TL_TCP_LISTEN && cn->sock.inode)
			snprintf(buf, size, "%u", cn->sock.wqueue);
		break;
	case TL_COL_RTT:
		if ((cn->sock.flags & TL_SOCK_HAS_INFO) && (cn->sock.info.have & TL_INFO_RTT) &&
		    cn->sock.info.rtt_us && cn->state != TL_TCP_LISTEN)
			snprintf(buf, size, "%.1f", cn->sock.info.rtt_us / 1000.0);
		break;
	case TL_COL_OWNER:
		if (in->owners && cn->sock.inode) {
			const struct tl_owner *ow = tl_owners_find(in->owners, cn->sock.inode);
			if (ow)
				snprintf(buf, size, "%d/%s", ow->pid, ow->comm);
		}
		break;
	}
}

/* Scroll so the selection is in view; rows kept from an earlier refresh
 * must still hold their connections where they are shown. */
static void table_scroll(struct tl_ui *ui, const struct tl_ui_input *in, int vis)
{
	for (int pass = 0; pass < 2; pass++) {
		if (ui->sel < ui->top)
			ui->top = ui->sel;
		if (vis > 0 && ui->sel >= ui->top + (size_t)vis)
			ui->top = ui->sel - (size_t)vis + 1;
		if (ui->top + (size_t)vis > ui->n_rows)
			ui->top = ui->n_rows > (size_t)vis ? ui->n_rows - (size_t)vis : 0;
		if (pass || !tl_uirows_moved(ui, in))
			break;
		tl_ui_refresh_rows(ui, in);
	}
}

/* The columns that fit r's width, shown and in the order chosen (F2),
 * into cols (TL_COL_N of room); returns how many.  first: the first row
 * shown, for OWNER's width. */
static int table_columns(const struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
			 const struct tl_ui_input *in, size_t first, int vis, struct column *cols)
{
	/* OWNER as wide as the widest owner shown */
	size_t nconn;
	const struct tl_conn *all_conns = tl_tracker_view(in->tracker, &nconn);
	int owner_w = 5;
	for (int row = 0; row < vis && first + (size_t)row < ui->n_rows; row++) {
		char ob[64];
		format_cell(TL_COL_OWNER, &all_conns[ui->rows[first + (size_t)row]], in, c->g, ob,
			    sizeof(ob));
		owner_w = TL_MAX(owner_w, TL_MIN(40, tl_canvas_text_width(c, ob)));
	}
	/* Columns drop from the right as the pane narrows. */
	int addrw = r->w >= 120 ? 30 : r->w >= 90 ? 22 : r->w >= 60 ? 21 : (r->w - 12) / 2;
	/* by enum tl_col */
	const struct column all[TL_COL_N] = {
	    {"STATE", 11, TL_SORT_STATE, false, TL_COL_STATE},
	    {"NETNS", r->w >= 120 ? 19 : 12, -1, false, TL_COL_NETNS},
	    {"LOCAL", addrw, TL_SORT_LOCAL, false, TL_COL_LOCAL},
	    {"REMOTE", addrw, TL_SORT_REMOTE, false, TL_COL_REMOTE},
	    {"AGE", 5, TL_SORT_AGE, true, TL_COL_AGE},
	    {"IN-ST", 5, TL_SORT_INSTATE, true, TL_COL_INSTATE},
	    {"RECV-Q", 7, TL_SORT_RECVQ, true, TL_COL_RECVQ},
	    {"SEND-Q", 7, TL_SORT_SENDQ, true, TL_COL_SENDQ},
	    {"RTT ms", 7, TL_SORT_RTT, true, TL_COL_RTT},
	    {"OWNER", owner_w, -1, false, TL_COL_OWNER},
	};
	/* the namespace's label only when there are several */
	size_t n_all = 0;
	for (int i = 0; i < TL_COL_N; i++) {
		int k = ui->cols.order[i];
		if (!ui->cols.hidden[k] && (k != TL_COL_NETNS || in->n_ns > 1))
			cols[n_all++] = all[k];
	}
	int ncols = 0, used = 1;
	for (size_t i = 0; i < n_all; i++) {
		/* a long owner is cut rather than dropped */
		if (cols[i].kind == TL_COL_OWNER && used + cols[i].w + 1 > r->w &&
		    r->w - used - 1 >= 5)
			cols[i].w = r->w - used - 1;
		if (used + cols[i].w + (ncols ? 1 : 0) > r->w)
			break;
		used += cols[i].w + (ncols ? 1 : 0);
		ncols++;
	}
	return ncols;
}

/* The column heads, the sort's highlighted; each kept for a click. */
static void table_heads(struct tl_canvas *c, const struct tl_rect *r, struct tl_ui *ui,
			const struct column *cols, int ncols)
{
	int x = r->x + 1;
	ui->head_y = r->y + 1;
	ui->n_head = 0;
	for (int i = 0; i < ncols; i++) {
		int st = cols[i].sort == ui->sort ? TL_ST_TITLE_FOCUS : TL_ST_COLHEAD;
		if (ui->n_head < (int)TL_ARRAY_SIZE(ui->head)) /* for a click to sort */
			ui->head[ui->n_head++] =
			    (struct tl_ui_head){x, x + cols[i].w, cols[i].sort};
		if (cols[i].right)
			tl_canvas_printf(c, x, r->y + 1, cols[i].w, st, "%*s", cols[i].w,
					 cols[i].name);
		else
			tl_canvas_text(c, x, r->y + 1, cols[i].w, st, cols[i].name);
		x += cols[i].w + 1;
	}
}

/* Row idx of the table, on screen row y: a closed connection dimmed,
 * CLOSE-WAIT warned of, the selection and search matches marked. */
static void table_row(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
		      const struct tl_ui_input *in, const struct tl_conn *cn, size_t idx, int y,
		      const struct column *cols, int ncols)
{
	bool gone = cn->flags & TL_CONN_GONE;
	int st = gone ? TL_ST_DIM : TL_ST_NORMAL;
	char buf[64];
	int x = r->x + 1;
	for (int i = 0; i < ncols; i++) {
		format_cell(cols[i].kind, cn, in, c->g, buf, sizeof(buf));
		int cst = st;
		if (cols[i].kind == TL_COL_STATE && !gone && cn->state == TL_TCP_CLOSE_WAIT)
			cst = TL_ST_WARN;
		if (cols[i].right)
			tl_canvas_text(c, /* by columns: "≥" is one column, three bytes */
				       x + TL_MAX(0, cols[i].w - tl_canvas_text_width(c, buf)), y,
				       cols[i].w, cst, buf);
		else
			tl_canvas_text(c, x, y, cols[i].w, cst, buf);
		x += cols[i].w + 1;
	}
	if (idx == ui->sel)
		tl_canvas_style(c, r->x, y, r->w, TL_ST_SELECTED);
	else if (*ui->search && tl_uirows_has_text(cn, ui->search, in->owners))
		tl_canvas_style(c, r->x, y, 1, TL_ST_MATCH);
}

/* Grouped: keep the selection in view, its group's head too when it is
 * the group's first member. */
static void group_scroll(struct tl_ui *ui, const struct tl_ui_input *in, int vis)
{
	if (tl_uirows_moved(ui, in))
		tl_ui_refresh_rows(ui, in);
	size_t lines = tl_uigroup_lines(ui), v = (size_t)TL_MAX(vis, 1);
	if (!ui->n_groups) {
		ui->gtop = 0;
		return;
	}
	size_t sl = tl_uigroup_line_of(ui, ui->sel);
	size_t g = tl_uigroup_of(ui, ui->sel);
	size_t want = ui->groups[g].first == ui->sel ? sl - 1 : sl;
	if (want < ui->gtop)
		ui->gtop = want;
	if (sl >= ui->gtop + v)
		ui->gtop = sl - v + 1;
	if (ui->gtop + v > lines)
		ui->gtop = lines > v ? lines - v : 0;
}

/* A group's head: its label, its size and its mix of states. */
static void group_head(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui_group *g,
		       int y)
{
	char mix[256];
	tl_uigroup_mix(g, mix, sizeof(mix));
	int x = r->x + 1;
	x += tl_canvas_printf(c, x, y, r->w - 2, TL_ST_BOLD, "%s (%u)", g->label, g->count);
	tl_canvas_text(c, x + 2, y, r->x + r->w - x - 3, TL_ST_DIM, mix);
}

void tl_uitable_draw(struct tl_canvas *c, const struct tl_rect *r, struct tl_ui *ui,
		     const struct tl_ui_input *in)
{
	char t[400], closed[48] = "", grouped[64] = "";
	/* closed connections linger a while, dimmed: counted apart */
	if (ui->n_gone)
		snprintf(closed, sizeof(closed), " + %zu closed (dim)", ui->n_gone);
	if (ui->group)
		snprintf(grouped, sizeof(grouped), "  grouped by %s (%zu)",
			 tl_uigroup_title(ui->group), ui->n_groups);
	snprintf(t, sizeof(t), " Connections %zu open%s%s%s  sort %s%s%s ", ui->n_rows - ui->n_gone,
		 closed, *ui->filter_text ? "  filter: " : "", ui->filter_text,
		 tl_uirows_sort_name(ui->sort), ui->sort_desc ? " (reversed)" : "", grouped);
	tl_ui_title(c, r, ui->focus == TL_PANE_TABLE, t);
	ui->table_first_y = r->y + 2;
	ui->table_visible = 0;
	if (ui->collapsed[TL_PANE_TABLE] || r->h < 3)
		return;
	int vis = r->h - 2;
	ui->table_visible = vis;
	/* grouped, the members are indented under their group's head */
	struct tl_rect cr = *r;
	size_t first = ui->top;
	if (ui->group) {
		group_scroll(ui, in, vis);
		cr.x += 2;
		cr.w -= 2;
		size_t g = 0;
		long at = tl_uigroup_row_at(ui, ui->gtop, &g);
		first = at >= 0 ? (size_t)at : g < ui->n_groups ? ui->groups[g].first : 0;
		ui->top = first; /* the first row shown, for the owners to look up */
	} else {
		table_scroll(ui, in, vis);
	}
	struct column cols[TL_COL_N];
	int ncols = table_columns(c, &cr, ui, in, first, vis, cols);
	tl_canvas_fill(c, r->x, r->y + 1, r->w, 1, ' ', TL_ST_COLHEAD);
	table_heads(c, &cr, ui, cols, ncols);
	size_t n;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	if (!ui->n_rows) {
		tl_canvas_text(c, r->x + 2, r->y + 2, r->w - 3, TL_ST_DIM,
			       *ui->filter_text ? "no connection matches the filter"
						: "no TCP sockets");
		return;
	}
	if (!ui->group) {
		for (int row = 0; row < vis && ui->top + (size_t)row < ui->n_rows; row++) {
			size_t idx = ui->top + (size_t)row;
			table_row(c, r, ui, in, &conns[ui->rows[idx]], idx, r->y + 2 + row, cols,
				  ncols);
		}
		return;
	}
	size_t lines = tl_uigroup_lines(ui);
	for (int row = 0; row < vis && ui->gtop + (size_t)row < lines; row++) {
		size_t g = 0;
		long idx = tl_uigroup_row_at(ui, ui->gtop + (size_t)row, &g);
		if (idx < 0)
			group_head(c, r, &ui->groups[g], r->y + 2 + row);
		else
			table_row(c, &cr, ui, in, &conns[ui->rows[idx]], (size_t)idx,
				  r->y + 2 + row, cols, ncols);
	}
}
