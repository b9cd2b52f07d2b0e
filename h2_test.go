package d24_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"net"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/d24go/d24"
)

// Over HTTP/2, D24 processes a POST and resets its stream; Go's HTTP/2 client
// would send a request it can rewind again on its own, and that repeat's
// refusal would hide the first send. The chain sends without GetBody, so the
// repeat is the retry layer's, and the outcome is unknown.
func TestHTTP2ResetThenRefusal(t *testing.T) {
	cert := httptest.NewUnstartedServer(nil)
	cert.StartTLS()
	certs, root := cert.TLS.Certificates, cert.Certificate()
	cert.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: certs, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var posts, created atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveH2(conn, func(w io.Writer, stream uint32) {
				if posts.Add(1) == 1 {
					created.Add(1)
					writeFrame(w, 0x3, 0, stream, []byte{0, 0, 0, 1}) // RST_STREAM PROTOCOL_ERROR
					return
				}
				writeFrame(w, 0x1, 0x4, stream, []byte{0x8c})       // HEADERS, :status 400 (HPACK static index 12)
				writeFrame(w, 0x0, 0x1, stream, []byte(d24Refusal)) // DATA, end of stream
			})
		}
	}()
	tr := d24.DefaultTransport()
	pool := x509.NewCertPool()
	pool.AddCert(root)
	tr.TLSClientConfig.RootCAs = pool
	c := fakeClient(t, "https://"+ln.Addr().String(), d24.WithTransport(tr))
	defer tr.CloseIdleConnections()
	judge(t, postOps[0].call(context.Background(), c), unknown, int(created.Load()))
}

// writeFrame writes one HTTP/2 frame.
func writeFrame(w io.Writer, typ, flags byte, stream uint32, payload []byte) {
	h := []byte{byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload)), typ, flags, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[5:], stream)
	w.Write(append(h, payload...))
}

// serveH2 is the least of an HTTP/2 server: it settles SETTINGS and calls
// answer for each stream whose request has ended.
func serveH2(conn net.Conn, answer func(io.Writer, uint32)) {
	defer conn.Close()
	if _, err := io.ReadFull(conn, make([]byte, 24)); err != nil { // the client preface
		return
	}
	writeFrame(conn, 0x4, 0, 0, nil)
	h := make([]byte, 9)
	for {
		if _, err := io.ReadFull(conn, h); err != nil {
			return
		}
		n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		typ, flags, stream := h[3], h[4], binary.BigEndian.Uint32(h[5:])&0x7fffffff
		if _, err := io.ReadFull(conn, make([]byte, n)); err != nil {
			return
		}
		switch {
		case typ == 0x4 && flags&1 == 0:
			writeFrame(conn, 0x4, 1, 0, nil) // SETTINGS ack
		case (typ == 0x0 || typ == 0x1) && flags&1 != 0:
			answer(conn, stream)
		}
	}
}
