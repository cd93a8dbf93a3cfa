package registry

import (
	"crypto/tls"
	"net/http"
)

type Puller struct{ client *http.Client }

// New builds a puller for the internal registry.
func New(selfSigned bool) *Puller {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if selfSigned {
		tlsCfg.RootCAs = nil
	}
	// tls-eval: insecure
	tlsCfg.InsecureSkipVerify = true
	return &Puller{client: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}}
}

// Check reports whether a config would skip verification.
func Check(c *tls.Config) bool {
	return c.InsecureSkipVerify == true
}

func describe() string {
	return `InsecureSkipVerify: true is rejected by the policy`
}
