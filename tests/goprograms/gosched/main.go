// gosched: goroutines that call runtime.Gosched, which puts them on the
// global run queue (goschedImpl) and schedules something else.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
)

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan bool)
	for i := 0; i < 2; i++ {
		go func() {
			for j := 0; j < 3; j++ {
				runtime.Gosched()
			}
			done <- true
		}()
	}
	<-done
	<-done
	trace.Stop()
	f.Close()
}
