// signal: os/signal's receiving goroutine waits in signal_recv, a
// known-blocking system call (notetsleepg -> entersyscallblock, which hands
// the P off at once); a signal sent to ourselves wakes it.
package main

import (
	"os"
	"os/signal"
	"runtime/trace"
	"syscall"
)

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	<-c
	trace.Stop()
	f.Close()
}
