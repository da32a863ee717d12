package reference

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// ServerConfig configures a Server: the handler's Config plus where to
// listen, where to store, TLS and timeouts. Zero fields take defaults.
type ServerConfig struct {
	Config
	// Addr is where to listen; default 127.0.0.1:0 (a free port).
	Addr string
	// DB is the SQLite file (default "mm7harness.db"), or a PostgreSQL
	// URL (postgres://…) for receivers that share one database.
	DB   string
	Sync Sync
	// Store, when set, is used instead of opening DB.
	Store Store
	// TLSCert and TLSKey serve HTTPS; ClientCA additionally requires a
	// client certificate signed by it (Vibes can authenticate its callbacks
	// with one).
	TLSCert, TLSKey, ClientCA string
	// Timeouts against slow clients (slow-loris): the header must arrive
	// within ReadHeaderTimeout, the whole request within ReadTimeout.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Close waits for in-flight requests.
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds a request's HTTP header (431 above); default
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxConns bounds the connections served at once; default
	// DefaultMaxConns.
	MaxConns int
}

// Server is the reference receiver, shaped like httptest.Server:
// NewServer, Start, URL, Close.
type Server struct {
	URL      string
	Listener net.Listener
	HTTP     *http.Server
	Handler  *Handler
	Store    Store

	serveErr        chan error
	tls             bool
	shutdownTimeout time.Duration
}

// NewServer opens the store, builds the handler and listens; Start serves.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DB == "" {
		cfg.DB = "mm7harness.db"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ReadHeaderTimeout, 10*time.Second)
	def(&cfg.ReadTimeout, 60*time.Second)
	def(&cfg.WriteTimeout, 60*time.Second)
	def(&cfg.IdleTimeout, 120*time.Second)
	def(&cfg.ShutdownTimeout, 30*time.Second)
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}

	store := cfg.Store
	if store == nil {
		s, err := OpenStore(cfg.DB, cfg.Sync)
		if err != nil {
			return nil, err
		}
		store = s
	}
	// Listen first: whether the read API may go without credentials
	// depends on the address really bound.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		store.Close()
		return nil, err
	}
	cfg.Config.LoopbackAPI = loopback(ln.Addr())
	h, err := NewHandler(cfg.Config, store)
	if err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
	}
	s := &Server{HTTP: srv, Handler: h, Store: store, serveErr: make(chan error, 1), shutdownTimeout: cfg.ShutdownTimeout}
	if cfg.TLSCert != "" || cfg.TLSKey != "" || cfg.ClientCA != "" {
		tc, err := tlsConfig(cfg.TLSCert, cfg.TLSKey, cfg.ClientCA)
		if err != nil {
			ln.Close()
			store.Close()
			return nil, err
		}
		srv.TLSConfig, s.tls = tc, true
	}
	ln = limitListener(ln, cfg.MaxConns)
	s.Listener = ln
	scheme := "http"
	if s.tls {
		scheme = "https"
		s.Listener = tls.NewListener(ln, srv.TLSConfig)
	}
	s.URL = scheme + "://" + ln.Addr().String() + h.cfg.Path
	return s, nil
}

// loopback reports whether a listener's address is a loopback one.
func loopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Defaults of the server's own limits.
const (
	// DefaultMaxHeaderBytes bounds a request's HTTP header: Vibes' are a
	// few hundred bytes.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConns bounds the connections served at once; more wait to
	// be accepted.
	DefaultMaxConns = 4096
)

// limitListener accepts at most n connections at once: one more is
// accepted when one of them closes.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, slots: make(chan struct{}, n)}
}

type limited struct {
	net.Listener
	slots chan struct{}
}

func (l *limited) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, free: func() { <-l.slots }}, nil
}

type slotConn struct {
	net.Conn
	once sync.Once
	free func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.free)
	return err
}

func tlsConfig(cert, key, clientCA string) (*tls.Config, error) {
	if cert == "" || key == "" {
		return nil, errors.New("reference: TLS needs both a certificate and a key")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("reference: TLS: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, fmt.Errorf("reference: client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("reference: client CA %s: no certificate found", clientCA)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// Start serves in the background.
func (s *Server) Start() {
	go func() { s.serveErr <- s.HTTP.Serve(s.Listener) }()
}

// Wait blocks until the server stops and returns why (nil after Close).
func (s *Server) Wait() error {
	err := <-s.serveErr
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops accepting, waits up to the shutdown timeout for in-flight
// requests to be answered (their messages stored), then closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	err := s.HTTP.Shutdown(ctx)
	return errors.Join(err, s.Store.Close())
}
