/**
 * The bridge between the event contract and Kafka / SmallRye Reactive Messaging. The only package
 * of {@code common} that may import messaging types.
 */
package dev.rotor.common.messaging;
