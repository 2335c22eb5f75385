package org.nanotrace.einvoice;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;

import com.helger.diagnostics.error.IError;
import com.helger.diver.api.coord.DVRCoordinate;
import com.helger.io.resource.FileSystemResource;
import com.helger.phive.api.execute.ValidationExecutionManager;
import com.helger.phive.api.executorset.IValidationExecutorSet;
import com.helger.phive.api.executorset.ValidationExecutorSetRegistry;
import com.helger.phive.api.result.ValidationResult;
import com.helger.phive.api.result.ValidationResultList;
import com.helger.phive.api.validity.IValidityDeterminator;
import com.helger.phive.en16931.EN16931Validation;
import com.helger.phive.peppol.PeppolValidation2026_05;
import com.helger.phive.xml.source.IValidationSourceXML;
import com.helger.phive.xml.source.ValidationSourceXML;

import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;

/**
 * Validates UBL 2.1 invoices and credit notes, given as file names, against the official rules
 * that phive-rules ships: CEN/TC 434's EN 16931 rules for UBL (the UBL 2.1 XML Schema and the
 * EN 16931 Schematron) and OpenPeppol's BIS Billing 3.0 rules (which include the XML Schema, the
 * EN 16931 Schematron of its release and the Peppol Schematron). CII invoices (root
 * {@code CrossIndustryInvoice}, the XML of Factur-X / ZUGFeRD) are validated against CEN/TC 434's
 * EN 16931 rules for CII (the CII D16B XML Schema and the EN 16931 Schematron). Files ending in
 * {@code .pdf} are validated as PDF/A-3b by veraPDF (its Greenfield parser and the PDF
 * Association's validation profile); their root is reported as {@code PDF}. None of the rules is
 * ours.
 *
 * <p>Prints one JSON object per file on standard output:
 * {@code {"file":…,"root":…,"ves":[…],"valid":…,"errors":[{"rule":…,"message":…,"location":…,"ves":…}],"warnings":[…]}}.
 * Exits 0 when no file has an error (fatal or error flag), 1 when one has, 2 on a usage error.
 * One JVM validates every file: starting it and compiling the Schematron XSLTs is most of the time.
 *
 * <p>The rule sets are pinned (not "the latest active one"): the same files give the same answer
 * until the phive-rules version in pom.xml is raised.
 */
public final class Validate {
  /** EN 16931 validation artefacts 1.3.16 (CEN/TC 434), UBL syntax. */
  private static final DVRCoordinate EN16931_INVOICE = EN16931Validation.VID_UBL_INVOICE_1316;
  private static final DVRCoordinate EN16931_CREDIT_NOTE = EN16931Validation.VID_UBL_CREDIT_NOTE_1316;
  /** Peppol BIS Billing 3.0, the May 2026 release of OpenPeppol's validation artefacts. */
  private static final DVRCoordinate PEPPOL_INVOICE = PeppolValidation2026_05.VID_OPENPEPPOL_INVOICE_UBL_V3;
  private static final DVRCoordinate PEPPOL_CREDIT_NOTE = PeppolValidation2026_05.VID_OPENPEPPOL_CREDIT_NOTE_UBL_V3;
  /** EN 16931 validation artefacts 1.3.16 (CEN/TC 434), CII syntax (invoices and credit notes). */
  private static final DVRCoordinate EN16931_CII = EN16931Validation.VID_CII_1316;
  /** What the PDFs must be: PDF/A-3, level B (Factur-X's hybrid PDF). */
  private static final PDFAFlavour PDF_FLAVOUR = PDFAFlavour.PDFA_3_B;

  private Validate() {}

  public static void main(final String[] args) throws Exception {
    final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length == 0) {
      System.err.println("usage: Validate FILE... (UBL 2.1 Invoice or CreditNote, CII CrossIndustryInvoice, or Factur-X .pdf)");
      System.exit(2);
    }
    final ValidationExecutorSetRegistry<IValidationSourceXML> registry = new ValidationExecutorSetRegistry<>();
    EN16931Validation.initEN16931(registry);
    PeppolValidation2026_05.init(registry);
    final IValidityDeterminator<IValidationSourceXML> validity = IValidityDeterminator.createDefault();
    VeraGreenfieldFoundryProvider.initialise();

    final DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setNamespaceAware(true);
    dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    boolean anyError = false;
    for (final String name : args) {
      final File file = new File(name);
      final StringBuilder line = new StringBuilder();
      line.append("{\"file\":").append(json(name));
      final List<String> errors = new ArrayList<>();
      final List<String> warnings = new ArrayList<>();
      final List<String> vesIds = new ArrayList<>();
      String root = null;
      try {
        if (name.endsWith(".pdf")) {
          root = "PDF";
          vesIds.add("org.verapdf:" + PDF_FLAVOUR.getId());
          validatePdf(file, errors);
        } else {
          final Document doc = dbf.newDocumentBuilder().parse(file);
          root = doc.getDocumentElement().getLocalName();
          final List<DVRCoordinate> sets;
          if ("Invoice".equals(root)) {
            sets = List.of(EN16931_INVOICE, PEPPOL_INVOICE);
          } else if ("CreditNote".equals(root)) {
            sets = List.of(EN16931_CREDIT_NOTE, PEPPOL_CREDIT_NOTE);
          } else if ("CrossIndustryInvoice".equals(root)) {
            sets = List.of(EN16931_CII);
          } else {
            sets = List.of();
            errors.add(issue("ROOT", "the root element is " + root + ", neither a UBL Invoice, a UBL CreditNote nor a CII CrossIndustryInvoice", null, null));
          }
          for (final DVRCoordinate id : sets) {
            final IValidationExecutorSet<IValidationSourceXML> ves = registry.getOfID(id);
            if (ves == null) {
              throw new IllegalStateException("phive-rules has no validation executor set " + id.getAsSingleID());
            }
            vesIds.add(id.getAsSingleID());
            final ValidationResultList results =
                ValidationExecutionManager.executeValidation(validity, ves, ValidationSourceXML.create(new FileSystemResource(file)), Locale.US);
            for (final ValidationResult result : results) {
              if (result.isSkipped()) {
                // A layer after a failed one: say so, it is not a pass.
                warnings.add(issue("SKIPPED", "layer not run after an earlier failure: " + result.getValidationArtefact().getRuleResourcePath(), null, id.getAsSingleID()));
                continue;
              }
              for (final IError e : result.getErrorList()) {
                final String rule = e.getErrorID() != null ? e.getErrorID() : result.getValidationArtefact().getValidationType().getID();
                final String location = e.getErrorFieldName() != null ? e.getErrorFieldName()
                    : (e.hasErrorLocation() ? e.getErrorLocation().getAsString() : null);
                String message = e.getErrorText(Locale.US);
                if (message == null && e.hasLinkedException()) {
                  message = e.getLinkedExceptionMessage();
                }
                final String entry = issue(rule, message, location, id.getAsSingleID());
                if (e.getErrorLevel().isError()) {
                  errors.add(entry);
                } else {
                  warnings.add(entry);
                }
              }
            }
          }
        }
      } catch (final Exception ex) {
        errors.add(issue("READ", ex.getClass().getSimpleName() + ": " + ex.getMessage(), null, null));
      }
      anyError |= !errors.isEmpty();
      line.append(",\"root\":").append(root == null ? "null" : json(root));
      line.append(",\"ves\":[").append(String.join(",", vesIds.stream().map(Validate::json).toList())).append(']');
      line.append(",\"valid\":").append(errors.isEmpty());
      line.append(",\"errors\":[").append(String.join(",", errors)).append(']');
      line.append(",\"warnings\":[").append(String.join(",", warnings)).append("]}");
      out.println(line);
    }
    out.flush();
    System.exit(anyError ? 1 : 0);
  }

  /**
   * Validates {@code file} as PDF/A-3b with veraPDF: every failed check of the profile is an error,
   * its rule the clause and test number of ISO 19005-3 (e.g. {@code 6.2.11.4.1-1}).
   */
  private static void validatePdf(final File file, final List<String> errors) throws Exception {
    final String ves = "org.verapdf:" + PDF_FLAVOUR.getId();
    try (InputStream in = new FileInputStream(file);
        PDFAParser parser = Foundries.defaultInstance().createParser(in, PDF_FLAVOUR)) {
      final PDFAValidator validator = Foundries.defaultInstance().createValidator(PDF_FLAVOUR, false);
      final org.verapdf.pdfa.results.ValidationResult result = validator.validate(parser);
      for (final TestAssertion a : result.getTestAssertions()) {
        if (a.getStatus() == TestAssertion.Status.FAILED) {
          final String rule = a.getRuleId().getClause() + "-" + a.getRuleId().getTestNumber();
          final String location = a.getLocation() == null ? null : a.getLocation().getContext();
          errors.add(issue(rule, a.getMessage(), location, ves));
        }
      }
      if (!result.isCompliant() && errors.isEmpty()) {
        errors.add(issue("PDFA", "veraPDF found the file not compliant without naming a check", null, ves));
      }
    }
  }

  private static String issue(final String rule, final String message, final String location, final String ves) {
    return "{\"rule\":" + json(rule) + ",\"message\":" + json(message) + ",\"location\":" + json(location)
        + ",\"ves\":" + json(ves) + "}";
  }

  /** A JSON string (RFC 8259), or null. */
  private static String json(final String s) {
    if (s == null) {
      return "null";
    }
    final StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
