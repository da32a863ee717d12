package reference_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/reference"
)

func TestReadAPI(t *testing.T) {
	s := start(t, nil)
	for _, id := range []string{"680-dlr-retrieved", "680-dlr-expired", "550-dlr-rejected", "680-mo-smil"} {
		c, _ := corpus.Get(id)
		if ex, _ := sendCase(t, s, c); ex.Status != 200 {
			t.Fatalf("%s: HTTP %d", id, ex.Status)
		}
	}
	var page struct {
		Messages []stored
		Next     string
	}
	getJSON(t, base(s)+"/messages?kind=DeliveryReportReq&limit=2", &page)
	if len(page.Messages) != 2 || page.Next == "" {
		t.Fatalf("first page: %+v", page)
	}
	var rest struct{ Messages []stored }
	getJSON(t, base(s)+"/messages?kind=DeliveryReportReq&"+page.Next, &rest)
	if len(rest.Messages) != 1 || rest.Messages[0].ID <= page.Messages[1].ID {
		t.Fatalf("second page: %+v", rest)
	}
	var v550 struct{ Messages []stored }
	getJSON(t, base(s)+"/messages?flavour=5.5.0", &v550)
	if len(v550.Messages) != 1 {
		t.Errorf("flavour filter: %d", len(v550.Messages))
	}
	var mo struct{ Messages []stored }
	getJSON(t, base(s)+"/messages?kind=DeliverReq", &mo)
	var full stored
	getJSON(t, fmt.Sprintf("%s/messages/%d", base(s), mo.Messages[0].ID), &full)
	if len(full.Parts) != 4 || !strings.Contains(full.SOAP, "DeliverReq") || full.Parts[0].ContentType != "application/smil; name=presentation.smil" {
		t.Fatalf("message: %+v", full)
	}
	for _, u := range []string{"/messages/999", "/messages/1/parts/99"} {
		if code := getJSON(t, base(s)+u, nil); code != 404 {
			t.Errorf("%s: HTTP %d, want 404", u, code)
		}
	}
	for _, u := range []string{"/messages/x", "/messages?limit=0", "/messages?after=x"} {
		if code := getJSON(t, base(s)+u, nil); code != 400 {
			t.Errorf("%s: HTTP %d, want 400", u, code)
		}
	}
	if code := getJSON(t, base(s)+"/healthz", nil); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	rsp, _ := http.Get(base(s) + "/metrics")
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	for _, want := range []string{`mm7harness_requests_total{kind="DeliveryReportReq",outcome="accepted"} 3`, "mm7harness_request_duration_seconds_bucket", "mm7harness_request_bytes_total"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Methods and media types.
	if rsp, _ := http.Get(s.URL); rsp.StatusCode != 405 || rsp.Header.Get("Allow") != "POST" {
		t.Errorf("GET on the MM7 path: %d", rsp.StatusCode)
	}
	if rsp, _ := http.Post(s.URL, "application/json", strings.NewReader("{}")); rsp.StatusCode != 415 {
		t.Errorf("JSON: %d", rsp.StatusCode)
	}
	big := bytes.Repeat([]byte("x"), 17<<20)
	if rsp, err := http.Post(s.URL, "text/xml", bytes.NewReader(big)); err == nil && rsp.StatusCode != 413 {
		t.Errorf("17 MB: %d", rsp.StatusCode)
	}
}

// certs makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, in dir.
func certs(t *testing.T, dir string) (caPEM []byte, client tls.Certificate) {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, []byte) {
		k := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, KeyUsage: x509.KeyUsageDigitalSignature}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		kb, _ := x509.MarshalECPrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	sc, sk := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	cc, ck := issue(3, "catapult-app.vibescm.com", x509.ExtKeyUsageClientAuth, nil)
	os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "server.pem"), sc, 0o600)
	os.WriteFile(filepath.Join(dir, "server.key"), sk, 0o600)
	client, err := tls.X509KeyPair(cc, ck)
	if err != nil {
		t.Fatal(err)
	}
	return caPEM, client
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	caPEM, clientCert := certs(t, dir)
	s := start(t, func(c *reference.ServerConfig) {
		c.TLSCert, c.TLSKey, c.ClientCA = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"), filepath.Join(dir, "ca.pem")
	})
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("URL %s", s.URL)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c, _ := corpus.Get("680-dlr-forwarded")
	send := func(certs []tls.Certificate) (*http.Response, error) {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
		req, err := c.Request(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		return client.Do(req)
	}
	if rsp, err := send([]tls.Certificate{clientCert}); err != nil || rsp.StatusCode != 200 {
		t.Fatalf("with a client certificate: %v %v", err, rsp)
	}
	if _, err := send(nil); err == nil {
		t.Fatal("without a client certificate the request went through")
	}
}
