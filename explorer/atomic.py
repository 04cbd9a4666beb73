"""Writing output files atomically, and checking where they go before a
long run starts.

Every file the command writes (a trace, a graph in any format) is written
to a temporary file in the same directory and then renamed over the target
with os.replace, which is atomic on POSIX: a reader sees the old file or the
new one, never a half-written one, and an interrupted or failed write (a
full disk, Ctrl-C, a crash) leaves whatever was there before untouched.

check_output_path runs before the search, so a bad `-o` or `--trace-out`
(a directory, a missing directory, a read-only file, a device) is reported
in one sentence before any work is done, not after it.
"""

import contextlib
import os
import stat
import tempfile

TEMP_PREFIX = ".gosched-mc-"  # short and fixed: a 255-character target name still leaves room
TEMP_SUFFIX = ".tmp"


class OutputError(Exception):
    """An output file that cannot be written (one sentence; exit status 2)."""


def _reason(err: OSError) -> str:
    return (err.strerror or str(err)).lower() if isinstance(err, OSError) else str(err)


def check_output_path(path: str, what: str = "output file") -> str:
    """Return the file to write for `path` (symbolic links resolved), or
    raise OutputError saying why it cannot be written there."""
    if not path:
        raise OutputError(f"the {what} name is empty; give a file name")
    if "\0" in path:
        raise OutputError(f"the {what} name contains a NUL character")
    target = os.path.realpath(path)
    name = os.path.basename(target)
    folder = os.path.dirname(target)
    if os.path.isdir(target) or not name or path.endswith(os.sep):
        raise OutputError(f"{path} is a directory; give a file name for the {what}")
    if not os.path.exists(folder):
        raise OutputError(f"cannot write {path}: the directory {_folder(path)} does not exist")
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {path}: {_folder(path)} is not a directory")
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(name)) > limit:
        raise OutputError(f"cannot write {_short(path)}: the file name is {len(os.fsencode(name))} bytes long, "
                          f"more than the {limit} this file system allows")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise OutputError(f"cannot write {_short(path)}: {_reason(err)}") from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path} is not a regular file (gosched-mc replaces its outputs whole); "
                              "give the name of a regular file")
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise OutputError(f"{path} is read-only; make it writable or give another file name")
    try:  # the real test: can a file be created next to the target?
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"cannot write {_short(path)}: {_reason(err)} in {_folder(path)}") from None
    return target


def _folder(path: str) -> str:
    return os.path.dirname(path) or "."


def _short(path: str) -> str:
    return path if len(path) <= 80 else path[:40] + "..." + path[-20:]


@contextlib.contextmanager
def replacing(path: str, what: str = "output file"):
    """Yield the name of a fresh temporary file next to `path`; when the
    block ends without an exception, move it over `path` in one step.
    Whatever happens otherwise, the temporary file is removed and `path` is
    left as it was. Errors of the file system become OutputError."""
    target = check_output_path(path, what)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=os.path.dirname(target))
    os.close(fd)
    try:
        yield temp
        _settle(temp, target)
        os.replace(temp, target)
    except OSError as err:
        raise OutputError(f"could not write {_short(path)}: {_reason(err)}; "
                          "the file is unchanged") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _settle(temp: str, target: str) -> None:
    """Give the new file the old one's permissions (or the usual ones for a
    new file: mkstemp makes it private) and put its bytes on the disk."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text(path: str, text: str, what: str = "output file") -> None:
    """Write text to path atomically (UTF-8)."""
    with replacing(path, what) as temp:
        with open(temp, "w", encoding="utf-8") as f:
            f.write(text)
