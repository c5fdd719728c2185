/* libFuzzer target: cgroup files and docker, podman and OCI state files as the namespace
 * labels read them, any bytes; the label made from what they say. */
#include <stdint.h>
#include <string.h>

#include "tcpladder/nslabel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_cgroup_info cg;
	char label[TL_NSLABEL_MAX];
	const char *text = (const char *)data;

	tl_cgroup_parse(text, size, &cg);
	tl_cgroup_docker_name(text, size, cg.name, sizeof(cg.name));
	tl_nslabel_make(label, sizeof(label), false, NULL, &cg, 1, "comm");
	tl_cgroup_podman_name(text, size, "ab", cg.name, sizeof(cg.name));
	if (strlen(cg.name) >= sizeof(cg.name))
		__builtin_trap();
	tl_cgroup_oci_name(text, size, cg.name, sizeof(cg.name));
	tl_nslabel_make(label, sizeof(label), false, NULL, &cg, 1, "comm");
	if (strlen(label) >= sizeof(label))
		__builtin_trap();
	tl_cgroup_parse_path(text, size, &cg);
	tl_nslabel_make(label, sizeof(label), false, NULL, &cg, 0, NULL);
	return 0;
}
