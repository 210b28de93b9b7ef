package dev.rotor.devstack;

import java.util.Map;

/**
 * One Rotor service as the devstack runs it: its module (whose packaged application it starts), its
 * HTTP port, its configuration as system properties, and its secrets as environment variables (the
 * command line of a process is visible to every user of the machine; its environment is not).
 */
record ServiceSpec(
    String name,
    String module,
    int port,
    Map<String, String> properties,
    Map<String, String> secrets) {}
