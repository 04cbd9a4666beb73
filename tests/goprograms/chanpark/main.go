// chanpark: a ping-pong over unbuffered channels: each receive parks the
// goroutine (gopark) until the other side's send readies it (goready).
package main

import (
	"os"
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
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	for i := 0; i < 4; i++ {
		ping <- i
		<-pong
	}
	close(ping)
	<-pong
	trace.Stop()
	f.Close()
}
