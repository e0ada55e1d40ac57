#!/usr/bin/python3
"""Drives containerd's CRI service as kubelet would, through one runtime
handler: a pod sandbox, two containers sharing its network, IPC and UTS
namespaces, ExecSync, a tty container, UpdateContainerResources, seccomp
RuntimeDefault, stop and remove, and no cgroup left behind.

    cri_pod.py SOCKET HANDLER IMAGE GENERATED_DIR

Prints one line per check and exits 1 if any failed.
"""
import os
import subprocess
import sys
import time

sock, handler, image, generated = sys.argv[1:5]
sys.path.insert(0, generated)
import grpc  # noqa: E402
import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as rpc  # noqa: E402

channel = grpc.insecure_channel("unix://" + sock)
runtime = rpc.RuntimeServiceStub(channel)
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:400]))
    if not ok:
        failed += 1


def exec_sync(cid, cmd):
    r = runtime.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=20), timeout=30)
    return r.exit_code, r.stdout.decode(errors="replace").strip(), r.stderr.decode(errors="replace").strip()


def leftover_cgroups(ids):
    found = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if any(i in d for i in ids):
                found.append(os.path.join(root, d))
    return found


logs = os.path.join(os.path.dirname(generated), "pod-logs")
os.makedirs(logs, exist_ok=True)
version = runtime.Version(pb.VersionRequest(), timeout=10)
check("CRI version", version.runtime_api_version == "v1", version)

namespaces = pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD)
pod_config = pb.PodSandboxConfig(
    metadata=pb.PodSandboxMetadata(name="mini-pod", uid="mini-pod-uid-%d" % os.getpid(), namespace="default"),
    hostname="mini-pod-host",
    log_directory=logs,
    linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(namespace_options=namespaces)))
pod = runtime.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_config, runtime_handler=handler), timeout=120).pod_sandbox_id
check("RunPodSandbox through handler " + handler, bool(pod))


def container(name, command, tty=False, memory=0):
    config = pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name),
        image=pb.ImageSpec(image=image),
        command=command,
        log_path=name + ".log",
        tty=tty,
        linux=pb.LinuxContainerConfig(
            resources=pb.LinuxContainerResources(memory_limit_in_bytes=memory),
            security_context=pb.LinuxContainerSecurityContext(
                namespace_options=namespaces,
                seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.RuntimeDefault))))
    cid = runtime.CreateContainer(pb.CreateContainerRequest(
        pod_sandbox_id=pod, config=config, sandbox_config=pod_config), timeout=60).container_id
    runtime.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
    return cid


first = container("first", ["sh", "-c", "echo shared > /dev/shm/mark; exec sleep 300"], memory=128 << 20)
second = container("second", ["sleep", "300"])
tty = container("tty", ["sh", "-c", "tty; exec sleep 300"], tty=True)
check("three containers start", all((first, second, tty)))

time.sleep(0.5)
rc, out1, err = exec_sync(first, ["ip", "-4", "addr", "show", "eth0"])
check("ExecSync runs in the first container", rc == 0 and "inet " in out1, (rc, out1, err))
rc, out2, err = exec_sync(second, ["ip", "-4", "addr", "show", "eth0"])
check("the second shares the pod's network namespace", rc == 0 and out1 == out2 and out2, (out1, out2, err))
rc, out, err = exec_sync(second, ["cat", "/dev/shm/mark"])
check("the second shares the pod's IPC /dev/shm", rc == 0 and out == "shared", (rc, out, err))
rc, out, err = exec_sync(second, ["hostname"])
check("the second shares the pod's UTS namespace", out == "mini-pod-host", (rc, out, err))
rc, out, err = exec_sync(first, ["sh", "-c", "exit 7"])
check("ExecSync reports the exit code", rc == 7, (rc, out, err))
rc, out, err = exec_sync(first, ["grep", "^Seccomp:", "/proc/self/status"])
check("seccomp RuntimeDefault filters", rc == 0 and out.split()[-1] == "2", (rc, out, err))

memory_file = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"
rc, out, err = exec_sync(first, ["sh", "-c", memory_file])
check("the memory limit is applied", out == str(128 << 20), (rc, out, err))
runtime.UpdateContainerResources(pb.UpdateContainerResourcesRequest(
    container_id=first, linux=pb.LinuxContainerResources(memory_limit_in_bytes=64 << 20)), timeout=30)
rc, out, err = exec_sync(first, ["sh", "-c", memory_file])
check("UpdateContainerResources changes it", out == str(64 << 20), (rc, out, err))

tty_log = ""
for _ in range(50):
    path = os.path.join(logs, "tty.log")
    tty_log = open(path).read() if os.path.exists(path) else ""
    if "/dev/pts/" in tty_log:
        break
    time.sleep(0.1)
check("the tty container has a terminal (console socket)", "/dev/pts/" in tty_log, tty_log)

status = runtime.ContainerStatus(pb.ContainerStatusRequest(container_id=second), timeout=10).status
check("ContainerStatus says running", status.state == pb.CONTAINER_RUNNING, status.state)

ids = [pod, first, second, tty]
for cid in (first, second, tty):
    runtime.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=5), timeout=60)
status = runtime.ContainerStatus(pb.ContainerStatusRequest(container_id=second), timeout=10).status
check("StopContainer stops it", status.state == pb.CONTAINER_EXITED, status.state)
for cid in (first, second, tty):
    runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
left = runtime.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=10).items
check("the pod is removed", all(p.id != pod for p in left), left)
check("no cgroup left", not leftover_cgroups(ids), leftover_cgroups(ids))
print("CRI pod through %s: %d check(s) failed" % (handler, failed))
sys.exit(1 if failed else 0)
