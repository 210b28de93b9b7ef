/**
 * A load generator for the Secrets Service ({@code examples/secrets-service}): it keeps writing and
 * reading payloads against several instances at once, reads every payload back through another
 * instance than the one that wrote it, checks the plaintext, and counts what fails. Plain Java (the
 * JDK's {@link java.net.http.HttpClient} and Jackson), usable from tests, from the devstack and
 * from the command line ({@link dev.rotor.examples.load.LoadGeneratorMain}).
 */
package dev.rotor.examples.load;
