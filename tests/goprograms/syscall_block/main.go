// syscall_block: system calls that block long enough for sysmon to retake
// the P (nanosleep, and a read(2) on a pipe that another goroutine fills
// later), so the P is handed off and the returning goroutine must find a P
// again, or go to the global run queue.
package main

import (
	"os"
	"runtime/trace"
	"syscall"
)

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan bool)
	go func() { // blocks in read(2) until the writer below writes
		buf := make([]byte, 1)
		syscall.Read(fds[0], buf)
		done <- true
	}()
	go func() {
		ts := syscall.Timespec{Nsec: 2_000_000}
		syscall.Nanosleep(&ts, nil)
		syscall.Nanosleep(&ts, nil)
		syscall.Write(fds[1], []byte{1})
		done <- true
	}()
	<-done
	<-done
	trace.Stop()
	f.Close()
}
