// spawnsteal: main creates several goroutines in a burst; they queue on
// main's P (runnext, then the local run queue) and idle Ps' spinning Ms
// steal them (runqsteal).
package main

import (
	"os"
	"runtime/trace"
)

var sink [4]int

func work(i int, done chan bool) {
	x := 0
	for j := 0; j < 20000; j++ {
		x += j * i
	}
	sink[i] = x
	done <- true
}

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan bool, 4)
	for i := 0; i < 4; i++ {
		go work(i, done)
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	trace.Stop()
	f.Close()
}
