import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The project's MM7 schemas, compiled once at start-up. Each imports the SOAP 1.1 envelope
 * schema from the same folder, so validating a whole Envelope against one of them checks the
 * SOAP framing, the TransactionID entry and the body element: the Header and Body are
 * processContents="lax", and lax still validates an element whose declaration is known, which
 * every element the receiver lets through to validation has (it checks the element name first).
 */
final class Schemas {
    /** The releases the project has schemas for: Vibes' 5.5.0 and 6.8.0 flavours. */
    private static final String[] VALIDATED = {"REL-5-MM7-1-2", "REL-6-MM7-1-4"};

    private final Map<String, Schema> byName = new HashMap<>();

    private Schemas() {}

    static Schemas compile(File dir) throws SAXException, IOException {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        // The MM7 schemas import the envelope schema by a relative file name; nothing else may be fetched.
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "file");
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        Schemas s = new Schemas();
        for (String name : VALIDATED) {
            File f = new File(dir, name + ".xsd");
            if (!f.isFile()) {
                throw new IOException("schema " + f + " not found");
            }
            s.byName.put(name, factory.newSchema(new StreamSource(f)));
        }
        return s;
    }

    /** Whether the release has a schema here; messages of other releases go unvalidated. */
    boolean has(Release r) {
        return byName.containsKey(r.name);
    }

    /**
     * Validates node (an Envelope) against the schema of release r, and returns the first
     * problem, or null when it is valid.
     */
    String validate(Release r, Node node) throws IOException {
        Validator v = byName.get(r.name).newValidator(); // a Validator is not thread-safe: one per message
        try {
            // An instance may name schemas (xsi:schemaLocation) or a DTD: never fetch them.
            v.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            v.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            v.setErrorHandler(new DefaultHandler() {
                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e; // the first error decides; Xerces would otherwise go on
                }
            });
            v.validate(new DOMSource(node));
            return null;
        } catch (SAXException e) {
            return e.getMessage();
        }
    }
}
