// SPDX-License-Identifier: GPL-2.0-or-later
/* The owners' walk: every open file of every process, in one pass inside
 * the kernel (a task-file iterator), written out for each socket as its
 * inode, the process and the socket's network namespace.  The kernel
 * visits a thread only when its file table is not its leader's, so a
 * process's sockets come once.  User space reads the records with read()
 * on the iterator's file and keeps the inodes it is looking for. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "owners.bpf.h"

#define TL_S_IFMT 00170000
#define TL_S_IFSOCK 0140000

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_file")
int tl_owners_walk(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct tl_owner_rec r;

	if (!task || !file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode || (BPF_CORE_READ(inode, i_mode) & TL_S_IFMT) != TL_S_IFSOCK)
		return 0;
	struct socket *sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.ino = BPF_CORE_READ(inode, i_ino);
	r.tgid = BPF_CORE_READ(task, tgid);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (sk)
		r.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	BPF_CORE_READ_STR_INTO(&r.comm, task, comm);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
