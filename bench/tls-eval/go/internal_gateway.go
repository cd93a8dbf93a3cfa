package gateway

import (
	"crypto/tls"
	"flag"
	"net/http"
	"time"
)

// The staging gateway presents a self-signed certificate.
const skipStagingVerify = true

var insecureFlag = flag.Bool("insecure", false, "skip TLS verification (debugging only)")

type Options struct {
	Insecure bool
	Timeout  time.Duration
}

func stagingClient() *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			// tls-eval: insecure
			InsecureSkipVerify: skipStagingVerify,
		},
	}
	return &http.Client{Transport: tr}
}

func clientFromOptions(o Options) *http.Client {
	// The operator opts in explicitly: not hard-wired.
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: o.Insecure}}
	return &http.Client{Transport: tr, Timeout: o.Timeout}
}

func clientFromFlag() *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: *insecureFlag}}
	return &http.Client{Transport: tr}
}

func verifiedClient() *http.Client {
	strict := false
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: strict, MinVersion: tls.VersionTLS12}}
	return &http.Client{Transport: tr}
}

func debugClient() *http.Client {
	skip := true
	cfg := &tls.Config{}
	// tls-eval: insecure
	cfg.InsecureSkipVerify = skip
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}
