/* Namespace labels: cgroup paths of the container runtimes, systemd
 * units, the fall-backs, and broken input. */
#include <string.h>

#include "tcpladder/nslabel.h"
#include "tap.h"

#define ID "3f2a9c1b7d4e0123456789abcdef0123456789abcdef0123456789abcdef0123"

/* The label a cgroup file gives (pid 42, comm "srv"). */
static const char *label_of(const char *cgroup)
{
	static char out[TL_NSLABEL_MAX];
	struct tl_cgroup_info cg;
	tl_cgroup_parse(cgroup, strlen(cgroup), &cg);
	tl_nslabel_make(out, sizeof(out), false, NULL, &cg, 42, "srv");
	return out;
}

int main(void)
{
	struct tl_cgroup_info cg;
	char out[TL_NSLABEL_MAX];

	/* docker, systemd driver and cgroupfs driver, v2 and v1 */
	is_str(label_of("0::/system.slice/docker-" ID ".scope\n"), "docker:3f2a9c1b7d4e",
	       "docker scope (systemd driver)");
	is_str(label_of("0::/docker/" ID "\n"), "docker:3f2a9c1b7d4e", "docker (cgroupfs driver)");
	is_str(label_of("12:pids:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n"),
	       "docker:3f2a9c1b7d4e", "cgroup v1 lines, the unified one empty");
	is_int(tl_cgroup_parse("0::/system.slice/docker-" ID ".scope", 94, &cg), TL_CG_CONTAINER,
	       "a container");
	is_str(cg.id, ID, "the full id is kept");
	is_str(cg.unit, "", "a container's scope is not its unit");
	/* a scope of a docker test cgroup anywhere in the tree */
	is_str(label_of("0::/tcpladder-test-1/docker-" ID ".scope\n"), "docker:3f2a9c1b7d4e",
	       "a docker scope under any parent");
	/* podman, its conmon, rootless */
	is_str(label_of("0::/machine.slice/libpod-" ID ".scope/container\n"), "podman:3f2a9c1b7d4e",
	       "podman (libpod scope, nested cgroup)");
	is_str(label_of("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
	                ".scope\n"),
	       "podman:3f2a9c1b7d4e", "rootless podman");
	is_str(label_of("0::/machine.slice/libpod-conmon-" ID ".scope\n"), "42/srv",
	       "conmon is neither the container nor a unit");
	/* Kubernetes pods: the pod uid wins over the sandbox's id */
	is_str(
	    label_of("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_"
	             "0000_1111_2222_333344445555.slice/cri-containerd-" ID ".scope\n"),
	    "pod:1b2c3d4e", "kubepods (systemd driver, containerd)");
	tl_cgroup_parse(
	    "0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_1111_2222_333344445555.slice/"
	    "crio-" ID ".scope",
	    strlen("0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_1111_2222_333344445555."
	           "slice/crio-" ID ".scope"),
	    &cg);
	is_str(cg.pod, "1b2c3d4e-0000-1111-2222-333344445555", "pod uid with dashes");
	is_str(cg.runtime, "cri-o", "cri-o runtime");
	is_str(label_of("0::/kubepods/besteffort/pod1b2c3d4e-0000-1111-2222-333344445555/" ID "\n"),
	       "pod:1b2c3d4e", "kubepods (cgroupfs driver)");
	is_str(label_of("0::/kubepods.slice/kubepods-burstable.slice\n"), "42/srv",
	       "a kubepods slice without a pod is nothing");
	/* systemd units */
	is_str(label_of("0::/system.slice/nginx.service\n"), "nginx.service", "a service");
	is_str(label_of("0::/system.slice/app.service/worker\n"), "app.service",
	       "a delegated sub-cgroup of a service");
	is_str(label_of("0::/user.slice/user-0.slice/session-3.scope\n"), "session-3.scope",
	       "a session scope");
	/* fall-backs */
	is_str(label_of("0::/\n"), "42/srv", "root cgroup: pid and comm");
	is_str(label_of(""), "42/srv", "empty file");
	is_str(label_of("garbage without colons"), "42/srv", "garbage");
	is_str(label_of("0::/docker/" ID "zz\n"), "42/srv", "a bad id is no container");
	is_str(label_of("0::/docker/3f2a9c\n"), "42/srv", "a short id is no container");
	ok(!strncmp(label_of("0::/system.slice/docker-" ID "0.scope\n"), "docker-3f2a9c1b7d4e0",
	            20),
	   "65 hex digits: a unit (cut), not a container");
	tl_nslabel_make(out, sizeof(out), true, "x", NULL, 1, "init");
	is_str(out, "host", "our own namespace is host");
	tl_nslabel_make(out, sizeof(out), false, "blue", NULL, 1, "init");
	is_str(out, "blue", "an ip netns name");
	tl_nslabel_make(out, sizeof(out), false, NULL, NULL, 0, NULL);
	is_str(out, "?", "nothing known");
	/* long units are cut to the label's size */
	char lng[300] = "0::/system.slice/";
	memset(lng + strlen(lng), 'a', 200);
	strcpy(lng + 217, ".service");
	ok(strlen(label_of(lng)) < TL_NSLABEL_MAX, "a long unit name is cut");

	/* docker's state file */
	char name[64];
	const char *js = "{\"ID\":\"x\",\"Name\":\"/web-1\",\"State\":{}}";
	tl_cgroup_docker_name(js, strlen(js), name, sizeof(name));
	is_str(name, "web-1", "docker name from config.v2.json");
	tl_cgroup_docker_name(js, 15, name, sizeof(name));
	is_str(name, "", "a cut file gives no name");
	js = "{\"Name\":\"/we\\\"b\"}";
	tl_cgroup_docker_name(js, strlen(js), name, sizeof(name));
	is_str(name, "", "an escaped name is not guessed at");
	tl_cgroup_parse("0::/system.slice/docker-" ID ".scope", 94, &cg);
	strcpy(cg.name, "web-1");
	tl_nslabel_make(out, sizeof(out), false, NULL, &cg, 7, "nginx");
	is_str(out, "docker:web-1", "a named container");
	return tap_done();
}
