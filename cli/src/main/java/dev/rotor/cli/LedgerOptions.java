package dev.rotor.cli;

import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the ledger-service's REST API is: {@code --ledger-url}, else {@code $ROTOR_LEDGER_URL}. */
public final class LedgerOptions {

  @Option(
      names = "--ledger-url",
      paramLabel = "<url>",
      description = "The ledger-service, e.g. http://localhost:8085 (default: $ROTOR_LEDGER_URL).")
  String ledgerUrl;

  /** The configured URL, if any. */
  public Optional<URI> ledgerUrl() {
    String value =
        ledgerUrl != null && !ledgerUrl.isBlank()
            ? ledgerUrl.trim()
            : CommonOptions.config("rotor.cli.ledger-url").orElse(null);
    if (value == null) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = URI.create(value.endsWith("/") ? value : value + "/");
    } catch (IllegalArgumentException e) {
      throw CliException.usage("ROTOR-7000", "--ledger-url: not a URL, e.g. http://localhost:8085");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw CliException.usage("ROTOR-7000", "--ledger-url: must be an http:// or https:// URL");
    }
    return Optional.of(uri);
  }

  /** The URL, or an error that says how to give one. */
  public URI requireLedgerUrl() {
    return ledgerUrl()
        .orElseThrow(
            () ->
                CliException.usage(
                    "ROTOR-7200",
                    "where is the ledger? give --ledger-url <url> or set ROTOR_LEDGER_URL"));
  }
}
