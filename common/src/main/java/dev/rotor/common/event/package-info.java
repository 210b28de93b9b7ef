/**
 * The event contract between Rotor's services: one record per event type under the sealed {@link
 * dev.rotor.common.event.RotorEvent}, their CloudEvents attributes and topics, and strict decoding.
 * Pure model: no Kafka, Quarkus, fabric8 or JGit types (an architecture test holds that line).
 */
package dev.rotor.common.event;
