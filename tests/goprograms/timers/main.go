// timers: goroutines that sleep (time.Sleep parks them on a timer; the
// scheduler's checkTimers or a stealing M readies them when it fires). Each
// time.Sleep is the model's sleep op (see model/gotrace/mapping.py).
package main

import (
	"os"
	"runtime/trace"
	"time"
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
			time.Sleep(time.Millisecond)
			time.Sleep(time.Millisecond)
			done <- true
		}()
	}
	<-done
	<-done
	trace.Stop()
	f.Close()
}
