"""File-system primitives for the engine: resolve links, atomic replace, backups, dirs."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

TEMP_TAG = ".ocs-tmp-"


class UnsafePath(Exception):
    """A path the engine will not write: the reason is a full sentence."""


def sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def resolve(path: Path) -> Path:
    """The file to really read and replace: symlinks are followed so the link stays a link."""
    if path.is_symlink():
        real = Path(os.path.realpath(path))
        if not real.exists():
            raise UnsafePath(f"it is a symbolic link to {real}, which does not exist")
        return real
    if path.exists() and not path.is_file():
        raise UnsafePath("it exists but is not a regular file")
    return path


def file_id(path: Path) -> object:
    """The same value for every name of one file: symbolic links followed, hard links too."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return os.path.realpath(path)
    return (st.st_dev, st.st_ino)


def read(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not there (also when a file stands where one of
    its folders should be: missing_dirs then says which one is in the way)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def os_reason(exc: OSError) -> str:
    """The operating system's reason, as a person reads it: "no space left on device"."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def os_way_out(exc: OSError) -> str:
    """What the user can do about an OSError the tool cannot work around."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "Free some space on that disk (or raise the quota), then run the command again."
    if exc.errno == errno.EROFS:
        return (
            "That file system is mounted read-only: remount it read-write, or leave the file "
            "out, then run the command again."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            "Make it writable (`lsattr` shows an immutable flag; `ls -ld` the owner and mode), "
            "or leave the file out, then run the command again."
        )
    return "Fix the cause, then run the command again."


def keep_original(real: Path) -> Path | None:
    """A second name (a hard link, no copy) for the file about to be replaced or removed, so
    a failed run can put it back even on a full disk. None when the file is not there or the
    file system has no hard links (the bytes kept in memory are used instead). The name is a
    temp name: a run killed before it is removed leaves what sweep_temp_files clears."""
    if not real.exists():
        return None
    kept = temp_name(real)
    try:
        os.link(real, kept)
    except OSError:
        return None
    return kept


def drop_original(kept: Path | None) -> None:
    if kept is not None:
        with contextlib.suppress(OSError):
            kept.unlink()


def put_back(real: Path, kept: Path) -> None:
    """Give `real` its original file again (see keep_original): a rename, no data written."""
    os.replace(kept, real)
    fsync_dir(real.parent)


def missing_dirs(path: Path) -> list[Path]:
    """The folders that would have to be created for `path`, outermost first."""
    missing: list[Path] = []
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():
            raise UnsafePath(f"{parent} is a symbolic link to a folder that does not exist")
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise UnsafePath(f"{parent} is in the way: it is not a folder")
    return list(reversed(missing))


def read_only_reason(real: Path, exists: bool) -> str | None:
    """Why the engine must not replace this file, or None. Mode bits count even for root:
    a file made read-only (home-manager, a locked dotfile) is the user's decision."""
    if str(real).startswith("/nix/store/"):
        return "it is in /nix/store (managed by Nix/home-manager), which is read-only"
    if exists:
        mode = real.stat().st_mode
        if not mode & stat.S_IWUSR:
            return "it is read-only"
        folder = real.parent
    else:
        folder = real.parent
        while not folder.exists():
            folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is not writable"
    return None


def make_dirs(dirs: list[Path]) -> None:
    for folder in dirs:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o755)


def _owner_for(real: Path, exists: bool) -> tuple[int, int] | None:
    # Only root can (and must) hand a file back to its owner; others keep their own uid.
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    st = real.stat() if exists else real.parent.stat()
    return st.st_uid, st.st_gid


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(real: Path, data: bytes, mode: int | None = None) -> None:
    """Temp file in the same folder, fsync, rename over the target, fsync the folder."""
    exists = real.exists()
    final_mode = stat.S_IMODE(real.stat().st_mode) if exists else (mode or 0o644)
    owner = _owner_for(real, exists)
    tmp = temp_name(real)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fchmod(fd, final_mode)
        if owner is not None:
            os.fchown(fd, *owner)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, real)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(real.parent)


def remove(real: Path) -> None:
    _unlink_quietly(real)
    fsync_dir(real.parent)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def temp_name(path: Path) -> Path:
    """A unique name beside `path` that sweeps recognise as the tool's own leftover."""
    return path.parent / f".{path.name}{TEMP_TAG}{os.getpid()}-{time.monotonic_ns()}"


def sweep_temp_files(real: Path) -> None:
    """Remove temp files an interrupted earlier run left beside this file."""
    try:
        for leftover in real.parent.glob(f".{real.name}{TEMP_TAG}*"):
            if leftover.is_dir() and not leftover.is_symlink():
                continue  # Only sweep_temp_dirs removes folders.
            _unlink_quietly(leftover)
    except OSError:
        pass


def _left_by_dead_run(leftover: Path) -> bool:
    """Whether the run that made this temp name is gone. The sweep runs before the lock
    (which lives inside the folder being made): a live run's tree is still being built."""
    try:
        pid = int(leftover.name.rsplit(TEMP_TAG, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's: not ours to judge
        return False
    return False


def sweep_temp_dirs(folder: Path) -> None:
    """Remove the temp folders create_tree or remove_tree left beside `folder` or any of its
    parents when a run was killed half-way."""
    for current in [folder, *folder.parents]:
        if current.parent == current:
            break
        try:
            found = list(current.parent.glob(f".{current.name}{TEMP_TAG}*"))
        except OSError:
            continue
        for leftover in found:
            if leftover.is_dir() and not leftover.is_symlink() and _left_by_dead_run(leftover):
                shutil.rmtree(leftover, ignore_errors=True)


def create_tree(folder: Path, files: Callable[[list[Path]], dict[str, bytes]]) -> list[Path] | None:
    """Create `folder` and its missing parents, with files in it, as one step; `files` gets
    the folders that will be made (outermost first) and returns name -> content.

    The folders are built under a temp name beside the outermost missing one, filled, synced
    and renamed into place, so a run killed at any moment leaves either nothing (but a temp
    folder sweep_temp_dirs removes) or everything: never a folder without the files that say
    who created it. Returns the folders created, outermost first, or None when another run
    created some of them meanwhile (look again).
    """
    missing = missing_dirs(folder / "_")
    if not missing:
        return None
    top = missing[0]
    tmp = temp_name(top)
    try:
        inner = tmp
        inner.mkdir(mode=0o755)
        for part in folder.relative_to(top).parts:
            inner = inner / part
            inner.mkdir(mode=0o755)
        for name, data in files(missing).items():
            fd = os.open(inner / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        for path in [inner, *inner.parents]:
            fsync_dir(path)
            if path == tmp:
                break
        try:
            # Never replace what another run (or the user) created meanwhile.
            if top.exists() or top.is_symlink():
                raise FileExistsError(top)
            os.rename(tmp, top)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(top.parent)
    return missing


def remove_tree(top: Path) -> None:
    """Remove a folder of the tool's own in one step: renamed to a temp name first, so a run
    killed half-way leaves a temp folder the next run sweeps, never half a folder."""
    tmp = temp_name(top)
    try:
        os.rename(top, tmp)
    except FileNotFoundError:
        return
    fsync_dir(top.parent)
    shutil.rmtree(tmp, ignore_errors=True)


def remove_empty_dirs(dirs: list[Path]) -> None:
    """rmdir the folders we created, deepest first, only while they are empty."""
    for folder in sorted(set(dirs), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST):
                raise


def store_backup(backup_dir: Path, path: Path, data: bytes) -> str:
    """A timestamped copy that is never overwritten; returns its name inside backup_dir."""
    # No parents: the state folder exists under the lock; recreating it here would leave
    # folders no receipt records.
    backup_dir.mkdir(mode=0o700, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = f"{stamp}-{path.name.lstrip('.') or 'file'}"
    for n in range(1000):
        name = base if n == 0 else f"{base}.{n}"
        try:
            fd = os.open(backup_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            _unlink_quietly(backup_dir / name)  # A full disk: no half backup left behind.
            raise
        return name
    raise OSError(f"too many backups named {base} in {backup_dir}")
