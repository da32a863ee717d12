import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.xml.soap.MimeHeaders;

/**
 * An MM7 receiver (a VASP endpoint) on the SAAJ reference implementation: the project's
 * interop peer, proving that the certification passes a correct endpoint written on another
 * stack than its own.
 *
 * <pre>java -cp CLASSPATH MM7Endpoint --port 0 --schemas DIR [--wrong-tid]</pre>
 *
 * It listens on the loopback address, prints "LISTENING port" once it answers fast, and stops
 * when its standard input closes (the parent's way of saying "done", and what happens when the
 * parent dies). --wrong-tid plants a defect for the certification's self-test: every answer
 * carries a TransactionID other than the request's.
 */
public final class MM7Endpoint {
    /**
     * SAAJ logs every unreadable message at SEVERE; the Fault already says what was wrong. Held
     * in a field: java.util.logging forgets the level of a logger nobody references.
     */
    private static final Logger SAAJ_LOG = Logger.getLogger("com.sun.xml.messaging.saaj");

    /** Exchanges being answered, awaited at shutdown. */
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();

    private MM7Endpoint() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        File schemas = null;
        boolean wrongTid = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--schemas": schemas = new File(args[++i]); break;
                case "--wrong-tid": wrongTid = true; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (schemas == null) {
            throw new IllegalArgumentException("--schemas DIR is required");
        }

        // No parser in this JVM may fetch a DTD or an external entity, whatever a message says.
        // SAAJ refuses a DOCTYPE by itself; this holds even where it would not.
        System.setProperty("javax.xml.accessExternalDTD", "");
        // The JDK's HTTP server waits for ever for a request body that does not come; these
        // seconds bound it (headers and body), far beyond what a whole message needs.
        System.setProperty("sun.net.httpserver.maxReqTime", "20");
        // The server writes the status line and headers, then the body, in two packets: with
        // Nagle's algorithm the second waits for the client's delayed ACK, 40 ms on Linux.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        SAAJ_LOG.setLevel(Level.OFF);

        Receiver receiver = new Receiver(Schemas.compile(schemas), wrongTid);

        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        HttpServer server = HttpServer.create(address, 128);
        // The default executor runs one exchange at a time; the certification sends in parallel.
        ExecutorService pool = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "mm7");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", exchange -> serve(receiver, exchange));
        server.start();
        WarmUp.run(server.getAddress().getPort());
        System.out.println("LISTENING " + server.getAddress().getPort());
        System.out.flush();

        while (System.in.read() != -1) {
            // nothing is expected on stdin; only its end matters
        }
        // HttpServer.stop(delay) waits the whole delay even when nothing is in flight, so the
        // answers in flight are awaited here (for at most 2 seconds) and the server stopped at once.
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (IN_FLIGHT.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        server.stop(0);
        pool.shutdownNow();
    }

    private static void serve(Receiver receiver, HttpExchange exchange) {
        IN_FLIGHT.incrementAndGet();
        try {
            Headers h = exchange.getRequestHeaders();
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                send(exchange, 405, "text/plain; charset=utf-8", "MM7 requests are POSTed\n");
                return;
            }
            // SAAJ would refuse these too, but as an unreadable message (2007); HTTP has a
            // status that says exactly what is wrong.
            String type = mediaType(h.getFirst("Content-Type"));
            if (!type.equals("text/xml") && !type.equals("multipart/related")) {
                send(exchange, 415, "text/plain; charset=utf-8",
                        "MM7 wants text/xml or multipart/related, not \"" + type + "\"\n");
                return;
            }
            MimeHeaders mime = new MimeHeaders();
            for (Map.Entry<String, List<String>> e : h.entrySet()) {
                for (String v : e.getValue()) {
                    mime.addHeader(e.getKey(), v);
                }
            }
            Receiver.Answer a = receiver.answer(mime, exchange.getRequestBody());
            // SAAJ stops reading at the close delimiter. Answer only a request that has arrived
            // whole: one whose Content-Length promises bytes that never come gets no answer,
            // and the server closes it after maxReqTime.
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            exchange.getResponseHeaders().set("Content-Type", a.contentType);
            exchange.sendResponseHeaders(a.status, a.body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(a.body);
            }
        } catch (IOException | RuntimeException e) {
            // The peer went away, or the answer could not be built: nothing left to tell anyone.
            System.err.println("mm7: " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + ": " + e);
        } finally {
            exchange.close();
            IN_FLIGHT.decrementAndGet();
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, b.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(b);
        }
    }

    /** The type/subtype of a Content-Type value, lower-cased; "" when there is none. */
    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Posts built-in messages to the server before its port is announced: loading SAAJ, the
     * parsers, the validators and the HTTP server's own classes, and letting the JIT see the
     * code, takes about a second, which would otherwise fall on the first real requests and
     * break a 2-second latency budget.
     */
    static final class WarmUp {
        private static final String BOUNDARY = "----=_Part_0_1.1";
        private static final String INNER = "----=_Part_1_2.2";
        private static final String NS = Release.PREFIX + "REL-6-MM7-1-4";
        private static final String NS5 = Release.PREFIX + "REL-5-MM7-1-2";

        /** An MO shaped as Vibes sends it: the SOAP part, then a multipart/mixed of base64 parts. */
        private static final String MO = String.join("\r\n",
                "--" + BOUNDARY,
                "Content-Type: text/xml; charset=utf-8",
                "Content-ID: <soap>",
                "",
                "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
                "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\">",
                "<env:Header><mm7:TransactionID env:mustUnderstand=\"1\" xmlns:mm7=\"" + NS + "\">"
                        + "0123456789abcdef</mm7:TransactionID></env:Header>",
                "<env:Body><mm7:DeliverReq xmlns:mm7=\"" + NS + "\">",
                "<mm7:MM7Version>6.8.0</mm7:MM7Version>",
                "<mm7:Sender><mm7:Number>+13125550123</mm7:Number></mm7:Sender>",
                "<mm7:Recipients><mm7:To><mm7:ShortCode>63901</mm7:ShortCode></mm7:To></mm7:Recipients>",
                "<mm7:Subject>warm-up</mm7:Subject>",
                "<mm7:Content href=\"cid:content\"/>",
                "</mm7:DeliverReq></env:Body></env:Envelope>",
                "--" + BOUNDARY,
                "Content-Type: multipart/mixed; boundary=\"" + INNER + "\"",
                "Content-ID: <content>",
                "",
                "--" + INNER,
                "Content-Type: image/gif; name=dot.gif",
                "Content-Transfer-Encoding: base64",
                "Content-ID: <dot.gif>",
                "",
                "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=",
                "--" + INNER,
                "Content-Type: text/plain; charset=utf-8",
                "Content-ID: <text>",
                "",
                "hello",
                "--" + INNER + "--",
                "--" + BOUNDARY + "--",
                "");

        private static final String DLR = String.join("\n",
                "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\">",
                "<env:Header><TransactionID xmlns=\"" + NS5 + "\">fedcba9876543210</TransactionID>",
                "</env:Header>",
                "<env:Body><DeliveryReportReq xmlns=\"" + NS5 + "\">",
                "<MM7Version>5.3.0</MM7Version><MessageID>m-1</MessageID>",
                "<Recipient><Number>+13125550123</Number></Recipient>",
                "<Sender><ShortCode>63901</ShortCode></Sender>",
                "<Date>2024-01-02T03:04:05Z</Date><MMStatus>Retrieved</MMStatus>",
                "</DeliveryReportReq></env:Body></env:Envelope>");

        private static final String BROKEN = DLR.replace("</MessageID>", "");

        static void run(int port) throws IOException {
            URL url = new URL("http://127.0.0.1:" + port + "/mm7");
            for (int i = 0; i < 20; i++) {
                expect(url, "multipart/related; type=\"text/xml\"; boundary=\"" + BOUNDARY + "\"", MO, 200);
                expect(url, "text/xml; charset=utf-8", DLR, 200);
                expect(url, "text/xml; charset=utf-8", BROKEN, 500);
            }
        }

        /** The warm-up doubles as a self-check: a bad schema folder fails here, not on every request. */
        private static void expect(URL url, String contentType, String message, int status)
                throws IOException {
            HttpURLConnection c = (HttpURLConnection) url.openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", contentType);
            try (OutputStream out = c.getOutputStream()) {
                out.write(message.getBytes(StandardCharsets.UTF_8));
            }
            int got = c.getResponseCode();
            try (InputStream in = got < 400 ? c.getInputStream() : c.getErrorStream()) {
                byte[] answer = in.readAllBytes(); // read to the end, so the connection is reused
                if (got != status) {
                    throw new IllegalStateException("warm-up: got HTTP " + got + ", want " + status + ":\n"
                            + new String(answer, StandardCharsets.UTF_8));
                }
            }
        }
    }
}
