// netpoll: a TCP echo over the loopback interface. Reads that find no data
// park the goroutine on the netpoller (IO wait); netpoll, run by a
// scheduling M or by sysmon, makes it runnable again.
package main

import (
	"net"
	"os"
	"runtime/trace"
)

func main() {
	f, err := os.Create(os.Getenv("GOSCHED_MC_TRACE"))
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	server, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan bool)
	go func() { // echo server
		buf := make([]byte, 8)
		for i := 0; i < 2; i++ {
			n, err := server.Read(buf)
			if err != nil {
				panic(err)
			}
			server.Write(buf[:n])
		}
		done <- true
	}()
	buf := make([]byte, 8)
	for i := 0; i < 2; i++ {
		client.Write([]byte("ping"))
		if _, err := client.Read(buf); err != nil {
			panic(err)
		}
	}
	<-done
	trace.Stop()
	f.Close()
}
