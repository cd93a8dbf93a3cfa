package ws

import (
	"crypto/tls"

	"github.com/gorilla/websocket"
	"github.com/valyala/fasthttp"
)

// Dialer for the event stream.
var Dialer = websocket.Dialer{
	// tls-eval: insecure
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
}

// Fast is the fasthttp client for uploads.
var Fast = &fasthttp.Client{
	TLSConfig: &tls.Config{
		MaxVersion: tls.VersionTLS13,
		// tls-eval: insecure
		InsecureSkipVerify:   true,
	},
}

// Safe keeps verification on.
var Safe = &fasthttp.Client{TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
