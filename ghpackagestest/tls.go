package ghpackagestest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"time"
)

// WithTLS serves HTTPS with a certificate of its own, valid for 127.0.0.1,
// ::1, localhost, and each of hosts with its "containers." registry host
// (so "ghes.example" also covers "containers.ghes.example"): what a test
// of GitHub Enterprise Server's shape needs, with a dialer that sends
// those names to Host's address. CertPool and CertificatePEM give the
// certificate to clients; Client trusts it. An empty host, or one with a
// port, scheme or path, is invalid.
func WithTLS(hosts ...string) Option {
	return func(s *Server) {
		for _, h := range hosts {
			if h == "" || strings.ContainsAny(h, ":/ ") && net.ParseIP(h) == nil {
				s.invalid("WithTLS: %q is not a host name or IP address", h)
				return
			}
		}
		s.tls = true
		s.tlsHosts = append(s.tlsHosts, hosts...)
	}
}

// newCertificate makes a self-signed certificate for the server's names.
// Its validity is built from real time: TLS clients check it against the
// wall clock, whatever the server's Clock says.
func newCertificate(hosts []string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{Organization: []string{"ghpackagestest"}, CommonName: "ghpackagestest fake"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			continue
		}
		tmpl.DNSNames = append(tmpl.DNSNames, h, "containers."+h)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	return cert, certPEM, err
}

// TLSConfig is the server's TLS configuration (with WithTLS), to serve the
// Handler on a listener of your own; nil without TLS.
func (s *Server) TLSConfig() *tls.Config {
	if !s.tls {
		return nil
	}
	return &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12}
}

// CertificatePEM is the server's certificate in PEM (with WithTLS), for
// clients to trust; nil without TLS.
func (s *Server) CertificatePEM() []byte { return s.certPEM }

// CertPool holds the server's certificate (with WithTLS), for a client's
// tls.Config.RootCAs; nil without TLS.
func (s *Server) CertPool() *x509.CertPool {
	if !s.tls {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.certPEM)
	return pool
}
