# bench:code's Python floor: the same programs run directly by python3 in one process, each test exec'd in a fresh
# namespace with stdin/stdout swapped for StringIO (no isolation at all). Reads the programs as JSON on stdin;
# prints {"perTestUs": [...one per round...]} (median over the tests of each round).
import io, json, sys, time
progs = json.load(sys.stdin)
rounds = []
real_in, real_out = sys.stdin, sys.stdout
for r in range(int(sys.argv[1])):
    times = []
    for p in progs:
        code = compile(p["py"], "<solution>", "exec")
        for t in p["tests"]:
            t0 = time.perf_counter()
            sys.stdin, sys.stdout = io.StringIO(t["stdin"]), io.StringIO()
            exec(code, {"__name__": "__main__"})
            out = sys.stdout.getvalue()
            sys.stdin, sys.stdout = real_in, real_out
            times.append(time.perf_counter() - t0)
            assert out.strip() == t["stdout"].strip(), (p["name"], out)
    rounds.append(sum(times) / len(times) * 1e6)
print(json.dumps({"perTestUs": rounds}))
