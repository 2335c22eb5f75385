// Validates XML files against one W3C XML Schema with the JDK's own validator
// (javax.xml.validation), for tests/xsd.sh: `java Validate.java SCHEMA.xsd FILE.xml...`.
// Run as a single-file program (JDK 11+), nothing to compile. Prints one line per file,
// exits 1 when any file is invalid. External DTDs and schemas are never fetched.
import java.io.File;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.xml.sax.SAXParseException;

public class Validate {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java Validate.java SCHEMA.xsd FILE.xml...");
            System.exit(2);
        }
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        Schema schema = factory.newSchema(new File(args[0]));
        int invalid = 0;
        for (int i = 1; i < args.length; i++) {
            Validator validator = schema.newValidator();
            validator.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            validator.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            try {
                validator.validate(new StreamSource(new File(args[i])));
                System.out.println(args[i] + " validates");
            } catch (SAXParseException e) {
                invalid++;
                System.out.println(args[i] + ":" + e.getLineNumber() + ":" + e.getColumnNumber() + ": " + e.getMessage());
            }
        }
        System.exit(invalid == 0 ? 0 : 1);
    }
}
