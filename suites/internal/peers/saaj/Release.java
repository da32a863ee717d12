import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One MM7 namespace: http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-r-MM7-x-y,
 * named after the schema file that declares it (TS 23.140 annex, one schema per release and version).
 */
final class Release {
    static final String PREFIX = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/";
    private static final Pattern NAME = Pattern.compile("REL-([0-9]+)-MM7-[0-9]+-[0-9]+");

    /** The MM7Version values each published schema allows, newest first (its versionType enumeration). */
    private static final Map<String, List<String>> VERSIONS = new HashMap<>();

    static {
        versions("REL-5-MM7-1-0", "5.3.0");
        versions("REL-5-MM7-1-1", "5.3.0");
        versions("REL-5-MM7-1-2", "5.3.0");
        versions("REL-5-MM7-1-3", "5.6.0", "5.5.0", "5.3.0");
        versions("REL-5-MM7-1-4", "5.8.0", "5.6.0", "5.5.0", "5.3.0");
        versions("REL-6-MM7-1-0", "6.3.0", "5.6.0", "5.5.0", "5.3.0");
        versions("REL-6-MM7-1-1", "6.4.0", "6.3.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0");
        versions("REL-6-MM7-1-2", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0");
        versions("REL-6-MM7-1-3", "6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0",
                "5.3.0");
        versions("REL-6-MM7-1-4", "6.8.0", "6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0",
                "5.5.0", "5.3.0");
    }

    private static void versions(String name, String... values) {
        VERSIONS.put(name, Collections.unmodifiableList(Arrays.asList(values)));
    }

    /** The namespace a Fault uses when the request named no MM7 namespace: the newest the project knows. */
    static final Release DEFAULT = of(PREFIX + "REL-6-MM7-1-4");

    final String namespace;
    /** The schema's name, e.g. "REL-6-MM7-1-4". */
    final String name;
    /** The 3GPP release, e.g. 6. */
    final int release;

    private Release(String namespace, String name, int release) {
        this.namespace = namespace;
        this.name = name;
        this.release = release;
    }

    /** Returns the release of an MM7 namespace, or null for any other namespace. */
    static Release of(String namespace) {
        if (namespace == null || !namespace.startsWith(PREFIX)) {
            return null;
        }
        String name = namespace.substring(PREFIX.length());
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return null;
        }
        return new Release(namespace, name, Integer.parseInt(m.group(1)));
    }

    /** Whether a VASP of Vibes' two flavours (5.5.0 and 6.8.0) reads this release at all. */
    boolean served() {
        return release == 5 || release == 6;
    }

    /** Whether MM7Version value v is one this schema allows; true when the schema is not known here. */
    boolean allows(String v) {
        List<String> known = VERSIONS.get(name);
        return known == null || known.contains(v);
    }

    /**
     * The MM7Version to answer with: the request's own value when this schema allows it, so the
     * answer validates where the request did; otherwise the newest value of the schema, or of the
     * release when the schema is not known here.
     */
    String answerVersion(String requested) {
        List<String> known = VERSIONS.get(name);
        if (known == null) {
            return release == 5 ? "5.3.0" : "6.8.0";
        }
        if (requested != null && known.contains(requested.trim())) {
            return requested.trim();
        }
        return known.get(0);
    }
}
