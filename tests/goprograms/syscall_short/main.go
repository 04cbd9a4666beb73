// syscall_short: two goroutines make a few short system calls (fstat on
// stdout), which go through entersyscall/exitsyscall and usually come back
// before sysmon looks at their P; main waits for both on a channel.
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
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan bool)
	for i := 0; i < 2; i++ {
		go func() {
			var st syscall.Stat_t
			for j := 0; j < 4; j++ {
				syscall.Fstat(1, &st)
			}
			done <- true
		}()
	}
	<-done
	<-done
	trace.Stop()
	f.Close()
}
