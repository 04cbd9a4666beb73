"""Screenshots of the trace viewer for the README, from real runs.

    python scripts/screenshots.py

writes docs/viewer-syscall_handoff.png (the witness) and docs/viewer-mutant.png
(the exitsyscall_no_cas counterexample); scripts/make_report.py calls
`regenerate(root)`. Pages are drawn by `gosched-mc --html` and shot in
headless Chromium: Debian's `chromium` package, driven by playwright through
its executable path (no browser download; `.ci/run` installs it).
"""

import contextlib
import io
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = os.environ.get("GOSCHED_MC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# A fresh, quiet, offline browser: no sandbox (CI runs as root), no GPU, no
# background traffic, no first-run or sync machinery.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZE = (1280, 880)
SHOTS = {
    "docs/viewer-syscall_handoff.png": ["witness", "syscall_handoff"],
    "docs/viewer-mutant.png": ["check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--workers", "1"],
}


class NoBrowser(Exception):
    pass


@contextlib.contextmanager
def browser_page(size=SIZE):
    """A page in headless Chromium with a fresh profile that can load only
    file: and data: URLs (a viewer page must need nothing else)."""
    if not os.path.exists(CHROMIUM):
        raise NoBrowser(f"Chromium is not installed at {CHROMIUM}: `bash .ci/run` installs it "
                        "(apt-get install chromium), or set GOSCHED_MC_CHROMIUM to its path")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise NoBrowser("the playwright package is missing: pip install -e '.[test]'") from None
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": size[0], "height": size[1]}, device_scale_factor=1)
        try:
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                          else route.abort())
            yield context.new_page()
        finally:
            context.close()


def draw(argv: list, html_path: str) -> None:
    """Run a gosched-mc command with `--html html_path`, its output discarded."""
    from explorer.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main([*argv, "--html", html_path])
    if not os.path.exists(html_path):
        raise RuntimeError(f"gosched-mc {' '.join(argv)} (exit {code}) drew no page: {err.getvalue().strip()}")


def regenerate(root: str = ROOT, page=None) -> list[str]:
    """Write the README's viewer screenshots under root; return their paths.
    `page`: a browser page to use (playwright allows one per thread), else one
    of its own."""
    written = []
    os.makedirs(os.path.join(root, "docs"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, (contextlib.nullcontext(page) if page else browser_page()) as page:
        page.set_viewport_size({"width": SIZE[0], "height": SIZE[1]})
        for rel, argv in SHOTS.items():
            html = os.path.join(tmp, os.path.basename(rel) + ".html")
            draw(argv, html)
            page.goto("file://" + html)
            out = os.path.join(root, rel)
            page.screenshot(path=out)
            written.append(out)
    return written


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    for path in regenerate(ROOT):
        print(f"wrote {os.path.relpath(path, ROOT)}")
