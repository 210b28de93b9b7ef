package dev.rotor.manifest.rotation;

/**
 * Fired when a transaction recorded something the worker should look at; observed after the commit,
 * so the worker sees it.
 */
public record WorkArrived(String rotationId) {}
