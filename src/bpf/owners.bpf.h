/* The record the owners' walk writes for each socket a process holds,
 * shared by the BPF program and its reader (src/ownersbpf.c). */
#ifndef TCPLADDER_OWNERS_BPF_H
#define TCPLADDER_OWNERS_BPF_H

struct tl_owner_rec {
	__u64 ino;   /* the socket's inode, as in sock_diag and /proc/PID/fd */
	__u64 netns; /* its network namespace's inode (0: none) */
	__u32 tgid;  /* the process */
	char comm[16];
	__u32 pad;
};

#endif
