#!/usr/bin/env python3
"""How busy each thread of a first run was while it published, from a sampled profile.

    perf record -F 1999 -g -o run.data gongshi run pipelines/bench.yaml --today 2026-11-30
    perf script -i run.data -F tid,time,ip,sym > run.txt
    benchmarks/perf_threads.py run.txt [--frames SYMBOL] [--top N]

The publishing window is from the first to the last sample taken in the planner's walk
(`PublicationPlanner.walk`). Prints the window's length, each busy thread's samples in it (at 1999
Hz a thread busy throughout has about 1999 a second), which of them walked and which recorded the
batches (the busiest other thread: each feed's recorder may run on a thread of its own, so read
the list too), and the functions most often on the recording thread's
stacks. With `--frames SYMBOL`, the functions most often on the stacks of samples (anywhere in the
run) that have SYMBOL on theirs, below it, with their share: what a function's time is made of.
The machine's drift moves these counts far less than wall times (docs/performance.md, "How it is
measured"). Standard library only.
"""
import collections
import re
import signal
import sys

HEADER = re.compile(r"^\s*(\d+)\s+([\d.]+):\s*$")


def samples(path):
    """Each sample as (thread, time, frames from the leaf outwards)."""
    current = None
    with open(path, errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if current:
                    yield current
                current = None
                continue
            header = HEADER.match(line)
            if header:
                current = (header.group(1), float(header.group(2)), [])
            elif current is not None:
                parts = line.strip().split(None, 1)
                current[2].append(parts[1] if len(parts) > 1 else "?")
    if current:
        yield current


def below(frames, symbol):
    """The frames under the outermost one naming `symbol` (empty when none does)."""
    places = [index for index, frame in enumerate(frames) if symbol in frame]
    return frames[: max(places)] if places else None


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("--"):
        sys.stderr.write(__doc__)
        return 64
    top = int(args[args.index("--top") + 1]) if "--top" in args else 25
    every = list(samples(args[0]))
    if "--frames" in args:
        symbol = args[args.index("--frames") + 1]
        counts, hits = collections.Counter(), 0
        for _, _, frames in every:
            under = below(frames, symbol)
            if under is None:
                continue
            hits += 1
            counts.update(set(under))
        print(f"{hits} of {len(every)} samples have {symbol} on their stack")
        for frame, count in counts.most_common(top):
            print(f"{100 * count / max(hits, 1):5.1f}% {count:6d} {frame[:160]}")
        return 0
    walking = [(thread, time) for thread, time, frames in every if any("PublicationPlannerO4walk" in f for f in frames)]
    if not walking:
        print("no sample in PublicationPlanner.walk: not a run that published")
        return 1
    start, end = min(t for _, t in walking), max(t for _, t in walking)
    busy = collections.Counter(thread for thread, time, _ in every if start <= time <= end)
    walker = collections.Counter(thread for thread, _ in walking).most_common(1)[0][0]
    others = [thread for thread, _ in busy.most_common() if thread != walker]
    print(f"publishing window {end - start:.2f} s; samples by thread: {busy.most_common(4)}")
    print(f"walker {walker}: {busy[walker]}; recorder {others[0] if others else '-'}: {busy[others[0]] if others else 0}")
    if others:
        counts = collections.Counter()
        for thread, time, frames in every:
            if thread == others[0] and start <= time <= end:
                counts.update(set(frames))
        print("on the recording thread's stacks:")
        for frame, count in counts.most_common(top):
            print(f"{count:6d} {frame[:160]}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # (quietly, when piped to head)
    sys.exit(main())
