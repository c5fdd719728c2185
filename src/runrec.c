/* runrec: the runtime's --record and --replay.  Recording, a live step
 * is written as it happens (the step, the lab's segments and run, the
 * owners of its events) beside what the engine writes; replaying, the
 * recorded steps are played at the recorded pace times the speed, the
 * engine's operations to the engine and the runtime's own (owners, the
 * lab) kept here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/engine.h"
#include "tcpladder/record.h"
#include "tcpladder/runtimeint.h"

bool tl_rt_open_player(struct tl_runtime *rt, char **cause)
{
	rt->player = tl_player_open(rt->o->replay, cause);
	if (!rt->player)
		return false;
	rt->speed = rt->o->speed;
	rt->r_scenario = -1;
	return true;
}

bool tl_rt_rec_start(struct tl_runtime *rt, uint64_t now, char **cause)
{
	if (rt->player) {
		/* the namespaces come first, before the first step */
		const struct tl_rop *op;
		struct tl_rop ns;
		while (tl_player_peek(rt->player, &op) && op->kind != TL_ROP_STEP) {
			tl_player_next(rt->player, &ns);
			tl_engine_replay(rt->e, &ns, 0, 0);
		}
		rt->r_end = !tl_player_peek(rt->player, &op);
		if (!rt->r_end)
			rt->r_next = op->now;
	}
	tl_map_init(&rt->rec_owned);
	if (!rt->o->record)
		return true;
	rt->rec = tl_recorder_open(rt->o->record, cause);
	if (!rt->rec)
		return false;
	for (unsigned i = 0; i < tl_engine_ns_count(rt->e); i++) {
		struct tl_rop op = {.kind = TL_ROP_NS};
		snprintf(op.name, sizeof(op.name), "%s", tl_engine_ns_name(rt->e, i));
		tl_recorder_op(rt->rec, &op, now);
	}
	tl_engine_set_recorder(rt->e, rt->rec);
	return true;
}

/* Called after the engine is freed: the engine holds the recorder. */
void tl_rt_rec_free(struct tl_runtime *rt)
{
	tl_recorder_free(rt->rec);
	tl_map_fini(&rt->rec_owned);
	tl_player_free(rt->player);
	free(rt->r_seg);
}

uint64_t tl_rt_replay_deadline(const struct tl_runtime *rt)
{
	if (rt->r_end || !rt->r_started || rt->speed <= 0)
		return 0;
	double late = (double)(rt->r_next - rt->r_base_rec) / rt->speed;
	if (!(late < 1e18))
		return UINT64_MAX;
	return tl_add_sat(rt->r_base_real, (uint64_t)late);
}

void tl_rt_record_step(struct tl_runtime *rt, uint64_t now, double wall)
{
	struct tl_rop op = {.kind = TL_ROP_STEP, .now = now, .wall = wall};
	tl_recorder_op(rt->rec, &op, now);
}

void tl_rt_record_end(struct tl_runtime *rt, uint64_t now)
{
	tl_recorder_step_end(rt->rec, now);
	tl_rt_rec_notices(rt);
}

/* --record: the owners of this step's events (and of the CLOSE-WAIT
 * sockets the leak watch looked up), each inode once, so that a replay
 * names the same processes without reading /proc. */
void tl_rt_record_owner(struct tl_runtime *rt, uint32_t ino)
{
	uint32_t dummy;
	const struct tl_owner *w = ino ? tl_owners_find(rt->owners, ino) : NULL;
	if (!w || tl_map_get(&rt->rec_owned, ino, &dummy))
		return;
	struct tl_rop op = {.kind = TL_ROP_OWNER, .arg = ino, .owner = *w};
	tl_recorder_op(rt->rec, &op, 0);
	tl_map_put(&rt->rec_owned, ino, 1);
}

void tl_rt_record_owners(struct tl_runtime *rt)
{
	for (size_t i = 0; i < rt->n_ev; i++)
		tl_rt_record_owner(rt, rt->ev[i].sock.inode);
}

void tl_rt_record_lab(struct tl_runtime *rt, uint64_t now)
{
	for (size_t i = 0; i < rt->n_seg; i++) {
		const struct tl_demo_seg *sg = &rt->seg[i];
		struct tl_rop op = {.kind = TL_ROP_SEG};
		op.seg.mono_ns = sg->mono_ns;
		op.seg.wall = sg->wall;
		op.seg.from = (uint8_t)sg->from;
		op.seg.flags =
		    (uint8_t)((sg->dropped ? TL_RSEG_DROPPED : 0) | (sg->kept ? TL_RSEG_KEPT : 0) |
			      (sg->held ? TL_RSEG_HELD : 0) | (sg->resent ? TL_RSEG_RESENT : 0) |
			      (sg->released ? TL_RSEG_RELEASED : 0) |
			      (sg->answer ? TL_RSEG_ANSWER : 0));
		op.seg.stale_ns = sg->stale_ns;
		op.seg.pkt = sg->pkt;
		tl_recorder_op(rt->rec, &op, now);
	}
	if (rt->new_run) {
		struct tl_rop op = {.kind = TL_ROP_RUN,
				    .arg = rt->run_port,
				    .scenario = tl_demo_scenario(rt->demo)};
		tl_recorder_op(rt->rec, &op, now);
	}
}

/* --replay: the runtime's own operations (owners, the lab). */
static void replay_own(struct tl_runtime *rt, const struct tl_rop *op)
{
	if (op->kind == TL_ROP_OWNER) {
		tl_owners_add(rt->owners, op->arg, &op->owner);
	} else if (op->kind == TL_ROP_SEG) {
		if (rt->n_r_seg == rt->cap_r_seg) {
			rt->cap_r_seg = rt->cap_r_seg ? 2 * rt->cap_r_seg : 16;
			rt->r_seg = tl_reallocarray(rt->r_seg, rt->cap_r_seg, sizeof(*rt->r_seg));
		}
		struct tl_demo_seg *sg = &rt->r_seg[rt->n_r_seg++];
		memset(sg, 0, sizeof(*sg));
		sg->mono_ns = op->seg.mono_ns;
		sg->wall = op->seg.wall;
		sg->from = op->seg.from;
		sg->dropped = op->seg.flags & TL_RSEG_DROPPED;
		sg->kept = op->seg.flags & TL_RSEG_KEPT;
		sg->held = op->seg.flags & TL_RSEG_HELD;
		sg->resent = op->seg.flags & TL_RSEG_RESENT;
		sg->released = op->seg.flags & TL_RSEG_RELEASED;
		sg->answer = op->seg.flags & TL_RSEG_ANSWER;
		sg->stale_ns = op->seg.stale_ns;
		sg->pkt = op->seg.pkt;
	} else if (op->kind == TL_ROP_RUN) {
		rt->r_scenario = op->scenario;
		if (op->arg != rt->run_port) {
			rt->run_port = (uint16_t)op->arg;
			rt->run_conn = 0;
			rt->new_run = op->arg != 0;
		}
	}
}

int tl_rt_replay_step(struct tl_runtime *rt, uint64_t *now, double *wall)
{
	const struct tl_rop *op;
	struct tl_rop o;

	if (rt->r_end)
		return -1;
	if (!rt->r_started) {
		rt->r_started = true;
		rt->r_base_rec = rt->r_next;
		rt->r_base_real = *now;
	}
	if (rt->speed > 0 && *now < tl_rt_replay_deadline(rt))
		return 0;
	if (!tl_player_next(rt->player, &o))
		return -1;
	*now = o.now;
	*wall = o.wall;
	rt->r_now = o.now;
	rt->n_r_seg = 0;
	while (tl_player_peek(rt->player, &op) && op->kind != TL_ROP_STEP) {
		tl_player_next(rt->player, &o);
		if (o.kind == TL_ROP_OWNER || o.kind == TL_ROP_SEG || o.kind == TL_ROP_RUN)
			replay_own(rt, &o);
		else
			tl_engine_replay(rt->e, &o, *now, *wall);
	}
	rt->seg = rt->r_seg;
	rt->n_seg = rt->n_r_seg;
	rt->r_end = !tl_player_peek(rt->player, &op);
	if (!rt->r_end) {
		rt->r_next = op->now;
		/* --once --at: the state as it was then */
		if (rt->o->at_set && op->now - rt->r_base_rec > rt->o->at_ns)
			rt->r_end = true;
	}
	return 1;
}

void tl_rt_rec_notices(struct tl_runtime *rt)
{
	char *msg = tl_recorder_take_notice(rt->rec);
	if (!msg && rt->player)
		msg = tl_player_take_notice(rt->player);
	if (msg)
		tl_rt_warn(rt, msg);
}
