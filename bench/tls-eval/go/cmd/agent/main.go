package main

import (
	"crypto/tls"
	"flag"
	"log"
	"net/http"
)

var insecure = flag.Bool("insecure", false, "skip TLS verification (InsecureSkipVerify: true) for local testing")

// Never set InsecureSkipVerify: true here; use --ca-file.
func main() {
	flag.Parse()
	skipVerify := false
	cfg := &tls.Config{InsecureSkipVerify: skipVerify}
	_ = cfg
	msg := "set InsecureSkipVerify = true only in tests"
	log.Println(msg)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: false,
		},
	}
	_ = tr
	_ = insecure
	// tls-eval: insecure
	probe := &tls.Config{ServerName: "probe", InsecureSkipVerify: true}
	_ = probe
}
