// preempt: loops with no function calls, which only sysmon's preemption
// (preemptone after a 10 ms slice, by signal) can interrupt. Three of them
// share the Ps, so at GOMAXPROCS 1 and 2 they must be preempted for the
// others to run.
package main

import (
	"os"
	"runtime/trace"
	"time"
)

var sink int

//go:noinline
func spin(d time.Duration) int {
	end := time.Now().Add(d)
	x := 0
	for { // call-free inner loop: no cooperative preemption point
		for i := 0; i < 1_000_000; i++ {
			x += i ^ x
		}
		if time.Now().After(end) {
			return x
		}
	}
}

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan int)
	for i := 0; i < 3; i++ {
		go func() { done <- spin(25 * time.Millisecond) }()
	}
	for i := 0; i < 3; i++ {
		sink += <-done
	}
	trace.Stop()
	f.Close()
}
