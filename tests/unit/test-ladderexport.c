/* A ladder saved as text, SVG and Mermaid: golden files for each format
 * (tests/golden/ladderexport-*.txt; TL_UPDATE_GOLDEN=1 rewrites them),
 * the escaping of every text, and a structural check of the Mermaid
 * syntax (no Mermaid parser is packaged in Debian: the statements written
 * are checked against the grammar's forms instead).  The SVG goldens are
 * rendered by a real renderer in tests/render-svg.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderexport.h"
#include "tcpladder/narration.h"
#include "tcpladder/ui.h"
#include "golden.h"
#include "tap.h"

#define MS 1000000ULL
#define T0 (500 * 1000 * MS)

enum { A_ID = 7, B_ID = 8 };

struct script {
	struct tl_event ev[32];
	size_t n;
};

/* One event of side 0 (A, the client) or 1 (B, the server); the fsm
 * fills in the segment and direction. */
static struct tl_event *E(struct script *sc, int side, int from, int to, uint64_t ms)
{
	struct tl_event *e = &sc->ev[sc->n++];
	int role = side ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
	memset(e, 0, sizeof(*e));
	e->mono_ns = T0 + ms * MS;
	e->wall = 1764064800.0 + (double)ms / 1000;
	e->conn = side ? B_ID : A_ID;
	e->peer = side ? A_ID : B_ID;
	e->kind = from == 0 ? TL_EV_OPEN : to == TL_TCP_CLOSE ? TL_EV_CLOSE : TL_EV_TRANSITION;
	e->from = (uint8_t)from;
	e->to = (uint8_t)to;
	e->role = (uint8_t)role;
	const struct tl_fsm_edge *edge = tl_fsm_edge(from   ? from
						     : side ? TL_TCP_LISTEN
							    : TL_TCP_CLOSE,
						     to, (enum tl_role)role);
	if (edge) {
		e->segment = edge->segment;
		e->dir = edge->dir;
		e->why = edge->why;
	}
	e->sock.family = AF_INET;
	e->sock.state = (uint8_t)to;
	e->sock.local[0] = e->sock.remote[0] = 10;
	e->sock.local[3] = side ? 2 : 1;
	e->sock.remote[3] = side ? 1 : 2;
	e->sock.lport = side ? 80 : 45000;
	e->sock.rport = side ? 45000 : 80;
	e->sock.cookie = side ? 0x200 : 0x100;
	return e;
}

/* The whole life, both ends watched, the client closing first. */
static void full_life(struct script *sc, bool with_b)
{
	sc->n = 0;
	E(sc, 0, 0, TL_TCP_SYN_SENT, 0);
	if (with_b)
		E(sc, 1, 0, TL_TCP_SYN_RECV, 310);
	E(sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 612);
	if (with_b)
		E(sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 915);
	E(sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 5000);
	if (with_b)
		E(sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 5300);
	E(sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 5600);
	if (with_b)
		E(sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 7000);
	E(sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, 7300);
	if (with_b)
		E(sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 7600);
}

static char *render(const struct tl_ladder *l, enum tl_ladder_format f, const char *lang,
		    const char *caption)
{
	struct tl_ladder_export x = {.format = f, .lang = lang, .caption = caption, .legend = true};
	struct tl_buf b;
	tl_buf_init(&b);
	tl_ladder_export(l, &x, &b);
	return b.data ? b.data : tl_strdup("");
}

static void golden(const char *name, const char *got)
{
	char file[128];
	snprintf(file, sizeof(file), "ladderexport-%s", name);
	golden_ok(got, strlen(got), file, "golden %s", file);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text of a Mermaid statement holds no ';' or '#' but in entity
 * codes ("#59;"), and no "%%": nothing ends the statement early. */
static bool mermaid_text_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '#') {
			size_t j = i + 1;
			while (j < n && t[j] >= '0' && t[j] <= '9')
				j++;
			if (j == i + 1 || j >= n || t[j] != ';')
				return false;
			i = j;
		} else if (t[i] == ';' || t[i] == '%' || t[i] == '<' || t[i] == '>' ||
			   (unsigned char)t[i] < 0x20) {
			return false;
		}
	}
	return n > 0;
}

/* Each line one of the statements of a sequenceDiagram that the export
 * writes, its participants declared before use; returns the line number
 * of the first bad line, 0 when all are good. */
static int mermaid_check(const char *s)
{
	static const char *const stmt[] = {
	    "A->>B: ",
	    "B->>A: ",
	    "A-->>B: ",
	    "B-->>A: ",
	    "Note left of A: ",
	    "Note right of B: ",
	    "Note over A,B: ",
	    "participant A as ",
	    "participant B as ",
	    "title ",
	    /* a dropped segment (cross) and a held one (open arrow) */
	    "A-xB: ",
	    "B-xA: ",
	    "A--xB: ",
	    "B--xA: ",
	    "A-)B: ",
	    "B-)A: ",
	    "A--)B: ",
	    "B--)A: ",
	};
	int line = 0, participants = 0;
	const char *p = s;
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		line++;
		if (line == 1) {
			if (n != 15 || strncmp(p, "sequenceDiagram", 15))
				return line;
		} else if (n >= 6 && !strncmp(p, "    %%", 6)) {
			/* a comment */
		} else {
			if (n < 4 || strncmp(p, "    ", 4))
				return line;
			const char *q = p + 4;
			size_t k, m = n - 4, found = 0;
			for (k = 0; k < TL_ARRAY_SIZE(stmt); k++) {
				size_t sl = strlen(stmt[k]);
				if (m > sl && !strncmp(q, stmt[k], sl)) {
					found = sl;
					break;
				}
			}
			if (!found || !mermaid_text_ok(q + found, m - found))
				return line;
			if (k == 7 || k == 8)
				participants++;
			else if (k != 9 && participants != 2)
				return line; /* used before both are declared */
		}
		p += n + (end ? 1 : 0);
	}
	return participants == 2 ? 0 : line + 1;
}

static void test_full(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	full_life(&sc, true);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	char *svg = render(l, TL_LADDER_FMT_SVG, "en", NULL);
	golden("full-svg", svg);
	ok(!strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44),
	   "SVG: the XML declaration, then the svg element");
	is_int(count(svg, "class=\"arrow\""), 7, "seven seen segments, solid");
	is_int(count(svg, "class=\"arrow inferred\""), 1, "only the legend's sample is dashed");
	ok(strstr(svg, ">SYN-SENT</text>") && strstr(svg, ">CLOSED</text>"),
	   "each side's states beside its lifeline");
	ok(strstr(svg, "A: Hello, I&apos;m A") != NULL, "the dialogue, its quote escaped");
	ok(strstr(svg, ">≤+5.000s</text>") != NULL, "times as bounds");
	free(svg);

	char *mmd = render(l, TL_LADDER_FMT_MERMAID, "en", NULL);
	golden("full-mermaid", mmd);
	is_int(mermaid_check(mmd), 0, "Mermaid: every line a statement of the grammar");
	ok(strstr(mmd, "    A->>B: SYN ≤+0.000s\n") != NULL, "a seen segment: ->>");
	is_int(count(mmd, "-->>"), 1, "no dashed segment but in the legend");
	free(mmd);

	char *zh = render(l, TL_LADDER_FMT_MERMAID, "zh", NULL);
	ok(strstr(zh, "Note left of A: A：你好，我是 A") != NULL, "the dialogue in Chinese");
	is_int(mermaid_check(zh), 0, "... still well formed");
	ok(strstr(zh, "participant A as A 10.0.0.1:45000 (客户端)") != NULL,
	   "the participants' roles in Chinese");
	free(zh);
	/* the picture's own words in Chinese too: heads, legend */
	zh = render(l, TL_LADDER_FMT_SVG, "zh", NULL);
	ok(strstr(zh, "(服务器)</text>") && strstr(zh, ">图例：</text>") &&
	       strstr(zh, ">推断的报文段</text>") && !strstr(zh, "not seen") &&
	       !strstr(zh, "client"),
	   "SVG in Chinese: its heads and its legend");
	free(zh);
	zh = render(l, TL_LADDER_FMT_TEXT, "zh", NULL);
	ok(!strncmp(zh, "图例：~ 推断，未观察到", strlen("图例：~ 推断，未观察到")),
	   "text in Chinese: the legend first, in Chinese");
	free(zh);

	char *txt = render(l, TL_LADDER_FMT_TEXT, "en", NULL);
	golden("full-text", txt);
	ok(!strncmp(txt, "Legend: ", 8), "text: the legend first");
	free(txt);
	tl_ladder_free(l);
}

/* A alone: B is derived, its lifeline dashed, its states and the
 * segments nothing observed marked and dashed. */
static void test_one_end(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	full_life(&sc, false);
	sc.ev[0].inferred = true; /* SYN-SENT and FIN-WAIT-1 were not sampled */
	sc.ev[2].inferred = true;
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	char *svg = render(l, TL_LADDER_FMT_SVG, "en", NULL);
	golden("one-end-svg", svg);
	ok(strstr(svg, "class=\"life derived\"") != NULL, "the derived side's lifeline is dashed");
	ok(count(svg, "class=\"arrow inferred\"") >= 2, "inferred segments are dashed (%d)",
	   count(svg, "class=\"arrow inferred\""));
	ok(strstr(svg, "class=\"state inferred\">~") != NULL, "inferred states are marked ~");
	ok(strstr(svg, "B 10.0.0.2:80 (server) ~derived") != NULL, "the derived side says so");
	free(svg);
	char *mmd = render(l, TL_LADDER_FMT_MERMAID, "en", NULL);
	golden("one-end-mermaid", mmd);
	is_int(mermaid_check(mmd), 0, "Mermaid of one end: well formed");
	ok(count(mmd, "-->>") >= 3, "inferred segments: -->>");
	ok(strstr(mmd, "Note right of B: ~") != NULL, "B's inferred states marked ~");
	free(mmd);
	tl_ladder_free(l);
}

/* An RST of unknown direction: a shaft with a '?' in the SVG, a note
 * across in Mermaid. */
static void test_rst(void)
{
	struct script sc = {.n = 0};
	struct tl_ladder *l = tl_ladder_new();
	E(&sc, 0, 0, TL_TCP_SYN_SENT, 0);
	E(&sc, 1, 0, TL_TCP_SYN_RECV, 310);
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 612);
	E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 915);
	E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 3000);
	E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 3000);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	char *svg = render(l, TL_LADDER_FMT_SVG, "en", NULL);
	ok(strstr(svg, "class=\"mark\">?</text>") && strstr(svg, ">RST (direction unknown)<"),
	   "SVG: an RST of unknown direction, a '?' on its shaft");
	free(svg);
	char *mmd = render(l, TL_LADDER_FMT_MERMAID, "en", NULL);
	ok(strstr(mmd, "    Note over A,B: RST (direction unknown) ≤+3.000s\n") != NULL,
	   "Mermaid: a note across both");
	is_int(mermaid_check(mmd), 0, "... well formed");
	free(mmd);
	tl_ladder_free(l);
}

/* Text the tool did not write (the caption: a namespace's or a process's
 * name) cannot break the markup or reach it with a control byte. */
static void test_escaping(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	static const char evil[] = "netns <x&y> \"q\" 'a'; #1 50%% \x1b[2J\xff end";
	full_life(&sc, true);
	sc.n = 3; /* the handshake is enough */
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	char *svg = render(l, TL_LADDER_FMT_SVG, "en", evil);
	golden("escape-svg", svg);
	ok(strstr(svg, ">netns &lt;x&amp;y&gt; &quot;q&quot; &apos;a&apos;; #1 50%% "
		       "\\x1b[2J\\xff end</text>") != NULL,
	   "SVG: markup characters as entities, control and invalid bytes as \\xNN");
	ok(!strchr(svg, '\x1b') && !strstr(svg, "\xff"), "no raw control or invalid byte");
	ok(!strstr(svg, "<x&"), "no raw markup from the caption");
	free(svg);
	char *mmd = render(l, TL_LADDER_FMT_MERMAID, "en", evil);
	golden("escape-mermaid", mmd);
	ok(strstr(mmd, "    title netns #60;x&y#62; \"q\" 'a'#59; #35;1 50#37;#37; "
		       "\\x1b[2J\\xff end\n") != NULL,
	   "Mermaid: ; # %% < > as entity codes");
	is_int(mermaid_check(mmd), 0, "... the diagram stays well formed");
	free(mmd);
	char *txt = render(l, TL_LADDER_FMT_TEXT, "en", evil);
	ok(!strchr(txt, '\x1b') && strstr(txt, "\\x1b[2J\\xff"), "text: controls shown as \\xNN");
	free(txt);
	tl_ladder_free(l);
}

static void test_formats(void)
{
	is_int(tl_ladder_format_parse("text"), TL_LADDER_FMT_TEXT, "text");
	is_int(tl_ladder_format_parse("svg"), TL_LADDER_FMT_SVG, "svg");
	is_int(tl_ladder_format_parse("mermaid"), TL_LADDER_FMT_MERMAID, "mermaid");
	is_int(tl_ladder_format_parse("SVG"), -1, "names are lower case");
	is_int(tl_ladder_format_parse("png"), -1, "png is not one");
	is_int(tl_ladder_format_parse(NULL), -1, "NULL is not one");
	is_str(tl_ladder_format_ext(TL_LADDER_FMT_MERMAID), "mmd", "Mermaid's extension");
	is_str(tl_ladder_format_name(TL_LADDER_FMT_SVG), "svg", "a format's name");
	/* the checker itself can fail */
	ok(mermaid_check("sequenceDiagram\n    participant A as a\n    participant B as b\n"
			 "    A->>B: x; y\n") == 4,
	   "the Mermaid check catches a raw ';'");
	ok(mermaid_check("sequenceDiagram\n    A->>B: x\n") == 2,
	   "... and a participant used before it is declared");
	ok(mermaid_check("graph TD\n") == 1, "... and another kind of diagram");
}

/* x on the ladder screen asks the shell to save the ladder shown; with
 * nothing to save it says so. */
static void test_key(void)
{
	struct tl_ui ui;
	struct tl_ui_input in;
	struct script sc;
	memset(&in, 0, sizeof(in));
	tl_ui_init(&ui);
	ui.screen = TL_SCREEN_DETAIL;
	ok(tl_ui_key(&ui, 'x', &in) && !ui.save_ladder, "x with no ladder: nothing to save");
	is_str(ui.message ? ui.message : "", "no ladder to save yet", "... and it says so");
	ui.ladder = tl_ladder_new();
	full_life(&sc, true);
	tl_ladder_build_events(ui.ladder, sc.ev, sc.n, A_ID, B_ID);
	ok(tl_ui_key(&ui, 'x', &in) && ui.save_ladder,
	   "x with a ladder: the shell is asked to save it");
	tl_ui_fini(&ui);
}

/* The narration's language: --lang, else the locale's; Chinese only in
 * UTF-8, else English with the reason. */
static void test_lang(void)
{
	const char *why;
	is_str(tl_narration_lang(NULL, "zh_CN.UTF-8", true, &why), "zh", "zh_CN.UTF-8: Chinese");
	ok(!why, "... with nothing to say");
	is_str(tl_narration_lang(NULL, "zh_TW.UTF-8", true, &why), "zh", "zh_TW.UTF-8: Chinese");
	is_str(tl_narration_lang(NULL, "en_US.UTF-8", true, &why), "en", "en_US.UTF-8: English");
	is_str(tl_narration_lang(NULL, NULL, true, &why), "en", "no locale: English");
	is_str(tl_narration_lang("en", "zh_CN.UTF-8", true, &why), "en", "--lang en wins");
	ok(!why, "... silently");
	is_str(tl_narration_lang(NULL, "zh_CN.GB18030", false, &why), "en",
	       "a Chinese locale that is not UTF-8: English");
	ok(why && strstr(why, "needs a UTF-8 terminal"), "... saying why");
	is_str(tl_narration_lang("zh", "C", false, &why), "en", "--lang zh without UTF-8: English");
	ok(why != NULL, "... saying why");
}

int main(void)
{
	test_formats();
	test_full();
	test_one_end();
	test_rst();
	test_escaping();
	test_key();
	test_lang();
	return tap_done();
}
