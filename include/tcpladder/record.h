/* record: --record and --replay, the files.  The recorder writes what the
 * sources hand the tracker (recfmt.h's operations) into blocks, one a
 * second or so; a write error (a full disk) stops the recording with one
 * notice, and the run goes on.  The player reads a recording block by
 * block; damage (a bad checksum, a cut block, a foreign or newer file)
 * ends it with one notice naming the byte offset, after everything
 * before the damage was handed out. */
#ifndef TCPLADDER_RECORD_H
#define TCPLADDER_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/recfmt.h"

/* A sample of each namespace is a key frame at least this often.  The
 * reader needs none after the first (it reads from the start and stops at
 * damage); at 110k sockets one costs 1.1 MB, so once a minute would be
 * most of a recording (docs/performance.md). */
#define TL_REC_KEY_NS (600ULL * 1000000000ULL)

struct tl_recorder;

/* Creates (or truncates) path and writes the header: NULL with *cause
 * (caller frees) when it cannot. */
struct tl_recorder *tl_recorder_open(const char *path, char **cause);
/* Writes what is left, syncs and closes; NULL is fine. */
void tl_recorder_free(struct tl_recorder *r);
/* One operation.  now: the step's time (for key frames and blocks). */
void tl_recorder_op(struct tl_recorder *r, const struct tl_rop *op, uint64_t now);
/* A step ended: a block is written when one is due. */
void tl_recorder_step_end(struct tl_recorder *r, uint64_t now);
/* Whether it still records. */
bool tl_recorder_active(const struct tl_recorder *r);
/* Why it stopped, once, or NULL (caller frees). */
char *tl_recorder_take_notice(struct tl_recorder *r);
/* Bytes written so far. */
uint64_t tl_recorder_bytes(const struct tl_recorder *r);

struct tl_player;

/* NULL with *cause when path cannot be opened or is not a recording
 * (the offset named). */
struct tl_player *tl_player_open(const char *path, char **cause);
void tl_player_free(struct tl_player *p);
/* The next operation: 1, or 0 at the end (of the file, or at damage:
 * tl_player_take_notice() then says where).  *op is valid until the next
 * call. */
int tl_player_next(struct tl_player *p, struct tl_rop *op);
/* The next operation without taking it: 1, or 0 at the end. */
int tl_player_peek(struct tl_player *p, const struct tl_rop **op);
char *tl_player_take_notice(struct tl_player *p);

#endif
