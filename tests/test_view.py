"""The trace viewer in a real browser: pages drawn by `gosched-mc` for a
witness, a seeded bug's counterexample and a liveness lasso, loaded in
headless Chromium and read through the DOM, the keyboard and a screenshot.

Chromium is Debian's `chromium`, driven by playwright through its
executable path; `.ci/run` installs it. Without it these tests fail: a
viewer nobody has opened in a browser is not tested.
"""

import contextlib
import importlib.util
import io
import json
import os
import struct
import zlib

import pytest

from explorer.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("screenshots", os.path.join(ROOT, "scripts", "screenshots.py"))
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)


def gosched(*argv):
    """Run the command in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The three pages, each drawn by a different route into the viewer."""
    d = tmp_path_factory.mktemp("pages")
    witness, mutant, lasso = d / "witness.html", d / "mutant.html", d / "lasso.html"
    assert gosched("witness", "syscall_handoff", "--html", str(witness), "--trace-out", str(d / "witness.json"))[0] == 0
    assert gosched("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--workers", "1",
                   "--trace-out", str(d / "mutant.json"))[0] == 1
    assert gosched("view", str(d / "mutant.json"), "-o", str(mutant))[0] == 0
    assert gosched("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes", "--property",
                   "runnable_g_eventually_runs", "--workers", "1", "--html", str(lasso),
                   "--trace-out", str(d / "lasso.json"))[0] == 1
    return {"witness": witness, "mutant": mutant, "lasso": lasso, "dir": d}


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium page for the module, and the URLs it requested."""
    try:
        with screenshots.browser_page() as page:
            requested = []
            page.on("request", lambda r: requested.append(r.url))
            page.on("pageerror", lambda exc: requested.append(f"pageerror: {exc}"))
            page.requested = requested
            yield page
    except screenshots.NoBrowser as err:
        pytest.fail(str(err))


@pytest.fixture
def open_page(browser, pages):
    def load(name):
        browser.goto(pages[name].as_uri())
        return browser
    return load


def step_of(pages, name, action, after=0):
    """The number of the first step after `after` that takes `action`, read
    from the trace the page was drawn from (the steps' numbers move when the
    model gains a step; what a test asserts is what happens at that step)."""
    with open(pages["dir"] / f"{name}.json") as f:
        steps = json.load(f)["steps"]
    return next(i for i, st in enumerate(steps) if i > after and st.get("action") == action)


def span_at(page, lane, step):
    """(kind, G) of the span on a lane at a step, or None."""
    return page.evaluate("""([lane, step]) => {
        for (const s of document.querySelectorAll(`g.span[data-lane="${lane}"]`))
            if (+s.dataset.from <= step && step <= +s.dataset.to) return [s.dataset.kind, s.dataset.g];
        return null; }""", [lane, step])


def visible_detail(page) -> str:
    return page.inner_text(".step-detail:not([hidden])")


def test_every_thread_p_sysmon_and_env_has_a_lane(open_page):
    page = open_page("witness")
    lanes = page.eval_on_selector_all("g.lane", "els => els.map(e => e.dataset.lane)")
    assert lanes == ["P0", "P1", "M0", "M1", "M2", "sysmon", "env"]  # M3 is never created: no lane


def test_retake_moves_p0_off_the_syscalling_m0(open_page, pages):
    page = open_page("witness")
    r = step_of(pages, "witness", "retake")
    assert span_at(page, "P0", r - 1) == ["psyscall", "G1"]  # kept for G1's syscall
    assert span_at(page, "P0", r) == ["handoff", ""]  # retake(sysmon, P0)
    assert span_at(page, "M0", r) == ["syscall", "G1"]  # M0 is still in the kernel
    assert page.locator(f'g.arrow[data-step="{r}"][data-from="sysmon"][data-to="P0"][data-kind="retake"]').count() == 1
    run = step_of(pages, "witness", "execute", step_of(pages, "witness", "findRunnable_runqget", r))
    assert span_at(page, "P0", run) == ["running", "G2"] and span_at(page, "M2", run) == ["running", "G2"]
    back = step_of(pages, "witness", "exitsyscallfast_pidle", r)
    assert span_at(page, "P1", back) == ["running", "G1"]  # G1 carries on, on another P


def test_witness_marker_names_the_scenario(open_page):
    page = open_page("witness")
    marker = page.locator("#end-marker")
    assert marker.get_attribute("data-kind") == "witness" and marker.get_attribute("data-property") == "syscall_handoff"
    assert "syscall_handoff reached" in page.inner_text("#verdict")
    assert page.locator("#cycle").count() == 0


def test_mutant_counterexample_shows_p0_taken_twice(open_page, pages):
    page = open_page("mutant")
    assert page.locator("#end-marker").get_attribute("data-property") == "p_accounting"
    assert "p_accounting violated" in page.inner_text("#verdict")
    # exitsyscall without its CAS takes P0 back while sysmon is still handing it off.
    x = step_of(pages, "mutant", "exitsyscall")
    assert span_at(page, "P0", x) == ["running", "G1"] and span_at(page, "sysmon", x) == ["handoff", ""]
    assert "SCHED 0ms:" in visible_detail(page)  # `view` replayed the trace to get the schedtrace lines


def test_lasso_cycle_is_marked_as_repeating_forever(open_page, pages):
    page = open_page("lasso")
    cycle = page.locator("#cycle")
    with open(pages["dir"] / "lasso.json") as f:
        trace = json.load(f)
    assert (cycle.get_attribute("data-from"), cycle.get_attribute("data-to")) == (
        str(trace["loop_start"]), str(len(trace["steps"]) - 1))
    assert "repeats forever" in page.locator("#cycle .cycle-label").text_content()
    assert page.locator("#verdict").get_attribute("data-kind") == "cycle"
    assert "runnable_g_eventually_runs" in page.locator("#end-marker .end-label").text_content()
    e = step_of(pages, "lasso", "entersyscall", trace["loop_start"] - 1)
    assert span_at(page, "P0", e) == ["psyscall", "G1"]  # G2 waits in runnext while G1 loops on syscalls
    assert page.locator(f'g.queued[data-lane="P0"][data-step="{e}"]').count() == 1


def test_clicking_a_step_shows_its_action_runtime_functions_and_schedtrace(open_page, pages):
    page = open_page("witness")
    r = step_of(pages, "witness", "retake")
    page.click(f'.step-head[data-step="{r}"] .head-hit')
    assert page.get_attribute("body", "data-selected") == str(r)
    detail = visible_detail(page)
    assert "retake(sysmon, P0)" in detail
    for fn in ("retake", "handoffp"):  # the CAS step; incidlelocked(-1) was retake_decide's
        assert fn in page.inner_text('.step-detail:not([hidden]) .models')
    assert "P0.status" in detail and "_Psyscall" in detail
    assert "SCHED 0ms: gomaxprocs=2" in detail
    # A click in the lanes, here on P0's span, selects the step under the pointer too.
    page.click('rect.col[data-step="1"]', position={"x": 30, "y": 15}, force=True)
    assert "newproc(M0, G1, G2)" in visible_detail(page)
    state = page.inner_text(".step-state:not([hidden])")
    assert "P0 runnext\tG2" in state  # the side panel: G2 went to P0's runnext


def test_arrow_keys_step_through_the_trace(open_page, pages):
    page = open_page("witness")
    with open(pages["dir"] / "witness.json") as f:
        last = str(len(json.load(f)["steps"]) - 1)
    assert page.get_attribute("body", "data-selected") == last  # the page opens on the witness's last step
    r = step_of(pages, "witness", "retake")
    page.click(f'.step-head[data-step="{r}"] .head-hit')
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("body", "data-selected") == str(r + 1)
    assert "handoffp_startm(sysmon, P0)" in visible_detail(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("body", "data-selected") == str(r - 1)
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")  # stays on the last step
    assert page.get_attribute("body", "data-selected") == last
    assert page.locator(".step-detail:not([hidden])").count() == 1


def test_pages_load_nothing_from_outside_and_raise_no_errors(open_page, browser):
    for name in ("witness", "mutant", "lasso"):
        open_page(name)
    assert all(url.startswith("file:") for url in browser.requested), browser.requested


def png_pixels(path):
    """(width, height, [row bytes]) of an 8-bit RGB or RGBA PNG, unfiltered."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, head
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a, b = line[i - bpp] if i >= bpp else 0, prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2,
                    4: a if abs(p - a) <= min(abs(p - b), abs(p - c)) else b if abs(p - b) <= abs(p - c) else c}[f]
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def assert_real_picture(path, size):
    width, height, bpp, rows = png_pixels(path)
    assert (width, height) == size
    assert path.stat().st_size > 20_000
    counts = {}
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 4):
            counts[row[x:x + 3]] = counts.get(row[x:x + 3], 0) + 1
    assert len(counts) > 30, "the screenshot has almost no colours"
    assert max(counts.values()) < 0.9 * sum(counts.values()), "the screenshot is nearly one colour"
    for colour in ("#4e79a7", "#f28e2b"):  # G1's and G2's span colours are drawn
        assert bytes.fromhex(colour[1:]) in counts, colour


def test_screenshot_is_a_picture_of_the_timeline(open_page, pages):
    page = open_page("witness")
    shot = pages["dir"] / "witness.png"
    page.screenshot(path=str(shot))
    assert_real_picture(shot, screenshots.SIZE)


def test_readme_screenshots_regenerate(browser, tmp_path):
    written = screenshots.regenerate(str(tmp_path), page=browser)
    assert sorted(os.path.relpath(p, tmp_path) for p in written) == ["docs/viewer-mutant.png",
                                                                    "docs/viewer-syscall_handoff.png"]
    for p in written:
        assert_real_picture(type(tmp_path)(p), screenshots.SIZE)


def test_same_trace_same_page(pages, tmp_path):
    again = tmp_path / "again.html"
    assert gosched("view", str(pages["dir"] / "mutant.json"), "-o", str(again))[0] == 0
    assert again.read_bytes() == pages["mutant"].read_bytes()


def test_a_trace_the_model_no_longer_produces_is_drawn_without_schedtrace(pages, tmp_path):
    data = json.loads((pages["dir"] / "mutant.json").read_text())
    data["steps"][3]["state"]["M1.spinning"] = "false"  # as if the model had changed since
    stale, out = tmp_path / "stale.json", tmp_path / "stale.html"
    stale.write_text(json.dumps(data))
    code, _, err = gosched("view", str(stale), "-o", str(out))
    assert code == 0 and "does not replay" in err and "step 3" in err
    assert "no schedtrace lines in this trace" in out.read_text()


@pytest.mark.parametrize("argv", [
    ["view", "/nonexistent/t.json", "-o", "{d}/x.html"],
    ["view", "{d}/mutant.html", "-o", "{d}/x.html"],  # not JSON
    ["view", "{d}/mutant.json", "-o", "/nonexistent/dir/x.html"],
    ["view", "{d}/mutant.json", "-o", "{d}"],  # a folder
    ["view", "{d}/mutant.json"],  # no -o
    ["check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--html", "/nonexistent/dir/x.html"],
    ["witness", "syscall_handoff", "--html", "/nonexistent/dir/x.html"],
])
def test_bad_input_is_one_sentence_and_exit_2(pages, argv):
    code, out, err = gosched(*[a.format(d=pages["dir"]) for a in argv])
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("gosched-mc: error: "), err
    assert not os.path.exists(pages["dir"] / "x.html")


def test_a_failed_write_is_one_sentence_and_leaves_no_temporary_file(pages, tmp_path, monkeypatch):
    from explorer import view_cli

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(view_cli.os, "replace", full_disk)
    code, _, err = gosched("view", str(pages["dir"] / "mutant.json"), "-o", str(tmp_path / "t.html"))
    assert code == 2 and err == f"gosched-mc: error: cannot write {tmp_path / 't.html'}: No space left on device\n"
    assert os.listdir(tmp_path) == []


def test_check_with_nothing_to_draw_says_so(tmp_path):
    code, _, err = gosched("check", "--preset", "tiny", "--workers", "1", "--no-liveness", "--html",
                           str(tmp_path / "t.html"))
    assert code == 0 and "not written" in err and not (tmp_path / "t.html").exists()
