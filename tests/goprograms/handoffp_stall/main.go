// Command handoffp_stall tries to make the real Go runtime hit the race that
// gosched-mc reports for
//
//	gosched-mc check --procs 2 --workload 'spawn(1), syscall, exit; spawn(2), spin; exit'
//
// sysmon retakes the P of a goroutine blocked in a syscall and hands it off
// (retake -> handoffp). handoffp starts a spinning M only if it sees
// nmspinning+npidle == 0; otherwise it puts the P on the idle list, without
// looking at sched.needspinning. If the other P's goroutine spawns a goroutine
// just then, its wakep has already raised nmspinning (so handoffp declines to
// start an M) but finds no idle P yet (so it gives up, setting needspinning,
// which nobody reads here): the new goroutine then waits in the spinner's run
// queue beside an idle P, for as long as the spinner keeps its P.
//
// Each iteration: the main goroutine (G_sys) enters a blocking read on a pipe;
// the spinner (G1, on the other P) spawns G2 at a chosen moment of the
// syscall's first hundred microseconds or so, when sysmon is likely to retake
// G_sys's P (-offlo..-offhi; scripts/finding_handoffp.py measures when), and
// spins with no preemption point until -short after the syscall started. If
// G2 has not run by then, the spinner keeps spinning until G2 runs or -long
// has passed, so that a stall lasts as long as the spinner spins. Then it
// writes to the pipe with a raw syscall, ending G_sys's syscall, and keeps
// spinning until G_sys is back: the returning thread is thus the first to
// look for an idle P, and takes the stolen P back if (and only if) it is on
// the idle list. Then the spinner yields and the next iteration starts.
//
// Run it with GODEBUG=asyncpreemptoff=1 for a spinner that cannot be
// preempted (sysmon's preemption request is then only honoured at a function
// prologue, which the spin loops have none of), and without it to see
// sysmon's 10 ms time-slice preemption bound the stall. -trace records an
// execution trace; scripts/finding_handoffp.py finds the stalls in it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"sort"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// nanotime is runtime.nanotime. It is nosplit, so calling it in a loop adds
// no preemption point. The runtime keeps this linkname working on purpose
// (go.dev/issue/67401).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

var (
	flagTrace  = flag.String("trace", "", "write an execution trace to this file")
	flagJSON   = flag.String("json", "", "write a summary and per-iteration results to this file")
	flagBudget = flag.Duration("budget", 10*time.Second, "stop starting iterations after this long")
	flagIters  = flag.Int("iters", 200000, "maximum number of iterations")
	flagOffLo  = flag.Duration("offlo", 45*time.Microsecond, "earliest spawn of G2 after the syscall started")
	flagOffHi  = flag.Duration("offhi", 75*time.Microsecond, "latest spawn of G2 after the syscall started")
	flagShort  = flag.Duration("short", 120*time.Microsecond, "the spinner spins until this long after the syscall started")
	flagLong   = flag.Duration("long", 50*time.Millisecond, "if G2 has not run by -short, spin until it runs or until this long after the syscall started")
	flagSlack  = flag.Bool("timerslack", false, "set every thread's timer slack to 1ns (sysmon then ticks every ~20us instead of ~70us; needs CAP_SYS_NICE)")
	flagProcs  = flag.Int("procs", 2, "GOMAXPROCS (0: keep $GOMAXPROCS)")
	flagWork   = flag.Int("work", 200, "additions between two clock reads in the spin loops; with 0 the spinner spends nearly all its time inside runtime.nanotime, where async preemption never lands")
)

var (
	sysStart atomic.Int64
	seq      atomic.Int64
	ready    atomic.Int64
	back     atomic.Int64
	finished atomic.Int64
	stop     atomic.Bool
	sink     int64
	rfd, wfd int
)

type result struct {
	Offset  int64 `json:"offset_ns"`  // spawn of G2 after the syscall started
	Latency int64 `json:"latency_ns"` // G2 started running this long after its spawn
	Suspect bool  `json:"suspect"`    // G2 had not run by -short
	Spin    int64 `json:"spin_ns"`    // the spinner spun this long after the syscall started
	Spawn   int64 `json:"spawn_ns"`   // nanotime of the spawn
}

var (
	results []result
	ran     []atomic.Int32
)

func g2(i int, t0 int64) {
	results[i].Latency = nanotime() - t0
	ran[i].Store(1)
}

// spinner is G1. From the spawn of G2 to the end of the iteration its loops
// call nothing but nanotime and atomic loads (intrinsics) and a raw write
// (RawSyscall is nosplit and skips entersyscall), so it has no preemption
// point and calls no wakep there.
func spinner(offsets []int64, short, long int64, work int) {
	one := []byte{1}
	for i := 0; ; i++ {
		ready.Store(int64(i))
		for !spinWhile(func() bool { return seq.Load() != int64(i+1) }) {
			if stop.Load() {
				return
			}
			runtime.Gosched() // a safe point now and then while waiting (trace's forEachP)
		}
		ts := sysStart.Load()
		t := ts + offsets[i]
		for nanotime() < t {
			sink++
		}
		t0 := nanotime()
		go g2(i, t0)
		// The spin loops below do some work between clock reads (-work), so
		// that a preemption signal finds the spinner in its own code (an
		// async safe point) and not inside runtime.nanotime (never one: the
		// runtime is not async-preempted) most of the time: with preemption
		// on, the spinner is then preemptible like any tight loop; with
		// asyncpreemptoff=1 nothing can stop it.
		t = ts + short
		for nanotime() < t {
			for k := 0; k < work; k++ {
				sink += int64(k)
			}
		}
		r := &results[i]
		if ran[i].Load() == 0 {
			// G2 has not run: keep spinning while it waits, up to -long.
			r.Suspect = true
			t = ts + long
			for ran[i].Load() == 0 && nanotime() < t {
				for k := 0; k < work; k++ {
					sink += int64(k)
				}
			}
		}
		now := nanotime()
		r.Offset, r.Spawn, r.Spin = t0-ts, t0, now-ts
		// End G_sys's syscall, and keep spinning until it is back, so that
		// the returning thread is the first to look for an idle P: if the
		// stolen P is on the idle list, exitsyscall takes it (the trace shows
		// that thread's Idle->Running); if an M was started for it, the P is
		// that M's and exitsyscall finds none.
		syscall.RawSyscall(syscall.SYS_WRITE, uintptr(wfd), uintptr(unsafe.Pointer(&one[0])), 1)
		t = nanotime() + 50_000_000
		for back.Load() != int64(i+1) && nanotime() < t {
			for k := 0; k < work; k++ {
				sink += int64(k)
			}
		}
		for ran[i].Load() == 0 {
			runtime.Gosched()
		}
		runtime.Gosched() // a fresh time slice for the next iteration
		finished.Store(int64(i + 1))
	}
}

// spinWhile spins while cond holds, for at most 50us; it reports whether
// cond stopped holding. Used only to wait between iterations.
func spinWhile(cond func() bool) bool {
	t := nanotime() + 50_000
	for cond() {
		if nanotime() > t {
			return false
		}
	}
	return true
}

func setTimerSlack() {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, e := range ents {
		os.WriteFile("/proc/"+e.Name()+"/timerslack_ns", []byte("1"), 0)
	}
}

func dur(ns int64) string { return time.Duration(ns).Round(time.Microsecond).String() }

// conformMode: run with no flags under `gosched-mc conform`
// (scripts/conformance.py), which sets $GOSCHED_MC_TRACE, the program traces
// into that file, keeps the GOMAXPROCS it is run with, and runs one short
// iteration (the syscall, the retake and handoffp, the spawn, the return
// that takes the P back): a trace of some dozens of events, in milliseconds,
// that the model can be checked against. Any flag (scripts/finding_handoffp.py
// always gives some) turns it off.
func conformMode() {
	path := os.Getenv("GOSCHED_MC_TRACE")
	if path == "" || flag.NFlag() > 0 {
		return
	}
	defaults := map[string]string{"trace": path, "procs": "0", "iters": "1", "budget": "1s", "long": "1ms"}
	for name, value := range defaults {
		flag.Set(name, value)
	}
}

func main() {
	flag.Parse()
	conformMode()
	if *flagProcs > 0 {
		runtime.GOMAXPROCS(*flagProcs)
	}
	debug.SetGCPercent(-1) // no GC: a stop-the-world would wait for the spinner
	n := *flagIters
	results = make([]result, n)
	ran = make([]atomic.Int32, n)
	offsets := make([]int64, n)
	lo, hi := int64(*flagOffLo), int64(*flagOffHi)
	for i := range offsets {
		offsets[i] = lo + rand.Int63n(hi-lo+1)
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	rfd, wfd = p[0], p[1]
	if *flagTrace != "" {
		f, err := os.Create(*flagTrace)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			panic(err)
		}
		defer trace.Stop()
	}
	go spinner(offsets, int64(*flagShort), int64(*flagLong), *flagWork)
	for ready.Load() != 0 {
		runtime.Gosched()
	}
	if *flagSlack {
		setTimerSlack()
	}
	buf := make([]byte, 1)
	start := time.Now()
	iters := 0
	for i := 0; i < n && time.Since(start) < *flagBudget; i++ {
		for !spinWhile(func() bool { return ready.Load() != int64(i) }) {
			runtime.Gosched()
		}
		sysStart.Store(nanotime())
		seq.Store(int64(i + 1))
		syscall.Read(rfd, buf) // the syscall: blocks until the spinner writes
		back.Store(int64(i + 1))
		for !spinWhile(func() bool { return finished.Load() != int64(i+1) }) {
			runtime.Gosched()
		}
		iters++
	}
	stop.Store(true)
	elapsed := time.Since(start)

	res := results[:iters]
	lats := make([]int64, len(res))
	suspects := 0
	for i, r := range res {
		lats[i] = r.Latency
		if r.Suspect {
			suspects++
		}
	}
	sort.Slice(lats, func(a, b int) bool { return lats[a] < lats[b] })
	q := func(p float64) int64 { return lats[int(p*float64(len(lats)-1))] }
	fmt.Printf("%s GOMAXPROCS=%d GODEBUG=%q: %d iterations in %v; G2 latency p50 %s p99 %s max %s; suspects (G2 not run by -short) %d\n",
		runtime.Version(), runtime.GOMAXPROCS(0), os.Getenv("GODEBUG"), iters, elapsed.Round(time.Millisecond),
		dur(q(.5)), dur(q(.99)), dur(q(1)), suspects)
	if *flagJSON != "" {
		out := map[string]any{
			"go": runtime.Version(), "godebug": os.Getenv("GODEBUG"), "gomaxprocs": runtime.GOMAXPROCS(0),
			"iterations": iters, "seconds": elapsed.Seconds(), "suspects": suspects,
			"latency_p50_ns": q(.5), "latency_p99_ns": q(.99), "latency_max_ns": q(1),
			"results": res,
		}
		b, _ := json.Marshal(out)
		if err := os.WriteFile(*flagJSON, b, 0o644); err != nil {
			panic(err)
		}
	}
}
