package reference

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the handler's Prometheus series, in a registry of its own so
// several handlers can live in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	bytes    prometheus.Counter
}

// newMetrics makes the series; inflight reads the memory reserved for
// bodies in flight now.
func newMetrics(inflight func() float64) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mm7harness_requests_total", Help: "MM7 requests by message kind and outcome (accepted, duplicate, rejected, too-large, method, content-type, forbidden).",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mm7harness_request_duration_seconds", Help: "Time from request to answer, storage included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5},
		}, []string{"kind"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mm7harness_request_bytes_total", Help: "Bytes of MM7 request bodies read.",
		}),
	}
	held := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mm7harness_body_bytes_inflight", Help: "Memory reserved now for the bodies of requests in progress (bounded by --max-inflight).",
	}, inflight)
	m.reg.MustRegister(m.requests, m.latency, m.bytes, held, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(ex *exchange, d time.Duration) {
	m.requests.WithLabelValues(ex.kind, ex.outcome).Inc()
	m.latency.WithLabelValues(ex.kind).Observe(d.Seconds())
	m.bytes.Add(float64(ex.bytes))
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }
