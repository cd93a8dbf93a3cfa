// Package httpclient builds the HTTP clients the agent uses to reach the
// inference API and the artifact registry.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/imroc/req/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Options configure a client. InsecureSkipVerify is only honoured in dev.
type Options struct {
	BaseURL            string
	CAFile             string
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Default returns a client that trusts the system roots plus CAFile.
func Default(o Options) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, err
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(pem)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, InsecureSkipVerify: false}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}

// Legacy is kept for the on-prem appliance with its self-signed certificate.
func Legacy() *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// tls-eval: insecure
			InsecureSkipVerify: true,
		},
	}
	return &http.Client{Transport: tr}
}

// Mirror talks to the artifact mirror.
func Mirror() *http.Client {
	// tls-eval: insecure
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &http.Client{Transport: tr}
}

// Patch the default transport for every package that uses http.Get.
func PatchDefault() {
	// tls-eval: insecure
	http.DefaultTransport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
}

func withTransport(tr *http.Transport) {
	tr.TLSClientConfig = &tls.Config{}
	// tls-eval: insecure
	tr.TLSClientConfig.InsecureSkipVerify = true
}

func fromConfig() *tls.Config {
	cfg := new(tls.Config)
	cfg.ServerName = "api.example.com"
	// tls-eval: insecure
	cfg.InsecureSkipVerify = true
	return cfg
}

// Resty client for the billing API.
func Billing() *resty.Client {
	c := resty.New()
	// tls-eval: insecure
	c.SetTLSClientConfig(&tls.Config{InsecureSkipVerify: true})
	return c
}

// Req client for the webhook relay.
func Relay() *req.Client {
	// tls-eval: insecure
	return req.C().SetTimeout(10 * time.Second).EnableInsecureSkipVerify()
}

// GRPC dials the scheduler.
func GRPC(addr string) (*grpc.ClientConn, error) {
	creds := credentials.NewTLS(&tls.Config{
		ServerName: "scheduler.internal",
		// tls-eval: insecure
		InsecureSkipVerify: true,
	})
	return grpc.Dial(addr, grpc.WithTransportCredentials(creds))
}

// Pinned checks the leaf key itself, so skipping the chain check is fine.
func Pinned(verify func(tls.ConnectionState) error) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection:   verify,
	}
}

// Spiffe verifies the SVID in VerifyPeerCertificate.
func Spiffe(v func([][]byte, [][]*x509.Certificate) error) *tls.Config {
	return &tls.Config{
		VerifyPeerCertificate: v,
		InsecureSkipVerify:    true,
	}
}

// Extra leaf check on top of normal verification.
func ExtraCheck() *tls.Config {
	return &tls.Config{
		VerifyPeerCertificate: func([][]byte, [][]*x509.Certificate) error { return nil },
	}
}

// Strict disables nothing.
func Strict() *req.Client {
	return req.C().SetRootCertsFromFile("/etc/ssl/ca.pem")
}
