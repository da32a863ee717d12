import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import javax.xml.soap.AttachmentPart;
import javax.xml.soap.Detail;
import javax.xml.soap.MessageFactory;
import javax.xml.soap.MimeHeaders;
import javax.xml.soap.SOAPBody;
import javax.xml.soap.SOAPConstants;
import javax.xml.soap.SOAPElement;
import javax.xml.soap.SOAPEnvelope;
import javax.xml.soap.SOAPException;
import javax.xml.soap.SOAPFault;
import javax.xml.soap.SOAPHeader;
import javax.xml.soap.SOAPHeaderElement;
import javax.xml.soap.SOAPMessage;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The VASP side of MM7 (TS 23.140 clause 8.7): reads what an R/S sends a VASP with SAAJ and
 * answers it. Everything SAAJ itself accepts is accepted; on top of it come the MM7 rules a
 * careful endpoint applies, in this order: SOAP 1.1 mustUnderstand, one TransactionID, one body
 * element in an MM7 namespace of a served release, an operation a VASP serves, the schema.
 */
final class Receiver {
    private static final String ENV = SOAPConstants.URI_NS_SOAP_1_1_ENVELOPE;
    private static final String NEXT_ACTOR = "http://schemas.xmlsoap.org/soap/actor/next";
    private static final String CONTENT_TYPE = "text/xml; charset=utf-8";
    /** faultstring and StatusText carry parser messages, which may quote a whole input line. */
    private static final int MAX_REASON = 400;

    /** The requests an R/S sends a VASP, and the response each gets. */
    private static final Map<String, String> RESPONSES = Map.of(
            "DeliverReq", "DeliverRsp",
            "DeliveryReportReq", "DeliveryReportRsp",
            "ReadReplyReq", "ReadReplyRsp");

    /** An answer, ready for the wire. */
    static final class Answer {
        final int status;
        final String contentType;
        final byte[] body;

        Answer(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }
    }

    /** What the receiver learnt of a request so far, so that a Fault speaks the request's release. */
    private static final class Seen {
        Release release;
        String mm7Version;
        String transactionId;
    }

    /** A mandatory header entry the receiver does not know (SOAP 1.1 section 4.2.3). */
    private static final class NotUnderstood extends Exception {
        private static final long serialVersionUID = 1L;

        NotUnderstood(QName entry) {
            super("header entry " + entry + " has mustUnderstand=\"1\" and is not understood");
        }
    }

    private final Schemas schemas;
    private final boolean wrongTransactionId;
    private final SecureRandom random = new SecureRandom();

    Receiver(Schemas schemas, boolean wrongTransactionId) {
        this.schemas = schemas;
        this.wrongTransactionId = wrongTransactionId;
    }

    /** Reads one MM7 request (its MIME headers are the HTTP headers) and answers it. */
    Answer answer(MimeHeaders headers, InputStream body) {
        Seen seen = new Seen();
        try {
            String rsp = check(read(headers, body), seen);
            return new Answer(200, CONTENT_TYPE, success(rsp, seen));
        } catch (StatusError e) {
            return fault(e, seen);
        } catch (NotUnderstood e) {
            return mustUnderstandFault(e.getMessage());
        } catch (SOAPException | IOException | RuntimeException e) {
            return fault(new StatusError(3000, "the receiver failed: " + describe(e)), seen);
        }
    }

    /**
     * Parses the message. SAAJ is lazy: createMessage succeeds on almost anything, and a broken
     * message fails only when its envelope or its attachments are asked for, some of it as
     * unchecked exceptions (a missing close delimiter, a bad boundary).
     */
    private SOAPEnvelope read(MimeHeaders headers, InputStream body) throws StatusError {
        SOAPMessage msg = null;
        try {
            msg = MessageFactory.newInstance().createMessage(headers, body);
            SOAPEnvelope env = msg.getSOAPPart().getEnvelope();
            for (Iterator<AttachmentPart> it = msg.getAttachments(); it.hasNext(); ) {
                // SAAJ decodes a part only when it is read; reading it, as an endpoint that
                // stores the MMS does, is what finds a Content-Transfer-Encoding it cannot undo.
                try (InputStream in = it.next().getDataHandler().getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
            return env;
        } catch (SOAPException | IOException | RuntimeException e) {
            Element root = causedBy(e, SAXException.class) ? null : documentElement(msg);
            boolean envelope = root != null
                    && ENV.equals(root.getNamespaceURI()) && "Envelope".equals(root.getLocalName());
            if (root != null && !envelope) {
                // Well-formed XML in the wrong frame (a SOAP 1.2 envelope, a bare MM7 message):
                // SAAJ calls it unreadable, but it is the structure that is wrong.
                throw new StatusError(4004,
                        "the document element is " + qname(root) + ", not a SOAP 1.1 Envelope");
            }
            throw new StatusError(2007, "the message cannot be read: " + describe(e));
        }
    }

    /**
     * The document element SAAJ parsed before it refused the part, or null. It is only
     * trustworthy when the parser raised nothing (no SAXException in the failure): a
     * malformed document leaves a partial tree behind.
     */
    private static Element documentElement(SOAPMessage msg) {
        if (msg == null) {
            return null;
        }
        try {
            return msg.getSOAPPart().getDocumentElement();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Applies the MM7 rules and returns the name of the response element. */
    private String check(SOAPEnvelope env, Seen seen)
            throws StatusError, NotUnderstood, SOAPException, IOException {
        SOAPBody body = env.getBody();
        List<Element> entries = body == null ? List.of() : elements(body);
        if (entries.size() == 1) {
            seen.release = Release.of(entries.get(0).getNamespaceURI());
        }

        // SOAP 1.1 section 4.2.3: a mandatory entry aimed at us that we do not know is a Fault,
        // before anything else is done with the message.
        List<SOAPHeaderElement> tids = new ArrayList<>();
        SOAPHeader header = env.getHeader();
        if (header != null) {
            for (Iterator<SOAPHeaderElement> it = header.examineAllHeaderElements(); it.hasNext(); ) {
                SOAPHeaderElement h = it.next();
                if ("TransactionID".equals(h.getLocalName()) && Release.of(h.getNamespaceURI()) != null) {
                    tids.add(h);
                } else if (h.getMustUnderstand() && aimedAtUs(h.getActor())) {
                    throw new NotUnderstood(h.getElementQName());
                }
            }
        }
        if (seen.release == null && !tids.isEmpty()) {
            seen.release = Release.of(tids.get(0).getNamespaceURI());
        }

        if (tids.size() != 1) {
            throw new StatusError(4004, tids.isEmpty()
                    ? "the SOAP Header holds no MM7 TransactionID"
                    : "the SOAP Header holds " + tids.size() + " MM7 TransactionIDs");
        }
        // Surrounding white space is layout (a pretty-printed Header), not part of the ID.
        String tid = tids.get(0).getTextContent().trim();
        if (tid.isEmpty()) {
            throw new StatusError(4004, "the TransactionID is empty");
        }
        seen.transactionId = tid;

        if (entries.size() != 1) {
            throw new StatusError(4004, "the SOAP Body holds " + entries.size() + " elements; MM7 wants one");
        }
        Element msg = entries.get(0);
        Release release = Release.of(msg.getNamespaceURI());
        if (release == null) {
            throw new StatusError(4004, "the body element " + qname(msg) + " is not in an MM7 namespace");
        }
        if (!release.served()) {
            throw new StatusError(4002, "release " + release.name + " is not supported");
        }
        String rsp = RESPONSES.get(msg.getLocalName());
        if (rsp == null) {
            throw new StatusError(4003, msg.getLocalName() + " is not a request an R/S sends a VASP");
        }
        Element version = child(msg, "MM7Version");
        seen.mm7Version = version == null ? null : version.getTextContent();

        if (schemas.has(release)) {
            // Checked before the schema, which would only call it a validation error (4004).
            if (seen.mm7Version != null && !release.allows(seen.mm7Version.trim())) {
                throw new StatusError(4002, "MM7Version " + seen.mm7Version.trim() + " is not one of "
                        + release.name);
            }
            String problem = schemas.validate(release, env);
            if (problem != null) {
                throw new StatusError(4004, problem);
            }
        }
        return rsp;
    }

    /** Builds the success answer: TransactionID echoed, MM7Version, Status 1000. */
    private byte[] success(String rsp, Seen seen) throws SOAPException, IOException {
        SOAPMessage m = MessageFactory.newInstance().createMessage();
        SOAPEnvelope env = m.getSOAPPart().getEnvelope();
        String ns = seen.release.namespace;
        transactionId(env, ns, seen);
        SOAPElement r = env.getBody().addBodyElement(new QName(ns, rsp, "mm7"));
        status(r, ns, seen.release.answerVersion(seen.mm7Version), 1000, "Success");
        return bytes(m);
    }

    /** SOAP 1.1 section 6.2: a Fault goes with HTTP 500; its detail carries the MM7 status. */
    private Answer fault(StatusError e, Seen seen) {
        try {
            // A release we do not serve (REL-7) gets its Fault in one we can write and validate.
            Release release = seen.release != null && seen.release.served() ? seen.release : Release.DEFAULT;
            SOAPMessage m = MessageFactory.newInstance().createMessage();
            SOAPEnvelope env = m.getSOAPPart().getEnvelope();
            if (seen.transactionId != null) {
                transactionId(env, release.namespace, seen);
            } else {
                env.getHeader().detachNode();
            }
            SOAPFault f = env.getBody().addFault(
                    new QName(ENV, e.serverFault() ? "Server" : "Client", "SOAP-ENV"),
                    e.text() + ": " + clip(e.getMessage()));
            Detail d = f.addDetail();
            SOAPElement rsp = d.addDetailEntry(new QName(release.namespace, "VASPErrorRsp", "mm7"));
            status(rsp, release.namespace, release.answerVersion(seen.mm7Version), e.code, e.text());
            return new Answer(500, CONTENT_TYPE, bytes(m));
        } catch (SOAPException | IOException | RuntimeException x) {
            throw new IllegalStateException("cannot build a Fault", x);
        }
    }

    /** SOAP 1.1 section 4.4.1: the MustUnderstand faultcode, and no detail (no Body entry was processed). */
    private Answer mustUnderstandFault(String reason) {
        try {
            SOAPMessage m = MessageFactory.newInstance().createMessage();
            SOAPEnvelope env = m.getSOAPPart().getEnvelope();
            env.getHeader().detachNode();
            env.getBody().addFault(new QName(ENV, "MustUnderstand", "SOAP-ENV"), reason);
            return new Answer(500, CONTENT_TYPE, bytes(m));
        } catch (SOAPException | IOException e) {
            throw new IllegalStateException("cannot build a Fault", e);
        }
    }

    private void transactionId(SOAPEnvelope env, String ns, Seen seen) throws SOAPException {
        SOAPHeaderElement h = env.getHeader().addHeaderElement(new QName(ns, "TransactionID", "mm7"));
        h.setMustUnderstand(true);
        h.addTextNode(wrongTransactionId ? otherThan(seen.transactionId) : seen.transactionId);
    }

    /** MM7Version, then Status (an xs:all; written in the usual order). */
    private static void status(SOAPElement parent, String ns, String version, int code, String text)
            throws SOAPException {
        parent.addChildElement(new QName(ns, "MM7Version", "mm7")).addTextNode(version);
        SOAPElement st = parent.addChildElement(new QName(ns, "Status", "mm7"));
        st.addChildElement(new QName(ns, "StatusCode", "mm7")).addTextNode(Integer.toString(code));
        st.addChildElement(new QName(ns, "StatusText", "mm7")).addTextNode(text);
    }

    private static byte[] bytes(SOAPMessage m) throws SOAPException, IOException {
        m.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }

    /** A TransactionID in Vibes' form (16 hex digits) that is not id: the defect --wrong-tid plants. */
    private String otherThan(String id) {
        String s;
        do {
            s = String.format("%016x", random.nextLong());
        } while (s.equals(id));
        return s;
    }

    /** SOAP 1.1 section 4.2.2: no actor, or the "next" actor, means the entry is for the receiver. */
    private static boolean aimedAtUs(String actor) {
        return actor == null || actor.isEmpty() || NEXT_ACTOR.equals(actor);
    }

    /** The element children of n; text and comments between them are layout. */
    private static List<Element> elements(Node n) {
        List<Element> out = new ArrayList<>();
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element) {
                out.add((Element) c);
            }
        }
        return out;
    }

    /** The first child of msg named local in msg's own namespace, or null. */
    private static Element child(Element msg, String local) {
        for (Element c : elements(msg)) {
            if (local.equals(c.getLocalName()) && msg.getNamespaceURI().equals(c.getNamespaceURI())) {
                return c;
            }
        }
        return null;
    }

    private static String qname(Element e) {
        return "{" + (e.getNamespaceURI() == null ? "" : e.getNamespaceURI()) + "}" + e.getLocalName();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The messages of e and its causes, joined: SAAJ wraps the parser's precise message in
     * generic ones ("Unable to create envelope from given source").
     */
    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        String last = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (last == null || !last.contains(m)) {
                if (b.length() > 0) {
                    b.append(": ");
                }
                b.append(m);
            }
            last = m;
        }
        return clip(b.toString());
    }

    /** One line (SAAJ's nested messages span several), at most MAX_REASON characters. */
    private static String clip(String s) {
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON) + "…";
    }
}
