# The Python side of a sandbox child (sandbox/child.mjs runs this once after Pyodide loads). `cohort_run(payload)`
# runs one test: the completion's code in a fresh `__main__` namespace with fresh builtins, then (assert style) the
# setup and the assert, with stdin from the test, stdout captured up to a cap, and guards on:
#   1. an audit hook (PEP 578) that vetoes, while a test runs, every event that reaches outside the program:
#      files (only read-only opens of the stdlib), processes, sockets, ctypes, JS FFI imports, frame and GC
#      introspection (a program could otherwise read the assert's constants from its caller's frame), tracing,
#      new audit hooks and code-object construction;
#   2. an import guard in the program's builtins refusing os, subprocess, socket, ctypes, js, pyodide, … by name
#      (a clear ImportError; the hook is the real barrier);
#   3. state hygiene: modules the test imported are dropped afterwards, and a fingerprint of every module that
#      was loaded before (their attributes and classes' attributes) must be unchanged, else the child reports
#      itself dirty and is replaced — no test sees another's monkeypatches.
# Time and memory are enforced from JavaScript (interrupt buffer, WebAssembly memory cap); see child.mjs.
import builtins
import io
import json
import sys

_BLOCKED_IMPORTS = frozenset(
    """os posix nt subprocess _posixsubprocess socket _socket ssl _ssl select selectors ctypes _ctypes js
    pyodide pyodide_js _pyodide _pyodide_core micropip multiprocessing _multiprocessing signal _signal resource pty
    fcntl termios mmap shutil tempfile pathlib glob importlib _imp _frozen_importlib _frozen_importlib_external
    zipimport gc inspect sysconfig urllib http ftplib smtplib poplib imaplib telnetlib socketserver xmlrpc
    webbrowser asyncio _asyncio builtins code codeop pdb bdb faulthandler tracemalloc marshal""".split()
)
_HARD_IMPORTS = frozenset(
    """js pyodide pyodide_js _pyodide _pyodide_core micropip ctypes _ctypes socket _socket subprocess
    _posixsubprocess ssl _ssl multiprocessing _multiprocessing""".split()
)
_BLOCKED_EVENTS = frozenset(
    """os.system os.exec os.posix_spawn os.spawn os.fork os.forkpty os.kill os.killpg os.listdir os.scandir
    os.remove os.rename os.rmdir os.mkdir os.chdir os.chmod os.chown os.link os.symlink os.truncate os.utime
    os.putenv os.unsetenv os.chflags os.lchflags os.lchown os.lchmod os.mkfifo os.mknod os.setxattr
    os.removexattr subprocess.Popen shutil.rmtree shutil.copyfile shutil.copymode shutil.copystat shutil.move
    shutil.chown shutil.make_archive shutil.unpack_archive tempfile.mkstemp tempfile.mkdtemp glob.glob glob.glob/2
    sys._getframe sys._getframemodulename sys._current_frames sys._current_exceptions sys.settrace sys.setprofile
    sys.addaudithook sys.monitoring.register_callback gc.get_objects gc.get_referrers gc.get_referents
    code.__new__ function.__new__ ctypes.dlopen ctypes.dlsym ctypes.cdata ctypes.addressof ctypes.string_at
    ctypes.wstring_at ctypes.call_function ctypes.create_string_buffer ctypes.create_unicode_buffer
    socket.__new__ socket.connect socket.bind socket.getaddrinfo socket.gethostbyname socket.sendto
    webbrowser.open urllib.Request mmap.__new__ cpython.PyInterpreterState_Clear""".split()
)
_FRAME_ATTRS = frozenset("tb_frame gi_frame cr_frame ag_frame f_back gi_code cr_code ag_code f_globals f_locals".split())
_STDLIB = ("/lib/python",)


def _make_hook():
    state = [False]

    def hook(event, args):
        if not state[0]:
            return
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"{event} is not allowed in the sandbox")
        if event == "import":
            if args and isinstance(args[0], str) and args[0].partition(".")[0] in _HARD_IMPORTS:
                raise ImportError(f"import of '{args[0]}' is not allowed in the sandbox")
        elif event == "open":
            path, mode = args[0], args[1]
            readonly = mode is None or (isinstance(mode, str) and not any(c in mode for c in "wax+"))
            if not (readonly and isinstance(path, str) and path.startswith(_STDLIB)):
                raise PermissionError(f"open({path!r}) is not allowed in the sandbox (no file system)")
        elif event == "object.__getattr__":
            if len(args) > 1 and args[1] in _FRAME_ATTRS:
                raise PermissionError(f"frame introspection ({args[1]}) is not allowed in the sandbox")
        elif event.startswith(("socket.", "ctypes.", "os.exec", "os.spawn", "os.posix_spawn", "winreg.")):
            raise PermissionError(f"{event} is not allowed in the sandbox")

    return state, hook


_guard, _hook = _make_hook()
sys.addaudithook(_hook)
del _hook

# Helpers the program can reach (its stdout, its import function) live in their own namespaces, so their
# __globals__ lead nowhere near this harness.
_helpers = {}
exec(
    """
class OutputLimit(BaseException):
    pass

class Out:
    def __init__(self, cap):
        self.parts, self.n, self.cap, self.over = [], 0, cap, False
    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if self.n + len(s) > self.cap:
            self.parts.append(s[: self.cap - self.n])
            self.n = self.cap
            self.over = True
            raise OutputLimit()
        self.parts.append(s)
        self.n += len(s)
        return len(s)
    def flush(self):
        pass
    def isatty(self):
        return False
    def writable(self):
        return True
    def getvalue(self):
        return "".join(self.parts)
""",
    _helpers,
)
_Out, _OutputLimit = _helpers["Out"], _helpers["OutputLimit"]

_import_ns = {"_real": builtins.__import__, "_blocked": _BLOCKED_IMPORTS}
exec(
    """
def __import__(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.partition(".")[0] in _blocked:
        raise ImportError(f"import of '{name}' is not allowed in the sandbox")
    return _real(name, globals, locals, fromlist, level)

def open(*args, **kwargs):
    raise PermissionError("file system access is not available in the sandbox")
""",
    _import_ns,
)
_base_builtins = dict(builtins.__dict__)
_base_builtins["__import__"] = _import_ns["__import__"]
_base_builtins["open"] = _import_ns["open"]
for _name in ("breakpoint", "help", "copyright", "credits", "license"):
    _base_builtins.pop(_name, None)

_ModuleType = type(sys)
_dumps, _loads, _StringIO = json.dumps, json.loads, io.StringIO


_IMMUTABLE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: builtin types refuse setattr, nothing to watch


def _watched():
    """The namespaces whose contents must not change between tests: every loaded module's dict and its mutable
    classes' dicts (builtin types refuse setattr). Collected once, at the baseline."""
    dicts = []
    for name, m in list(sys.modules.items()):
        if type(m) is not _ModuleType:
            continue
        d = _ModuleType.__dict__["__dict__"].__get__(m)
        dicts.append(d)
        for v in list(d.values()):
            if type(v) is type and not v.__flags__ & _IMMUTABLE:
                dicts.append(v.__dict__)
    return dicts


def _fingerprint():
    """A hash of the identities in every watched namespace (C-speed loops: a few ms per test)."""
    h = [hash(tuple(sys.modules)), hash(tuple(map(id, sys.modules.values()))), hash(tuple(sys.path)),
         hash(tuple(map(id, sys.meta_path))), sys.getrecursionlimit()]
    for d in _watch:
        h.append(hash(tuple(d)))
        h.append(hash(tuple(map(id, d.values()))))
    return hash(tuple(h))


def _where(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in ("<solution>", "<setup>", "<test>"):
            line = (tb.tb_frame.f_code.co_filename[1:-1], tb.tb_lineno)
        tb = tb.tb_next
    return f" ({line[0]} line {line[1]})" if line else ""


def _message(e):
    try:
        text = str(e)
    except BaseException:
        text = "<unprintable>"
    return type(e).__name__ + (f": {text[:500]}" if text else "")


def cohort_run(payload):
    job = _loads(payload)
    test = job["test"]
    out = _Out(job["outputChars"])
    err = _Out(4096)
    saved = (sys.stdin, sys.stdout, sys.stderr, sys.getrecursionlimit())
    before = set(sys.modules)
    g = {"__name__": "__main__", "__builtins__": dict(_base_builtins), "__doc__": None}
    stages = [("<solution>", job["code"])]
    if test["kind"] == "assert":
        stages += [("<setup>", test["setup"]), ("<test>", test["assert"])]
    stage = None
    failure = None
    sys.stdin, sys.stdout, sys.stderr = _StringIO(test.get("stdin", "")), out, err
    _guard[0] = True
    try:
        for stage, source in stages:
            if source.strip():
                exec(compile(source, stage, "exec"), g)
    except BaseException as e:
        failure = e
        message = _message(e)
    finally:
        _guard[0] = False
        sys.stdin, sys.stdout, sys.stderr = saved[0], saved[1], saved[2]
        sys.setrecursionlimit(saved[3])
    if failure is None:
        result = {"status": "ok"}
    elif isinstance(failure, KeyboardInterrupt):
        result = {"status": "timeout"}
    elif isinstance(failure, MemoryError):
        result = {"status": "memory"}
    elif isinstance(failure, _OutputLimit) or out.over:
        result = {"status": "output"}
    elif isinstance(failure, SystemExit):
        code = failure.code
        clean = code is None or code == 0
        if test["kind"] == "io":
            result = {"status": "ok"} if clean else {"status": "error", "message": f"exited with code {code!r}"}
        elif stage == "<test>":
            result = {"status": "ok"} if clean else {"status": "error", "message": f"exited with code {code!r}"}
        else:
            result = {"status": "exit", "message": f"program exited (code {code!r}) before the test ran"}
    elif isinstance(failure, SyntaxError) and stage == "<solution>" and failure.filename == "<solution>":
        result = {"status": "syntax", "message": f"SyntaxError: {failure.msg} (line {failure.lineno})"}
    else:
        result = {"status": "error", "message": message + _where(failure.__traceback__)}
    failure = None
    for name in set(sys.modules) - before:
        del sys.modules[name]
    result["stdout"] = out.getvalue()
    result["dirty"] = _fingerprint() != _baseline
    return _dumps(result)


# Pyodide's FFI must be out of reach: no `js` / `pyodide_js` finders or modules.
sys.meta_path[:] = [f for f in sys.meta_path if "Js" not in type(f).__name__]
for _name in list(sys.modules):
    if _name in ("js", "pyodide_js") or _name.startswith(("pyodide", "_pyodide")):
        del sys.modules[_name]
_watch = _watched()
_baseline = _fingerprint()
