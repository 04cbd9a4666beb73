// lockosthread: a goroutine wired to its thread (runtime.LockOSThread) makes
// system calls and channel operations; whenever it blocks, its M cannot run
// anything else, and the P must be handed to it directly (startlockedm).
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"syscall"
)

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	req, resp := make(chan int), make(chan int)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var st syscall.Stat_t
		for v := range req {
			syscall.Fstat(1, &st)
			resp <- v
		}
	}()
	for i := 0; i < 3; i++ {
		req <- i
		<-resp
	}
	close(req)
	trace.Stop()
	f.Close()
}
